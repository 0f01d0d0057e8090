"""Turn a parsed, classified message into the record the store keeps (pure)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from inboxfollow.mail.text import own_text as cut_quoted
from inboxfollow.model import (
    Address,
    Classification,
    Direction,
    FetchedMessage,
    Kind,
    Owner,
    ParsedMessage,
)

OWN_TEXT_CHARS = 4000
KEY_TEXT_CHARS = 500  # of the text, in the key of a message without a Message-ID
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


def peek_message_id(header: bytes) -> str:
    """The Message-ID of a raw header block, cheaply, or "" (for dedup before parsing)."""
    match = _MESSAGE_ID.search(header)
    return match.group(1).decode("ascii", "replace").strip() if match else ""


def message_key(parsed: ParsedMessage) -> str:
    """One key per message, whatever folders or mailboxes its copies are in.

    The Message-ID when there is one; otherwise a digest of what every copy shares:
    From, Date (as written), Subject, To and the start of the text, never where a copy
    lies (Received or other per-copy headers, folder, UID). Since schema 4 (the
    keys of earlier stores lacked the text, so distinct messages could share one).
    """
    if parsed.message_id:
        return parsed.message_id
    sender = parsed.sender.email if parsed.sender else ""
    fields = [sender, parsed.headers.get("date", "").strip(), parsed.subject,
              ",".join(sorted(a.email.lower() for a in parsed.to)),
              " ".join(parsed.text.split())[:KEY_TEXT_CHARS]]
    return "sha1:" + hashlib.sha1("\x00".join(fields).encode("utf-8", "replace")).hexdigest()


def direction_of(parsed: ParsedMessage, owner: Owner) -> Direction:
    """Outbound when From is one of the owner's addresses, in any folder."""
    if parsed.sender and owner.is_owner(parsed.sender.email):
        return Direction.OUTBOUND
    return Direction.INBOUND


def message_date(parsed: ParsedMessage, fetched: FetchedMessage,
                 slack: timedelta = timedelta(hours=24)) -> tuple[datetime, str]:
    """The Date header, else the server's INTERNALDATE, else the epoch (noted).

    A Date more than `slack` after the receipt (INTERNALDATE, or a Maildir file's
    delivery time) is a wrong clock or a lie: the receipt time stands in for it."""
    if parsed.date is not None:
        received = fetched.internaldate
        if received is not None and parsed.date > received + slack:
            return received.astimezone(UTC), "internaldate (Date in the future)"
        return parsed.date.astimezone(UTC), "header"
    if fetched.internaldate is not None:
        return fetched.internaldate.astimezone(UTC), "internaldate"
    return datetime(1970, 1, 1, tzinfo=UTC), "unknown"


def _addr(address: Address | None) -> list[str] | None:
    return None if address is None else [address.name, address.email]


def build_record(
    parsed: ParsedMessage,
    verdict: Classification,
    fetched: FetchedMessage,
    owner: Owner,
) -> dict[str, Any]:
    """The stored form of one message: facts only, no raw body."""
    date, date_source = message_date(parsed, fetched, timedelta(hours=owner.future_slack_hours))
    direction = direction_of(parsed, owner)
    loc = fetched.location
    own_text = ""
    if direction is Direction.OUTBOUND and verdict.kind is Kind.HUMAN:
        own_text = cut_quoted(parsed.text)[:OWN_TEXT_CHARS]
    return {
        "key": message_key(parsed),
        "message_id": parsed.message_id,
        "subject": parsed.subject,
        "sender": _addr(parsed.sender),
        "to": [_addr(a) for a in parsed.to],
        "cc": [_addr(a) for a in parsed.cc],
        "date": date.isoformat(),
        "date_source": date_source,
        "direction": direction.value,
        "kind": verdict.kind.value,
        "reason": verdict.reason,
        # what the kind rests on: "headers" (or the MIME structure), or only "wording"
        # (the subject or the text), which a quote's thread may overrule
        "evidence": "headers" if verdict.by_headers else "wording",
        "in_reply_to": list(parsed.in_reply_to),
        "references": list(parsed.references),
        "attachments": [p.filename for p in parsed.parts if p.filename],
        "content_types": sorted({p.content_type for p in parsed.parts}),
        "text": own_text,
        "bounce_text": parsed.text[:2000] if verdict.kind is Kind.BOUNCE else "",
        "headers": _kept_headers(parsed),
        "defects": list(parsed.defects),
        "size": fetched.size,
        "locations": [[loc.mailbox, loc.folder, loc.uidvalidity, loc.uid]],
    }


KEPT_HEADERS = (
    "x-microsoft-original-message-id",
    "x-failed-recipients",
    "x-inboxfollow-loop",
    "auto-submitted",
    "delivered-to",
    "x-original-to",
    "bcc",  # the Sent copy's: where a capture tag shows (rules.capture_tags)
    "sender",
)


def _kept_headers(parsed: ParsedMessage) -> dict[str, str]:
    return {name: parsed.headers[name][:500] for name in KEPT_HEADERS if name in parsed.headers}
