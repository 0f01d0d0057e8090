"""The daemon survives any error in a job or in its store, says what failed (for `run
--once`'s exit code), and retries a failed job by the next poll."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inboxfollow.app.daemon import Daemon, Job
from inboxfollow.errors import ConfigError, MailServerError
from inboxfollow.store import Store, open_store

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 6, 10, tzinfo=BERLIN)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.mark.parametrize(("error", "code"), [
    (MailServerError("server went away"), 1),
    (ConfigError("no [imap].host"), 2),
    (KeyError("a bug"), 1),
])
def test_a_failed_job_is_reported_and_the_others_run(
    tmp_path: Path, error: Exception, code: int
) -> None:
    ran: list[str] = []

    def fails(store: Store, now: datetime, stop: object) -> str:
        raise error

    def works(store: Store, now: datetime, stop: object) -> str:
        ran.append("drafts")
        return "ok"

    daemon = Daemon([Job("sync", fails, every_minutes=1), Job("drafts", works, every_minutes=1)],
                    lambda: open_store(tmp_path / "s.json"), Clock())
    lines = daemon.run_due()
    assert ran == ["drafts"]
    assert lines[0].startswith("sync: failed: ") and lines[1] == "drafts: ok"
    assert [f.job for f in daemon.failures] == ["sync"] and daemon.exit_code == code
    assert daemon.failure_count == 1


@pytest.mark.parametrize("content", [
    bytes(range(256)), b'{"meta": {"1": {"schema_version": "3"}}}'])
def test_a_damaged_store_skips_the_cycle_and_the_daemon_lives(
    tmp_path: Path, content: bytes
) -> None:
    path, clock, ran = tmp_path / "s.json", Clock(), []

    def sync(store: Store, now: datetime, stop: object) -> str:
        ran.append(now)
        return "ok"

    daemon = Daemon([Job("sync", sync, every_minutes=1)], lambda: open_store(path), clock)
    path.write_bytes(content)
    lines = daemon.run_due()
    assert len(lines) == 1 and lines[0].startswith("cycle skipped: store ")
    assert daemon.exit_code == 1 and daemon.failures[0].job == "cycle"
    path.unlink()  # the owner moved it aside
    clock.now += timedelta(minutes=1)
    assert daemon.run_due() == ["sync: ok"] and daemon.exit_code == 0
    assert daemon.failure_count == 1


def test_any_exception_opening_the_store_is_survived(tmp_path: Path) -> None:
    def broken() -> object:
        raise RuntimeError("disk on fire")

    daemon = Daemon([Job("sync", lambda s, n, x: "ok", every_minutes=1)], broken, Clock())
    assert daemon.run_due() == ["cycle skipped: disk on fire"]
    assert daemon.exit_code == 1


@pytest.mark.parametrize(("poll", "retried_within"), [(1, 2), (3, 4), (60, 5)])
def test_the_backoff_never_exceeds_the_poll_by_more_than_a_minute(
    tmp_path: Path, poll: int, retried_within: int
) -> None:
    clock, calls, failing = Clock(), [], [True]

    def sync(store: Store, now: datetime, stop: object) -> str:
        calls.append(now)
        if failing[0]:
            raise MailServerError("server went away")
        return "ok"

    daemon = Daemon([Job("sync", sync, every_minutes=poll)],
                    lambda: open_store(tmp_path / "s.json"), clock)
    daemon.run_due()
    failing[0] = False
    for _ in range(retried_within):  # the daemon ticks every minute
        clock.now += timedelta(minutes=1)
        daemon.wake("sync")
        daemon.run_due()
    assert len(calls) == 2 and calls[1] - calls[0] <= timedelta(minutes=min(poll + 1, 5))
    assert daemon.retry_after <= timedelta(minutes=poll + 1)
