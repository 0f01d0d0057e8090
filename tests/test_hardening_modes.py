"""The state folder is 0700 and every file inboxfollow writes into it is 0600 (store files,
lock, backups), as is a digest preview: after the real commands a user runs."""

from __future__ import annotations

import stat
from pathlib import Path

from inboxfollow.store.shape import backup_path
from tests.mailgen import ok, run_cli
from tests.test_cli_views import NOW


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_state_folder_and_files_are_private(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    ok(run_cli("demo", "--dir", str(demo), now=NOW))
    config = demo / "inboxfollow.toml"
    ok(run_cli("sync", config=config, now=NOW))
    ok(run_cli("drafts", config=config, now="2026-03-20T09:00:00+01:00"))
    preview = tmp_path / "out" / "digest.html"
    preview.parent.mkdir()
    preview.write_text("old, readable by all")
    preview.chmod(0o644)
    ok(run_cli("digest", "--preview", str(preview), config=config, now=NOW))
    state = demo / "state"
    assert _mode(state) == 0o700
    files = sorted(p for p in state.rglob("*"))
    names = {p.name for p in files}
    store = state / "inboxfollow.json"
    assert {store.name, store.name + ".lock", backup_path(store).name,
            "inboxfollow.messages.jsonl"} <= names, names
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert _mode(preview) == 0o600 and "<html" in preview.read_text().lower()
    assert _mode(demo / "digest.html") == 0o600


def test_files_an_older_version_left_readable_become_private(tmp_path: Path) -> None:
    from inboxfollow.store import open_store

    store = tmp_path / "state" / "s.json"
    store.parent.mkdir()
    store.write_text('{"meta": {"1": {"schema_version": 4}}}')
    lock = store.with_name("s.json.lock")
    lock.write_text("")
    for path in (store, lock):
        path.chmod(0o644)
    with open_store(store) as opened:
        opened.set_meta("x", 1)
        opened.commit()
    assert {p.name: _mode(p) for p in store.parent.iterdir()} == {
        "s.json": 0o600, "s.json.lock": 0o600, "s.json.bak": 0o600}
