"""The local store: TinyDB tables in memory, committed atomically, owned by one process.

Its storage (`files.SplitStorage`) keeps the small tables in memory; the messages
are an append-only log (`log.MessageLog`) of which only an index is in memory.
`commit()` writes what changed: new message lines appended (and fsynced) first, then
the store file replaced whole and atomically. Nothing is written when nothing
changed: setting a fact or a checkpoint to the value it has is no change. The
messages are read only when first asked for, so commands that need only checkpoints
and facts (a poll) stay fast on a large store. A lock file keeps a
second writer out (`lock`); whoever takes it removes the temp files of a write that
a crash interrupted. Read-only stores take no lock and cannot commit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from copy import deepcopy
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from inboxfollow.errors import StoreError
from inboxfollow.model import Checkpoint, Location
from inboxfollow.store.files import SplitStorage, Stamp, file_stamp, keep_backup, log_path
from inboxfollow.store.lock import WAIT, lock
from inboxfollow.store.log import MessageLog
from inboxfollow.store.set_aside import merge_set_aside
from inboxfollow.store.shape import check_schema_version

LOG = logging.getLogger(__name__)

SCHEMA_VERSION = 6  # 2: records say what their kind rests on ("evidence"); 3: messages
# in a file of their own (files.py); 4: messages without a Message-ID keyed by a digest
# that includes To and the start of the text (mail/record.message_key); 5: the messages
# file is an append-only log (log.py); 6: meta ANSWERS_UNSEEN
# Meta: mail was saved that nobody has looked at for answers yet (set with the mail by
# save_messages; cleared by the daemon's answers job, which runs after the sync job
# outside the lock, and by `sync`): a daemon stopped in between looks at it next time.
ANSWERS_UNSEEN = "answers_unseen"
HUMAN = "human"  # the kind of a stored record that is a person's mail


class Store:
    """Messages, checkpoints and small facts, in one TinyDB file."""

    def __init__(self, db: TinyDB, storage: SplitStorage) -> None:
        self._db = db
        self._storage = storage
        self._log = MessageLog(log_path(storage.path), storage.split, storage.advice,
                               storage.legacy_messages)
        self.set_aside = db.table("set_aside", cache_size=0)
        self._checkpoints = db.table("checkpoints", cache_size=0)
        self._meta = db.table("meta", cache_size=0)
        self._overrides = db.table("overrides", cache_size=0)
        self.drafts = db.table("drafts", cache_size=0)
        self._check_schema()

    @property
    def path(self) -> Path:
        return self._storage.path

    @property
    def content_token(self) -> tuple[str, Stamp] | None:
        """Names what this store holds while it holds exactly what its file holds: two
        stores with the same token hold the same data (None once changed in memory)."""
        stamp = self._storage.stamp
        if self.dirty or stamp is None:
            return None
        return str(self.path.resolve()), stamp

    @property
    def messages_token(self) -> Hashable | None:
        """Names the stored messages while they are exactly what the files hold, across
        processes (None once changed in memory): kept derivations are keyed by it. The
        log's place and committed length as the store file counts them, and the files'
        stamps (a rewrite or a restore changes them)."""
        if self._log.dirty:
            return None
        split = self._storage.split
        return (str(self.path.resolve()), json.dumps(split, sort_keys=True),
                file_stamp(log_path(self.path)), file_stamp(self._storage.messages_path))

    def _check_schema(self) -> None:
        version = check_schema_version(self.get_meta("schema_version"), self.path,
                                       self._storage.advice)
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version < SCHEMA_VERSION:
            for upgrade in _UPGRADES[version - 1:]:
                upgrade(self)
            LOG.info("store %s upgraded from schema %s to %s", self.path, version,
                     SCHEMA_VERSION)
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version > SCHEMA_VERSION:
            raise StoreError(
                f"store {self.path} has schema version {version}; this inboxfollow knows "
                f"up to {SCHEMA_VERSION}",
                "upgrade inboxfollow",
            )

    # ---- small facts -------------------------------------------------
    def get_meta(self, name: str, default: Any = None) -> Any:
        """A copy: changing it changes nothing until `set_meta`."""
        doc = self._meta.get(doc_id=1)
        return default if doc is None else deepcopy(doc.get(name, default))

    def set_meta(self, name: str, value: Any) -> None:
        """Keep a copy of `value`; the same value again is no change (nothing to write)."""
        doc, value = self._meta.get(doc_id=1), deepcopy(value)
        if doc is not None and name in doc and doc[name] == value:
            return
        if doc is not None:
            self._meta.update({name: value}, doc_ids=[1])
        else:
            self._meta.insert({name: value})

    # ---- checkpoints -------------------------------------------------
    def checkpoint(self, mailbox: str, folder: str) -> Checkpoint | None:
        for doc in self._checkpoints.all():
            if doc["mailbox"] == mailbox and doc["folder"] == folder:
                return Checkpoint(mailbox, folder, doc["uidvalidity"], doc["last_uid"])
        return None

    def set_checkpoint(self, cp: Checkpoint) -> None:
        fields = {"mailbox": cp.mailbox, "folder": cp.folder,
                  "uidvalidity": cp.uidvalidity, "last_uid": cp.last_uid}
        docs = [d for d in self._checkpoints.all()
                if d["mailbox"] == cp.mailbox and d["folder"] == cp.folder]
        if docs and all(d == fields for d in docs):
            return  # where it was: no change
        if docs:
            self._checkpoints.update(fields, doc_ids=[d.doc_id for d in docs])
        else:
            self._checkpoints.insert(fields)

    # ---- messages ----------------------------------------------------
    def has_message(self, key: str) -> bool:
        return self._log.has(key)

    def replaceable(self, key: str) -> bool:
        """True when the stored copy is automatic mail (a list's copy, say): a human copy
        of the same message, such as the owner's own Sent copy, takes its place."""
        return self._log.automatic(key)

    def message(self, key: str) -> dict[str, Any] | None:
        return self._log.get(key)

    def all_messages(self) -> list[dict[str, Any]]:
        return self._log.all()

    def save_messages(
        self, records: Iterable[dict[str, Any]], seen_again: dict[str, list[Location]]
    ) -> None:
        """Insert new message records; add locations to messages already stored.

        A human record replaces a stored automatic copy of the same message (keeping
        the stored copy's locations): the owner's own copy wins, whatever came first.
        """
        saved = False
        for record in records:
            key = record["key"]
            if not self._log.has(key):
                self._log.put(record)
                saved = True
            elif self._log.automatic(key) and record.get("kind") == HUMAN:
                self._replace(record)
                saved = True
        if saved:  # committed with them: whatever stops before the answers are looked at
            self.set_meta(ANSWERS_UNSEEN, True)
        for key, locations in seen_again.items():
            stored = self._log.get(key)
            if stored is None:
                continue
            entries = [loc for loc in stored["locations"]]
            for loc in locations:
                entry = [loc.mailbox, loc.folder, loc.uidvalidity, loc.uid]
                if entry not in entries:
                    entries.append(entry)
            if entries != stored["locations"]:
                self._log.put(dict(stored, locations=entries))

    def _replace(self, record: dict[str, Any]) -> None:
        stored = self._log.get(record["key"]) or {}
        locations = list(record["locations"])
        locations += [loc for loc in stored.get("locations", []) if loc not in locations]
        self._log.put(dict(record, locations=locations))

    def forget_locations(self, mailbox: str, folder: str, keep_uidvalidity: int) -> None:
        """Drop the locations a folder had under an older UIDVALIDITY."""

        def stale(loc: list[Any]) -> bool:
            return bool(loc[0] == mailbox and loc[1] == folder and loc[2] != keep_uidvalidity)

        for doc in self._log.all():
            if any(stale(loc) for loc in doc["locations"]):
                self._log.put(dict(doc, locations=[x for x in doc["locations"] if not stale(x)]))

    def remove_messages(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._log.remove(key)

    def has_pending_drafts(self) -> bool:
        """Whether a draft of ours waits in Drafts: only then can new mail withdraw one."""
        return any(d["state"] == "pending" for d in self.drafts.all())

    def record_set_aside(self, entries: list[dict[str, Any]]) -> None:
        """Add entries; one already there for the same message (a resync found it again
        under a new UIDVALIDITY) is updated in place: the list never grows by a resync."""
        if entries:
            merge_set_aside(self.set_aside, entries)

    # ---- the owner's commands ------------------------------------------
    def add_override(self, action: str, target: str, at: str) -> None:
        self._overrides.insert({"action": action, "target": target, "at": at})

    def overrides(self) -> list[dict[str, Any]]:
        return [dict(doc) for doc in self._overrides.all()]

    # ---- lifetime ----------------------------------------------------
    def commit(self) -> None:
        """Write everything changed since the last commit: the new message lines
        first (appended, fsynced), then the store file, atomically."""
        if not self.dirty:
            return
        try:
            keep_backup(self._log.path)  # first: the two backups pair up (log.py)
            self._storage.flush(self._log.flush())
        except OSError as err:
            raise StoreError(f"store {self.path} cannot be written: {err.strerror}") from err

    @property
    def dirty(self) -> bool:
        return self._storage.dirty or self._log.dirty

    @property
    def revision(self) -> int:
        """Counts changes since loading: a job that changed nothing leaves it as it was."""
        return self._storage.revision + self._log.revision


def _v1_to_v2(store: Store) -> None:
    """Version 1 did not keep what a message's kind rests on. Its rules never doubted a
    verdict, so every old record keeps being read as judged by its headers."""

    for doc in store.all_messages():
        if "evidence" not in doc:
            store._log.put(dict(doc, evidence="headers"))


def _v2_to_v3(store: Store) -> None:
    """Version 2 kept the messages in the store file. Nothing in them changes: the
    storage reads them where they are and writes them to their own file at the first
    commit (files.SplitStorage)."""


def _v3_to_v4(store: Store) -> None:
    """Version 3 keyed a message without a Message-ID by From, Date, Subject and every
    recipient only, so distinct messages could share a record. Their new key needs the
    text, which a record does not keep: such records are dropped, and each folder that
    held one is read again from the first of them (its checkpoint is set back), so the
    next sync records them under their new keys. Messages with a Message-ID that it
    meets again are found stored, as on any resync."""
    rewind: dict[tuple[str, str, int], int] = {}
    old = [doc for doc in store.all_messages() if not doc.get("message_id")]
    for doc in old:
        for mailbox, folder, validity, uid in doc["locations"]:
            where = (mailbox, folder, validity)
            rewind[where] = min(uid - 1, rewind.get(where, uid - 1))
    store.remove_messages(doc["key"] for doc in old)
    for (mailbox, folder, validity), last_uid in rewind.items():
        cp = store.checkpoint(mailbox, folder)
        if cp is not None and cp.uidvalidity == validity and cp.last_uid > last_uid:
            store.set_checkpoint(Checkpoint(mailbox, folder, cp.uidvalidity, max(0, last_uid)))
    if old:
        LOG.info("%d message(s) without a Message-ID are read again to be keyed anew",
                 len(old))


def _v4_to_v5(store: Store) -> None:
    """Version 4 kept the messages as one JSON object, rewritten whole at each commit.
    They are read from there now, and the next commit writes them as the log
    (log.py); the old file is kept beside it as `.bak`."""
    store.has_message("")  # reads them: the log is written whole at the next commit


def _v5_to_v6(store: Store) -> None:
    """Version 5 looked at new mail for answers in the same step that saved it: nothing
    saved by it is waiting to be looked at."""
    store.set_meta(ANSWERS_UNSEEN, False)


# _UPGRADES[n - 1] turns a version n store into version n + 1.
_UPGRADES: list[Callable[[Store], None]] = [_v1_to_v2, _v2_to_v3, _v3_to_v4, _v4_to_v5,
                                            _v5_to_v6]


@contextmanager
def open_store(path: Path, readonly: bool = False, wait: float = WAIT) -> Iterator[Store]:
    """Open the store at `path`, owning it until the block ends; wait up to `wait`
    seconds for another process to let it go.

    A read-only store takes no lock (its files are only ever replaced whole, so
    reading them is safe while another process owns them) and cannot commit.
    """
    with nullcontext() if readonly else lock(path, wait):
        yield _load(path, readonly)


def _load(path: Path, readonly: bool = False) -> Store:
    """A Store over the file at `path` (the caller holds the lock when it will write)."""
    storage = SplitStorage(str(path), readonly)
    try:
        return Store(TinyDB(storage=lambda: storage), storage)
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # a shape shape.py
        raise StoreError(f"store {path} is damaged: {err!r}", storage.advice) from err  # missed


class StoreKeeper:
    """A store kept loaded between the daemon's cycles.

    Each use takes the lock, as `open_store` does, but reads the file again only
    when another process replaced it since: a poll that finds nothing new then
    costs no load of a large file. After a failed use the next one reloads.
    """

    def __init__(self, path: Path, wait: float = WAIT) -> None:
        self.path = path
        self.wait = wait
        self._store: Store | None = None
        self._stamp: Stamp | None = None

    @contextmanager
    def use(self) -> Iterator[Store]:
        with lock(self.path, self.wait):
            if self._store is None or file_stamp(self.path) != self._stamp:
                self._store = _load(self.path)
            try:
                yield self._store
            except BaseException:
                self._store = None
                raise
            self._stamp = file_stamp(self.path)
