"""One incremental pass over every folder of every mail source.

For each folder: a STATUS check against the checkpoint; when something is
new, headers and structure in batches, text only where a rule needs it.
A checkpoint advances in the same atomic write as the records it covers, so a
crash at any moment leaves a store the next run continues from.

Each batch goes through three stages: `_prepare` (drop copies already stored,
unless the stored copy is automatic mail a human copy may replace; skip drafts;
fetch the text of the owner's own mail, which the quote rules read), `judge`
(parse, classify, build records: pure, in `judging`, imported only when a pass finds
something new, and on a long first sync run in a
worker process so that it overlaps with fetching the next batch on the other
core), and `_finish` (save the records and the checkpoint).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from inboxfollow.app.capture_hold import hold_unverified, sent_folder_named, settle_held
from inboxfollow.app.text_wanted import RECENT_TEXT, text_likely_needed
from inboxfollow.model import Checkpoint, FetchedMessage, Kind, Location, Owner, SyncSummary
from inboxfollow.sources.mailbox import INBOX_NAME, Mailbox
from inboxfollow.store import Store, set_aside_entry

if TYPE_CHECKING:  # imported where a pass finds something new: a poll needs none of it
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.connection import Connection

    from inboxfollow.app.judging import Outcome

LOG = logging.getLogger(__name__)

# Progress: (messages done, messages expected) for a long first sync.
Progress = Callable[[int, int], None]
COMMIT_EVERY = 1000  # messages between commits (an append to the log) on a long pass ...
COMMIT_SECONDS = 30.0  # ... or seconds, whichever comes first
PARALLEL_FROM = 500  # new messages in a folder from which judging runs in a worker process
QUEUED = 2  # batches the worker may hold (one judged, one waiting) before this one judges
AHEAD = 3  # batches judged here beyond QUEUED while the worker's oldest is not done
WORKERS = 1  # one judging process beside this one: two cores, and Dovecot needs its share


@dataclass
@dataclass
class _Batch:
    fetched: list[FetchedMessage]
    fresh: list[FetchedMessage]
    seen_again: dict[str, list[Location]]
    outcomes: Future[list[Outcome]]
    records: list[dict[str, Any]] = field(default_factory=list)
    set_aside: list[dict[str, Any]] = field(default_factory=list)


class _Done(Future["list[Outcome]"]):
    """A result computed in this process, shaped like a worker's."""

    def __init__(self, value: list[Outcome]) -> None:
        super().__init__()
        self.set_result(value)


def sync_folders(mailbox: Mailbox) -> Iterator[str]:
    """INBOX, then the other folders that can hold the owner's mail, from one listing:
    Sent, archives and the folders rules or the owner file replies into (the source
    leaves out trash, junk, drafts and, beside an All Mail folder, labels).

    INBOX needs no listing, and is checked first: once a session has listed its
    folders, Dovecot (Maildir, with its mailbox list index) answers STATUS of INBOX
    by reading the whole folder, 8 ms at 16,000 messages against 0.5 ms before the
    LIST; a no-change poll should cost the same whatever the size of the mailbox.
    The listing raises a ConfigError when the owner's mailbox has no Sent folder.
    """
    yield INBOX_NAME
    for folder in mailbox.folders_to_sync():
        if folder.upper() != INBOX_NAME:
            yield folder


def sync(
    sources: Sequence[Mailbox],
    store: Store,
    owner: Owner,
    batch_size: int = 500,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> SyncSummary:
    """One pass; `stop` is asked between batches, and a stop ends the pass cleanly."""
    summary = SyncSummary()
    done = 0  # mailboxes synced in full
    try:
        with _Worker() as worker:
            for source in sources:
                for folder in sync_folders(source):
                    if stop is not None and stop():
                        break
                    _FolderSync(source, folder, store, owner, summary, progress, stop,
                                worker).run(batch_size)
                done += 1
    except Exception:  # the capture mailbox failed after the owner's: keep the owner's part
        if done:
            store.commit()
        raise
    finally:
        gc.unfreeze()  # see _FolderSync._save
    settle_held(store, owner, summary, final=not (stop is not None and stop()))
    if owner.capture_address:  # capture commands and their notes (a poll without them
        from inboxfollow.app.capture import after_sync  # loads none of that code)

        after_sync(store, owner, sources, summary.new)
    store.commit()
    LOG.debug("%s", summary.line())
    return summary


class _Worker:
    """The judging process of a pass, for long folders only (starting it costs more than
    it saves on a short one): started by the first long folder and kept for the folders
    after it, since starting it costs about 0.3 s and the judging code loaded there
    compiles its word rules once; shut down when the pass ends, however it ends."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.unavailable = False
        self.lifeline: tuple[Connection, Connection] | None = None

    def __enter__(self) -> _Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        for end in self.lifeline or ():
            end.close()
        self.lifeline = None

    def get(self) -> ProcessPoolExecutor | None:
        """The worker's pool, started now if need be; None where no process can start."""
        if self.pool is not None or self.unavailable:
            return self.pool
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            # Forked where this process runs no other thread (`sync`, not the daemon's
            # IDLE watchers, whose locks a fork could copy held): the worker has the
            # judging code loaded and its word rules compiled at once, and no resource
            # tracker process comes with it. Spawned otherwise; a fork server would be
            # one more process (14-28 MB) for the whole pass.
            forked = (threading.active_count() == 1
                      and "fork" in multiprocessing.get_all_start_methods())
            context = multiprocessing.get_context("fork" if forked else "spawn")
            lifeline, held_here = context.Pipe(duplex=False)
            self.lifeline = (lifeline, held_here)
            self.pool = ProcessPoolExecutor(WORKERS, mp_context=context,
                                            initializer=_exit_with_parent,
                                            initargs=(lifeline, held_here if forked else None))
        except (OSError, ValueError) as err:
            LOG.info("judging in this process: no worker process (%s)", err)
            self.unavailable = True
        return self.pool


def _exit_with_parent(lifeline: Connection, held_there: Connection | None = None) -> None:
    """In the worker: exit as soon as the process that started it is gone, however it died.

    The worker holds its own task queue's writing end, so that queue never ends when
    the syncing process dies, and PR_SET_PDEATHSIG is not portable. Only the syncing
    process holds the writing end of `lifeline` (a forked worker closes its copy,
    `held_there`, at once): the kernel closes it when that process dies (SIGKILL
    included), the read below ends, and the worker goes. A spawned worker's resource
    tracker exits once no process holds its pipe.
    """
    if held_there is not None:  # forked: this copy of the writing end is not ours to hold,
        held_there.close()  # and the syncing process's signal handlers are not ours either
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def watch() -> None:
        try:
            lifeline.recv_bytes()
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()


@dataclass
class _FolderSync:
    source: Mailbox
    folder: str
    store: Store
    owner: Owner
    summary: SyncSummary
    progress: Progress | None
    stop: Callable[[], bool] | None
    worker: _Worker

    def run(self, batch_size: int) -> None:
        self.summary.folders += 1
        status = self.source.status(self.folder)
        cp = self.store.checkpoint(self.source.name, self.folder)
        after = 0
        if cp is not None and cp.uidvalidity == status.uidvalidity:
            if status.uidnext <= cp.last_uid + 1:
                LOG.debug("%s/%s: no change", self.source.name, self.folder)
                return
            after = cp.last_uid
        elif cp is not None:
            LOG.info("%s/%s: UIDVALIDITY changed, resyncing", self.source.name, self.folder)
            self.summary.resynced.append(f"{self.source.name}/{self.folder}")
            self.store.forget_locations(self.source.name, self.folder, status.uidvalidity)
        self.uidvalidity = status.uidvalidity
        self.sent = sent_folder_named(self.source, self.folder)  # capture rule (a)
        self.last_uid = after
        self.expected = status.messages if after == 0 else max(status.uidnext - 1 - after, 0)
        self.done = self.since_commit = 0
        self.in_worker: list[Future[list[Outcome]]] = []
        self.long_pass = self.expected >= PARALLEL_FROM
        if self.long_pass:
            gc.collect()  # so that no garbage from before is frozen with the records (_save)
        self.committed_at = time.monotonic()
        pool = self.worker.get() if self.long_pass else None
        if not self._pipeline(pool, after, batch_size):
            return  # stopped: the checkpoint covers what was saved
        final = max(self.last_uid, status.uidnext - 1)
        self._checkpoint(final)

    def _pipeline(self, pool: ProcessPoolExecutor | None, after: int, batch_size: int) -> bool:
        """Judge earlier batches while the next is fetched; False when asked to stop.

        Batches are saved in the order they were fetched, so a checkpoint never
        passes a batch that is not saved.
        """
        pending: deque[_Batch] = deque()
        depth = QUEUED if pool is not None else 0
        for fetched in self.source.fetch_headers(self.folder, after, batch_size):
            fresh, seen_again = self._prepare(fetched)
            pending.append(_Batch(fetched, fresh, seen_again, self._submit(pool, fresh)))
            # Rather than wait for the worker's oldest batch, fetch and judge the next
            # one here, up to AHEAD batches unsaved: at 20k this process sat 0.9 s waiting.
            while len(pending) > depth and (
                pending[0].outcomes.done() or len(pending) > depth + AHEAD
            ):
                if not self._finish(pending.popleft()):
                    return False
        while pending:
            if not self._finish(pending.popleft()):
                return False
        return True

    def _submit(
        self, pool: ProcessPoolExecutor | None, fresh: list[FetchedMessage]
    ) -> Future[list[Outcome]]:
        from concurrent.futures.process import BrokenProcessPool

        from inboxfollow.app import judging

        # A batch goes to the worker while it holds fewer than QUEUED; beyond that, this
        # process judges the batch itself instead of waiting. Both stay busy whichever
        # of fetching and judging costs more; a batch waiting in the worker's queue lets
        # it start the next as soon as it is done, while this process fetches.
        self.in_worker = [f for f in self.in_worker if not f.done()]
        if pool is not None and len(self.in_worker) < QUEUED:
            try:
                self.in_worker.append(pool.submit(judging.judge, fresh, self.owner, self.sent))
                return self.in_worker[-1]
            except (BrokenProcessPool, RuntimeError) as err:
                LOG.warning("worker process unavailable (%s): judging here", err)
        return _Done(judging.judge(fresh, self.owner, self.sent))

    def _outcomes(self, batch: _Batch) -> list[Outcome]:
        from inboxfollow.app import judging

        try:
            return batch.outcomes.result()
        except Exception as err:  # the worker died: judge this batch here, lose nothing
            LOG.warning("worker process failed (%s): judging the batch here", err)
            return judging.judge(batch.fresh, self.owner, self.sent)

    def _prepare(
        self, fetched: list[FetchedMessage]
    ) -> tuple[list[FetchedMessage], dict[str, list[Location]]]:
        from inboxfollow.app import judging  # this pass found something new

        fresh: list[FetchedMessage] = []
        seen_again: dict[str, list[Location]] = {}
        for message in fetched:
            if is_draft(message):  # not sent (yet): Gmail's All Mail holds drafts too
                self.summary.drafts += 1
                continue
            known = judging.peek_message_id(message.raw)
            if known and self.store.has_message(known) and not self.store.replaceable(known):
                seen_again.setdefault(known, []).append(message.location)
            else:
                fresh.append(message)
        since = datetime.now(UTC) - RECENT_TEXT  # arrived since: does it ask something?
        wanted = [m for m in fresh if text_likely_needed(m, self.owner, since)]
        return self._with_text(fresh, wanted), seen_again

    def _with_text(
        self, messages: list[FetchedMessage], wanted: list[FetchedMessage]
    ) -> list[FetchedMessage]:
        """The messages, with the body prefix added to those in `wanted`."""
        if not wanted:
            return messages
        texts = self.source.fetch_text(self.folder, [m.location.uid for m in wanted])
        chosen = {m.location.uid for m in wanted}
        return [
            replace(m, raw=m.raw + texts.get(m.location.uid, b""), has_text=True)
            if m.location.uid in chosen else m
            for m in messages
        ]

    def _finish(self, batch: _Batch) -> bool:
        from inboxfollow.app import judging

        outcomes = self._outcomes(batch)
        wanting = [m for m, o in zip(batch.fresh, outcomes, strict=True) if o.wants_text]
        if wanting:  # inbound mail whose headers left the question open: judged here
            again = iter(judging.judge(self._with_text(wanting, wanting), self.owner, self.sent))
            outcomes = [next(again) if o.wants_text else o for o in outcomes]
        self._collect(batch, outcomes)
        self._save(batch)
        return not (self.stop is not None and self.stop())

    def _collect(self, batch: _Batch, outcomes: list[Outcome]) -> None:
        keys: set[str] = set()
        for outcome, fetched in zip(outcomes, batch.fresh, strict=True):
            loc = outcome.location
            if outcome.record is None:
                LOG.info("set aside %s/%s uid %s: %s", loc.mailbox, loc.folder, loc.uid,
                         outcome.set_aside)
                batch.set_aside.append(set_aside_entry(loc, outcome.set_aside, fetched))
                continue
            if outcome.set_aside:  # held until the pass has read the owner's Sent folder
                hold_unverified(self.store, outcome.record, outcome.set_aside, loc, outcome.size)
                continue
            key = outcome.record["key"]
            replaces = self.store.replaceable(key) and outcome.record["kind"] == Kind.HUMAN.value
            if key in keys or (self.store.has_message(key) and not replaces):
                batch.seen_again.setdefault(key, []).append(loc)
                continue
            keys.add(key)
            batch.records.append(outcome.record)

    def _save(self, batch: _Batch) -> None:
        self.store.save_messages(batch.records, batch.seen_again)
        # On a long pass, what is alive now (the code judging loaded, the store's index)
        # lives as long as the pass: the cyclic garbage collector need not walk it again
        # on every collection while judging allocates. `sync` gives it back at the end.
        if self.long_pass:
            gc.freeze()
        self.store.record_set_aside(batch.set_aside)
        self.summary.new += len(batch.records)
        self.summary.duplicates += sum(len(v) for v in batch.seen_again.values())
        self.summary.set_aside += len(batch.set_aside)
        if batch.fetched:
            self.last_uid = max(self.last_uid, max(m.location.uid for m in batch.fetched))
        self._checkpoint(self.last_uid)
        self.done += len(batch.fetched)
        self.since_commit += len(batch.fetched)
        elapsed = time.monotonic() - self.committed_at
        if self.since_commit >= COMMIT_EVERY or elapsed >= COMMIT_SECONDS:
            self.store.commit()
            self.since_commit, self.committed_at = 0, time.monotonic()
        if self.progress:
            self.progress(self.done, self.expected)

    def _checkpoint(self, last_uid: int) -> None:
        self.store.set_checkpoint(
            Checkpoint(self.source.name, self.folder, self.uidvalidity, last_uid)
        )


def is_draft(message: FetchedMessage) -> bool:
    """Flagged \\Draft, in any folder: a message the owner has not sent is never a touch."""
    return any(flag.lower() == "\\draft" for flag in message.flags)
