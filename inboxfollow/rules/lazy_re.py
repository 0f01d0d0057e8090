"""A regular expression compiled when first used.

The word rules build large patterns (every quote, price and billing word, in four
languages). Compiling them costs a fifth of a second, which a command that judges no
message (a poll that finds nothing new, `--help`) should not pay.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator


class LazyPattern:
    """Stands in for `re.compile(source, flags)`: search, match, finditer and sub."""

    __slots__ = ("_compiled", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(text, pos, endpos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self.compiled.sub(repl, text)


class LowercaseWords:
    """A case-insensitive test for an alternation of lowercase words and phrases, several
    times faster than `re.IGNORECASE`.

    The text is lowered once and searched by a case-sensitive pattern, whose branches
    that start with a word boundary share it (`\\b(?:a|b)`, not `\\ba|\\bb`): the engine
    then tries them only where a word starts. Measured on 52,000 sentences of inbound mail,
    the request words took 0.14 s against 0.98 s with `re.IGNORECASE`, the put-offs
    0.24 s against 0.71 s. Every branch must be written in lower case (escapes aside),
    and one that starts with `\\b` must be one alternative (no `|` outside parentheses).
    """

    __slots__ = ("branches", "_pattern")

    def __init__(self, branches: list[str]) -> None:
        self.branches = tuple(branches)
        for branch in branches:
            letters = re.sub(r"\\.", "", branch)  # escapes such as \W keep their case
            if letters != letters.lower():
                raise ValueError(f"not in lower case: {branch!r}")
        bounded = [b.removeprefix(r"\b") for b in branches if b.startswith(r"\b")]
        others = [b for b in branches if not b.startswith(r"\b")]
        source = "|".join([*others, *([r"\b(?:" + "|".join(bounded) + ")"] if bounded else [])])
        self._pattern = LazyPattern(source)

    def found_in(self, text: str) -> bool:
        return self._pattern.search(text.lower()) is not None
