"""Mail from lists, newsletters and bulk senders, known by headers, then by a footer.

Pure. List headers and list-server traffic decide alone. A newsletter without list
headers is known only when it answers nothing: by a bulk sender address, or, when
it came through a bulk relay (an email service provider's bounce address, a VERP
return path, a bulk MTA in Received), by the opt-out footer in its text. A person
writing through their company's provider stays human: the relay alone says nothing.
"""

from __future__ import annotations

import re

from inboxfollow.model import Classification, Kind, ParsedMessage
from inboxfollow.rules import automatic_words as words
from inboxfollow.rules.signs import (
    any_of,
    by_subject,
    fold,
    header,
    is_reply,
    no_reply_sender,
    search,
    worded,
)

_BULK_LOCAL_RE = re.compile(any_of(words.BULK_LOCAL_PATTERNS) + r"(?:[._+-].*)?$", re.I)
_BULK_DOMAIN_RE = search(words.BULK_DOMAIN_PATTERNS)
_BULK_MAILERS_RE = search(words.BULK_MAILER_PATTERNS)
_LIST_OWNER_RE = search(words.LIST_SERVER_ADDRESS_PATTERNS)
_DIGEST_SUBJECT_RE = re.compile(r"\bdigest\b.{0,40}\b(?:vol|volume|issue|no\.?|#)\s*\d", re.I)
_BULK_MTA_RE = search(words.BULK_MTA_PATTERNS)
# A return path that carries the recipient's address: "bounce+7c1a-owner=example.com@..."
_VERP_RE = re.compile(r"[-+.=_][\w.+-]+=[\w-]+(?:\.[\w-]+)+@", re.ASCII)
_ENVELOPE_FROM_RE = re.compile(r"envelope-from\s*<([^>]*)>", re.IGNORECASE)
_OPT_OUT_RE = search(words.OPT_OUT_TEXT_PATTERNS)


def list_header(msg: ParsedMessage) -> str:
    return next((name for name in words.LIST_HEADERS if name in msg.headers), "")


def list_traffic(msg: ParsedMessage) -> str:
    """Signs of a list server besides List-* headers; too weak alone (archives keep them)."""
    if header(msg, "delivered-to").lower().startswith("mailing list"):
        return "Delivered-To: mailing list"
    for name in ("sender", "return-path", "errors-to"):
        if _LIST_OWNER_RE.search(header(msg, name)):
            return f"list server address in {name}"
    return ""


def list_rule(msg: ParsedMessage) -> Classification | None:
    name = list_header(msg)
    if name:
        return Classification(Kind.LIST, f"{name} header")
    traffic = list_traffic(msg)
    precedence = header(msg, "precedence").lower()
    if precedence in ("bulk", "list", "junk"):
        return Classification(Kind.LIST, f"Precedence: {precedence} {traffic}".strip())
    if header(msg, "feedback-id").count(":") >= 2:  # not an ESP's own "id:AmazonSES"
        return Classification(Kind.LIST, "Feedback-ID header with campaign fields")
    if "multipart/digest" in header(msg, "content-type").lower():
        return Classification(Kind.LIST, "multipart/digest")
    mailer = header(msg, "x-mailer")
    if _BULK_MAILERS_RE.search(mailer):
        return Classification(Kind.LIST, f"bulk mailer {mailer[:40]!r}")
    if _DIGEST_SUBJECT_RE.search(msg.subject):
        return by_subject(msg, Kind.LIST, "digest")
    return None


def bulk_sender(msg: ParsedMessage) -> Classification | None:
    """Newsletters and list posts without list headers; never applied to replies.

    An email service provider's bounce-handling Return-Path alone says nothing:
    people write through their company's provider too.
    """
    if is_reply(msg):
        return None
    if "errors-to" in msg.headers:
        return Classification(Kind.LIST, "Errors-To header on a message that is not a reply")
    traffic = list_traffic(msg) or ("Mailing-List header" if "mailing-list" in msg.headers else "")
    if traffic:
        return Classification(Kind.LIST, f"{traffic} on a message that is not a reply")
    if msg.headers.get("to", "").strip().endswith(":;") and not msg.to:
        return Classification(Kind.LIST, "sent to an empty group (undisclosed list)")
    local, _, domain = msg.sender.email.partition("@") if msg.sender else ("", "", "")
    if _BULK_LOCAL_RE.match(local) or no_reply_sender(msg):
        return Classification(Kind.LIST, f"bulk sender address {local}@")
    if _BULK_DOMAIN_RE.search(domain):
        return Classification(Kind.LIST, f"bulk sender domain {domain}")
    return None


def bulk_relay(msg: ParsedMessage) -> str:
    """How the message came through a bulk relay, or "": too weak alone to call it bulk."""
    received = header(msg, "received")
    mta = _BULK_MTA_RE.search(received)
    if mta:
        return f"bulk MTA {mta.group(0)!r} in Received"
    envelope = [header(msg, "return-path"), *_ENVELOPE_FROM_RE.findall(received)]
    if any(_VERP_RE.search(address) for address in envelope):
        return "a return path carrying the recipient's address (VERP)"
    if any(name in msg.headers for name in words.ESP_HEADERS):
        return "an email service provider's headers"
    return ""


def opt_out_footer(msg: ParsedMessage) -> Classification | None:
    """A message through a bulk relay that answers nothing, with an opt-out footer."""
    if is_reply(msg):
        return None
    relay = bulk_relay(msg)
    match = _OPT_OUT_RE.search(fold(msg.text[:8000])) if relay else None
    if match is None:
        return None
    return worded(Kind.LIST, f"opt-out wording {match.group(0)[:40]!r} and {relay}")
