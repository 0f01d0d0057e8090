"""One incremental pass over every folder of every mail source.

For each folder: a STATUS check against the checkpoint; when something is
new, headers and structure in batches, text only where a rule needs it.
A checkpoint advances in the same atomic write as the records it covers, so a
crash at any moment leaves a store the next run continues from.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from inboxfollow.classify import classify, needs_text
from inboxfollow.model import (
    Checkpoint,
    Classification,
    FetchedMessage,
    Kind,
    Location,
    Owner,
    ParsedMessage,
    SyncSummary,
)
from inboxfollow.parse import parse_message
from inboxfollow.records import build_record, peek_message_id, trust_problem
from inboxfollow.source import INBOX, SENT, Mailbox
from inboxfollow.store import Store

LOG = logging.getLogger(__name__)

# Progress: (messages done, messages expected) for a long first sync.
Progress = Callable[[int, int], None]
COMMIT_EVERY = 5000  # messages between atomic writes on a long first sync


class Untrusted(Exception):
    """A message that must not be recorded; set aside with the reason."""


@dataclass
class _Batch:
    records: list[dict[str, Any]]
    seen_again: dict[str, list[Location]]
    set_aside: list[dict[str, Any]]


def sync_folders(mailbox: Mailbox) -> list[str]:
    roles = mailbox.folders()
    wanted = [roles[INBOX], roles.get(SENT)]
    return list(dict.fromkeys(f for f in wanted if f))


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
    for source in sources:
        for folder in sync_folders(source):
            if stop is not None and stop():
                break
            _sync_folder(source, folder, store, owner, batch_size, summary, progress, stop)
    store.commit()
    LOG.debug("%s", summary.line())
    return summary


def _sync_folder(
    source: Mailbox,
    folder: str,
    store: Store,
    owner: Owner,
    batch_size: int,
    summary: SyncSummary,
    progress: Progress | None,
    stop: Callable[[], bool] | None = None,
) -> None:
    summary.folders += 1
    status = source.status(folder)
    cp = store.checkpoint(source.name, folder)
    after = 0
    if cp is not None and cp.uidvalidity == status.uidvalidity:
        if status.uidnext <= cp.last_uid + 1:
            LOG.debug("%s/%s: no change", source.name, folder)
            return
        after = cp.last_uid
    elif cp is not None:
        LOG.info("%s/%s: UIDVALIDITY changed, resyncing", source.name, folder)
        summary.resynced.append(f"{source.name}/{folder}")
        store.forget_locations(source.name, folder, status.uidvalidity)
    expected = status.messages if after == 0 else max(status.uidnext - 1 - after, 0)
    done = since_commit = 0
    last_uid = after
    for fetched in source.fetch_headers(folder, after, batch_size):
        batch = _process(source, folder, fetched, store, owner)
        store.save_messages(batch.records, batch.seen_again)
        store.record_set_aside(batch.set_aside)
        summary.new += len(batch.records)
        summary.duplicates += sum(len(v) for v in batch.seen_again.values())
        summary.set_aside += len(batch.set_aside)
        if fetched:
            last_uid = max(last_uid, max(m.location.uid for m in fetched))
        store.set_checkpoint(Checkpoint(source.name, folder, status.uidvalidity, last_uid))
        done += len(fetched)
        since_commit += len(fetched)
        if since_commit >= COMMIT_EVERY:
            store.commit()
            since_commit = 0
        if progress:
            progress(done, expected)
        if stop is not None and stop():
            return  # the checkpoint covers what was saved; the next pass goes on from it
    final = max(last_uid, status.uidnext - 1)
    store.set_checkpoint(Checkpoint(source.name, folder, status.uidvalidity, final))


def _process(
    source: Mailbox, folder: str, fetched: list[FetchedMessage], store: Store, owner: Owner
) -> _Batch:
    batch = _Batch([], {}, [])
    fresh: list[FetchedMessage] = []
    for message in fetched:
        known = peek_message_id(message.raw)
        if known and store.has_message(known):
            batch.seen_again.setdefault(known, []).append(message.location)
        else:
            fresh.append(message)
    judged = [_judge(m, owner) for m in fresh]
    wanting = [m.location.uid for m, j in zip(fresh, judged, strict=True) if j and j[2]]
    texts = source.fetch_text(folder, wanting) if wanting else {}
    keys: set[str] = set()
    for message, judgement in zip(fresh, judged, strict=True):
        body = texts.get(message.location.uid)
        if body is not None:
            message = replace(message, raw=message.raw + body, has_text=True)
            judgement = None
        _record(message, owner, judgement, store, batch, keys)
    return batch


Judgement = tuple[ParsedMessage, Classification, bool]


def _judge(message: FetchedMessage, owner: Owner) -> Judgement | None:
    """Classify from headers; say whether the text prefix is wanted."""
    try:
        parsed = parse_message(message)
        verdict = classify(parsed, owner)
    except Exception:  # judged again in _record, which sets it aside with the reason
        LOG.debug("message %s could not be judged", message.location, exc_info=True)
        return None
    return parsed, verdict, needs_text(parsed, owner) or verdict.kind is Kind.BOUNCE


def _record(
    message: FetchedMessage,
    owner: Owner,
    judgement: Judgement | None,
    store: Store,
    batch: _Batch,
    keys: set[str],
) -> None:
    loc = message.location
    try:
        if judgement is None:
            parsed = parse_message(message)
            judgement = (parsed, classify(parsed, owner), False)
        problem = trust_problem(judgement[0], loc.mailbox, owner)
        if problem:
            raise Untrusted(problem)
        record = build_record(judgement[0], judgement[1], message, owner)
    except Exception as err:  # never let one message stop a sync
        level = logging.INFO if isinstance(err, Untrusted) else logging.WARNING
        LOG.log(level, "set aside %s/%s uid %s: %s", loc.mailbox, loc.folder, loc.uid, err)
        batch.set_aside.append({
            "location": [loc.mailbox, loc.folder, loc.uidvalidity, loc.uid],
            "reason": str(err) if isinstance(err, Untrusted) else f"{type(err).__name__}: {err}",
            "size": message.size,
        })
        return
    key = record["key"]
    if key in keys or store.has_message(key):
        batch.seen_again.setdefault(key, []).append(loc)
        return
    keys.add(key)
    batch.records.append(record)
