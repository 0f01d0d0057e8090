"""Decide what a parsed message is: a human touch, or mail a robot sent.

Pure: no clock, disk or network. Rules run in precedence order (a robot answering,
bounce, receipt, auto reply by headers, calendar, auto reply by subject, list, human);
the first that fires names the header or pattern that decided, in plain words, and
`by_headers` is False when only the subject or the body text did. Subject phrases
count only at the start of a subject (`automatic_words`). When in doubt: human.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from inboxfollow.model import Classification, Kind, Owner, ParsedMessage
from inboxfollow.rules import automatic_words as words
from inboxfollow.rules.bulk import (
    bulk_relay,
    bulk_sender,
    list_header,
    list_rule,
    list_traffic,
    opt_out_footer,
)
from inboxfollow.rules.lead_forms import lead_source_of
from inboxfollow.rules.signs import (
    PREFIX,
    REPLY_SUBJECT_RE,
    any_of,
    by_subject,
    fold,
    has_part,
    header,
    is_reply,
    no_reply_sender,
    phrase,
    search,
    sender_local,
    worded,
)

Rule = Callable[[ParsedMessage], Classification | None]










_ANSWER_OR_FORWARD = any_of([PREFIX, any_of(words.FORWARD_PREFIXES) + r"\s*:"])
# Before a phrase: a tag such as "[Sales]", "EXTERNAL:" or "Yahoo!", but never a person's
# "Re:", "AW:" or "Fwd:"; then perhaps an opening bracket. After it: ":", "]", ")" or the end.
_TAG = r"(?:\[[^\]]*\]|(?!" + _ANSWER_OR_FORWARD + r")[^\s:\[\]]+[:!])"
_LEAD = r"^\s*(?:" + _TAG + r"\s*)?[\[(]?\s*"
_END = r"\s*(?:[:\])]|[.!\u3002]?\s*$)"


def _opening(patterns: Iterable[str]) -> re.Pattern[str]:
    """A subject that opens with one of `patterns`, followed by a colon or nothing."""
    return re.compile(_LEAD + any_of(patterns) + _END)


_AUTO_WORDS = [phrase(t) for ts in words.AUTO_REPLY_SUBJECTS.values() for t in ts]
_AUTO_PHRASES = any_of(_AUTO_WORDS + [rf"\w*{phrase(w)}" for w in words.AUTO_REPLY_WORD_ENDINGS])
_AUTO_SUBJECT_RES = (
    _opening([_AUTO_PHRASES]),  # "Automatic reply: Quote", "Yahoo! Auto Response"
    re.compile(r"[\[(]\s*" + _AUTO_PHRASES + r"\s*[\])]\s*$"),  # "Re: Quote (Auto Response)"
)
_LOTUS_AUTO_RE = re.compile(r"^\s*AUTO\s*:\s")  # Lotus Notes; "Auto: Golf" is a car
_BOUNCE_SUBJECT_RE = _opening(phrase(t) for ts in words.BOUNCE_SUBJECTS.values() for t in ts)
_DELAY_RE = _opening(words.DELAY_SUBJECT_PATTERNS)
_DELIVERED_RE = _opening(words.DELIVERED_SUBJECT_PATTERNS)
_DELIVERY_WORDS_RE = search(words.DELIVERY_SUBJECT_WORDS)
_DELAY_WORD_RE = re.compile(r"\bdelay", re.IGNORECASE)
_DAEMON_NAME_RE = search(words.DAEMON_NAME_PATTERNS)
_LIST_REJECT_RE = search(words.LIST_REFUSAL_PATTERNS)
_AUTO_TEXT_RE = search(words.AUTO_REPLY_TEXT_PATTERNS)
_BOUNCE_TEXT_RE = search(words.BOUNCE_TEXT_PATTERNS)
_DELAY_TEXT_RE = search(words.DELAY_TEXT_PATTERNS)
_REPORT_TYPE_RE = re.compile(r"report-type\s*=\s*\"?([\w-]+)", re.IGNORECASE)
_ACTION_RE = re.compile(r"^\s*action\s*:\s*([a-z]+)", re.IGNORECASE | re.MULTILINE)
_ICS_METHOD_RE = re.compile(r"^method\s*:\s*([a-z-]+)", re.IGNORECASE | re.MULTILINE)
_SNS_RE = re.compile(r'"notificationType"\s*:\s*"(Bounce|Delivery)"')
_BOT_SENDER_RE = re.compile(r"^(?:owner|control|submit|request|debbugs)@bugs\.", re.IGNORECASE)
_DSN_TYPES = ("message/delivery-status", "message/global-delivery-status")


def classify(msg: ParsedMessage, owner: Owner) -> Classification:
    """What `msg` is, with the reason in plain words. A configured lead source's
    notification is matched first: machine-sent, but it carries a lead (lead_forms)."""
    if owner.lead_sources and (source := lead_source_of(msg, owner)) is not None:
        return Classification(Kind.LIST, f"a web-form notification from the lead source "
                                         f"{source.name!r} ([leads])")
    for rule in _RULES:
        found = rule(msg)
        if found is not None:
            return found
    by_text = _from_text(msg) if msg.has_text and _ambiguous(msg, owner) else None
    return by_text or bulk_sender(msg) or _HUMAN


def needs_text(msg: ParsedMessage, owner: Owner) -> bool:
    """True when the body text prefix could change the decision or a later rule needs it.

    Always for the owner's own mail; for inbound mail when the headers leave it
    open whether a mail system or a robot sent it, when a delivery report's
    Action fields decide, and for a bare text/calendar whose METHOD is in its text.
    """
    if _from_owner(msg, owner) or (owner.lead_sources and lead_source_of(msg, owner)):
        return True
    calendar = msg.content_type == "text/calendar" and not _calendar_method(msg)
    if not msg.has_text and (_delivery_report(msg) or calendar):
        return True
    return _ambiguous(msg, owner) and all(rule(msg) is None for rule in _RULES)


# helpers ---------------------------------------------------------------------




def _report_type(msg: ParsedMessage) -> str:
    match = _REPORT_TYPE_RE.search(msg.headers.get("content-type", ""))
    return match.group(1).lower() if match else ""






def _from_daemon(msg: ParsedMessage) -> bool:
    if sender_local(msg) in words.DAEMON_LOCALS:
        return True
    name = msg.sender.name if msg.sender else header(msg, "from")
    return bool(_DAEMON_NAME_RE.search(name))


def _null_return_path(msg: ParsedMessage) -> bool:
    return header(msg, "return-path").replace(" ", "") in ("<>", "<<>>")


def _from_owner(msg: ParsedMessage, owner: Owner) -> bool:
    return msg.sender is not None and owner.is_owner(msg.sender.email)




def _ambiguous(msg: ParsedMessage, owner: Owner) -> bool:
    """Headers alone cannot tell a bounce or auto reply from other mail."""
    if _from_owner(msg, owner):
        return False
    nothing_known = msg.sender is None and not msg.subject
    if nothing_known or _from_daemon(msg) or _null_return_path(msg) or no_reply_sender(msg):
        return True
    return not is_reply(msg) and bool(bulk_relay(msg))  # a newsletter or a person




def _delivery_report(msg: ParsedMessage) -> str:
    """How the message is an RFC 3464 delivery report, or "" when it is none."""
    if _report_type(msg) == "delivery-status":
        return "multipart/report; report-type=delivery-status"
    return "message/delivery-status part" if has_part(msg, *_DSN_TYPES) else ""




def _notice_subject(msg: ParsedMessage) -> Classification | None:
    """A delay warning or success notice known by its subject alone: no bounce, no answer."""
    subject = fold(msg.subject)
    for pattern, what in ((_DELAY_RE, "delay warning"), (_DELIVERED_RE, "delivery success")):
        if pattern.match(subject):
            return by_subject(msg, Kind.AUTO_REPLY, what)
    return None


# rules, in precedence order ----------------------------------------------------


def _robot_answer(msg: ParsedMessage) -> Classification | None:
    """Challenge/response services and no-reply robots answering a message."""
    for name in words.CHALLENGE_HEADERS:
        if name in msg.headers:
            return Classification(Kind.AUTO_REPLY, f"challenge/response header {name}")
    if no_reply_sender(msg) and is_reply(msg):
        address = msg.sender.email if msg.sender else ""
        return Classification(Kind.AUTO_REPLY, f"the robot address {address} answered")
    return None


def _bounce(msg: ParsedMessage) -> Classification | None:
    report = _delivery_report(msg)
    if report:
        return _by_actions(msg, report)
    if "x-failed-recipients" in msg.headers:
        return Classification(Kind.BOUNCE, "X-Failed-Recipients header")
    notice = _notice_subject(msg)
    if notice is not None:
        return notice
    if _BOUNCE_SUBJECT_RE.match(fold(msg.subject)):
        return by_subject(msg, Kind.BOUNCE, "delivery failure")
    if _LIST_REJECT_RE.search(msg.subject) and any(n in msg.headers for n in words.LIST_MANAGERS):
        reason = f"list manager refused the message: {msg.subject[:60]!r}"
        return Classification(Kind.BOUNCE, reason)
    return _bounce_from_system(msg)


def _by_actions(msg: ParsedMessage, report: str) -> Classification:
    """Only an Action of "failed" is a bounce; delayed, delivered, relayed, expanded are not."""
    actions = {a.lower() for a in _ACTION_RE.findall(msg.text)}
    known = sorted(actions & set(words.DSN_NOT_FAILED))
    if "failed" in actions:
        return Classification(Kind.BOUNCE, f"{report}, Action: failed")
    if known:
        reason = f"{report}, Action: {', '.join(known)} (not a failure, not an answer)"
        return Classification(Kind.AUTO_REPLY, reason)
    return _notice_subject(msg) or Classification(Kind.BOUNCE, report)


def _bounce_from_system(msg: ParsedMessage) -> Classification | None:
    """A mail system's own message: daemon sender or empty Return-Path, plus more."""
    system = _from_daemon(msg) or (_null_return_path(msg) and msg.sender is None)
    if not system:
        return None
    if _DELAY_WORD_RE.search(msg.subject):
        reason = f"mail system sender reports a delay: {msg.subject[:60]!r}"
        return Classification(Kind.AUTO_REPLY, reason)
    if header(msg, "auto-submitted").lower().startswith("auto-"):
        return Classification(Kind.BOUNCE, "mail system sender with Auto-Submitted")
    if has_part(msg, "message/rfc822", "text/rfc822-headers"):
        return Classification(Kind.BOUNCE, "mail system sender returning the original message")
    if _DELIVERY_WORDS_RE.search(msg.subject):
        return Classification(Kind.BOUNCE, f"mail system sender, subject {msg.subject[:60]!r}")
    return None


def _receipt(msg: ParsedMessage) -> Classification | None:
    mdn = _report_type(msg) == "disposition-notification"
    if mdn or has_part(msg, "message/disposition-notification"):
        return Classification(Kind.RECEIPT, "read receipt (disposition-notification report)")
    return None


def _auto_reply(msg: ParsedMessage) -> Classification | None:
    auto = header(msg, "auto-submitted").lower()
    if auto and not auto.startswith("no"):
        return Classification(Kind.AUTO_REPLY, f"Auto-Submitted: {auto}")
    for name in words.AUTO_REPLY_HEADERS:
        if name in msg.headers:
            return Classification(Kind.AUTO_REPLY, f"{name} header")
    if header(msg, "x-autogenerated").lower() == "reply":
        return Classification(Kind.AUTO_REPLY, "X-Autogenerated: Reply")
    sender = msg.sender.email if msg.sender else ""  # bug trackers' control addresses:
    if _BOT_SENDER_RE.match(sender) or "debbugs@" in header(msg, "sender").lower():
        return Classification(Kind.AUTO_REPLY, "a bug tracker's control bot answered")
    return _auto_by_precedence(msg)


def _auto_by_precedence(msg: ParsedMessage) -> Classification | None:
    """Precedence junk/bulk/auto_reply off list traffic, answering or from a null sender."""
    precedence = header(msg, "precedence").lower()
    if precedence == "auto_reply":
        return Classification(Kind.AUTO_REPLY, "Precedence: auto_reply")
    if precedence not in ("bulk", "junk") or list_header(msg) or list_traffic(msg):
        return None
    if _null_return_path(msg) or REPLY_SUBJECT_RE.match(msg.subject):
        return Classification(Kind.AUTO_REPLY, f"Precedence: {precedence} answering a message")
    return None


def _calendar_method(msg: ParsedMessage) -> str:
    """The iTIP method: a part's method parameter (only iCalendar parts, text/calendar or
    application/ics, carry one), else the METHOD: line of a bare text/calendar."""
    for part in msg.parts:
        method = dict(part.params).get("method", "").lower()
        if method:
            return method
    if msg.content_type != "text/calendar":
        return ""
    match = _ICS_METHOD_RE.search(msg.text)
    return match.group(1).lower() if match else ""


def _calendar(msg: ParsedMessage) -> Classification | None:
    """An attendee's reply (or counter-proposal) is an answer; an invitation is not."""
    method = _calendar_method(msg)
    if method in words.CALENDAR_ANSWERS:
        reason = "calendar reply" if method == "reply" else f"calendar reply (METHOD:{method})"
        return Classification(Kind.HUMAN, reason)
    if method:
        return Classification(Kind.CALENDAR, f"iCalendar part, method={method}")
    if msg.content_type == "text/calendar":
        return Classification(Kind.CALENDAR, "top-level text/calendar")
    return None


def _auto_reply_subject(msg: ParsedMessage) -> Classification | None:
    """An auto-reply phrase opening the subject; never behind "Re:", "AW:" or "Fwd:"."""
    if _LOTUS_AUTO_RE.match(msg.subject):
        return by_subject(msg, Kind.AUTO_REPLY, "Lotus Notes auto-reply")
    subject = fold(msg.subject)
    opening, bracketed = _AUTO_SUBJECT_RES
    if opening.match(subject) or bracketed.search(subject):
        return by_subject(msg, Kind.AUTO_REPLY, "auto-reply")
    return None










_RULES: tuple[Rule, ...] = (
    _robot_answer, _bounce, _receipt, _auto_reply, _calendar, _auto_reply_subject, list_rule
)
_HUMAN = Classification(Kind.HUMAN, "no automatic or list signal in headers or structure")


def _from_text(msg: ParsedMessage) -> Classification | None:
    """Refine an ambiguous message (daemon or no-reply sender, empty Return-Path, a bulk
    relay) by its words."""
    text = fold(msg.text[:4000])
    sns = _SNS_RE.search(msg.text[:4000])
    if sns:
        kind = Kind.BOUNCE if sns.group(1) == "Bounce" else Kind.AUTO_REPLY
        return worded(kind, f"delivery notification (SES {sns.group(1)})")
    system = _from_daemon(msg) or _null_return_path(msg)
    if _DELAY_TEXT_RE.search(text) and system:
        return worded(Kind.AUTO_REPLY, "delay wording from a mail system")
    if _BOUNCE_TEXT_RE.search(text) and (system or has_part(msg, "message/rfc822")):
        return worded(Kind.BOUNCE, "delivery failure wording from a mail system")
    if _AUTO_TEXT_RE.search(text) and _null_return_path(msg):
        return worded(Kind.AUTO_REPLY, "out-of-office wording with empty Return-Path")
    if _BOUNCE_TEXT_RE.search(text) and msg.sender is None:
        return worded(Kind.BOUNCE, "delivery failure wording, no sender")
    return opt_out_footer(msg)
