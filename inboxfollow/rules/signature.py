"""The owner's signature (pure): learned from their recent mail, and added only once.

`learn_signature` takes the texts of the owner's own recent messages (newest first,
quoted history already cut) and finds the block they sign with: the lines after a
"-- " separator line when several messages share it, else the closing lines that
several messages end with alike. `sign` puts a signature under a draft's text,
never twice: lines the text already ends with are not repeated.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

MAX_LINES = 8  # a longer block is a letter, not a signature
MAX_TEXTS = 20  # the newest messages looked at
MIN_SHARED = 2  # a block must recur in this many messages
# A closing line is the draft template's to write, in the draft's language: a learned
# block starts after it.
_CLOSING = re.compile(
    r"^(?:(?:best|kind|warm|many)?\s*(?:regards|wishes)|best|cheers|thanks(?: again)?"
    r"|thank you|sincerely|yours(?: sincerely| truly)?|(?:mit )?(?:freundlichen|herzlichen|"
    r"viele|beste|liebe|schöne) grüße|grüße|gruß|lg|vg|mfg|(?:bien |très )?cordialement"
    r"|(?:bien )?à vous|bonne journée|(?:un )?(?:cordial )?saludos?(?: cordiales)?|atentamente"
    r"|un abrazo)[\s,.!]*$",
    re.IGNORECASE,
)


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def dashed_block(text: str) -> tuple[str, ...]:
    """The lines after the last "-- " (or "--") separator line, or () without one."""
    lines = _lines(text)
    marks = [i for i, line in enumerate(lines) if line in ("-- ", "--")]
    if not marks:
        return ()
    block = tuple(line for line in lines[marks[-1] + 1:])
    block = tuple(_lines("\n".join(block)))
    return block if 0 < len(block) <= MAX_LINES else ()


def own_texts(records: Iterable[dict[str, Any]], now: datetime) -> list[str]:
    """The texts of the owner's own human messages, newest first (signature learning)."""
    own = [r for r in records if r.get("direction") == "out" and r.get("kind") == "human"
           and r.get("text") and r.get("date", "") <= now.astimezone(UTC).isoformat()]
    own.sort(key=lambda r: str(r["date"]), reverse=True)
    return [str(r["text"]) for r in own[:MAX_TEXTS]]


def learn_signature(texts: Sequence[str]) -> str:
    """The signature block the owner's recent texts share, or "" when none recurs."""
    recent = [t for t in texts[:MAX_TEXTS] if t.strip()]
    dashed = Counter(b for b in (dashed_block(t) for t in recent) if b)
    if dashed:
        block, count = dashed.most_common(1)[0]
        if count >= MIN_SHARED:
            return "\n".join(block)
    closing = list(_common_closing(recent))
    while closing and _CLOSING.match(closing[0].strip()):
        closing.pop(0)
    return "\n".join(closing)


def _common_closing(texts: Sequence[str]) -> tuple[str, ...]:
    """The longest run of last lines that at least MIN_SHARED texts (and half of all)
    end with alike, blank lines ignored."""
    endings = [tuple(line for line in _lines(t) if line.strip())[-MAX_LINES:] for t in texts]
    needed = max(MIN_SHARED, (len(texts) + 1) // 2)
    best: tuple[str, ...] = ()
    for size in range(1, MAX_LINES + 1):
        counts = Counter(e[-size:] for e in endings if len(e) > size)
        if not counts:
            break
        block, count = counts.most_common(1)[0]
        if count < needed:
            break
        best = block
    return best


def sign(text: str, signature: str) -> str:
    """`text` with `signature` below it; the lines the text already ends with (a closing
    such as "Best regards," or the whole signature) are not written twice."""
    body, block = _lines(text), _lines(signature)
    if not block:
        return "\n".join(body) + "\n"
    overlap = _overlap(body, block)
    return "\n".join(body + block[overlap:]) + "\n"


def _overlap(body: list[str], block: list[str]) -> int:
    """How many of the block's first lines the body already ends with (the whole block,
    or a closing line it starts with)."""
    if _contains_at_end(body, block):
        return len(block)
    for size in range(min(len(body), len(block)), 0, -1):
        if [x.strip() for x in body[-size:]] == [x.strip() for x in block[:size]]:
            return size
    return 0


def _contains_at_end(body: list[str], block: list[str]) -> bool:
    """The block is the body's last lines, or the body's last line holds all of a
    one-line signature."""
    size = len(block)
    if size <= len(body) and [x.strip() for x in body[-size:]] == [x.strip() for x in block]:
        return True
    return size == 1 and bool(body) and body[-1].strip().endswith(block[0].strip())
