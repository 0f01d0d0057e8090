"""FETCH responses as plain values: the commands that fetch, and the reading of their data."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import ProtocolError
from imapclient.imapclient import join_message_ids, seq_to_parenstr_upper
from imapclient.response_parser import parse_fetch_response

from inboxfollow.model import FetchedMessage, Location
from inboxfollow.sources.imap.bodystructure import parts_from_bodystructure
from inboxfollow.sources.imap.responses import (
    FetchParseError,
    HeaderItems,
    parse_fetch,
    split_header_fetch,
)

LOG = logging.getLogger(__name__)

HEADER_ITEMS = [b"BODY.PEEK[HEADER]", b"BODYSTRUCTURE", b"INTERNALDATE", b"RFC822.SIZE", b"FLAGS"]


def fetch_item(data: Mapping[bytes, Any], name: bytes) -> Any:
    """FETCH item `name` of one message, however the server spelt its key (None if absent):
    Courier quotes header names, `BODY[HEADER.FIELDS ("MESSAGE-ID")]`; case may differ."""
    value = data.get(name)
    if value is not None:
        return value
    wanted = item_key(name)
    return next((v for k, v in data.items() if isinstance(k, bytes) and item_key(k) == wanted),
                None)


def item_key(name: bytes) -> bytes:
    """A FETCH item's name as one spelling: upper case, no quotes, single spaces."""
    spaced = name.upper().replace(b'"', b" ").replace(b"(", b" ( ").replace(b")", b" ) ")
    return b" ".join(spaced.split()).replace(b"( ", b"(").replace(b" )", b")").replace(
        b" ]", b"]")


def fetched_message(
    location: Location, uid: int, data: Mapping[bytes, Any]
) -> FetchedMessage | None:
    header = fetch_item(data, b"BODY[HEADER]")
    if header is None:
        return None
    return FetchedMessage(
        location=Location(location.mailbox, location.folder, location.uidvalidity, uid),
        raw=bytes(header),
        parts=parts_from_bodystructure(data.get(b"BODYSTRUCTURE")),
        internaldate=aware(data.get(b"INTERNALDATE")),
        size=int(data.get(b"RFC822.SIZE") or 0),
        # \Recent belongs to one session, not to the message: left out.
        flags=tuple(f for f in map(text, data.get(b"FLAGS", ())) if f.lower() != "\\recent"),
    )


def texts(response: Mapping[int, Mapping[bytes, Any]], limit: int) -> dict[int, bytes]:
    texts = {}
    for uid, data in response.items():
        body = next((v for k, v in data.items() if k.startswith(b"BODY[TEXT]")), None)
        texts[uid] = bytes(body or b"")[:limit]
    return texts


def aware(value: Any) -> datetime | None:
    """INTERNALDATE as an aware datetime (imapclient gives naive local time when normalising)."""
    if not isinstance(value, datetime):
        return None
    moment: datetime = value if value.tzinfo is not None else value.astimezone()
    # a plain timezone, not imapclient's FixedOffset, which does not survive pickling
    offset = moment.utcoffset()
    return moment.replace(tzinfo=timezone(offset)) if offset is not None else moment


def fetch_data(client: IMAPClient, uids: list[int], items: list[bytes]) -> list[Any]:
    """The untagged data of `UID FETCH uids items`, sent the way IMAPClient.fetch sends it
    (through its imaplib object), unread: the elements imaplib would give, lines and
    (line, literal) pairs."""
    return read_data(client, send_fetch(client, uids, items))


def send_fetch(client: IMAPClient, uids: list[int], items: list[bytes]) -> bytes:
    """Send `UID FETCH uids items` and return its tag; `read_data` reads the answer. Read
    it before sending another command: Dovecot runs pipelined FETCHes side by side, their
    untagged answers mixed."""
    tag: bytes = client._imap._command("UID", "FETCH", join_message_ids(uids),
                                       seq_to_parenstr_upper(items))
    return tag


def read_data(client: IMAPClient, tag: bytes) -> list[Any]:
    """The untagged data of the FETCH sent as `tag`, read up to its completion."""
    imap = client._imap
    imap._check_bye()
    try:
        data = _fetch_lines(imap, tag)
    except imap.abort as err:  # as imaplib's _command_complete words them
        raise imap.abort(f"command: FETCH => {err}") from err
    except imap.error as err:
        raise imap.error(f"command: FETCH => {err}") from err
    imap._check_bye()
    typ, done = imap.tagged_commands.pop(tag)
    if typ == "BAD":
        raise imap.error(f"FETCH command error: {typ} {done}")
    client._checkok("fetch", typ, done)
    return data


def _fetch_lines(imap: Any, tag: bytes) -> list[Any]:
    """The FETCH data up to the command's completion, as imaplib's `_command_complete`
    collects it; the FETCH lines (almost every line) are read here.

    imaplib matches every line against several patterns and formats each for its
    command log: 0.3 s of the syncing process's time per 20,000 messages. Any other
    line (the tagged completion, EXISTS, EXPUNGE, BYE, a response code) goes to
    imaplib's own reader, which records it as it always does.
    """
    data: list[Any] = []
    while imap.tagged_commands[tag] is None:
        line = imap.readline()
        head, space, rest = line[2:24].partition(b" ")
        if line.startswith(b"* ") and line.endswith(b"\r\n") and head.isdigit() \
                and rest.startswith(b"FETCH "):
            dat = head + space + line[len(head) + 9:-2]  # "N (...": what imaplib keeps
            while (size := _literal_size(dat)) is not None:
                data.append((dat, imap.read(size)))
                dat = _trailer(imap)  # the rest of the response: maybe another literal
            data.append(dat)
            continue
        _through_imaplib(imap, line)
        data.extend(imap.untagged_responses.pop("FETCH", ()))  # in order, should one be there
        imap._check_bye()  # the server said goodbye: its words, not a bare EOF later
    return data


def _literal_size(dat: bytes) -> int | None:
    """n when the line ends in a literal's announcement `{n}` (imaplib's `.*{(\\d+)}$`)."""
    if not dat.endswith(b"}"):
        return None
    digits = dat[dat.rfind(b"{") + 1:-1]
    return int(digits) if digits.isdigit() and digits.isascii() else None


def _trailer(imap: Any) -> bytes:
    line = imap.readline()
    if not line:
        raise imap.abort("socket error: EOF")
    if not line.endswith(b"\r\n"):
        raise imap.abort(f"socket error: unterminated line: {line[:200]!r}")
    return bytes(line[:-2])


def _through_imaplib(imap: Any, line: bytes) -> None:
    """imaplib reads the response that starts with `line` (already read here) as its own."""
    read_on = imap.readline
    waiting = [line]

    def readline() -> bytes:
        return waiting.pop() if waiting else read_on()

    imap.readline = readline
    try:
        imap._get_response()
    finally:
        del imap.readline


def read_fetch(data: list[Any], uids: list[int]) -> dict[int, Any]:
    """fetchparse's reading of FETCH data; imapclient's for a response it cannot read."""
    try:
        response = parse_fetch(data)
    except FetchParseError as err:
        LOG.debug("FETCH response read by imapclient instead: %s", err)
        response = parse_fetch_response(data, False, True)
    return {uid: response[uid] for uid in uids if uid in response}


def fetch_fast(client: IMAPClient, uids: list[int], items: list[bytes]) -> dict[int, Any]:
    """`client.fetch(uids, items)`, read by fetchparse instead of imapclient's parser."""
    return read_fetch(fetch_data(client, uids, items), uids)


def text(value: Any) -> str:
    """Bytes or an imaplib error as readable text (imaplib errors often hold repr'd bytes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, BaseException) and value.args and isinstance(value.args[0], bytes):
        return value.args[0].decode("utf-8", "replace")
    text = "" if value is None else str(value)
    match = re.fullmatch(r"b(['\"])(.*)\1", text)
    return match.group(2) if match else text


def appenduids(response: Any) -> list[int]:
    """The UIDs of an APPENDUID response code (a UID set after MULTIAPPEND), in order."""
    text = response if isinstance(response, bytes) else b""
    match = re.search(rb"\[APPENDUID \d+ ([\d:,]+)\]", text)
    uids: list[int] = []
    for piece in match.group(1).split(b",") if match else []:
        first, _, last = piece.partition(b":")
        low, high = int(first), int(last or first)
        uids += range(low, high + 1) if low <= high else range(low, high - 1, -1)
    return uids


def header_value(raw: bytes, name: str) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    pattern = rb"(?im)^" + re.escape(name.encode()) + rb":[ \t]*(.*(?:\r?\n[ \t].*)*)"
    match = re.search(pattern, head)
    return re.sub(r"\s+", " ", match.group(1).decode("ascii", "replace")).strip() if match else ""


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception as err:
        LOG.debug("connection shutdown: %s", err)


def fetch_header_items(
    client: IMAPClient, uids: list[int], name: str, data: list[Any] | None = None
) -> tuple[list[HeaderItems], dict[int, Any]]:
    """Messages in Dovecot's shape (`split_header_fetch`), and {uid: items} for the rest;
    `data`: the answer to the header FETCH of `uids`, when it was read already."""
    try:
        if data is None:
            data = fetch_data(client, uids, HEADER_ITEMS)
        quick, rest = split_header_fetch(data)
        return quick, read_fetch(rest, uids) if rest else {}
    except ProtocolError as err:
        # imapclient could not parse the response (a BODYSTRUCTURE it does
        # not understand): take the batch without structure.
        LOG.debug("%s: FETCH with BODYSTRUCTURE failed (%s); fetching without", name, err)
        items = [item for item in HEADER_ITEMS if item != b"BODYSTRUCTURE"]
        return [], client.fetch(uids, items)


def messages_of(
    quick: list[HeaderItems], response: dict[int, Any], uids: list[int], location: Location
) -> list[FetchedMessage]:
    """The fetched messages in UID order; a UID with no header in the response is left out."""
    found = {
        m.uid: FetchedMessage(
            location=Location(location.mailbox, location.folder, location.uidvalidity, m.uid),
            raw=m.header,
            parts=(),
            internaldate=m.internaldate,
            size=m.size,
            flags=m.flags,
            structure=m.structure,  # read where the message is judged
        )
        for m in quick
    }
    messages = []
    for uid in uids:
        data = response.get(uid)
        message = found.get(uid) or (fetched_message(location, uid, data) if data else None)
        if message is None:
            LOG.debug("%s: %s UID %s: no header in FETCH response, skipped",
                      location.mailbox, location.folder, uid)
            continue
        messages.append(message)
    return messages
