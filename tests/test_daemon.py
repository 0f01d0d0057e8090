"""The daemon: timed slots, guarded jobs, restarts, and `run` as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as daytime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.app.daemon import Daemon, Job
from inboxfollow.errors import MailServerError
from inboxfollow.rules.slots import Slot
from inboxfollow.store import Store, open_store
from tests.dovecot import ImapAccount
from tests.storefile import store_tables

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = Slot(daytime(8, 0), BERLIN, weekday=0)


@pytest.mark.parametrize(
    ("now", "latest"),
    [
        ("2026-03-09T08:00:00+01:00", "2026-03-09T08:00:00+01:00"),  # Monday, on the dot
        ("2026-03-09T07:59:00+01:00", "2026-03-02T08:00:00+01:00"),  # a minute early
        ("2026-03-13T12:00:00+01:00", "2026-03-09T08:00:00+01:00"),  # Friday
        ("2026-03-30T09:00:00+02:00", "2026-03-30T08:00:00+02:00"),  # after the clocks moved
    ],
)
def test_latest_weekly_slot(now: str, latest: str) -> None:
    assert MONDAY_8.latest(datetime.fromisoformat(now)) == datetime.fromisoformat(latest)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(datetime(2024, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC)),
       st.integers(1, 60 * 24 * 30))
def test_a_slot_fires_once_however_long_the_machine_slept(start: datetime, minutes: int) -> None:
    """Running whenever due, then again right away, never runs twice for one slot."""
    now = start + timedelta(minutes=minutes)
    assert MONDAY_8.latest(now) <= now < MONDAY_8.next_after(now)
    if MONDAY_8.is_due(start, now):
        assert not MONDAY_8.is_due(now, now)
        assert not MONDAY_8.is_due(now, now + timedelta(seconds=1)) or (
            MONDAY_8.latest(now + timedelta(seconds=1)) > now)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def recorder(name: str, calls: list[tuple[str, datetime]], fail: bool = False):  # noqa: ANN201
    def run(store: Store, now: datetime, stop: object) -> str:
        calls.append((name, now))
        if fail:
            raise MailServerError("server went away")
        return "ok"

    return run


def daemon_for(path: Path, clock: Clock, calls: list, failing: str = "") -> Daemon:
    jobs = [
        Job("sync", recorder("sync", calls, failing == "sync"), every_minutes=15),
        Job("drafts", recorder("drafts", calls, failing == "drafts"),
            slot=Slot(daytime(8, 30), BERLIN)),
        Job("digest", recorder("digest", calls, failing == "digest"), slot=MONDAY_8,
            wait_for_first_slot=True),
    ]
    return Daemon(jobs, lambda: open_store(path), clock)


def names(calls: list) -> list[str]:
    return [c[0] for c in calls]


def test_jobs_fire_when_due(tmp_path: Path) -> None:
    clock, calls = Clock(datetime(2026, 3, 6, 10, tzinfo=BERLIN)), []  # a Friday
    daemon = daemon_for(tmp_path / "s.json", clock, calls)
    daemon.run_due()
    assert names(calls) == ["sync", "drafts"]  # the digest waits for its first Monday
    clock.now += timedelta(minutes=10)
    daemon.run_due()
    assert names(calls) == ["sync", "drafts"]
    clock.now += timedelta(minutes=5)
    daemon.run_due()
    assert names(calls) == ["sync", "drafts", "sync"]
    clock.now = datetime(2026, 3, 9, 8, 1, tzinfo=BERLIN)  # Monday 08:01
    calls.clear()
    daemon.run_due()
    assert names(calls) == ["sync", "drafts", "digest"]  # the weekend's drafts slots, once
    clock.now = datetime(2026, 3, 9, 8, 31, tzinfo=BERLIN)
    calls.clear()
    daemon.run_due()
    assert names(calls) == ["sync", "drafts"]


def test_a_failing_job_does_not_stop_the_others_and_is_retried(tmp_path: Path) -> None:
    clock, calls = Clock(datetime(2026, 3, 9, 9, tzinfo=BERLIN)), []
    path = tmp_path / "s.json"
    with open_store(path) as store:  # installed a week ago, so this Monday's digest is due
        store.set_meta("job_runs", {"installed_at": "2026-03-02T09:00:00+01:00"})
        store.commit()
    daemon = daemon_for(path, clock, calls, failing="drafts")
    daemon.run_due()
    assert names(calls) == ["sync", "drafts", "digest"]
    clock.now += timedelta(minutes=1)
    daemon.run_due()
    assert names(calls) == ["sync", "drafts", "digest"]  # backing off
    clock.now += timedelta(minutes=15)
    daemon.run_due()
    assert names(calls)[3:] == ["sync", "drafts"]  # sync due again, drafts retried


def test_a_restart_does_not_resend_the_weeks_digest(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    calls: list = []
    with open_store(path) as store:
        store.set_meta("job_runs", {"installed_at": "2026-03-01T09:00:00+01:00"})
        store.commit()
    clock = Clock(datetime(2026, 3, 9, 8, 5, tzinfo=BERLIN))
    daemon_for(path, clock, calls).run_due()
    assert names(calls).count("digest") == 1
    clock.now += timedelta(hours=3)
    daemon_for(path, clock, calls).run_due()  # a new process: nothing in memory
    assert names(calls).count("digest") == 1


def test_a_machine_that_slept_catches_up_once(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    calls: list = []
    with open_store(path) as store:
        store.set_meta("job_runs", {"installed_at": "2026-02-01T09:00:00+01:00",
                                    "digest": "2026-02-02T08:00:00+01:00"})
        store.commit()
    clock = Clock(datetime(2026, 3, 11, 12, tzinfo=BERLIN))  # slept through five Mondays
    daemon = daemon_for(path, clock, calls)
    daemon.run_due()
    clock.now += timedelta(minutes=20)
    daemon.run_due()
    assert names(calls).count("digest") == 1


def test_jobs_runs_are_kept_in_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    clock = Clock(datetime(2026, 3, 6, 10, tzinfo=BERLIN))
    daemon_for(path, clock, []).run_due()
    runs = store_tables(path)["meta"]["1"]["job_runs"]
    assert runs["sync"] == runs["drafts"] == clock.now.isoformat()


def test_a_wake_runs_its_job_at_once_and_no_other(tmp_path: Path) -> None:
    clock, calls = Clock(datetime(2026, 3, 6, 10, tzinfo=BERLIN)), []
    daemon = daemon_for(tmp_path / "s.json", clock, calls)
    daemon.run_due()
    clock.now += timedelta(minutes=1)
    assert daemon.run_due() == []  # nothing due
    daemon.wake("sync")
    assert daemon.wake_event.is_set()
    daemon.run_due()
    assert names(calls) == ["sync", "drafts", "sync"]
    clock.now += timedelta(minutes=1)
    daemon.run_due()
    assert names(calls) == ["sync", "drafts", "sync"]  # a wake counts once


def test_news_that_came_while_the_sync_failed_is_synced_after_the_backoff(
    tmp_path: Path,
) -> None:
    clock, calls, failing = Clock(datetime(2026, 3, 6, 10, tzinfo=BERLIN)), [], [False]

    def sync(store: Store, now: datetime, stop: object) -> str:
        calls.append(("sync", now))
        if failing[0]:
            raise MailServerError("server went away")
        return "ok"

    daemon = Daemon([Job("sync", sync, every_minutes=60)], lambda: open_store(tmp_path / "s"),
                    clock)
    daemon.run_due()
    failing[0] = True
    clock.now += timedelta(minutes=1)
    daemon.wake("sync")
    daemon.run_due()  # fails
    failing[0] = False
    clock.now += timedelta(minutes=1)
    daemon.wake("sync")
    daemon.run_due()  # backing off
    assert len(calls) == 2
    clock.now += timedelta(minutes=5)
    daemon.run_due()  # an hour from due, but the news is still unseen
    assert len(calls) == 3
    clock.now += timedelta(minutes=1)
    daemon.run_due()
    assert len(calls) == 3


def test_run_forever_runs_a_woken_job_between_ticks_and_stops_its_watches(
    tmp_path: Path,
) -> None:
    calls: list = []
    stopped = threading.Event()

    def watch(wake: Callable[[], None], stop: threading.Event) -> list[threading.Thread]:
        def body() -> None:
            while len(calls) < 2:  # wait for the first cycle, then report news
                time.sleep(0.01)
            wake()
            stop.wait()
            stopped.set()

        thread = threading.Thread(target=body, daemon=True)
        thread.start()
        return [thread]

    clock = Clock(datetime(2026, 3, 6, 10, tzinfo=BERLIN))
    daemon = daemon_for(tmp_path / "s.json", clock, calls)
    daemon.jobs[0].watch = watch
    runner = threading.Thread(target=daemon.run_forever, args=(3600,), daemon=True)
    runner.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(calls) < 3:
        time.sleep(0.01)
    daemon.stop_event.set()
    daemon.wake_event.set()
    runner.join(10)
    assert names(calls) == ["sync", "drafts", "sync"]  # woken, though an hour from due
    assert stopped.is_set() and not runner.is_alive()


# ---- `inboxfollow run` as a real process against Dovecot --------------------------------


def _quote(owner: str, contact: str, when: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = f"Dana <{owner}>", f"Ann Lee <{contact}>"
    msg["Subject"], msg["Date"] = "Quote: oak shelves", format_datetime(when)
    msg["Message-ID"] = "<quote-run@shop.example>"
    msg.set_content("Our price is EUR 2,400.")
    return msg.as_bytes()


def test_run_syncs_drafts_and_stops_on_sigterm(tmp_path: Path, imap_account: ImapAccount) -> None:
    owner = imap_account.username
    imap_account.deliver("Sent", _quote(owner, "ann@acme.example",
                                        datetime.now(UTC) - timedelta(days=10)))
    config = tmp_path / "inboxfollow.toml"
    config.write_text(f"""
[owner]
name = "Dana"
addresses = ["{owner}"]
[imap]
host = "127.0.0.1"
port = {imap_account.port}
security = "none"
username = "{owner}"
password_env = "IF_RUN_PASSWORD"
[store]
path = "state.json"
[calendar]
draft_time = "00:00"
""")
    env = dict(os.environ, IF_RUN_PASSWORD=imap_account.password)
    proc = subprocess.Popen(
        [sys.executable, "-m", "inboxfollow", "-v", "--config", str(config), "run", "--tick", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and imap_account.status("Drafts")["messages"] == 0:
            time.sleep(0.2)
        if imap_account.status("Drafts")["messages"] != 1:
            proc.kill()
            pytest.fail(proc.communicate()[1])
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        assert time.monotonic() - started < 5
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "cycle" in err and "stopped" in err
    assert owner not in err or "password" not in err.lower()
    state = store_tables(tmp_path / "state.json")
    assert len(state["messages"]) == 1 and len(state["drafts"]) == 1
    assert not list(tmp_path.glob(".state.json.*.tmp"))
