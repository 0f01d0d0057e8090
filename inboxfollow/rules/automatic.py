"""Decide what a parsed message is: a human touch, or mail a robot sent.

Pure: no clock, disk or network. Rules run in precedence order
(bounce, receipt, auto reply, calendar, then list, then human) and the first
that fires names the header or pattern that decided, in plain words.
When in doubt between human and automatic, the answer is human.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from inboxfollow.model import Classification, Kind, Owner, ParsedMessage

Rule = Callable[[ParsedMessage], Classification | None]

_REPORT_TYPE_RE = re.compile(r"report-type\s*=\s*\"?([\w-]+)", re.IGNORECASE)

_DAEMON_LOCALS = frozenset({"mailerdaemon", "maildaemon", "postmaster", "mdaemon", "mailadmin"})
_DAEMON_NAME_RE = re.compile(
    r"mail delivery (sub)?system|mail administrator|mailer[- ]daemon|postmaster", re.IGNORECASE
)
_BOUNCE_SUBJECT_RE = re.compile(
    r"""^\s*(?:
        undeliver(?:able|ed)\b | undelivered\ mail | non[- ]?deliver
      | delivery\ (?:status\ notification|failure|failed|notification|report|problem)
      | delivery\ (?:has\ )?(?:delayed|delay) | warning:\ could\ not\ send
      | mail\ delivery\ (?:failed|failure|problem|system|error)
      | returned\ mail | return(?:ed)?\ to\ sender | failure\ notice | failed\ mail
      | message\ (?:delivery\ )?(?:failure|delayed|not\ delivered|could\ not\ be\ delivered)
      | mail\ system\ error | permanent\ delivery\ failure | delayed\ mail
      | \[?postmaster\]? | nicht\ zustellbar | unzustellbar | non\ remis
      | no\ se\ puede\ entregar | メールエラー | 配信エラー
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_AUTO_SUBJECT_RE = re.compile(
    r"""(?:
        \bautomatic\ reply\b | \bauto(?:matic)?[- ]?(?:reply|response|respons|svar)\b
      | \bautoreply\b | \bautorespon | \bautosvar\b | \bautomatisch\w*\ antwort
      | r[ée]ponse\ automatique | respuesta\ autom[aá]tica | risposta\ automatica
      | automatyczna\ odpowied | resposta\ autom[aá]tica | automaattinen\ vastaus
      | automatisch\ antwoord | autom[aā]tisk\w*\ (?:atbilde|svar)
      | \bout\ of\ (?:the\ )?office\b | \bout-of-office\b | \bon\ vacation\b
      | \baway\ from\ (?:my|the)\ (?:desk|office)\b | \babwesenheit | \babsence\ du\ bureau
      | ^\s*auto:\s | \(automatic\ response\) | \bvacation\ (?:reply|message|notice)\b
      | 自动回复 | 自動回覆 | 自動回復 | 自動応答 | 자동\s?응답
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_NO_REPLY_LOCALS = frozenset({"noreply", "donotreply", "donotrespond", "notifications"})
_BULK_LOCAL_RE = re.compile(
    r"^(?:e?news(?:letters?)?|announce(?:ments?)?|alerts?|marketing|promo(?:tions?)?|"
    r"campaigns?|mailings?|offers?|deals|digest|enews|bulk|updates)(?:[._+-].*)?$",
    re.IGNORECASE,
)
_BULK_DOMAIN_RE = re.compile(
    r"(?:^|[.-])e?news(?:letters?)?[.-]|eblast|newsletter|mailings?\.|campaign|marketing|"
    r"(?:^|\.)(?:yahoogroups|googlegroups|groups\.io|lists?)\.",
    re.IGNORECASE,
)
_DIGEST_SUBJECT_RE = re.compile(r"\bdigest\b.{0,40}\b(?:vol|volume|issue|no\.?|#)\s*\d", re.I)
_CHALLENGE_RE = re.compile(r"boxbe|bluebottle|spamarrest|mailblocks|choicemail", re.IGNORECASE)
_CHALLENGE_HEADERS = ("x-boxbe", "x-bluebottle-request", "x-spam-arrest", "x-challenge")
_LIST_HEADERS = (
    "list-id",
    "list-post",
    "list-unsubscribe",
    "x-mailing-list",
    "list-help",
    "list-subscribe",
    "x-list",
    "x-loop",
)
_LIST_OWNER_RE = re.compile(
    r"(?:\bowner-|-owner@|-request@|-bounces?[@+]|-return-|-admin@|-errors@|\blistserv@)", re.I
)
_BULK_MAILERS_RE = re.compile(
    r"mailchimp|constant ?contact|sendgrid|campaign|newsletter|mass ?mail|bulk|"
    r"lyris|listserv|mailman|ezmlm|sympa|majordomo|exacttarget|phplist|marketo",
    re.IGNORECASE,
)
_REPLY_SUBJECT_RE = re.compile(r"^\s*(?:re|aw|sv|vs|antw|r|ris|wg)\s*(?:\[\d+\])?\s*:", re.I)
_BOUNCE_TEXT_RE = re.compile(
    r"could not be delivered|couldn't be delivered|undeliverable|delivery (?:has )?failed|"
    r"permanent (?:error|fatal)|user unknown|mailbox (?:unavailable|full|not found)|"
    r"no such (?:user|recipient)|recipient address rejected|delivery to the following|"
    r"has been delayed|will retry|could not deliver|returned to sender|unrouteable|"
    r"\b5\.\d\.\d+\b|\b550\b",
    re.IGNORECASE,
)
_SNS_BOUNCE_RE = re.compile(r'"notificationType"\s*:\s*"(?:Bounce|Delivery)"')
_DELIVERY_WORDS_RE = re.compile(
    r"deliver|bounced|returned|undeliver|failure|failed|delay|rejected|error", re.IGNORECASE
)
_AUTO_TEXT_RE = re.compile(
    r"out of (?:the )?office|i am (?:currently )?(?:away|out|on leave|on vacation)|"
    r"i'm (?:currently )?(?:away|out)|away until|back (?:in the office )?on|will be back|"
    r"automatic(?:ally generated)? (?:reply|response|message)|auto-?reply|"
    r"limited access to (?:my )?e-?mail|thank you for your (?:e-?mail|message)",
    re.IGNORECASE,
)


def classify(msg: ParsedMessage, owner: Owner) -> Classification:
    """What `msg` is, with the reason in plain words."""
    for rule in _RULES:
        found = rule(msg)
        if found is not None:
            return found
    if msg.has_text and _ambiguous(msg, owner):
        found = _from_text(msg)
        if found is not None:
            return found
    found = _bulk_sender(msg)
    if found is not None:
        return found
    return Classification(Kind.HUMAN, "no automatic or list signal in headers or structure")


def needs_text(msg: ParsedMessage, owner: Owner) -> bool:
    """True when the body text prefix could change the decision or a later rule needs it.

    Always for the owner's own mail; for inbound mail only when the headers
    leave it open whether a mail system or a robot sent it.
    """
    if _from_owner(msg, owner):
        return True
    return _ambiguous(msg, owner) and all(rule(msg) is None for rule in _RULES)


# helpers ---------------------------------------------------------------------


def _header(msg: ParsedMessage, name: str) -> str:
    return msg.headers.get(name, "").strip()


def _report_type(msg: ParsedMessage) -> str:
    if msg.content_type != "multipart/report":
        return ""
    match = _REPORT_TYPE_RE.search(msg.headers.get("content-type", ""))
    return match.group(1).lower() if match else ""


def _has_part(msg: ParsedMessage, *types: str) -> bool:
    return msg.content_type in types or any(part.content_type in types for part in msg.parts)


def _sender_local(msg: ParsedMessage) -> str:
    return msg.sender.email.partition("@")[0] if msg.sender else ""


def _from_daemon(msg: ParsedMessage) -> bool:
    if _sender_local(msg).replace("-", "").replace("_", "") in _DAEMON_LOCALS:
        return True
    name = msg.sender.name if msg.sender else _header(msg, "from")
    return bool(_DAEMON_NAME_RE.search(name))


def _null_return_path(msg: ParsedMessage) -> bool:
    return _header(msg, "return-path").replace(" ", "") in ("<>", "<<>>")


def _from_owner(msg: ParsedMessage, owner: Owner) -> bool:
    return msg.sender is not None and owner.is_owner(msg.sender.email)


def _no_reply_sender(msg: ParsedMessage) -> bool:
    return _sender_local(msg).replace("-", "").replace("_", "") in _NO_REPLY_LOCALS


def _ambiguous(msg: ParsedMessage, owner: Owner) -> bool:
    """Headers alone cannot tell a bounce or auto reply from other mail."""
    if _from_owner(msg, owner):
        return False
    nothing_known = msg.sender is None and not msg.subject
    return nothing_known or _from_daemon(msg) or _null_return_path(msg) or _no_reply_sender(msg)


def _is_reply(msg: ParsedMessage) -> bool:
    return bool(msg.in_reply_to or msg.references or _REPLY_SUBJECT_RE.match(msg.subject))


# rules, in precedence order ----------------------------------------------------


def _challenge(msg: ParsedMessage) -> Classification | None:
    for name in _CHALLENGE_HEADERS:
        if name in msg.headers:
            return Classification(Kind.AUTO_REPLY, f"challenge/response header {name}")
    sender = msg.sender.email if msg.sender else ""
    if _CHALLENGE_RE.search(sender) or _CHALLENGE_RE.search(_header(msg, "message-id")):
        return Classification(Kind.AUTO_REPLY, "challenge/response service (Boxbe, Bluebottle)")
    return None


def _bounce(msg: ParsedMessage) -> Classification | None:
    if _report_type(msg) == "delivery-status":
        return Classification(Kind.BOUNCE, "multipart/report; report-type=delivery-status")
    if _has_part(msg, "message/delivery-status", "message/global-delivery-status"):
        return Classification(Kind.BOUNCE, "message/delivery-status part")
    if "x-failed-recipients" in msg.headers:
        return Classification(Kind.BOUNCE, "X-Failed-Recipients header")
    if _BOUNCE_SUBJECT_RE.search(msg.subject):
        return Classification(Kind.BOUNCE, f"delivery failure subject {msg.subject[:60]!r}")
    if _list_manager(msg) and _LIST_REJECT_RE.search(msg.subject):
        reason = f"list manager refused the message: {msg.subject[:60]!r}"
        return Classification(Kind.BOUNCE, reason)
    return _bounce_from_system(msg)


_LIST_REJECT_RE = re.compile(
    r"\bnot\s+(?:a\s+)?(?:member|subscribed|subscriber)\b|\bposting\s+(?:rejected|refused)\b"
    r"|\bmessage\s+(?:rejected|refused)\b",
    re.IGNORECASE,
)


def _list_manager(msg: ParsedMessage) -> bool:
    return any(n in msg.headers for n in ("x-mlserver", "x-ml-info", "mailing-list", "list-id"))


def _bounce_from_system(msg: ParsedMessage) -> Classification | None:
    """A mail system's own message: daemon sender or empty Return-Path, plus more."""
    system = _from_daemon(msg) or (_null_return_path(msg) and msg.sender is None)
    if not system:
        return None
    if _header(msg, "auto-submitted").lower().startswith("auto-"):
        return Classification(Kind.BOUNCE, "mail system sender with Auto-Submitted")
    if _has_part(msg, "message/rfc822", "text/rfc822-headers"):
        return Classification(Kind.BOUNCE, "mail system sender returning the original message")
    if _DELIVERY_WORDS_RE.search(msg.subject):
        return Classification(Kind.BOUNCE, f"mail system sender, subject {msg.subject[:60]!r}")
    return None


def _receipt(msg: ParsedMessage) -> Classification | None:
    if _report_type(msg) == "disposition-notification":
        return Classification(
            Kind.RECEIPT, "multipart/report; report-type=disposition-notification"
        )
    if _has_part(msg, "message/disposition-notification"):
        return Classification(Kind.RECEIPT, "message/disposition-notification part")
    return None


def _auto_reply(msg: ParsedMessage) -> Classification | None:
    auto = _header(msg, "auto-submitted").lower()
    if auto and not auto.startswith("no"):
        return Classification(Kind.AUTO_REPLY, f"Auto-Submitted: {auto}")
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply"):
        if name in msg.headers:
            return Classification(Kind.AUTO_REPLY, f"{name} header")
    if _header(msg, "x-autogenerated").lower() == "reply":
        return Classification(Kind.AUTO_REPLY, "X-Autogenerated: Reply")
    if _AUTO_SUBJECT_RE.search(msg.subject):
        return Classification(Kind.AUTO_REPLY, f"auto-reply subject {msg.subject[:60]!r}")
    if _service_bot(msg):
        return Classification(Kind.AUTO_REPLY, "a bug tracker's control bot answered")
    return _auto_by_precedence(msg)


_BOT_SENDER_RE = re.compile(r"^(?:owner|control|submit|request|debbugs)@bugs\.", re.IGNORECASE)


def _service_bot(msg: ParsedMessage) -> bool:
    """Bug trackers answer commands from their own control addresses."""
    sender = msg.sender.email if msg.sender else ""
    return bool(_BOT_SENDER_RE.match(sender)) or "debbugs@" in _header(msg, "sender").lower()


def _auto_by_precedence(msg: ParsedMessage) -> Classification | None:
    """Precedence junk/bulk/auto_reply off list traffic, answering or from a null sender."""
    precedence = _header(msg, "precedence").lower()
    if precedence == "auto_reply":
        return Classification(Kind.AUTO_REPLY, "Precedence: auto_reply")
    if precedence not in ("bulk", "junk") or _list_header(msg) or _list_traffic(msg):
        return None
    if _null_return_path(msg) or _REPLY_SUBJECT_RE.match(msg.subject):
        return Classification(Kind.AUTO_REPLY, f"Precedence: {precedence} answering a message")
    return None


def _calendar(msg: ParsedMessage) -> Classification | None:
    for part in msg.parts:
        if part.content_type == "text/calendar":
            method = dict(part.params).get("method", "").lower()
            if method:
                return Classification(Kind.CALENDAR, f"text/calendar part, method={method}")
    if msg.content_type == "text/calendar":
        return Classification(Kind.CALENDAR, "top-level text/calendar")
    return None


def _list_header(msg: ParsedMessage) -> str:
    return next((name for name in _LIST_HEADERS if name in msg.headers), "")


def _list_traffic(msg: ParsedMessage) -> str:
    """Signs of a list server besides List-* headers; too weak alone (archives keep them)."""
    if _header(msg, "delivered-to").lower().startswith("mailing list"):
        return "Delivered-To: mailing list"
    for name in ("sender", "return-path", "errors-to"):
        if _LIST_OWNER_RE.search(_header(msg, name)):
            return f"list server address in {name}"
    return ""


def _list(msg: ParsedMessage) -> Classification | None:
    name = _list_header(msg)
    if name:
        return Classification(Kind.LIST, f"{name} header")
    traffic = _list_traffic(msg)
    precedence = _header(msg, "precedence").lower()
    if precedence in ("bulk", "list", "junk"):
        return Classification(Kind.LIST, f"Precedence: {precedence} {traffic}".strip())
    if "multipart/digest" in _header(msg, "content-type").lower():
        return Classification(Kind.LIST, "multipart/digest")
    if _DIGEST_SUBJECT_RE.search(msg.subject):
        return Classification(Kind.LIST, "digest subject")
    mailer = _header(msg, "x-mailer")
    if _BULK_MAILERS_RE.search(mailer):
        return Classification(Kind.LIST, f"bulk mailer {mailer[:40]!r}")
    return None


def _bulk_sender(msg: ParsedMessage) -> Classification | None:
    """Newsletters without list headers; never applied to replies."""
    if _is_reply(msg):
        return None
    if "errors-to" in msg.headers:
        return Classification(Kind.LIST, "Errors-To header on a message that is not a reply")
    if "bounce" in _header(msg, "return-path").lower():
        return Classification(Kind.LIST, "bounce-handling Return-Path on a non-reply")
    if msg.headers.get("to", "").strip().endswith(":;") and not msg.to:
        return Classification(Kind.LIST, "sent to an empty group (undisclosed list)")
    local, _, domain = msg.sender.email.partition("@") if msg.sender else ("", "", "")
    if _BULK_LOCAL_RE.match(local) or _NO_REPLY_LOCALS & {local.replace("-", "")}:
        return Classification(Kind.LIST, f"bulk sender address {local}@")
    if _BULK_DOMAIN_RE.search(domain):
        return Classification(Kind.LIST, f"bulk sender domain {domain}")
    return None


_RULES: tuple[Rule, ...] = (_challenge, _bounce, _receipt, _auto_reply, _calendar, _list)


def _from_text(msg: ParsedMessage) -> Classification | None:
    """Refine an ambiguous message (daemon or no-reply sender, empty Return-Path) by its words."""
    text = msg.text[:4000]
    if _SNS_BOUNCE_RE.search(text):
        return Classification(Kind.BOUNCE, "delivery notification (SES notificationType)")
    system = _from_daemon(msg) or _null_return_path(msg)
    if _BOUNCE_TEXT_RE.search(text) and (system or _has_part(msg, "message/rfc822")):
        return Classification(Kind.BOUNCE, "delivery failure wording from a mail system")
    if _AUTO_TEXT_RE.search(text) and _null_return_path(msg):
        return Classification(Kind.AUTO_REPLY, "out-of-office wording with empty Return-Path")
    if _BOUNCE_TEXT_RE.search(text) and msg.sender is None:
        return Classification(Kind.BOUNCE, "delivery failure wording, no sender")
    return None
