"""Where the shared email corpus lives, and how to read its index.

The corpus is never copied into the project (licences): tests read it in place.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "INBOXFOLLOW_CORPUS"
_BLANK_LINE_RE = re.compile(rb"\r\n\r\n|\n\n|\r\r|\r\n\n|\n\r\n")


@dataclass(frozen=True)
class Entry:
    file: str
    category: str
    expected: str
    note: str


def corpus_dir() -> Path | None:
    """The corpus directory: $INBOXFOLLOW_CORPUS, else <repo>/../shared/corpus, else None."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        path = Path(configured)
        return path if path.is_dir() else None
    path = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    return path if path.is_dir() else None


def read_index(root: Path) -> list[Entry]:
    with (root / "index.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [Entry(*(row + [""] * 4)[:4]) for row in rows[1:] if row and row[0]]


def header_block(raw: bytes) -> bytes:
    """The header block of a raw message, with its terminating blank line."""
    match = _BLANK_LINE_RE.search(raw)
    return raw[: match.end()] if match else raw
