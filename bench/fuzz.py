"""Fuzz the judging of a message (parse, classify, record, the quote rule) with Hypothesis.

Every example is a real message of the shared corpus (`../shared/corpus`, or
$INBOXFOLLOW_CORPUS), mutated: header lines dropped, duplicated or garbled, bytes
flipped, the message cut short, a charset label swapped for a wrong one, 8-bit text
in another charset put into a header. Each is judged as a sync judges it, the header
block alone or with a text prefix (`app.judging.judge`, then `rules.quotes.decide_quote`
on the record), and timed.

What must hold: no exception escapes (judging turns a message it cannot read into a
set-aside entry with its reason: those are counted, by reason), and no message takes
over a second.

    .venv/bin/python bench/fuzz.py                    # 100,000 examples, a few minutes
    .venv/bin/python bench/fuzz.py --examples 2000    # a quick look

tests/test_fuzz_smoke.py runs a few hundred of the same examples.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inboxfollow.app.judging import judge  # noqa: E402
from inboxfollow.model import FetchedMessage, Location, Owner  # noqa: E402
from inboxfollow.rules.quotes import decide_quote  # noqa: E402
from inboxfollow.sources.mailbox import TEXT_PREFIX_BYTES  # noqa: E402

SLOW = 1.0  # seconds: no message may take longer
OWNER = Owner("Dana Reyes", frozenset({"dana@reyes-joinery.example"}),
              capture_address="quotes@reyes-joinery.example")
RECEIVED = datetime(2026, 3, 1, 9, tzinfo=UTC)
CHARSETS = [b"utf-8", b"us-ascii", b"iso-8859-1", b"windows-1252", b"gb2312", b"shift_jis",
            b"koi8-r", b"utf-16", b"x-unknown", b"", b"utf-7", b"iso-2022-jp"]
TEXTS = ["Grüße aus Köln", "Angebot für das Dach: 1.200 €", "报价单", "見積書", "Привет",
         "façade — devis n° 12"]
ENCODINGS = ["utf-8", "cp1252", "latin-1", "gb2312", "shift_jis", "koi8-r", "utf-16"]


def corpus_dir() -> Path:
    configured = os.environ.get("INBOXFOLLOW_CORPUS")
    return Path(configured) if configured else ROOT.parent / "shared" / "corpus"


def seeds(root: Path) -> list[bytes]:
    """Every message of the corpus, as bytes (sorted by path, so a seed reproduces)."""
    return [p.read_bytes() for p in sorted(root.rglob("*.eml")) if p.is_file()]


def _split(raw: bytes) -> tuple[list[bytes], bytes]:
    """Header lines (each with its line end) and the rest (blank line and body)."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = raw.find(sep)
        if at >= 0:
            head, rest = raw[: at + len(sep) // 2], raw[at + len(sep) // 2:]
            return head.splitlines(keepends=True), rest
    return raw.splitlines(keepends=True), b""


@st.composite
def mutated(draw: st.DrawFn, messages: list[bytes]) -> tuple[bytes, bool, list[str]]:
    """A corpus message with up to five mutations; whether its text is fetched; what was done."""
    raw = draw(st.sampled_from(messages))
    done: list[str] = []
    for op in draw(st.lists(st.sampled_from(OPS), max_size=5)):
        raw = op(draw, raw)
        done.append(op.__name__)
    return raw, draw(st.booleans()), done


def _line(draw: st.DrawFn, lines: list[bytes]) -> int:
    return draw(st.integers(0, max(0, len(lines) - 1)))


def drop_line(draw: st.DrawFn, raw: bytes) -> bytes:
    lines, rest = _split(raw)
    if lines:
        del lines[_line(draw, lines)]
    return b"".join(lines) + rest


def duplicate_line(draw: st.DrawFn, raw: bytes) -> bytes:
    lines, rest = _split(raw)
    if lines:
        lines.insert(_line(draw, lines), lines[_line(draw, lines)])
    return b"".join(lines) + rest


def garble_line(draw: st.DrawFn, raw: bytes) -> bytes:
    lines, rest = _split(raw)
    if lines:
        i = _line(draw, lines)
        cut = draw(st.integers(0, len(lines[i])))
        junk = draw(st.binary(max_size=60) | st.sampled_from(
            [b":", b"=?utf-8?b?", b"=?", b"?=", b"<", b">", b"\x00", b"\r", b"\n ", b"\"",
             b"=?utf-8?q?=C3?=", b"\t\t", b"(", b"@", b",,,"]))
        lines[i] = lines[i][:cut] + junk + lines[i][cut:]
    return b"".join(lines) + rest


def flip_bytes(draw: st.DrawFn, raw: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 8))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


def truncate(draw: st.DrawFn, raw: bytes) -> bytes:
    return raw[: draw(st.integers(0, len(raw)))]


def wrong_charset(draw: st.DrawFn, raw: bytes) -> bytes:
    at = raw.lower().find(b"charset=")
    if at < 0:
        return raw
    end = at + len(b"charset=")
    stop = end
    while stop < len(raw) and raw[stop:stop + 1] not in b";\r\n \t":
        stop += 1
    return raw[:end] + draw(st.sampled_from(CHARSETS)) + raw[stop:]


def eight_bit_header(draw: st.DrawFn, raw: bytes) -> bytes:
    text = draw(st.sampled_from(TEXTS)).encode(draw(st.sampled_from(ENCODINGS)), "replace")
    name = draw(st.sampled_from([b"Subject", b"From", b"To", b"Cc", b"Message-ID", b"Date",
                                 b"Content-Type", b"References"]))
    return name + b": " + text + b"\r\n" + raw


OPS = [drop_line, duplicate_line, garble_line, flip_bytes, truncate, wrong_charset,
       eight_bit_header]


def fetched(raw: bytes, has_text: bool) -> FetchedMessage:
    """What a source hands over: the header block, with a text prefix when asked for."""
    lines, rest = _split(raw)
    head = b"".join(lines)
    body = rest[:TEXT_PREFIX_BYTES + 4] if has_text else rest[:2]
    return FetchedMessage(Location("owner", "INBOX", 1, 1), head + body, (), RECEIVED,
                          len(raw), has_text)


@dataclass
class Tally:
    examples: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slow: int = 0  # over SLOW
    records: int = 0
    wants_text: int = 0  # judged again once its text is fetched (as a sync does)
    set_aside: Counter[str] = field(default_factory=Counter)
    escaped: list[str] = field(default_factory=list)  # tracebacks of what escaped
    slow_examples: list[tuple[bytes, bool]] = field(default_factory=list)
    retimed: list[float] = field(default_factory=list)  # each slow one again, best of 3

    def summary(self) -> dict[str, Any]:
        return {
            "examples": self.examples, "seconds": round(self.seconds, 1),
            "mean_ms": round(1000 * self.seconds / max(1, self.examples), 3),
            "max_ms": round(1000 * self.slowest, 1), f"over_{SLOW:g}s": self.slow,
            "records": self.records, "wants_text": self.wants_text,
            "set_aside": dict(self.set_aside.most_common()),
            "escaped": len(self.escaped),
            f"over_{SLOW:g}s_timed_again_best_of_3_ms": [round(1000 * t) for t in self.retimed],
        }

    def retime(self) -> None:
        """Time each slow example again, alone: a pause of the machine, or the message?"""
        self.retimed = [_best_of(raw, has_text) for raw, has_text in self.slow_examples]


def judge_one(raw: bytes, has_text: bool, tally: Tally) -> None:
    start = time.perf_counter()
    try:
        (outcome,) = judge([fetched(raw, has_text)], OWNER)
        if outcome.record is not None:
            decide_quote(outcome.record)
            tally.records += 1
        elif outcome.set_aside:
            tally.set_aside[outcome.set_aside.split(":", 1)[0]] += 1
        else:
            tally.wants_text += outcome.wants_text
    except Exception:  # noqa: BLE001 - what the fuzzing looks for
        tally.escaped.append(traceback.format_exc())
    took = time.perf_counter() - start
    tally.examples += 1
    tally.seconds += took
    tally.slowest = max(tally.slowest, took)
    if took > SLOW:
        tally.slow += 1
        tally.slow_examples.append((raw, has_text))


def _best_of(raw: bytes, has_text: bool, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        judge([fetched(raw, has_text)], OWNER)
        best = min(best, time.perf_counter() - start)
    return best


def run(examples: int, random_seed: int = 16, root: Path | None = None) -> Tally:
    messages = seeds(root or corpus_dir())
    if not messages:
        raise SystemExit(f"no corpus messages under {root or corpus_dir()}")
    tally = Tally()

    @seed(random_seed)
    @settings(max_examples=examples, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(mutated(messages))
    def fuzz(example: tuple[bytes, bool, list[str]]) -> None:
        raw, has_text, _ = example
        judge_one(raw, has_text, tally)

    fuzz()
    tally.retime()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--keep-slow", metavar="DIR", help="write the slow examples there")
    args = parser.parse_args()
    started = time.monotonic()
    tally = run(args.examples, args.seed)
    for name, value in tally.summary().items():
        print(f"{name}: {value}")
    print(f"wall_seconds: {time.monotonic() - started:.1f}")
    for trace in tally.escaped[:5]:
        print(trace, file=sys.stderr)
    if args.keep_slow:
        for n, (raw, has_text) in enumerate(tally.slow_examples):
            Path(args.keep_slow, f"slow-{n}-text{int(has_text)}.eml").write_bytes(raw)
    return 1 if tally.escaped or any(t > SLOW for t in tally.retimed) else 0


if __name__ == "__main__":
    sys.exit(main())
