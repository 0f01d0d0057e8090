"""The stdlib parser's Message for well-formed mail, built without it (pure).

`email.message_from_bytes` (compat32) reads a message line by line and compiles a
regular expression for every MIME boundary it meets; no two messages share one, so
re's cache never helps. For the 10,233 messages of the 20k benchmark mailbox whose
text is read, that parse cost more than all other judging of them together.

`split_message` builds the same tree (headers, payloads, preambles, epilogues and
defects, as `tests/test_mime_split.py` checks against the stdlib parser with
Hypothesis) for the shapes real mail almost always has: plain header blocks, and
multipart bodies whose delimiter lines stand alone, perhaps cut short by the fetched
prefix. It finds delimiter lines with `str.find` and slices, so a base64 attachment
costs no per-line work. For anything else (a header the stdlib parser would note as
defective, message/* parts, a digest, two delimiter lines in a row, no start
delimiter) it returns None, and the caller parses with the stdlib.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.errors import CloseBoundaryNotFoundDefect
from email.message import Message
from typing import Any

_EOL = re.compile(r"\r\n|\r|\n")
# A field as the stdlib's headerRE and _parse_headers read it: a name and a colon,
# the rest of the line (less the blanks after the colon), continuation lines (which
# start with a blank), each with its line end. A line end is atomic: "\r\n" never
# parts into "\r" and a blank line "\n".
_FIELD = r"[\041-\071\073-\176]+:[^\r\n]*+(?>\r\n|\r|\n)(?:[ \t][^\r\n]*+(?>\r\n|\r|\n))*"
_BLOCK = re.compile(rf"(?:{_FIELD})*(?>\r\n|\r|\n)")  # the fields, then the blank line
_FIELD_VALUE = re.compile(
    r"([\041-\071\073-\176]+):[ \t]*+"
    r"([^\r\n]*+(?>\r\n|\r|\n)(?:[ \t][^\r\n]*+(?>\r\n|\r|\n))*)"
)
_ENCODINGS = ("7bit", "8bit", "binary")  # a multipart with another is a defect: stdlib


class Entity(Message):
    """compat32's Message, its content type and the first field of each name worked out
    once. The rules ask for the content type about six times an entity and read fields
    by name about five times; each time the stdlib scans every field (and splits the
    parameters), 0.3 s of CPU per 20,000 messages. Whatever changes a field forgets both."""

    _content_type: str | None = None
    _first: dict[str, tuple[str, Any]] | None = None  # lower-case name: (name, raw value)
    _headers: list[tuple[str, Any]]  # compat32's own list of (name, value), as it keeps them

    def get_content_type(self) -> str:
        if self._content_type is None:
            self._content_type = super().get_content_type()
        return self._content_type

    def first_raw(self, name: str) -> Any | None:
        """The raw value of the first field called `name` (any case), None when none is."""
        found = self._field(name)
        return None if found is None else found[1]

    def get(self, name: str, failobj: Any = None) -> Any:
        found = self._field(name)
        return failobj if found is None else self.policy.header_fetch_parse(*found)

    def _field(self, name: str) -> tuple[str, Any] | None:
        if self._first is None:
            first: dict[str, tuple[str, Any]] = {}
            for field in self._headers:
                first.setdefault(field[0].lower(), field)
            self._first = first
        return self._first.get(name.lower())

    def _changed(self) -> None:
        self._content_type = None
        self._first = None

    def __setitem__(self, name: str, val: Any) -> None:
        self._changed()
        super().__setitem__(name, val)

    def __delitem__(self, name: str) -> None:
        self._changed()
        super().__delitem__(name)

    def set_raw(self, name: str, value: Any) -> None:
        self._changed()
        super().set_raw(name, value)

    def add_header(self, _name: str, _value: str, **_params: Any) -> None:
        self._changed()
        super().add_header(_name, _value, **_params)

    def replace_header(self, _name: str, _value: Any) -> None:
        self._changed()
        super().replace_header(_name, _value)

    def set_default_type(self, ctype: str) -> None:
        self._changed()
        super().set_default_type(ctype)

    def set_boundary(self, boundary: str) -> None:
        self._changed()
        super().set_boundary(boundary)


def split_message(raw: bytes) -> Message | None:
    """What `email.message_from_bytes(raw)` returns, or None where it might differ."""
    text = raw.decode("ascii", "surrogateescape")
    return _entity(text, 0, len(text), inside=False)


def _entity(text: str, start: int, end: int, inside: bool) -> Message | None:
    """The entity in text[start:end], or None when it is not a shape built here.

    `inside` a multipart, the line end before the next delimiter belongs to that
    delimiter (RFC 2046), not to the part's payload or epilogue.
    """
    read = header_block(text, start, end)
    if read is None:
        return None
    message, body = read
    maintype = message.get_content_maintype()
    if maintype == "message":  # delivery reports and attached messages: the stdlib
        return None
    if maintype != "multipart":
        payload = text[body:end]
        message.set_payload(_without_eol(payload) if inside else payload)
        return message
    boundary = message.get_boundary()
    encoding = str(message.get("content-transfer-encoding", "8bit")).lower()
    if boundary is None or encoding not in _ENCODINGS or message.get_content_subtype() == "digest":
        return None
    split = _multipart(message, text, body, end, "--" + boundary)
    if split is not None and inside and split.epilogue is not None:
        split.epilogue = _without_eol(split.epilogue) if split.epilogue else None
    return split


def header_block(text: str, start: int, end: int) -> tuple[Message, int] | None:
    """The fields up to the blank line, each stored as compat32's parser stores it, and
    where the body starts; None unless every line before the blank one is a field or a
    continuation (no envelope line, no stray text, no missing blank line).

    `_BLOCK` finds the whole block in one match and `_FIELD_VALUE` reads its fields:
    no work per line in Python.
    """
    block = _BLOCK.match(text, start, end)
    if block is None:
        return None  # stray text, or the block is cut short: the stdlib decides
    message = Entity()  # the fields as set_raw stores them, at once
    message._headers = [(name, value.rstrip("\r\n"))
                        for name, value in _FIELD_VALUE.findall(text, start, block.end())]
    return message, block.end()


def _multipart(message: Message, text: str, body: int, end: int, separator: str) -> Message | None:
    lines = list(_delimiters(text, body, end, separator))
    if not lines or lines[0][2]:
        return None  # no start delimiter (or the close one first): the stdlib's defects
    first, after_first, _ = lines[0]
    if first > body:  # the preamble, less the line end that belongs to the delimiter
        message.preamble = _without_eol(text[body:first])
    closed_at: int | None = None
    part_start = after_first
    for line_start, line_end, is_close in [*lines[1:], (end, end, False)]:  # then the end
        if line_start == part_start:
            return None  # two delimiter lines in a row (the stdlib skips them), or no part
        part = _entity(text, part_start, line_start, inside=True)
        if part is None:
            return None
        message.attach(part)
        if is_close:
            closed_at = line_end
            break
        part_start = line_end
    if closed_at is None:
        message.defects.append(CloseBoundaryNotFoundDefect())
        return message
    message.epilogue = text[closed_at:end]  # all of it, as compat32 keeps it
    return message


def _delimiters(text: str, start: int, end: int, separator: str) -> Iterator[tuple[int, int, bool]]:
    """(start, end, is_close) of each delimiter line in text[start:end], in order."""
    position = start
    while True:
        found = text.find(separator, position, end)
        if found < 0:
            return
        at_line_start = found == start or text[found - 1] in "\r\n"
        match = _EOL.search(text, found, end)
        line_end = match.end() if match else end
        content_end = match.start() if match else end
        position = line_end
        if not at_line_start:
            continue
        tail = text[found + len(separator):content_end]
        is_close = tail.startswith("--")
        if is_close:
            tail = tail[2:]
        if tail.strip(" \t"):
            continue  # "--boundary" and more: an ordinary line
        yield found, line_end, is_close


def _without_eol(value: str) -> str:
    """Less one line end at the very end, as the stdlib's NLCRE_eol cuts it."""
    if value.endswith("\r\n"):
        return value[:-2]
    return value[:-1] if value.endswith(("\r", "\n")) else value
