"""The text of a web-form notification, as lines a field reader can take (pure).

Form tools mail their fields as "Name: value" lines in plain text, or as HTML tables
(one row a field: the label in one cell, the value in the next) or labelled
paragraphs. `form_texts` gives the text/plain part, and the HTML part with each table
row written "label: value" and each block on its own line; the reader takes the first
that holds the fields.
"""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from html.parser import HTMLParser

BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                    "table", "section", "dt", "dd", "hr", "ul", "ol"})
CELLS = frozenset({"td", "th"})


class _FormHtml(HTMLParser):
    """HTML to lines; a table row of several cells becomes "first: rest"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.cells: list[str] | None = None  # inside a table row
        self.skip = 0  # inside <style> or <script>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head", "title"):
            self.skip += 1
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in CELLS and self.cells is not None:
            self._cell()
        elif tag in BLOCKS:
            self._flush() if self.cells is None else self.current.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in CELLS and self.cells is not None:
            self._cell()
        elif tag == "tr" and self.cells is not None:
            self._cell()
            self._row(self.cells)
            self.cells = None
        elif tag in BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def _cell(self) -> None:
        text = _clean("".join(self.current))
        self.current = []
        if text and self.cells is not None:
            self.cells.append(text)

    def _row(self, cells: list[str]) -> None:
        if len(cells) >= 2:
            label = cells[0].rstrip(": ")
            self.lines.append(f"{label}: {cells[1]}")
            self.lines += cells[2:]
        else:
            self.lines += cells

    def _flush(self) -> None:
        text = "".join(self.current)
        self.current = []
        self.lines += [line for line in (_clean(part) for part in text.split("\n")) if line]

    def text(self) -> str:
        self._flush()
        return "\n".join(self.lines)


def _clean(text: str) -> str:
    return re.sub(r"[ \t\r\f\v\xa0]+", " ", text).strip()


def html_form_text(html: str) -> str:
    parser = _FormHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient, but be sure
        pass
    return parser.text()


def form_texts(raw: bytes) -> tuple[str, ...]:
    """The notification's texts to read fields from: its plain part, then its HTML part
    as lines (either may be missing)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        return ()
    plain, html = _part(message, "plain"), _part(message, "html")
    return tuple(text for text in (plain, html_form_text(html) if html else "") if text.strip())


def _part(message: EmailMessage, subtype: str) -> str:
    try:
        part = message.get_body(preferencelist=(subtype,))
        if part is None or part.get_content_subtype() != subtype:
            return ""
        return str(part.get_content())
    except (LookupError, ValueError, AssertionError):
        return ""
