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
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from email import errors
from email.message import Message
from html.parser import HTMLParser

from mailparser.dates import parse_mail_date
from mailparser.utils import decode_header_part, get_addresses

from inboxfollow.model import Address, FetchedMessage, ParsedMessage, Part

LOG = logging.getLogger(__name__)

# mail-parser logs "Email content ... not handled" and similar at WARNING or
# ERROR for ordinary mail; the defects carry what matters.
logging.getLogger("mailparser").setLevel(logging.CRITICAL)

TEXT_LIMIT = 16 * 1024  # characters of body text kept
_ID_RE = re.compile(r"<([^<>]*)>")
_SPACE_RE = re.compile(r"\s+")
_FOLD_RE = re.compile(r"\r\n|\r|\n")


def parse_message(fetched: FetchedMessage) -> ParsedMessage:
    """Parse one fetched message; never raises."""
    try:
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
    headers = _headers(message, defects, mailparser_helpers)
    sender = _addresses(message, "from", mailparser_helpers)
    if not sender:
        defects.append("no sender")
    if not headers.get("message-id"):
        defects.append("no message-id")
    defects.extend(_mime_defects(message))
    return ParsedMessage(
        message_id=_message_id(headers.get("message-id", "")),
        subject=_SPACE_RE.sub(" ", headers.get("subject", "")).strip(),
        sender=sender[0] if sender else None,
        to=_addresses(message, "to", mailparser_helpers),
        cc=_addresses(message, "cc", mailparser_helpers),
        date=_date(_raw_header(message, "date"), defects, mailparser_helpers),
        in_reply_to=message_ids(headers.get("in-reply-to", "")),
        references=message_ids(headers.get("references", "")),
        headers=headers,
        content_type=_content_type(message),
        parts=fetched.parts or derive_parts(message),
        text=_main_text(message, defects) if fetched.has_text else "",
        defects=tuple(dict.fromkeys(defects)),
        has_text=fetched.has_text,
    )


_HEADER_PARSER = email.parser.BytesHeaderParser()  # compat32, as message_from_bytes


def _message(raw: bytes, has_text: bool) -> Message:
    """The stdlib parse of `raw`, cheaper for a bare header block.

    A full parse compiles a regular expression for every new MIME boundary
    (re's cache holds 512), which cost more than all the rest of a first sync.
    A header block has no body to split: parse the headers only and add the
    defects the full parse reports for a multipart message without a body.
    """
    if has_text:
        return email.message_from_bytes(raw)
    message = _plain_header_block(raw) or _HEADER_PARSER.parsebytes(raw)
    maintype = message.get_content_maintype()
    if message.get_payload() or maintype == "message":
        return email.message_from_bytes(raw)  # a body after all, or a message/* one
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


_LINES_RE = re.compile(r"\r\n|\r|\n")
_HEADER_LINE_RE = re.compile(r"[\041-\071\073-\176]+:")  # a field name and its colon


def _plain_header_block(raw: bytes) -> Message | None:
    """The Message BytesHeaderParser makes of a well-formed header block, a third of the cost.

    Only for the plain case: every line a field or its continuation, up to a blank
    line and nothing after it. Anything else (a defect the stdlib parser would note,
    an mbox line, body text) returns None, and the stdlib parser reads it.
    """
    text = raw.decode("ascii", "surrogateescape")
    fields: list[tuple[str, str]] = []
    position = 0
    for match in _LINES_RE.finditer(text):
        line, ending = text[position:match.start()], match.group(0)
        position = match.end()
        if not line:
            break
        if line[0] in " \t":
            if not fields:
                return None
            name, value = fields[-1]
            fields[-1] = (name, value + line + ending)
            continue
        head = _HEADER_LINE_RE.match(line)
        if head is None:
            return None
        fields.append((line[: head.end() - 1], line[head.end():].lstrip(" \t") + ending))
    else:
        return None  # no blank line: not a complete header block
    rest = text[position:]
    if rest.strip():
        return None
    message = Message()
    if rest:
        message.set_payload(rest)  # stray blank lines, as the stdlib parser keeps them
    # what compat32's header_source_parse stores: the value, its folds kept, ends stripped
    message._headers = [(name, value.rstrip("\r\n")) for name, value in fields]  # type: ignore[attr-defined]
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


def _raw_header(message: Message, name: str) -> str | None:
    """The first raw value of a header, as text, or None when absent."""
    for key, value in message.raw_items():
        if key.lower() == name:
            return _text_of(str(value))
    return None


def _text_of(value: str) -> str:
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


def _headers(message: Message, defects: list[str], helpers: bool) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in message.raw_items():
        name = key.strip().lower()
        if name in headers:
            continue
        raw = str(value)
        if not raw.isascii():
            defects.append("8-bit header")
        headers[name] = decode_words(_text_of(raw), helpers)
    return headers


def decode_words(value: str, helpers: bool = True) -> str:
    """Unfold a header value and decode RFC 2047 encoded words, leniently."""
    value = _FOLD_RE.sub("", value)
    if "=?" not in value:
        return value.strip()
    if helpers:
        return decode_header_part(value)
    return _decode_words_stdlib(value)


def _decode_words_stdlib(value: str) -> str:
    from email.header import decode_header

    try:
        chunks = decode_header(value)
    except Exception:  # noqa: BLE001 - broken encoded words stay as written
        return value.strip()
    text = []
    for data, charset in chunks:
        text.append(data if isinstance(data, str) else _decode_bytes(data, charset))
    return "".join(text).strip()


def _decode_bytes(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8")
    except (LookupError, UnicodeError):
        return data.decode("utf-8", "replace")


def message_ids(value: str) -> tuple[str, ...]:
    """Every `<...>` id in a header value, whitespace inside removed."""
    found = (_SPACE_RE.sub("", match) for match in _ID_RE.findall(value))
    return tuple(dict.fromkeys(f"<{mid}>" for mid in found if mid))


def _message_id(value: str) -> str:
    ids = message_ids(value)
    if ids:
        return ids[0]
    bare = value.strip()
    return f"<{bare}>" if bare and not _SPACE_RE.search(bare) else ""


def _addresses(message: Message, name: str, helpers: bool) -> tuple[Address, ...]:
    raw = _raw_header(message, name)
    if raw is None:
        return ()
    raw = _FOLD_RE.sub("", raw)
    pairs = _simple_addresses(raw)
    if pairs is None:
        pairs = get_addresses(raw, decode_names=True) if helpers else []
    if not any(addr for _, addr in pairs):
        pairs = email.utils.getaddresses([raw])
    return tuple(
        Address(name=_SPACE_RE.sub(" ", decode_words(label, helpers)).strip(), email=addr.lower())
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


def _date(raw: str | None, defects: list[str], helpers: bool) -> datetime | None:
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
        value = email.utils.parsedate_to_datetime(_SPACE_RE.sub(" ", raw).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _mime_defects(message: Message) -> list[str]:
    words = []
    for part in message.walk():
        for defect in part.defects:
            name = type(defect).__name__.removesuffix("Defect")
            words.append(re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower())
    return words


# structure -------------------------------------------------------------------


def _content_type(message: Message) -> str:
    try:
        return message.get_content_type().lower()
    except Exception:  # noqa: BLE001
        return "text/plain"


def derive_parts(message: Message) -> tuple[Part, ...]:
    """The leaves of the MIME tree, as BODYSTRUCTURE would list them."""
    return tuple(_part(leaf) for leaf in _leaves(message))


def _leaves(message: Message) -> list[Message]:
    """Non-multipart parts; an attached message counts as one leaf."""
    if message.get_content_maintype() == "message" or not message.is_multipart():
        return [message]
    payload = message.get_payload()
    if not isinstance(payload, list):
        return [message]
    return [leaf for sub in payload if isinstance(sub, Message) for leaf in _leaves(sub)]


def _part(leaf: Message) -> Part:
    payload = leaf.get_payload()
    return Part(
        content_type=_content_type(leaf),
        filename=_filename(leaf),
        disposition=(leaf.get_content_disposition() or "").lower(),
        size=len(payload) if isinstance(payload, str) else 0,
        params=_params(leaf),
    )


def _filename(leaf: Message) -> str:
    try:
        name = leaf.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""
    return decode_words(_text_of(str(name)))


def _params(leaf: Message) -> tuple[tuple[str, str], ...]:
    params = leaf.get_params() or []
    return tuple(
        (str(key).lower(), _text_of(email.utils.collapse_rfc2231_value(value)))
        for key, value in params[1:]
        if key
    )


# body text -------------------------------------------------------------------


def _main_text(message: Message, defects: list[str]) -> str:
    return (_readable_text(message, defects) + _delivery_status(message))[:TEXT_LIMIT]


def _readable_text(message: Message, defects: list[str]) -> str:
    leaves = [leaf for leaf in _leaves(message) if not _is_attachment(leaf)]
    for wanted in ("text/plain", "text/html"):
        for leaf in leaves:
            if _content_type(leaf) == wanted:
                text = _decoded_payload(leaf, defects)
                if wanted == "text/html":
                    text = html_to_text(text)
                return text[:TEXT_LIMIT]
    return _unparsed_text(leaves, defects)[:TEXT_LIMIT]


def _delivery_status(message: Message) -> str:
    """The fields of an RFC 3464 report (Final-Recipient, Status, Diagnostic-Code), as text.

    A bounce's reason lives there, not in its prose part.
    """
    blocks = []
    for part in message.walk():
        if part.get_content_type() not in ("message/delivery-status",
                                           "message/global-delivery-status"):
            continue
        payload = part.get_payload()
        for block in payload if isinstance(payload, list) else [payload]:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{k}: {' '.join(str(v).split())}"
                                         for k, v in block.items()))
            elif isinstance(block, str):
                blocks.append(block)
    return ("\n\n" + "\n\n".join(blocks)) if blocks else ""


def _unparsed_text(leaves: list[Message], defects: list[str]) -> str:
    """Broken MIME (a multipart without boundary): its raw text is the best we have."""
    for leaf in leaves:
        if leaf.get_content_maintype() in ("multipart", "text"):
            return _decoded_payload(leaf, defects)
    return ""


def _is_attachment(leaf: Message) -> bool:
    return (leaf.get_content_disposition() or "").lower() == "attachment"


def _decoded_payload(leaf: Message, defects: list[str]) -> str:
    data = leaf.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = leaf.get_content_charset()
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeError):
            defects.append(f"undecodable charset {charset[:40]}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if not charset:
            defects.append("undeclared 8-bit text")
        return data.decode("cp1252", "replace")


class _TextCollector(HTMLParser):
    _SKIP = frozenset({"script", "style", "head", "title"})
    _BREAK = frozenset({"br", "p", "div", "tr", "li", "blockquote", "h1", "h2", "h3", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self._BREAK:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML body: tags dropped, line breaks kept."""
    collector = _TextCollector()
    try:
        collector.feed(html)
        collector.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient, but be sure
        pass
    lines = (" ".join(line.split()) for line in "".join(collector.chunks).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# replies ---------------------------------------------------------------------

_QUOTE_START = re.compile(
    r"""^(?:
        \s*>                                              # quoted line
      | \s*-{2,}\s*Original\ Message\s*-{2,}              # Outlook/AOL separators
      | \s*-{2,}\s*(?:Urspr[üu]ngliche\ Nachricht|Message\ d'origine|Mensaje\ original)
      | \s*_{10,}\s*$                                     # Outlook web rule
      | \s*(?:On|Am|Le|El)\s.{0,200}?
          (?:wrote|schrieb|a\ écrit|escribió).{0,120}?:?\s*$  # attribution
      | \s*(?:On|Am|Le|El)\s.{0,200}?$
          (?=\n.{0,200}?(?:wrote|schrieb|a\ écrit|escribió)\s*:?\s*$)  # folded attribution
      | \s*\*?(?:From|Von|De)\s*:\*?\s.*\n(?:.*\n){0,3}?             # Outlook header block
          \s*\*?(?:Sent|Date|Gesendet|Envoyé|Enviado)\s*:
    )""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)


def own_text(text: str) -> str:
    """The part of a reply the sender wrote: everything before the first quote."""
    text = _FOLD_RE.sub("\n", text)
    match = _QUOTE_START.search(text)
    own = text[: match.start()] if match else text
    return own.strip()
