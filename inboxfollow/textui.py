"""Plain-text output for people: tables and a progress bar (no dependencies)."""

from __future__ import annotations

import sys
import time
import unicodedata
from collections.abc import Sequence


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(headings: Sequence[str], rows: Sequence[Sequence[str]], max_col: int = 48) -> str:
    """Columns padded to their widest cell; long cells cut with an ellipsis."""
    cells = [[_cut(str(c), max_col) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headings)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(headings, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines.append("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
