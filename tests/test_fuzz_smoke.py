"""A few hundred examples of bench/fuzz.py: mutated corpus messages judged as a sync judges
them; nothing escapes, nothing is slow (the full run is the benchmark script)."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

import pytest

from tests.corpus import corpus_dir
from tests.mailgen import ROOT


def _fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_fuzz", ROOT / "bench" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(corpus_dir() is None, reason="the shared corpus is not beside the project")
def test_mutated_corpus_messages_never_escape_and_are_quick() -> None:
    fuzz = _fuzz()
    tally = fuzz.run(400, random_seed=7, root=corpus_dir())
    assert tally.examples == 400
    assert tally.escaped == [], tally.escaped[0]
    assert all(t < fuzz.SLOW for t in tally.retimed)  # a slow one is timed again, alone
    assert tally.records > 100  # most mutations still leave a message to record


def test_the_mutations_change_messages() -> None:
    fuzz = _fuzz()
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: Hi\r\n\r\nBody\r\n"
    lines, rest = fuzz._split(raw)
    assert len(lines) == 3 and rest == b"\r\nBody\r\n"
    header, _ = fuzz._split(fuzz.fetched(raw, False).raw)
    assert header == lines
