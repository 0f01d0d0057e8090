"""Text from mail made plain (pure): HTML as text, a reply's own text above the quote,
one-line header values, subjects without their Re:/AW:/Fwd: prefixes."""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from html.parser import HTMLParser

_FOLD_RE = re.compile(r"\r\n|\r|\n")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|vs|antw|r|ris|wg|fwd?|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)


def base_subject(subject: str) -> str:
    """The subject without any Re:/AW:/Fwd: prefixes."""
    return _REPLY_PREFIX.sub("", " ".join(subject.split())) or "(no subject)"


def one_line(text: str) -> str:
    """Any text made safe for a header: one line, no control characters.

    Encoded words are decoded first and any left are broken up, because the
    email package decodes "=?utf-8?q?...=0D=0A...?=" in a value it is given and
    would write the line break it hides into the header block.
    """
    try:
        text = str(make_header(decode_header(text)))
    except (HeaderParseError, UnicodeError, LookupError, ValueError):
        pass
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return text.replace("=?", "= ?")


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
