"""Whether mail to the capture address is the owner's (pure): the capture trust rule.

Mail to the capture address is the owner's only when it comes from an owner
address, its Sender (if any) is an owner address, and either

(a) the owner's Sent folder holds a copy under one of its IDs whose own
    recipients name the capture address with the same tag (checked against the
    store after the pass, `app.capture_hold`), or
(b) an Authentication-Results header (RFC 8601) added by the capture mailbox's own
    provider says dmarc=pass, or dkim=pass with a signing domain aligned with the
    From domain (relaxed alignment: the same organisational domain).

The provider is named in config, `[capture] trusted_authserv_id`; only the topmost
header with a listed authserv-id decides, every other one is ignored whatever it
says: a sender can write any header it likes below the provider's. `none`, missing
or unlisted results are not trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from inboxfollow.model import Owner, ParsedMessage
from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.organisations import ascii_domain, domain_of, registrable

DEFAULT_DELIMITER = "+"


@dataclass(frozen=True)
class CaptureOwner(Owner):
    """The owner, with what the capture rules need from the config."""

    trusted_authserv_ids: tuple[str, ...] = ()  # lower-cased
    plus_delimiter: str = DEFAULT_DELIMITER
    calendar: Calendar | None = None  # the working calendar dated tags count on

    def is_capture(self, email: str) -> bool:
        """The capture address, or it with a +tag (also when it is itself a +address)."""
        return capture_tag(email, self.capture_address, self.plus_delimiter) is not None


def trusted_ids(owner: Owner) -> tuple[str, ...]:
    return owner.trusted_authserv_ids if isinstance(owner, CaptureOwner) else ()


# record["trust"] of a copy whose commands count (see app.capture_hold): the owner's Sent
# copy, a capture copy the provider vouched for, one the owner's Sent folder vouched for
TRUSTED_COPIES = ("sent", "capture", "sent-copy")


def calendar_of(owner: Owner) -> Calendar:
    found = owner.calendar if isinstance(owner, CaptureOwner) else None
    return found or Calendar()


def delimiter_of(owner: Owner) -> str:
    return owner.plus_delimiter if isinstance(owner, CaptureOwner) else DEFAULT_DELIMITER


def capture_tag(email: str, capture: str, delimiter: str = DEFAULT_DELIMITER) -> str | None:
    """The tag part of `email` if it is the capture address ("" without a tag), else None.

    `capture+3d@x` gives "3d"; with a capture address `dana+crm@x`, `dana+crm+3d@x`
    gives "3d" and `dana+crm@x` gives "".
    """
    if not capture or not delimiter:
        return None
    local, _, domain = email.strip().strip("<>").lower().rpartition("@")
    cap_local, _, cap_domain = capture.lower().rpartition("@")
    if ascii_domain(domain) != ascii_domain(cap_domain) or not local:
        return None
    if local == cap_local:
        return ""
    if local.startswith(cap_local + delimiter):
        return local[len(cap_local) + len(delimiter):]
    return None


EMAIL_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+\w")
_FOR = re.compile(r"\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?\s*(?:;|$|\()", re.IGNORECASE | re.MULTILINE)


def delivery_addresses(headers: dict[str, str]) -> list[str]:
    """The addresses a copy was delivered to, as its delivery headers tell: Delivered-To,
    X-Original-To and the `for <...>` clause of each Received line (not every provider
    writes all three). A BCC'd address shows nowhere else in the delivered copy."""
    found = EMAIL_RE.findall(headers.get("delivered-to", ""))
    found += EMAIL_RE.findall(headers.get("x-original-to", ""))
    found += [m.group(1) for m in _FOR.finditer(headers.get("received", ""))]
    return [f.lower() for f in found]


def to_capture_only(parsed: ParsedMessage, owner: Owner) -> bool:
    """Addressed (or delivered) to the capture address and to no other owner address."""
    seen = [a.email for a in parsed.recipients] + delivery_addresses(parsed.headers)
    to_capture = any(owner.is_capture(email) for email in seen)
    to_owner = any(owner.is_owner(a.email) and not owner.is_capture(a.email)
                   for a in parsed.recipients)
    return to_capture and not to_owner


def trust_basis(
    parsed: ParsedMessage, source: str, owner: Owner, in_sent: bool, problem: str
) -> dict[str, Any]:
    """What a record's trust rests on, for commands (rules.capture_tags) to read its tags:
    {"trust": "sent"} for the owner's Sent copy, {"trust": "capture"} for capture mail
    the provider vouched for; no trust otherwise (tags on such a copy are never obeyed).
    Capture mail also keeps the addresses it was delivered to: where a BCC'd tag shows."""
    if in_sent:
        return {"trust": "sent"}
    if not owner.capture_address or not (source == "capture" or to_capture_only(parsed, owner)):
        return {}
    delivered = {"delivered_to": delivery_addresses(parsed.headers)}
    return delivered if problem else {"trust": "capture", **delivered}


# -- Authentication-Results ------------------------------------------------------------

_FIELD = re.compile(rb"^authentication-results[ \t]*:(.*(?:\r?\n[ \t].*)*)",
                    re.IGNORECASE | re.MULTILINE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_COMMENT = re.compile(r"\([^()]*\)")
_PROPERTY = re.compile(r"([a-z][\w.-]*)=(\"[^\"]*\"|[^\s;]+)", re.IGNORECASE)


def authentication_results(raw: bytes) -> list[str]:
    """Every Authentication-Results header of a raw header block, topmost first, unfolded."""
    end = _HEADER_END.search(raw)
    block = raw[: end.start()] if end else raw
    return [re.sub(r"\r?\n[ \t]+", " ", m.group(1).decode("ascii", "replace")).strip()
            for m in _FIELD.finditer(block)]


@dataclass(frozen=True)
class AuthResult:
    authserv_id: str  # lower-cased; "" when the header names none (Microsoft writes none)
    results: tuple[tuple[str, str, dict[str, str]], ...]  # (method, result, properties)


def parse_authentication_results(value: str) -> AuthResult:
    """One header's value: its authserv-id and each method's result with its properties."""
    text = value
    while _COMMENT.search(text):
        text = _COMMENT.sub(" ", text)
    parts = [p.strip() for p in text.split(";")]
    head = parts[0].split()
    authserv = head[0].lower() if head and "=" not in head[0] else ""
    body = parts[1:] if authserv or not parts[0] else parts
    results = []
    for part in body:
        props = [(k.lower(), v.strip('"')) for k, v in _PROPERTY.findall(part)]
        if not props:
            continue
        (method, result), rest = props[0], props[1:]
        results.append((method, result.lower(), dict(rest)))
    return AuthResult(authserv, tuple(results))


def _aligned(signing: str, from_domain: str) -> bool:
    signing, from_domain = ascii_domain(signing.lstrip("@")), ascii_domain(from_domain)
    return bool(signing) and registrable(signing) == registrable(from_domain)


def verdict_of(result: AuthResult, from_domain: str) -> tuple[bool, str]:
    """Pass when DMARC passed, or DKIM passed for a domain aligned with From's."""
    seen = []
    for method, outcome, props in result.results:
        seen.append(f"{method}={outcome}")
        if method == "dmarc" and outcome == "pass":
            return True, f"{result.authserv_id}: dmarc=pass"
        if method == "dkim" and outcome == "pass":
            signing = props.get("header.d") or domain_of(props.get("header.i", ""))
            if _aligned(signing, from_domain):
                return True, f"{result.authserv_id}: dkim=pass for {signing}"
            seen[-1] += f" for {signing or 'no domain'}, not aligned with {from_domain}"
    return False, f"{result.authserv_id} says {', '.join(seen) or 'nothing'}"


def authentication_verdict(
    headers: Sequence[str], trusted: Iterable[str], from_domain: str
) -> tuple[bool, str]:
    """(trusted?, why) from the topmost header whose authserv-id is listed in `trusted`."""
    listed = {t.lower() for t in trusted}
    if not listed:
        return False, "no [capture].trusted_authserv_id is configured"
    for value in headers:
        result = parse_authentication_results(value)
        if result.authserv_id in listed:
            return verdict_of(result, from_domain)
    found = sorted({parse_authentication_results(v).authserv_id or "(none)" for v in headers})
    if not found:
        return False, "no Authentication-Results header"
    return False, f"no Authentication-Results from a trusted authserv-id (found {', '.join(found)})"


def authserv_ids(raw: bytes) -> list[str]:
    """The authserv-ids on a message, topmost first (for `check` to propose a value)."""
    ids = [parse_authentication_results(v).authserv_id for v in authentication_results(raw)]
    return [i for i in ids if i]


# A reason starting with this may still be lifted by the owner's Sent copy (rule (a)):
# the record is built and held until the pass has read the Sent folder (app.capture_hold).
UNVERIFIED = "unverified: "


def trust_problem(
    parsed: ParsedMessage, source: str, owner: Owner, raw: bytes = b"", in_sent: bool = False
) -> str:
    """Why a message must not be recorded, under the capture trust rule (rules.capture_trust).

    "" when it may be recorded; a reason starting with UNVERIFIED when only the
    owner's Sent copy could still vouch for it; any other reason sets it aside.
    `in_sent`: the copy lies in the owner's own Sent folder (rule (a) itself).
    """
    if not owner.capture_address and source != "capture":
        return ""
    if source != "capture" and not to_capture_only(parsed, owner):
        return ""
    sender = parsed.sender.email if parsed.sender else ""
    if not owner.is_owner(sender) or owner.is_capture(sender):
        return f"mail to the capture address is trusted only from the owner, not {sender!r}"
    on_behalf = parsed.headers.get("sender", "")
    agents = [a for a in EMAIL_RE.findall(on_behalf) if not owner.is_owner(a)]
    if agents:
        return f"mail to the capture address has a Sender: {agents[0]!r}, not the owner"
    if in_sent:
        return ""
    passed, why = authentication_verdict(
        authentication_results(raw), trusted_ids(owner), domain_of(sender))
    return "" if passed else f"{UNVERIFIED}mail to the capture address, not verified: {why}"
