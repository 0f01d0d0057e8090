"""`inboxfollow run`: sync, draft and send the digest by themselves.

`schedule` ticks the loop; whether a timed job is due is decided from when it
last ran, which is kept in the store (slots.py), so a restart neither repeats
nor skips a job and a machine that slept catches up once. Every job is
guarded: an exception is logged with its cause and the loop goes on. SIGTERM
and SIGINT let the current job finish its write, then the loop ends.

A cycle that changes nothing writes nothing. A timed job's run is always
recorded (that is what keeps its slot); an interval job's run (sync) only when
it changed the store or the store is written anyway. Otherwise it is kept in
memory, so after a restart a quiet sync may run once more, which costs a poll.

A job may have a watch (the sync: IMAP IDLE on INBOX, app/watch.py): threads
that call `wake` when there is news, which runs that job at once instead of at
its next interval. The loop waits on one event that a wake, a tick or a signal
sets; the jobs still run on the main thread only, so one thread owns the store.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from types import FrameType
from typing import Any

import schedule

from inboxfollow.app import give_back_memory
from inboxfollow.errors import InboxfollowError
from inboxfollow.rules.slots import Slot, interval_due
from inboxfollow.store import Store

LOG = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# A job gets the open store, the time and a stop flag; it returns one line for the log.
JobFunc = Callable[[Store, datetime, Callable[[], bool]], str]
RETRY_AFTER = timedelta(minutes=5)  # a failed job is tried again after this long, or
SLACK = timedelta(minutes=1)  # after the poll interval and this, when that is sooner
# Starts watching in the background: calls the first argument when the job should run
# now, ends when the event is set; returns the threads it started.
Watch = Callable[[Callable[[], None], threading.Event], list[threading.Thread]]
JOIN_WATCHES = 3.0  # seconds a stopping daemon waits for its watches to log out


@dataclass
class Job:
    name: str
    run: JobFunc
    slot: Slot | None = None  # timed job: daily or weekly
    every_minutes: int = 0  # interval job
    wait_for_first_slot: bool = False  # a new install does not run it at once (the digest)
    watch: Watch | None = None  # news that makes it run at once
    # Work done before the job takes the store lock (deriving the loops from a read-only
    # copy), so that commands given meanwhile do not wait for it.
    prepare: Callable[[datetime], None] | None = None
    # A job due on news another job leaves (not on a clock): due while this says so, given
    # the store when it is open (None: as last seen).
    due_when: Callable[[Store | None], bool] | None = None

    def is_due(self, last_run: datetime | None, now: datetime,
               store: Store | None = None) -> bool:
        if self.due_when is not None:
            return self.due_when(store)
        if self.slot is not None:
            return self.slot.is_due(last_run, now)
        return interval_due(last_run, now, self.every_minutes)


@dataclass(frozen=True)
class Failure:
    """A job that failed in a cycle (or "cycle" when the store could not be used)."""

    job: str
    error: str
    exit_code: int  # 1 runtime (server, store, a bug), 2 config


def _failure(job: str, err: Exception) -> Failure:
    code = err.exit_code if isinstance(err, InboxfollowError) else 1
    return Failure(job, str(err) or type(err).__name__, code)


def _save(store: Store, runs: dict[str, str], record: bool) -> None:
    """Commit; the runs go into the store when `record` says so or when it is written anyway."""
    if record or store.dirty:
        store.set_meta("job_runs", runs)
    store.commit()


@dataclass
class Daemon:
    jobs: list[Job]
    open_store: Callable[[], Any]  # a context manager yielding the Store
    clock: Clock
    stop_event: threading.Event = field(default_factory=threading.Event)
    failed_at: dict[str, datetime] = field(default_factory=dict)
    runs: dict[str, str] | None = None  # when each job last ran, as of the last cycle
    woken: set[str] = field(default_factory=set)  # jobs to run now, whatever their interval
    wake_event: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _prepared: set[str] = field(default_factory=set)  # jobs prepared for this cycle
    failures: list[Failure] = field(default_factory=list)  # in the last cycle
    failure_count: int = 0  # since the daemon started
    # after a cycle that did something, without the lock: keeps the derived state current;
    # `run_forever` runs it in a thread of its own, so the next reply is not kept waiting
    after_cycle: Callable[[datetime], None] | None = None
    after_in_background: bool = False
    _after_thread: threading.Thread | None = None

    @property
    def exit_code(self) -> int:
        """Of the last cycle, for `run --once`: 0, or 2 when a failure was the config's,
        else 1."""
        return max((f.exit_code for f in self.failures), default=0)

    @property
    def retry_after(self) -> timedelta:
        """The backoff after a failure: never over the poll interval by more than SLACK."""
        polls = [timedelta(minutes=j.every_minutes) for j in self.jobs if j.every_minutes > 0]
        return min([RETRY_AFTER, *(p + SLACK for p in polls)])

    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def wake(self, name: str) -> None:
        """Run job `name` at once (from any thread): the loop's wait ends."""
        with self._lock:
            self.woken.add(name)
        self.wake_event.set()

    def _take_woken(self) -> set[str]:
        with self._lock:
            woken, self.woken = self.woken, set()
        return woken

    def _nothing_due(self, now: datetime, woken: set[str]) -> bool:
        """Decided from the runs seen last cycle, without reading the store."""
        if self.runs is None or woken:
            return False
        for job in self.jobs:
            last = self.runs.get(job.name)
            if job.wait_for_first_slot:
                last = last or self.runs.get("installed_at")
            if job.is_due(datetime.fromisoformat(last) if last else None, now):
                return False
        return True

    def run_due(self) -> list[str]:
        """Run every job that is due now; one INFO line for the cycle."""
        now = self.clock()
        self.failures = []
        woken = self._take_woken()
        if self._nothing_due(now, woken):
            return []
        lines: list[str] = []
        pending = list(self.jobs)
        self._prepared.clear()
        try:
            while pending and not self.stopping():
                with self.open_store() as store:  # the lock, for the jobs up to a prepare
                    lines += self._run_jobs(store, now, woken, pending)
                if pending and not self.stopping():  # the next job prepares without the
                    self._prepare(pending[0], now)  # lock, then takes it
        except Exception as err:  # noqa: BLE001 - e.g. the store is busy or damaged: the
            with self._lock:  # daemon lives on and tries again next tick
                self.woken |= woken
            self._count(_failure("cycle", err))
            LOG.error("cycle skipped: %s", err, exc_info=not isinstance(err, InboxfollowError))
            return [*lines, f"cycle skipped: {err}"]
        finally:
            give_back_memory()  # what the jobs read: not held until the next cycle
        level = logging.INFO if lines else logging.DEBUG
        LOG.log(level, "cycle %s: %s", now.isoformat(timespec="seconds"),
                "; ".join(lines) if lines else "nothing due")
        if lines and self.after_cycle is not None and not self.stopping():
            self._after(now)
        return lines

    def _after(self, now: datetime) -> None:
        """`after_cycle`, inline or (in `run_forever`) in one thread at a time: a cycle
        while it still runs starts none; the next cycle that does something will."""
        if not self.after_in_background:
            self._run_after(now)
            return
        if self._after_thread is not None and self._after_thread.is_alive():
            return
        self._after_thread = threading.Thread(target=self._run_after, args=(now,),
                                              name="keep-derived", daemon=True)
        self._after_thread.start()

    def _run_after(self, now: datetime) -> None:
        assert self.after_cycle is not None
        try:
            self.after_cycle(now)
        except Exception:  # noqa: BLE001 - only a head start: a command derives itself
            LOG.debug("keeping the derived state failed", exc_info=True)

    def _run_jobs(self, store: Store, now: datetime, woken: set[str],
                  pending: list[Job]) -> list[str]:
        """Run the due jobs of `pending` in order, taking each off; stop before a due job
        that has work to do without the lock (it is left first in `pending`)."""
        runs = self._known_runs(store)
        if "installed_at" not in runs:
            runs["installed_at"] = now.isoformat()
            store.set_meta("job_runs", runs)  # once per store: the digest waits from here
        lines, missed = [], set()
        while pending and not self.stopping():
            job = pending[0]
            last = runs.get(job.name) or (runs["installed_at"] if job.wait_for_first_slot else None)
            last_run = datetime.fromisoformat(last) if last else None
            if not (job.name in woken or job.is_due(last_run, now, store)):
                pending.pop(0)
                continue
            if self._backing_off(job, now):
                missed |= woken & {job.name}
                pending.pop(0)
                continue
            if job.prepare is not None and job.name not in self._prepared:
                break
            pending.pop(0)
            self._prepared.discard(job.name)
            revision = store.revision
            line = self._guarded(job, store, now)
            if line is not None:
                runs[job.name] = now.isoformat()
                lines.append(f"{job.name}: {line}")
            else:
                missed |= woken & {job.name}
                lines.append(f"{job.name}: failed: {self.failures[-1].error}")
            changed = store.revision != revision
            _save(store, runs, line is not None and (job.slot is not None or changed))
        _save(store, runs, False)
        with self._lock:  # news a failed or backing-off job has not seen yet: after the backoff
            self.woken |= missed
        self.runs = runs
        return lines

    def _prepare(self, job: Job, now: datetime) -> None:
        """A job's work before the lock; a failure here only means the job does it all."""
        assert job.prepare is not None
        self._prepared.add(job.name)
        try:
            job.prepare(now)
        except Exception:  # noqa: BLE001 - the job itself reports what is wrong
            LOG.debug("%s: preparing failed; the job derives under the lock", job.name,
                      exc_info=True)

    def _known_runs(self, store: Store) -> dict[str, str]:
        """The runs kept in the store, with the later ones this process only remembers."""
        runs: dict[str, str] = store.get_meta("job_runs", {})
        for name, at in (self.runs or {}).items():
            if name not in runs or datetime.fromisoformat(at) > datetime.fromisoformat(runs[name]):
                runs[name] = at
        return runs

    def _backing_off(self, job: Job, now: datetime) -> bool:
        failed = self.failed_at.get(job.name)
        return failed is not None and now - failed < self.retry_after

    def _guarded(self, job: Job, store: Store, now: datetime) -> str | None:
        try:
            line = job.run(store, now, self.stopping)
        except InboxfollowError as err:
            LOG.error("%s failed: %s", job.name, err)
            self._count(_failure(job.name, err))
        except Exception as err:  # a bug in one job must not stop the others
            LOG.exception("%s failed", job.name)
            self._count(_failure(job.name, err))
        else:
            self.failed_at.pop(job.name, None)
            return line
        self.failed_at[job.name] = now
        return None

    def _count(self, failure: Failure) -> None:
        self.failures.append(failure)
        self.failure_count += 1

    def run_forever(self, tick_seconds: int = 60,
                    on_cycle: Callable[[list[str]], None] | None = None) -> None:
        """Tick with `schedule` until SIGTERM/SIGINT; the first tick is now. Between
        ticks, a job's watch may wake it. `on_cycle` gets each cycle's lines ([] when
        nothing was due)."""

        def cycle() -> None:
            lines = self.run_due()
            if on_cycle is not None:
                on_cycle(lines)

        self.after_in_background = True
        scheduler = schedule.Scheduler()
        scheduler.every(tick_seconds).seconds.do(cycle)
        watches = self._start_watches()
        cycle()
        while not self.stopping():
            scheduler.run_pending()
            idle = scheduler.idle_seconds
            if self.wake_event.wait(max(0.0, min(idle if idle is not None else 1.0, 1.0))):
                self.wake_event.clear()
                if not self.stopping():
                    cycle()
        give_up = time.monotonic() + JOIN_WATCHES
        for thread in [*watches, *([self._after_thread] if self._after_thread else [])]:
            thread.join(max(0.0, give_up - time.monotonic()))
        LOG.info("stopped")

    def _start_watches(self) -> list[threading.Thread]:
        threads: list[threading.Thread] = []
        for job in self.jobs:
            if job.watch is not None:
                threads += job.watch(partial(self.wake, job.name), self.stop_event)
        return threads

    def install_signal_handlers(self) -> None:
        def handle(signum: int, frame: FrameType | None) -> None:
            LOG.info("signal %s: finishing the current job, then stopping", signum)
            self.stop_event.set()
            self.wake_event.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

