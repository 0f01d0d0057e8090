"""Reading never blocks writing for long (issue 11, point 6).

The daemon derives the loops for its drafts and digest from a read-only copy of the
store, without the lock; a command given meanwhile takes the lock at once, and the
job then sees it: it derives again when the store changed, else it takes what was
derived ahead.
"""

from __future__ import annotations

import multiprocessing
import threading
from datetime import UTC, datetime
from pathlib import Path

from inboxfollow.app import loops
from inboxfollow.app.daemon import Daemon, Job
from inboxfollow.model import Checkpoint
from inboxfollow.store import Store, StoreKeeper, open_store

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)


def _stop_from_another_process(path: str, done: multiprocessing.Event) -> None:
    with open_store(Path(path), wait=0) as store:  # wait=0: the lock must be free now
        store.add_override("stop", "ann@acme.example", NOW.isoformat())
        store.commit()
    done.set()


def test_a_command_needs_no_wait_while_the_daemon_prepares(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.set_checkpoint(Checkpoint("owner", "INBOX", 1, 1))
        store.commit()
    seen: list[list[str]] = []
    done = multiprocessing.Event()

    def prepare(now: datetime) -> None:  # stands in for a long derivation
        worker = multiprocessing.Process(target=_stop_from_another_process,
                                         args=(str(path), done))
        worker.start()
        worker.join(20)
        assert worker.exitcode == 0, "the command could not take the lock"

    def drafts(store: Store, now: datetime, stop: object) -> str:
        seen.append([o["target"] for o in store.overrides()])
        return "ok"

    daemon = Daemon(jobs=[Job("drafts", drafts, every_minutes=60, prepare=prepare)],
                    open_store=StoreKeeper(path, wait=0).use, clock=lambda: NOW)
    assert daemon.run_due() == ["drafts: ok"]
    assert done.is_set()
    assert seen == [["ann@acme.example"]]  # the command is not lost: the job sees it


def test_a_derivation_made_ahead_is_taken_only_for_the_same_data(tmp_path: Path,
                                                                  monkeypatch) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([{"key": "<a@x>", "kind": "human", "locations": []}], {})
        store.commit()
    made: list[str] = []
    monkeypatch.setattr(loops, "_derive", lambda store, config, now: (
        made.append(str(len(store.all_messages()))) or ([], None)))
    config = object()
    keeper = StoreKeeper(path)
    with open_store(path, readonly=True) as copy:
        loops.derive_ahead(copy, config, NOW)  # type: ignore[arg-type]
    with keeper.use() as store:
        loops.derive(store, config, NOW)  # type: ignore[arg-type]
    assert made == ["1"]  # taken: the same file version
    with open_store(path, readonly=True) as copy:
        loops.derive_ahead(copy, config, NOW)  # type: ignore[arg-type]
    with open_store(path) as store:  # a command writes in between
        store.save_messages([{"key": "<b@x>", "kind": "human", "locations": []}], {})
        store.commit()
    with keeper.use() as store:
        loops.derive(store, config, NOW)  # type: ignore[arg-type]
    assert made == ["1", "1", "2"]  # derived again from what the file holds now
    with keeper.use() as store:
        store.set_meta("x", 1)  # changed in memory: never a derivation of other data
        loops.derive_ahead(store, config, NOW)  # type: ignore[arg-type]
        loops.derive(store, config, NOW)  # type: ignore[arg-type]
    assert made == ["1", "1", "2", "2"]


def test_the_lock_is_free_while_a_real_daemon_derives(tmp_path: Path) -> None:
    """With the real jobs' preparation: the drafts job derives from a read-only copy."""
    from inboxfollow.app.daemon_jobs import derive_first

    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.set_checkpoint(Checkpoint("owner", "INBOX", 1, 1))
        store.commit()
    free = threading.Event()
    real = loops._derive

    def slow(store, config, now):  # noqa: ANN001, ANN202 - checks the lock meanwhile
        with open_store(path, wait=0):
            free.set()
        return real(store, config, now)

    class Config:
        store_path = path

    loops._derive, saved = slow, loops._derive
    try:
        derive_first(Config())(NOW)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - the fake config derives nothing; the lock is the point
        pass
    finally:
        loops._derive = saved
    assert free.is_set()


def test_a_stopping_daemon_prepares_no_further_job(tmp_path: Path) -> None:
    """A derivation from every message, only to skip the job it is for, would delay the
    exit for nothing."""
    path = tmp_path / "s.json"
    prepared: list[datetime] = []

    def sync(store: Store, now: datetime, stop: object) -> str:
        daemon.stop_event.set()  # SIGTERM while the sync runs
        return "ok"

    daemon = Daemon(jobs=[Job("sync", sync, every_minutes=15),
                          Job("drafts", lambda store, now, stop: "done", every_minutes=60,
                              prepare=prepared.append)],
                    open_store=StoreKeeper(path).use, clock=lambda: NOW)
    assert daemon.run_due() == ["sync: ok"]
    assert prepared == []
