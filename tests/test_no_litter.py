"""No orphans and no litter: a killed sync leaves no process behind, a killed write no
temp file that outlives the next start."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inboxfollow.app.sync import PARALLEL_FROM
from inboxfollow.errors import StoreLockedError
from inboxfollow.store import open_store
from inboxfollow.store.files import log_path
from tests.mailgen import OWNER, cli_env, message

GONE_WITHIN = 10.0  # seconds a killed tree may take to go (it takes well under one)


# ---- processes -------------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter), from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        found[int(entry.name)] = (int(ppid), state)
    return found


def _descendants(root: int) -> dict[int, int]:
    """Every process below `root`, with its depth (1: a child, 2: a grandchild ...)."""
    procs, depth = _processes(), {root: 0}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _) in procs.items():
            if ppid in depth and pid not in depth:
                depth[pid], grew = depth[ppid] + 1, True
    del depth[root]
    return depth


def _living(pids: set[int]) -> set[int]:
    procs = _processes()
    return {pid for pid in pids if pid in procs and procs[pid][1] != "Z"}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
    except OSError:
        return "(gone)"


def _worker_in(tree: dict[int, int], parent: int) -> bool:
    """A judging worker among these processes: forked (`sync` runs no other thread, and
    the daemon none before its first pass), it is a child with its parent's command
    line; spawned, it runs multiprocessing's spawn code."""
    return any(depth == 1 and (_cmdline(pid) == _cmdline(parent)
                               or "multiprocessing.spawn" in _cmdline(pid))
               for pid, depth in tree.items())


@pytest.fixture(scope="module")
def big_maildir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Maildir whose INBOX is large enough that a first sync judges in a worker process."""
    root = tmp_path_factory.mktemp("big") / "mail"
    for folder in (root, root / ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (folder / sub).mkdir(parents=True)
    start = datetime(2025, 1, 6, 9, tzinfo=UTC)
    paragraph = "We looked at the oak and the walnut samples again last week. " * 40
    for n in range(max(3 * PARALLEL_FROM, 6000)):  # long enough to be killed half-way
        when = start + timedelta(minutes=17 * n)
        raw = message((f"Contact {n % 300}", f"c{n % 300}@firm{n % 97}.example"),
                      [("Dana Reyes", OWNER)], f"Cabinets, part {n}", when,
                      f"<m{n}@firm{n % 97}.example>", paragraph)
        (root / "cur" / f"{int(when.timestamp())}.M{n}P1.test:2,S").write_bytes(raw)
    return root


def _config(tmp_path: Path, maildir: Path) -> Path:
    config = tmp_path / "inboxfollow.toml"
    config.write_text(f"""
[owner]
name = "Dana Reyes"
addresses = ["{OWNER}"]
[maildir]
path = "{maildir}"
[store]
path = "state/inboxfollow.json"
""")
    return config


@pytest.mark.parametrize(("command", "sig"), [
    (["sync"], signal.SIGKILL),
    (["sync"], signal.SIGTERM),
    (["run", "--tick", "1"], signal.SIGKILL),
    (["run", "--tick", "1"], signal.SIGTERM),
])
def test_a_killed_sync_leaves_no_process_behind(
    tmp_path: Path, big_maildir: Path, command: list[str], sig: signal.Signals
) -> None:
    """Killed while the judging worker runs: the worker (and a spawned one's resource
    tracker) go with it (SIGTERM stops `run` cleanly, `sync` at once)."""
    config = _config(tmp_path, big_maildir)
    proc = subprocess.Popen([sys.executable, "-m", "inboxfollow", "--config", str(config),
                             *command], env=cli_env(), cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tree: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            tree |= _descendants(proc.pid)
            if _worker_in(tree, proc.pid):
                break
            time.sleep(0.01)
        if proc.poll() is not None:
            pytest.fail(f"the sync ended before its worker was seen: {proc.communicate()[1]}")
        assert _worker_in(tree, proc.pid), "no judging worker within a minute"
        tree |= _descendants(proc.pid)
        proc.send_signal(sig)
        proc.wait(30)
        deadline = time.monotonic() + GONE_WITHIN
        while _living(set(tree)) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _living(set(tree))
        assert not left, [f"{pid}: {_cmdline(pid)}" for pid in sorted(left)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _living(set(tree)):
            os.kill(pid, signal.SIGKILL)
    if sig == signal.SIGTERM and command[0] == "run":
        assert proc.returncode == 0, proc.communicate()[1]
    assert not list((tmp_path / "state").glob(".inboxfollow.json.*.tmp"))


# ---- temp files ------------------------------------------------------------------------


def _record(key: str) -> dict:
    return {"key": key, "subject": "s", "locations": [["owner", "INBOX", 1, 1]]}


def test_leftover_temp_files_of_the_store_are_removed_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([_record("<a@x>")], {})
        store.commit()
    before = path.read_bytes()
    leftover = tmp_path / ".s.json.k2j_9x0a.tmp"
    leftover.write_bytes(before * 3)
    elsewhere = tmp_path / "keep.txt"
    elsewhere.write_text("mine")
    others = [
        tmp_path / ".s.json.short.tmp",  # not a name mkstemp makes
        tmp_path / ".other.json.k2j_9x0a.tmp",  # another store's
        tmp_path / "s.json.k2j_9x0a.tmp",
        tmp_path / ".s.json.k2j_9x0a.tmp.bak",
    ]
    for other in others:
        other.write_text("not the store's")
    link = tmp_path / ".s.json.abcdefgh.tmp"
    link.symlink_to(elsewhere)
    with open_store(path, readonly=True):  # reading takes no lock and removes nothing
        pass
    assert leftover.exists()
    with open_store(path) as store:
        assert not leftover.exists()
        assert store.has_message("<a@x>")
    assert all(other.exists() for other in others) and link.is_symlink()
    assert elsewhere.read_text() == "mine" and path.read_bytes() == before


def _write_and_hang(path: str, written: multiprocessing.synchronize.Event) -> None:
    """Commit a change, and stop for good once the temp file is written (before the rename)."""

    def hang(fd: int) -> None:
        written.set()
        time.sleep(60)

    os.fsync = hang  # this child's own module: the parent is not touched
    with open_store(Path(path)) as store:
        store.save_messages([_record("<b@x>")], {})
        store.commit()


def test_a_write_killed_half_way_leaves_nothing_after_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([_record("<a@x>")], {})
        store.commit()
    before = path.read_bytes()
    context = multiprocessing.get_context("fork")
    written = context.Event()
    writer = context.Process(target=_write_and_hang, args=(str(path), written))
    writer.start()
    try:
        assert written.wait(30)
        assert b"<b@x>" in log_path(path).read_bytes()  # the messages go first: appended
    finally:
        writer.kill()
        writer.join(10)
    assert path.read_bytes() == before
    with open_store(path) as store:
        assert [m["key"] for m in store.all_messages()] == ["<a@x>"]  # lost whole
        store.save_messages([_record("<c@x>")], {})
        store.commit()
    assert not list(tmp_path.glob(".s.*.tmp"))
    assert b"<b@x>" not in log_path(path).read_bytes()  # cut off by the next commit


def _hold(path: str, ready: multiprocessing.synchronize.Event,
          release: multiprocessing.synchronize.Event) -> None:
    with open_store(Path(path)):
        ready.set()
        release.wait(30)


def test_the_temp_file_of_a_living_owner_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    owner = context.Process(target=_hold, args=(str(path), ready, release))
    owner.start()
    try:
        assert ready.wait(30)
        being_written = tmp_path / ".s.json.abcd1234.tmp"
        being_written.write_text("{}")
        with pytest.raises(StoreLockedError):
            with open_store(path, wait=0.5):
                pass
        assert being_written.exists()
    finally:
        release.set()
        owner.join(10)
    with open_store(path):
        assert not being_written.exists()
