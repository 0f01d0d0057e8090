"""A message's MIME structure from the server's BODYSTRUCTURE (pure).

`parts_from_bodystructure` reads the nested values imapclient's parser (or
`responses`) gives; `parts_from_text` reads BODYSTRUCTURE as the server sent
it, which lets the sync hand the text to its judging worker unread, and
`with_parts` reads it there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from email.header import decode_header, make_header
from typing import Any
from urllib.parse import unquote_to_bytes

from imapclient.exceptions import ProtocolError
from imapclient.response_parser import parse_response
from imapclient.response_types import BodyData

from inboxfollow.model import FetchedMessage, Part
from inboxfollow.sources.imap.responses import FetchParseError, read_value

LOG = logging.getLogger(__name__)

# Parameter values that are names, not tokens: their case is kept.
CASE_KEPT_PARAMS = frozenset({"name", "filename", "boundary"})
RFC2231_NAME = re.compile(r"([^*]+)(?:\*(\d+))?(\*)?")


def parts_of(fetched: FetchedMessage) -> tuple[Part, ...]:
    """A fetched message's parts, reading its BODYSTRUCTURE text when that is what it has."""
    return fetched.parts or parts_from_text(fetched.structure)


def with_parts(fetched: FetchedMessage) -> FetchedMessage:
    """The message with its BODYSTRUCTURE text read into `parts` (as it is when it has none)."""
    if fetched.parts or not fetched.structure:
        return fetched
    return replace(fetched, parts=parts_from_text(fetched.structure))


def parts_from_text(text: bytes) -> tuple[Part, ...]:
    """Parts from BODYSTRUCTURE's value as sent ("(...)"), () when it cannot be read."""
    if not text:
        return ()
    try:
        value = read_value(text)
    except FetchParseError:
        try:  # imapclient's parser, as for a whole response the fast reader cannot read
            (value,) = parse_response([text])
        except (ProtocolError, ValueError) as err:
            LOG.debug("unreadable BODYSTRUCTURE ignored: %s", err)
            return ()
    return parts_from_bodystructure(BodyData.create(value) if isinstance(value, tuple) else None)


def parts_from_bodystructure(structure: Any) -> tuple[Part, ...]:
    """A flat tuple of Parts (containers first, then their children), () when malformed."""
    if not structure:
        return ()
    try:
        return tuple(_walk(structure))
    except (TypeError, ValueError, IndexError, AttributeError) as err:
        LOG.debug("malformed BODYSTRUCTURE ignored: %s", err)
        return ()


def _walk(node: Sequence[Any]) -> Iterator[Part]:
    if isinstance(node[0], list | tuple):  # multipart: (children, subtype, params, disp, ...)
        children = node[0] if isinstance(node[0], list) else [node[0]]
        params = _params(node[2] if len(node) > 2 else None)
        disposition, disp_params = _disposition(node[3] if len(node) > 3 else None)
        yield Part(
            content_type=f"multipart/{_text(node[1]).lower()}",
            disposition=disposition,
            params=params,
        )
        for child in children:
            yield from _walk(child)
        return
    yield from _single(node)


def _single(node: Sequence[Any]) -> Iterator[Part]:
    main, sub = _text(node[0]).lower(), _text(node[1]).lower()
    content_type = f"{main}/{sub}"
    params = _params(node[2])
    # Extension data sits after the fields each kind of part adds (RFC 3501 7.4.2).
    extra = 7
    if main == "text":
        extra = 8
    elif content_type in ("message/rfc822", "message/global"):
        extra = 10
    disposition, disp_params = _disposition(node[extra + 1] if len(node) > extra + 1 else None)
    filename = dict(disp_params).get("filename") or dict(params).get("name", "")
    yield Part(
        content_type=content_type,
        filename=filename,
        disposition=disposition,
        size=int(node[6] or 0),
        params=params,
    )
    if extra == 10 and isinstance(node[8], list | tuple) and node[8]:
        yield from _walk(node[8])  # the attached message's own structure


def _disposition(value: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    if not isinstance(value, list | tuple) or not value:
        return "", ()
    params = _params(value[1] if len(value) > 1 else None)
    return _text(value[0]).lower(), params


def _params(value: Any) -> tuple[tuple[str, str], ...]:
    """(name, value) pairs, names lower-case, RFC 2231 and 2047 encodings decoded."""
    if not isinstance(value, list | tuple):
        return ()
    if len(value) == 2 and isinstance(value[0], bytes) and isinstance(value[1], bytes):
        key = value[0].decode("utf-8", "replace").lower()  # the usual: one plain parameter
        if key and "*" not in key and b"=?" not in value[1]:
            word = value[1].decode("utf-8", "replace")
            return ((key, word if key in CASE_KEPT_PARAMS else word.lower()),)
    items = [_text(item) for item in value]
    if not any("*" in name for name in items[::2]):  # the common case: no RFC 2231 pieces
        simple: dict[str, str] = {}
        for name, text in zip(items[::2], items[1::2], strict=False):
            if name:
                simple.setdefault(name.lower(), _decode_2047(text))
        return tuple(
            (name, text if name in CASE_KEPT_PARAMS else text.lower())
            for name, text in simple.items()
        )
    plain: dict[str, str] = {}
    pieces: dict[str, list[tuple[int, bool, str]]] = {}
    for name, text in zip(items[::2], items[1::2], strict=False):
        match = RFC2231_NAME.fullmatch(name.lower())
        if match is None:
            continue
        base, index, star = match.groups()
        if index is None and not star:
            plain.setdefault(base, _decode_2047(text))
        else:
            pieces.setdefault(base, []).append((int(index or 0), bool(star), text))
    for base, segments in pieces.items():
        plain[base] = _join_2231(sorted(segments))
    return tuple(
        (name, text if name in CASE_KEPT_PARAMS else text.lower()) for name, text in plain.items()
    )


def _join_2231(segments: list[tuple[int, bool, str]]) -> str:
    """RFC 2231 continuations (name*0*=utf-8''a%20b; name*1*=...) joined and decoded."""
    charset = "us-ascii"
    data = b""
    for position, (_, encoded, text) in enumerate(segments):
        if encoded and position == 0 and text.count("'") >= 2:
            charset, _language, text = text.split("'", 2)
        data += unquote_to_bytes(text) if encoded else text.encode("utf-8", "replace")
    try:
        return data.decode(charset or "us-ascii", "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _decode_2047(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeError) as err:
        LOG.debug("undecodable MIME parameter kept as is: %s", err)
        return value


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)
