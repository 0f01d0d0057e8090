"""A fast reader for the FETCH responses the sync asks for (pure).

imapclient's response parser walks every byte through Python generators; on a
first sync of 20,000 messages it cost more than the server did. This reader
tokenises each response line with one regular expression and builds the same
values imapclient returns (bytes, ints, None, nested tuples, datetimes). It
knows only the response shapes RFC 3501 allows; anything it cannot read raises
`FetchParseError`, and the caller then uses imapclient's parser instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from imapclient.datetime_util import parse_to_datetime
from imapclient.response_types import BodyData

_TOKEN = re.compile(
    rb"""\s*(?:
        (?P<open>\() | (?P<close>\)) | (?P<nil>NIL(?=[\s()]|$))
      | "(?P<quoted>(?:[^"\\]|\\.)*)"
      | \{(?P<literal>\d+)\}\s*$
      | (?P<atom>[^\s()"\[{]+(?:\[[^\]]*\])?(?:<\d+(?:\.\d+)?>)?)
    )""",
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)
_UNESCAPE = re.compile(rb"\\(.)")
_CLOSE = object()
_OPEN = object()


class FetchParseError(ValueError):
    """The response is not in a shape this reader knows."""


def _tokens(data: Sequence[Any]) -> Iterator[Any]:
    """Values and markers from imaplib's response list (lines, and (line, literal) pairs)."""
    for element in data:
        if isinstance(element, tuple):
            line, literal = element[0], element[1]
            yield from _line_tokens(line, expect_literal=True)
            yield bytes(literal)
        elif isinstance(element, bytes):
            yield from _line_tokens(element, expect_literal=False)
        elif element is not None:
            raise FetchParseError(f"unexpected response element {type(element).__name__}")


def _line_tokens(line: bytes, expect_literal: bool) -> Iterator[Any]:
    position, end, literal_seen = 0, len(line.rstrip()), False
    while position < end:
        match = _TOKEN.match(line, position)
        if match is None or match.end() == position:
            raise FetchParseError(f"unreadable response near {line[position:position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        if kind == "open":
            yield _OPEN
        elif kind == "close":
            yield _CLOSE
        elif kind == "nil":
            yield None
        elif kind == "quoted":
            yield _UNESCAPE.sub(rb"\1", match.group("quoted"))
        elif kind == "literal":
            literal_seen = True
        else:
            atom = match.group("atom")
            yield int(atom) if atom.isdigit() else atom
    if literal_seen != expect_literal:
        raise FetchParseError("a literal marker and its data do not match")


def _value(tokens: Iterator[Any], first: Any) -> Any:
    if first is _OPEN:
        items: list[Any] = []
        for token in tokens:
            if token is _CLOSE:
                return tuple(items)
            items.append(_value(tokens, token))
        raise FetchParseError("unbalanced parentheses")
    if first is _CLOSE:
        raise FetchParseError("unexpected ')'")
    return first


def parse_fetch(data: Sequence[Any]) -> dict[int, dict[bytes, Any]]:
    """{uid: {item name: value}} from an imaplib UID FETCH response list."""
    tokens = _tokens(data)
    result: dict[int, dict[bytes, Any]] = {}
    for sequence in tokens:
        if not isinstance(sequence, int):
            raise FetchParseError(f"expected a message number, got {sequence!r}")
        if next(tokens, None) is not _OPEN:
            raise FetchParseError("expected '(' after the message number")
        items = _items(tokens)
        uid = items.pop(b"UID", None)  # the key, as imapclient has it
        if not isinstance(uid, int):
            raise FetchParseError("a FETCH response without UID")
        result.setdefault(uid, {}).update(items)
    return result


def _items(tokens: Iterator[Any]) -> dict[bytes, Any]:
    items: dict[bytes, Any] = {}
    for name in tokens:
        if name is _CLOSE:
            return items
        if not isinstance(name, bytes):
            raise FetchParseError(f"expected an item name, got {name!r}")
        value = _value(tokens, next(tokens))
        key = name.upper()
        if key == b"INTERNALDATE" and isinstance(value, bytes):
            value = parse_to_datetime(value, normalise=False)
        elif key in (b"BODYSTRUCTURE", b"BODY") and isinstance(value, tuple):
            value = BodyData.create(value)
        elif key == b"FLAGS" and not isinstance(value, tuple):
            raise FetchParseError("FLAGS is not a list")
        items[key] = value
    raise FetchParseError("response ended inside a message")
