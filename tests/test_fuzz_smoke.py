"""A few hundred examples of bench/fuzz.py: mutated corpus (or sample) messages judged as
a sync judges them; nothing escapes, nothing is slow (the full run is the benchmark script)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.corpus import corpus_dir
from tests.mailgen import ROOT


def _fuzz() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_fuzz", ROOT / "bench" / "fuzz.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _seeds(folder: Path) -> Path:
    """The shared corpus where it lies beside the project, else the demo's sample mailbox
    (Gmail, Outlook, Apple Mail and phone shapes, written for the project): the test runs
    either way."""
    corpus = corpus_dir()
    if corpus is not None:
        return corpus
    from datetime import UTC, datetime

    from inboxfollow.app.demo import build_sample_mailbox

    build_sample_mailbox(folder / "mail", datetime(2026, 3, 10, 9, tzinfo=UTC))
    for n, path in enumerate(sorted(p for p in (folder / "mail").rglob("*") if p.is_file())):
        (folder / f"{n}.eml").write_bytes(path.read_bytes())
    return folder


def test_mutated_messages_never_escape_and_are_quick(tmp_path: Path) -> None:
    fuzz = _fuzz()
    tally = fuzz.run(400, random_seed=7, root=_seeds(tmp_path))
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
