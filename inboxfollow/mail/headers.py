"""Header values of a parsed message as plain values (pure): text, addresses, dates, IDs.

Encoded words, addresses and dates go through mail-parser's own helpers, with
the standard library as the fallback (`helpers=False`). Never raises for bad
input: what went wrong is appended to `defects`.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message

from mailparser.dates import parse_mail_date
from mailparser.utils import decode_header_part, get_addresses

from inboxfollow.mail.mime_split import Entity
from inboxfollow.model import Address

_ID_RE = re.compile(r"<([^<>]*)>")
SPACE_RE = re.compile(r"\s+")
_FOLD_RE = re.compile(r"\r\n|\r|\n")
# A header value longer than this is cut before it is decoded (a 200 KB Subject took
# over a second to decode and classify; real ones are well under 1,000 characters).
MAX_HEADER_CHARS = 16_384


def raw_header(message: Message, name: str) -> str | None:
    """The first raw value of a header, as text, or None when absent."""
    if isinstance(message, Entity):  # as the parser makes them: its fields by name
        raw = message.first_raw(name)
        return None if raw is None else text_of(str(raw))
    for key, value in message.raw_items():
        if key.lower() == name:
            return text_of(str(value))
    return None


def text_of(value: str) -> str:
    """Recover 8-bit header octets (kept as surrogates): UTF-8, else Windows-1252."""
    if value.isascii():
        return value
    octets = value.encode("utf-8", "surrogateescape")
    try:
        text = octets.decode("utf-8")
    except UnicodeDecodeError:
        return _cjk_guess(octets) or octets.decode("cp1252", "replace")
    if all(ord(ch) < 0x100 for ch in text):  # GB 2312 once mis-read as Latin-1, then UTF-8
        return _cjk_guess(text.encode("latin-1")) or text
    return text


_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def _cjk_guess(octets: bytes) -> str:
    """Undeclared GB 2312/GBK text, when every high byte pairs up into Chinese characters.

    Latin-1 text rarely has two high bytes in a row, so it fails this test.
    """
    try:
        text = octets.decode("gb2312")
    except UnicodeDecodeError:
        return ""
    non_ascii = [ch for ch in text if not ch.isascii()]
    punctuation = "，。！？：；、（）"
    if len(non_ascii) >= 2 and all(_CJK.match(ch) or ch in punctuation for ch in non_ascii):
        return text
    return ""


def decoded_headers(message: Message, defects: list[str], helpers: bool) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in message.raw_items():
        name = key.strip().lower()
        if name in headers and name != "received":
            continue
        raw = str(value)
        if len(raw) > MAX_HEADER_CHARS:  # no real header is this long: a bounded cost
            raw = raw[:MAX_HEADER_CHARS]
            defects.append(f"{name} header cut to {MAX_HEADER_CHARS} characters")
        if not raw.isascii():
            defects.append("8-bit header")
        value_text = decode_words(text_of(raw), helpers)
        # Every Received line, top first: a relay further down can tell how mail was sent.
        headers[name] = f"{headers[name]}\n{value_text}" if name in headers else value_text
    return headers


def decode_words(value: str, helpers: bool = True) -> str:
    """Unfold a header value and decode RFC 2047 encoded words, leniently."""
    value = _FOLD_RE.sub("", value)
    if "=?" not in value:
        return value.strip()
    if not value.isascii():  # raw 8-bit text beside encoded words: both helpers below
        return _decode_each_word(value).strip()  # would drop or garble the 8-bit part
    if helpers:
        return str(decode_header_part(value))
    return _decode_words_stdlib(value)


_WORD_RE = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _decode_each_word(value: str) -> str:
    """Decode each encoded word where it stands, the text around it kept as it is; the
    space between two adjacent encoded words goes (RFC 2047, 6.2)."""
    pieces: list[str] = []
    last, after_word = 0, False
    for match in _WORD_RE.finditer(value):
        between = value[last:match.start()]
        if not (after_word and between.isspace()):
            pieces.append(between)
        pieces.append(_decode_words_stdlib(match.group(0), strip=False))
        last, after_word = match.end(), True
    pieces.append(value[last:])
    return "".join(pieces)


def _decode_words_stdlib(value: str, strip: bool = True) -> str:
    from email.header import decode_header

    try:
        chunks = decode_header(value)
    except Exception:  # noqa: BLE001 - broken encoded words stay as written
        return value.strip() if strip else value
    text = []
    for data, charset in chunks:
        text.append(data if isinstance(data, str) else _decode_bytes(data, charset))
    return "".join(text).strip() if strip else "".join(text)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8")
    except (LookupError, UnicodeError):
        return data.decode("utf-8", "replace")


def message_ids(value: str) -> tuple[str, ...]:
    """Every `<...>` id in a header value, whitespace inside removed."""
    found = (SPACE_RE.sub("", match) for match in _ID_RE.findall(value))
    return tuple(dict.fromkeys(f"<{mid}>" for mid in found if mid))


def first_message_id(value: str) -> str:
    ids = message_ids(value)
    if ids:
        return ids[0]
    bare = value.strip()
    return f"<{bare}>" if bare and not SPACE_RE.search(bare) else ""


def addresses(message: Message, name: str, helpers: bool) -> tuple[Address, ...]:
    raw = raw_header(message, name)
    if raw is None:
        return ()
    raw = _FOLD_RE.sub("", raw)
    pairs = _simple_addresses(raw)
    if pairs is None:  # the careful scanners cost far more a character: a bounded length
        raw = raw[:MAX_HEADER_CHARS]
        pairs = get_addresses(raw, decode_names=True) if helpers else []
    if not any(addr for _, addr in pairs):
        pairs = email.utils.getaddresses([raw])
    return tuple(
        Address(name=SPACE_RE.sub(" ", decode_words(label, helpers)).strip(), email=addr.lower())
        for label, addr in pairs
        if addr and "@" in addr
    )


_SIMPLE_MAILBOX = re.compile(
    r'\s*(?:(?:"(?P<quoted>[^"\\]*)"|(?P<plain>[\w .\'-]*?))'
    r'\s*<(?P<angle>[^<>\s@",;()]+@[^<>\s",;()]+)>'
    r'|(?P<bare>[^<>\s@",;()]+@[^<>\s",;()]+))\s*',
    re.ASCII,
)


def _simple_addresses(raw: str) -> list[tuple[str, str]] | None:
    """Fast path for plain ASCII lists such as `"Jane" <j@x.com>, b@y.org`.

    Returns None for anything else (quoted commas, comments, encoded words,
    groups), which then goes through mail-parser's careful scanner.
    """
    if not raw.isascii() or "=?" in raw:
        return None
    pairs = []
    for item in raw.split(","):
        if not item.strip():
            continue
        match = _SIMPLE_MAILBOX.fullmatch(item)
        if match is None:
            return None
        name = match["quoted"] if match["quoted"] is not None else match["plain"] or ""
        pairs.append((name.strip(), match["angle"] or match["bare"]))
    return pairs


def header_date(raw: str | None, defects: list[str], helpers: bool) -> datetime | None:
    if raw is None:
        defects.append("no date")
        return None
    value = _plain_date(raw)
    if value is None and helpers:
        value = parse_mail_date(raw).value
    if value is None:
        value = _stdlib_date(raw)
    if value is None:
        defects.append("unreadable date")
    return value


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_PLAIN_DATE_RE = re.compile(
    r"\s*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+"
    r"(\d{2}):(\d{2})(?::(\d{2}))?\s+([+-])(\d{2})(\d{2})\s*"
)


def _plain_date(raw: str) -> datetime | None:
    """The RFC 5322 date almost every message has, read directly; None for anything else."""
    match = _PLAIN_DATE_RE.fullmatch(raw)
    if match is None:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    month_number = _MONTHS.get(month.lower())
    if month_number is None:
        return None
    offset = timedelta(hours=int(off_h), minutes=int(off_m))
    try:
        value = datetime(int(year), month_number, int(day), int(hour), int(minute),
                         int(second or 0), tzinfo=timezone(-offset if sign == "-" else offset))
    except ValueError:
        return None  # 31 February and the like: the slower readers decide
    return value.astimezone(UTC)  # in UTC, as mail-parser gives it


def _stdlib_date(raw: str) -> datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(SPACE_RE.sub(" ", raw).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
