"""Plain-text output for people: tables and a progress bar (no dependencies)."""

from __future__ import annotations

import re
import sys
import time
import unicodedata
from collections.abc import Collection, Sequence

WIDTH = 80  # what a table fits by default: an 80-column terminal or a mail client
TEXT_KEPT = 16  # text is cut to this many characters before an email or a date is cut
MIN_COLUMN = 6  # a cut column keeps at least this many characters (or its heading's)
_WHOLE = re.compile(r"^(?:-|[^\s@]+@[^\s@]+|[\d:+ T.-]+)$")  # email, date, number or "-"


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Mn", "Me"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _width(text: str) -> int:
    """Columns `text` takes on a terminal: wide East Asian characters 2, accents 0."""
    return sum(_char_width(ch) for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _cut(text: str, limit: int) -> str:
    """`text` in at most `limit` columns, ending in "…" when it was longer."""
    if _width(text) <= limit:
        return text
    kept, used = [], 0
    for ch in text:
        if used + _char_width(ch) > limit - 1:
            break
        kept.append(ch)
        used += _char_width(ch)
    return "".join(kept).rstrip() + "…"


def table(headings: Sequence[str], rows: Sequence[Sequence[str]],
          width: int | None = WIDTH, keep: Collection[int] = ()) -> str:
    """Columns padded to their widest cell, the whole at most `width` columns (None: no
    limit). To fit, the widest column of text is cut with "…" first; columns of emails,
    dates and numbers, and the columns numbered in `keep`, only when cutting the text is
    not enough."""
    cells = [[" ".join(str(c).split()) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headings)]
    if width is not None:
        widths = _fit(headings, cells, widths, width, keep)
        cells = [[_cut(c, w) for c, w in zip(row, widths, strict=True)] for row in cells]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headings, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _fit(headings: Sequence[str], cells: list[list[str]], widths: list[int],
         limit: int, keep: Collection[int]) -> list[int]:
    """Column widths that fit `limit`, cutting in three rounds, the widest column first in
    each: text down to TEXT_KEPT characters, then emails, dates, numbers and `keep`, then text
    down to MIN_COLUMN. No column is cut below its heading."""
    widths = list(widths)
    whole = [i in keep or (bool(cells) and all(_WHOLE.match(r[i]) for r in cells if r[i]))
             for i in range(len(headings))]
    excess = sum(widths) + 2 * (len(widths) - 1) - limit
    for cut_whole, least in ((False, TEXT_KEPT), (True, MIN_COLUMN), (False, MIN_COLUMN)):
        for i in sorted(range(len(widths)), key=lambda i: -widths[i]):
            if excess <= 0:
                return widths
            if whole[i] != cut_whole:
                continue
            cut = max(0, min(excess, widths[i] - max(_width(headings[i]), least)))
            widths[i] -= cut
            excess -= cut
    return widths


class ProgressBar:
    """A one-line bar on stderr, shown only when a pass is long enough to need it."""

    def __init__(self, label: str, threshold: int = 500) -> None:
        self.label = label
        self.threshold = threshold
        self.shown = False
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        if total < self.threshold:
            return
        now = time.monotonic()
        if now - self._last < 0.2 and done < total:
            return
        self._last = now
        filled = int(30 * min(done / total, 1.0))
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
