"""Any store file gives one line that says what is wrong and what to do, through the real
command line; nothing is destroyed; the backup kept beside the store restores it."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from inboxfollow.store import open_store
from inboxfollow.store.files import log_path
from inboxfollow.store.shape import backup_path
from tests.mailgen import run_cli
from tests.test_cli_views import NOW, synced_sample


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synced sample's folder (config, mail, state), committed twice so it has backups."""
    config = synced_sample(tmp_path_factory.mktemp("hardening") / "sample")
    with open_store(config.parent / "state" / "inboxfollow.json") as store:
        store.set_meta("touched", 1)
        store.commit()
    return config.parent


def _store(data: dict) -> bytes:
    return json.dumps(data).encode()


MAIN_BREAKS: list[tuple[str, bytes]] = [
    ("random bytes", bytes(range(256)) * 4),
    ("invalid UTF-8", b'{"meta": {"1": {"x": "\xff\xfe"}}}'),
    ("empty", b""),
    ("not JSON", b'{"meta": {"1": '),
    ("a list", b"[1, 2, 3]"),
    ("schema_version a string", _store({"meta": {"1": {"schema_version": "3"}}})),
    ("schema_version zero", _store({"meta": {"1": {"schema_version": 0}}})),
    ("a table that is a list", _store({"meta": [], "checkpoints": {}})),
    ("a document that is a string", _store({"meta": {"1": "x"}})),
    ("a document id that is a word", _store({"meta": {"one": {}}})),
    ("a checkpoint without its folder", _store({"checkpoints": {"1": {"mailbox": "owner"}}})),
    ("the split entry a number", _store({"meta": {"1": {"schema_version": 3}}, "_split": 7})),
    ("deep nesting", b"[" * 100_000),
]

_HEAD = b'{"log":"inboxfollow messages","generation":1}\n'
MESSAGES_BREAKS: list[tuple[str, bytes]] = [
    ("random bytes", bytes(range(255, -1, -1)) * 4),
    ("a list", b"[]\n"),
    ("schema 4's object", b'{"generation": 99, "messages": {}}'),
    ("generation a string", b'{"log":"inboxfollow messages","generation":"2"}\n'),
    ("a line that is no record", _HEAD + b"x" * 100_000 + b"\n"),
    ("a message that is a number", _HEAD + b'{"k":"a","h":0,"d":5}\n' * 10_000),
    ("a message without its key", _HEAD + b'{"k":"a","h":0,"d":{"locations":[]}}\n' * 3000),
    ("cut short", _HEAD),
    ("a generation from elsewhere", b'{"log":"inboxfollow messages","generation":7}\n'),
]


def _one_clear_line(folder: Path, *command: str) -> str:
    done = run_cli(*command, config=folder / "inboxfollow.toml", now=NOW)
    assert done.returncode in (1, 2), done
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("inboxfollow: error: store "), done.stderr
    return lines[0]


def _broken_copy(good: Path, tmp_path: Path, main: bytes | None, messages: bytes | None) -> Path:
    folder = tmp_path / "sample"
    shutil.copytree(good, folder, symlinks=True)
    store = folder / "state" / "inboxfollow.json"
    if main is not None:
        store.write_bytes(main)
    if messages is not None:
        log_path(store).write_bytes(messages)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (folder / "state").iterdir()
            if p.is_file() and not p.name.endswith(".lock")}


@pytest.mark.parametrize(("what", "content"), MAIN_BREAKS, ids=[w for w, _ in MAIN_BREAKS])
def test_a_broken_store_file_is_one_line_and_left_alone(
    good: Path, tmp_path: Path, what: str, content: bytes
) -> None:
    folder = _broken_copy(good, tmp_path, content, None)
    before = _files(folder)
    line = _one_clear_line(folder, "contacts")
    assert "damaged" in line and ".bak" in line and "inboxfollow sync" in line, line
    _one_clear_line(folder, "sync")  # a writer too
    assert _files(folder) == before


@pytest.mark.parametrize(("what", "content"), MESSAGES_BREAKS,
                         ids=[w for w, _ in MESSAGES_BREAKS])
def test_a_broken_messages_file_is_one_line_and_left_alone(
    good: Path, tmp_path: Path, what: str, content: bytes
) -> None:
    folder = _broken_copy(good, tmp_path, None, content)
    before = _files(folder)
    line = _one_clear_line(folder, "contacts")
    assert "inboxfollow.messages.jsonl" in line and ".bak" in line, line
    assert _files(folder) == before


def test_the_backup_restores_the_last_good_state(good: Path, tmp_path: Path) -> None:
    folder = _broken_copy(good, tmp_path, bytes(range(256)), b"garbage")
    store = folder / "state" / "inboxfollow.json"
    for path in (store, log_path(store)):
        assert stat.S_IMODE(backup_path(path).stat().st_mode) == 0o600
        os.replace(backup_path(path), path)  # what the error line says to do
    done = run_cli("contacts", "--json", config=folder / "inboxfollow.toml", now=NOW)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)  # the contacts are back
    done = run_cli("sync", config=folder / "inboxfollow.toml", now=NOW)
    assert done.returncode == 0, done.stderr


def test_leftover_backup_links_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.set_meta("x", 1)
        store.commit()
    leftover = tmp_path / ".s.json.bak.link"
    leftover.write_text("{}")
    with open_store(path) as store:
        store.set_meta("x", 2)
        store.commit()
    assert not leftover.exists()
    assert json.loads(backup_path(path).read_text())["meta"]["1"]["x"] == 1
