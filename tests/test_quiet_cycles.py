"""Nothing is written when nothing changed: a cycle with no new mail and no due work
leaves the store file as it was (same bytes, same inode, same mtime)."""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta
from datetime import time as daytime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inboxfollow.app.daemon import Daemon, Job
from inboxfollow.app.daemon_jobs import build_jobs
from inboxfollow.config import load_config
from inboxfollow.model import Checkpoint
from inboxfollow.rules.slots import Slot
from inboxfollow.store import Store, StoreKeeper, open_store
from tests.dovecot import ImapAccount
from tests.mailgen import OWNER, PASSWORD_ENV, message, ok, run_cli, write_config

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_10 = datetime(2026, 3, 6, 10, tzinfo=BERLIN)


def stamp(path: Path) -> tuple[int, int, bytes]:
    """What "untouched" means: the same inode, the same mtime, the same bytes."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, path.read_bytes()


# ---- the store ---------------------------------------------------------------------------


def test_setting_a_fact_or_a_checkpoint_to_its_value_is_no_change(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    where = Checkpoint("owner", "INBOX", 7, 42)
    with open_store(path) as store:
        store.set_meta("job_runs", {"sync": "2026-03-06T10:00:00+01:00"})
        store.set_checkpoint(where)
        store.commit()
    before = stamp(path)
    with open_store(path) as store:
        store.set_meta("job_runs", {"sync": "2026-03-06T10:00:00+01:00"})
        store.set_meta("schema_version", store.get_meta("schema_version"))
        store.set_checkpoint(where)
        assert not store.dirty and store.revision == 0
        store.commit()
    assert stamp(path) == before
    with open_store(path) as store:
        store.set_checkpoint(Checkpoint("owner", "INBOX", 7, 43))
        assert store.dirty
    with open_store(path) as store:
        store.set_meta("job_runs", {"sync": "2026-03-06T10:15:00+01:00"})
        assert store.dirty


def test_a_fact_read_or_set_is_a_copy(tmp_path: Path) -> None:
    """Changing a value in place never changes the store behind `set_meta`'s back, which
    would also hide the change from it (the same object again compares equal)."""
    path = tmp_path / "s.json"
    with open_store(path) as store:
        runs = {"sync": "a"}
        store.set_meta("job_runs", runs)
        runs["drafts"] = "b"
        assert store.get_meta("job_runs") == {"sync": "a"}
        store.set_meta("job_runs", runs)
        store.get_meta("job_runs")["digest"] = "c"
        store.commit()
    with open_store(path) as store:
        assert store.get_meta("job_runs") == {"sync": "a", "drafts": "b"}


# ---- the daemon, with jobs that only say they ran -----------------------------------------


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def daemon_for(path: Path, clock: Clock, calls: list[str], sync_writes: bool = False) -> Daemon:
    def job(name: str):  # noqa: ANN202
        def run(store: Store, now: datetime, stop: object) -> str:
            calls.append(name)
            if sync_writes and name == "sync":
                store.add_override("stop", f"someone-{now:%H%M}@x.example", now.isoformat())
            return "ok"

        return run

    return Daemon([
        Job("sync", job("sync"), every_minutes=15),
        Job("drafts", job("drafts"), slot=Slot(daytime(8, 30), BERLIN)),
        Job("digest", job("digest"), slot=Slot(daytime(8, 0), BERLIN, 0),
            wait_for_first_slot=True),
    ], lambda: open_store(path), clock)


def stored_runs(path: Path) -> dict[str, str]:
    with open_store(path, readonly=True) as store:
        return dict(store.get_meta("job_runs", {}))


def test_quiet_daemon_cycles_write_nothing(tmp_path: Path) -> None:
    path, clock, calls = tmp_path / "s.json", Clock(FRIDAY_10), []
    daemon = daemon_for(path, clock, calls)
    daemon.run_due()  # a new store, and the drafts slot: written
    assert calls == ["sync", "drafts"]
    before = stamp(path)
    for _ in range(8):  # two hours of polls that find nothing
        clock.now += timedelta(minutes=15)
        daemon.run_due()
        clock.now += timedelta(minutes=1)
        daemon.run_due()  # nothing due at all
    assert calls.count("sync") == 9
    assert stamp(path) == before


def test_a_sync_that_changed_the_store_records_its_run(tmp_path: Path) -> None:
    path, clock = tmp_path / "s.json", Clock(FRIDAY_10)
    daemon = daemon_for(path, clock, [], sync_writes=True)
    daemon.run_due()
    clock.now += timedelta(minutes=15)
    daemon.run_due()
    assert stored_runs(path)["sync"] == clock.now.isoformat()


def test_a_quiet_sync_is_recorded_with_the_next_write(tmp_path: Path) -> None:
    path, clock, calls = tmp_path / "s.json", Clock(FRIDAY_10), []
    daemon = daemon_for(path, clock, calls)
    daemon.run_due()
    clock.now = datetime(2026, 3, 6, 23, 50, tzinfo=BERLIN)
    daemon.run_due()
    assert stored_runs(path)["sync"] == FRIDAY_10.isoformat()  # quiet: remembered, not written
    clock.now = datetime(2026, 3, 7, 8, 31, tzinfo=BERLIN)  # the next drafts slot: written
    daemon.run_due()
    runs = stored_runs(path)
    assert runs["sync"] == runs["drafts"] == clock.now.isoformat()


def test_a_restart_after_quiet_cycles_repeats_no_slot(tmp_path: Path) -> None:
    """The timed jobs' runs are in the store; a quiet sync may run once more, nothing else."""
    path, clock = tmp_path / "s.json", Clock(datetime(2026, 3, 9, 8, 5, tzinfo=BERLIN))
    calls: list[str] = []
    with open_store(path) as store:
        store.set_meta("job_runs", {"installed_at": "2026-03-01T09:00:00+01:00"})
        store.commit()
    daemon_for(path, clock, calls).run_due()
    assert calls == ["sync", "drafts", "digest"]  # Monday 08:05: the first drafts, the digest
    clock.now += timedelta(minutes=30)
    daemon = daemon_for(path, clock, calls)
    daemon.run_due()
    assert calls[3:] == ["sync", "drafts"]  # 08:35: the day's drafts slot
    before = stamp(path)
    clock.now += timedelta(minutes=15)
    daemon.run_due()  # 08:50: a quiet sync, remembered in memory only
    clock.now += timedelta(minutes=5)
    daemon_for(path, clock, calls).run_due()  # 08:55, a restart: sync once more, quietly
    assert calls[5:] == ["sync", "sync"] and stamp(path) == before


# ---- `inboxfollow run --once` over a Maildir ----------------------------------------------


NOW = "2026-03-10T09:00:00+01:00"


def run_once(config: Path, at: str) -> str:
    return ok(run_cli("run", "--once", config=config, now=f"2026-03-10T{at}:00+01:00"))


def test_run_once_with_nothing_new_leaves_the_store_file_untouched(tmp_path: Path) -> None:
    """Each `run --once` is a restart: a quiet sync is not recorded, so the next one past
    the interval polls again, and writes nothing either."""
    folder = tmp_path / "demo"
    ok(run_cli("demo", "--dir", str(folder), now=NOW))  # a Maildir, a store, pending drafts
    config, path = folder / "inboxfollow.toml", folder / "state" / "inboxfollow.json"
    assert run_once(config, "09:00").startswith("sync: 0 new")  # installed; the drafts slot
    before = stamp(path)
    assert run_once(config, "09:05") == "nothing due\n"
    assert run_once(config, "09:20").startswith("sync: 0 new")
    assert run_once(config, "09:21").startswith("sync: 0 new")
    assert stamp(path) == before
    inbox = mailbox.Maildir(folder / "mail", create=False)
    inbox.add(message(("Ann Lee", "ann@acme.example"), [("Dana Reyes", OWNER)], "Shelves",
                      datetime(2026, 3, 10, 9, 30, tzinfo=BERLIN), "<new@acme.example>"))
    assert run_once(config, "09:40").startswith("sync: 1 new")
    after = stamp(path)
    assert after[2] != before[2]
    assert run_once(config, "09:41") == "nothing due\n"  # that sync was recorded
    assert stamp(path) == after


# ---- the real daemon's jobs over Dovecot --------------------------------------------------


def test_daemon_polls_over_imap_with_nothing_new_write_nothing(
    tmp_path: Path, imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(PASSWORD_ENV, imap_account.password)
    ann = ("Ann Lee", "ann@acme.example")
    start = datetime(2026, 3, 10, 10, tzinfo=BERLIN)  # a Tuesday, after the drafts slot
    imap_account.deliver("Sent", message(
        ("Dana Reyes", OWNER), [ann], "Quote: oak shelves", start - timedelta(days=10),
        "<quote-q@reyes-joinery.example>", "Our price is EUR 2,400."), ["\\Seen"])
    config = load_config(write_config(tmp_path, imap_account))
    clock = Clock(start)
    daemon = Daemon(build_jobs(config), StoreKeeper(config.store_path).use, clock)
    first = daemon.run_due()  # the quote is new mail: the answers job looks at it
    assert [line.split(":")[0] for line in first] == ["sync", "answers", "drafts"]
    assert imap_account.status("Drafts")["messages"] == 1  # a pending draft: sync looks at it
    before = stamp(config.store_path)
    for _ in range(4):
        clock.now += timedelta(minutes=15)
        assert [line.split(":")[0] for line in daemon.run_due()] == ["sync"]
    assert stamp(config.store_path) == before
    imap_account.deliver("INBOX", message(
        ann, [("Dana Reyes", OWNER)], "Re: Quote: oak shelves", clock.now,
        "<reply-q@acme.example>", "Sounds good.", reply_to="<quote-q@reyes-joinery.example>"))
    clock.now += timedelta(minutes=15)
    synced, answers = daemon.run_due()
    assert "1 new" in synced and answers == "answers: 1 draft(s) withdrawn"
    assert stamp(config.store_path)[2] != before[2]
