"""Turn a fetched message (header block, maybe a body prefix) into a ParsedMessage.

Pure: no clock, disk or network. Never raises: whatever went wrong is listed,
in plain words, in `ParsedMessage.defects`.

The MIME tree comes from the stdlib parser (compat32, the same call
`mailparser.parse_from_bytes` makes). Addresses, dates and encoded words go
through mail-parser's own helpers. `parse_from_bytes` itself is not called:
it eagerly parses every Received header, decodes every header twice and
re-encodes attachments, which costs about 15 times the header parse here.
"""

from __future__ import annotations

import email
import email.parser
import email.utils
import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from email import errors
from email.message import Message

from inboxfollow.mail.body import content_type_of, derive_parts, main_text, mime_defects
from inboxfollow.mail.headers import (
    SPACE_RE,
    addresses,
    decoded_headers,
    first_message_id,
    header_date,
    message_ids,
    raw_header,
)
from inboxfollow.mail.mime_split import Entity, header_block, split_message
from inboxfollow.model import FetchedMessage, ParsedMessage

LOG = logging.getLogger(__name__)

# mail-parser's helpers log "Failed decoding header part" and the like at ERROR for
# ordinary mail; the defects carry what matters. Silenced during our calls only.
_MAILPARSER_LOG = logging.getLogger("mailparser.utils")


class _ThisThread(logging.Filter):
    """Drops the records made on the thread that created it (while it is installed)."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread != self.thread


@contextmanager
def _quiet_mailparser() -> Iterator[None]:
    """mail-parser's helpers say nothing during the block, on this thread only: nothing
    changes for the rest of the process or after the block."""
    quiet = _ThisThread()
    _MAILPARSER_LOG.addFilter(quiet)
    try:
        yield
    finally:
        _MAILPARSER_LOG.removeFilter(quiet)


def parse_message(fetched: FetchedMessage) -> ParsedMessage:
    """Parse one fetched message; never raises."""
    try:
        with _quiet_mailparser():
            return _parse(fetched, mailparser_helpers=True)
    except Exception as err:  # noqa: BLE001 - one bad message must not stop a sync
        LOG.debug("mail-parser path failed: %r", err)
        first = f"mail-parser failed ({type(err).__name__})"
    try:
        parsed = _parse(fetched, mailparser_helpers=False)
        return _with_defect(parsed, first)
    except Exception as err:  # noqa: BLE001
        LOG.debug("stdlib path failed: %r", err)
        return _empty(fetched, (first, f"stdlib parser failed ({type(err).__name__})"))


def _with_defect(parsed: ParsedMessage, defect: str) -> ParsedMessage:
    return replace(parsed, defects=(defect, *parsed.defects))


def _empty(fetched: FetchedMessage, defects: tuple[str, ...]) -> ParsedMessage:
    return ParsedMessage(
        message_id="",
        subject="",
        sender=None,
        to=(),
        cc=(),
        date=None,
        in_reply_to=(),
        references=(),
        headers={},
        content_type="text/plain",
        parts=fetched.parts,
        defects=defects,
        has_text=fetched.has_text,
    )


def _parse(fetched: FetchedMessage, mailparser_helpers: bool) -> ParsedMessage:
    defects: list[str] = []
    message = _message(_strip_envelope(fetched.raw, defects), fetched.has_text)
    headers = decoded_headers(message, defects, mailparser_helpers)
    sender = addresses(message, "from", mailparser_helpers)
    if not sender:
        defects.append("no sender")
    if not headers.get("message-id"):
        defects.append("no message-id")
    defects.extend(mime_defects(message))
    return ParsedMessage(
        message_id=first_message_id(headers.get("message-id", "")),
        subject=SPACE_RE.sub(" ", headers.get("subject", "")).strip(),
        sender=sender[0] if sender else None,
        to=addresses(message, "to", mailparser_helpers),
        cc=addresses(message, "cc", mailparser_helpers),
        date=header_date(raw_header(message, "date"), defects, mailparser_helpers),
        in_reply_to=message_ids(headers.get("in-reply-to", "")),
        references=message_ids(headers.get("references", "")),
        headers=headers,
        content_type=content_type_of(message),
        parts=fetched.parts or derive_parts(message),
        text=main_text(message, defects) if fetched.has_text else "",
        defects=tuple(dict.fromkeys(defects)),
        has_text=fetched.has_text,
    )


_HEADER_PARSER = email.parser.BytesHeaderParser(Entity)  # compat32, as message_from_bytes


def _message(raw: bytes, has_text: bool) -> Message:
    """The stdlib parse of `raw`, cheaper for a bare header block.

    A full parse compiles a regular expression for every new MIME boundary
    (re's cache holds 512), which cost more than all the rest of a first sync.
    A header block has no body to split: parse the headers only and add the
    defects the full parse reports for a multipart message without a body. A message
    with its text is split by `mime_split` where it is well formed.
    """
    if has_text:
        return split_message(raw) or email.message_from_bytes(raw, Entity)
    message = _plain_header_block(raw) or _HEADER_PARSER.parsebytes(raw)
    maintype = message.get_content_maintype()
    if message.get_payload() or maintype == "message":
        return email.message_from_bytes(raw, Entity)  # a body after all, or message/*
    if maintype == "multipart":
        if message.get_boundary() is None:
            message.defects.append(errors.NoBoundaryInMultipartDefect())
        else:
            encoding = str(message.get("content-transfer-encoding", "8bit")).lower()
            if encoding not in ("7bit", "8bit", "binary"):
                message.defects.append(errors.InvalidMultipartContentTransferEncodingDefect())
            message.defects.append(errors.StartBoundaryNotFoundDefect())
            message.epilogue = ""
        message.defects.append(errors.MultipartInvariantViolationDefect())
    return message


def _plain_header_block(raw: bytes) -> Message | None:
    """The Message BytesHeaderParser makes of a well-formed header block, a third of the cost.

    Only for the plain case: every line a field or its continuation, up to a blank
    line and nothing after it. Anything else (a defect the stdlib parser would note,
    an mbox line, body text) returns None, and the stdlib parser reads it.
    """
    text = raw.decode("ascii", "surrogateescape")
    read = header_block(text, 0, len(text))
    if read is None:
        return None
    message, body = read
    rest = text[body:]
    if rest.strip():
        return None
    if rest:
        message.set_payload(rest)  # stray blank lines, as the stdlib parser keeps them
    return message


_LEADING_BLANK_RE = re.compile(rb"\A(?:[ \t]*(?:\r\n|\r|\n))+")
_ENVELOPE_RE = re.compile(rb"\AFrom [^\r\n]*(?:\r\n|\r|\n)(?:[^:\s\r\n]{1,20}(?:\r\n|\r|\n))?")


def _strip_envelope(raw: bytes, defects: list[str]) -> bytes:
    """Drop blank lines before the headers and an mbox `From ` line (even a split one)."""
    stripped = _LEADING_BLANK_RE.sub(b"", raw, count=1)
    if len(stripped) != len(raw) and stripped:
        defects.append("blank lines before headers")
    if stripped.startswith(b"From "):
        stripped = _ENVELOPE_RE.sub(b"", stripped, count=1)
    return stripped


# headers ---------------------------------------------------------------------
