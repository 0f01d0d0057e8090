"""The store's files: small tables in the store file, the messages in a log beside it.

TinyDB rewrites its whole file on every write and is neither crash-safe nor
multi-process-safe as shipped. `SplitStorage` keeps the small tables (checkpoints,
facts, drafts, the owner's commands) in memory, and `flush()` writes them to a temp
file, fsyncs it and renames it over the old one, so a crash leaves either the old
or the new state, never half. The messages (nearly all of a store's bytes) are an
append-only log of their own (`log.py`), read only when a command first asks for a
message: a poll that finds nothing new reads the small store file alone.

The messages log is always written first, then the store file, which names the log,
its generation (how often it was rewritten whole) and its committed length, so a
missing, older or shorter log is a clear error, not an empty store.

Stores written before the split (schema 2) hold the messages in the store file,
schemas 3 and 4 in `<stem>.messages.json` (one JSON object); both are read as they
are and written as a log at the first commit (the schema 4 file is kept as `.bak`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from inboxfollow.errors import StoreError
from inboxfollow.store.shape import backup_path, check_table, check_tables, restore_advice

LOG = logging.getLogger(__name__)

MESSAGES = "messages"  # the one large table
SPLIT = "_split"  # in the store file: where the messages are (not a table)


def messages_path(path: Path) -> Path:
    """store.json -> store.messages.json, beside it: the messages of schemas 3 and 4."""
    return path.with_name(f"{path.stem}.{MESSAGES}{path.suffix or '.json'}")


def log_path(path: Path) -> Path:
    """store.json -> store.messages.jsonl, beside it: the messages log (log.py)."""
    return path.with_name(f"{path.stem}.{MESSAGES}.jsonl")


class SplitStorage(Storage):
    """A TinyDB storage of the small tables, held in memory until `flush()`.

    The messages are not a TinyDB table: `log.MessageLog` keeps them in a file of
    their own. Their place (the "_split" entry) is written in the store file, and so
    are the messages of a store from before the split (schema 2), which are read from
    there (`legacy_messages`) and moved to the log at the first commit.
    """

    def __init__(self, path: str, readonly: bool = False) -> None:
        self.path = Path(path)
        self.messages_path = messages_path(self.path)
        self.readonly = readonly
        self.advice = restore_advice(self.path, log_path(self.path))
        before = file_stamp(self.path)
        main = load_json(self.path, self.advice)
        # The file as read, while nothing changed it since (see Store.content_token).
        self.stamp = before if before == file_stamp(self.path) else None
        self.exists = main is not None
        main = main or {}
        self.split: dict[str, Any] = main.pop(SPLIT, None) or {}
        if not isinstance(self.split, dict) or not _is_count(self.split.get("generation", 0)) \
                or not _is_count(self.split.get("size", 0)):
            raise StoreError(f"store {self.path} is damaged: {SPLIT!r} is not what it wrote",
                             self.advice)
        check_tables(main, self.path, self.advice)
        self._inline: dict[str, Any] | None = main.pop(MESSAGES, None)  # schema 2
        self._tables: dict[str, Any] = main
        self.dirty = False
        self.revision = 0  # changes since loading

    def read(self) -> dict[str, Any]:
        return self._tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self._tables = data
        self.dirty = True
        self.revision += 1

    def legacy_messages(self) -> dict[str, Any]:
        """The messages of a store written before the log (schema 4 and older)."""
        if self._inline is not None:
            return self._inline
        if not self.split:
            return {}
        data = load_json(self.messages_path, self.advice)
        if data is None:
            raise StoreError(
                f"store {self.path} keeps its messages in {self.messages_path.name}, "
                "which is missing",
                self.advice,
            )
        generation = data.get("generation", -1)
        if not _is_count(generation) or not isinstance(data.get(MESSAGES), dict):
            raise StoreError(f"store {self.path}: {self.messages_path.name} is damaged "
                             "(no generation and messages table)", self.advice)
        if generation < self.split.get("generation", 0):
            raise StoreError(
                f"store {self.path}: {self.messages_path.name} is older than the store "
                f"file (generation {generation}, expected {self.split.get('generation')})",
                self.advice,
            )
        table: dict[str, Any] = data[MESSAGES]
        check_table(MESSAGES, table, self.messages_path, self.advice)
        return table

    def flush(self, split: dict[str, Any] | None = None) -> None:
        """Write the store file, with `split` (where the messages now are) when given.
        The messages log is written first (Store.commit), so the file never counts a
        line that is not there."""
        if not self.dirty and split is None:
            return
        if self.readonly:
            raise StoreError(f"store {self.path} was opened read-only")
        keep_backup(self.path)
        moved = split is not None and self.split.get("format") != split.get("format")
        if split is not None:
            self.split = split
        small = dict(self._tables)
        if self.split:
            small[SPLIT] = self.split
        replace_atomically(self.path, (p.encode() for p in json_pieces(small)))
        if moved and self._inline is None and self.messages_path.exists():
            os.replace(self.messages_path, backup_path(self.messages_path))  # schema 4's
        self._inline = None
        self.dirty = False
        self.stamp = file_stamp(self.path)

    def close(self) -> None:
        """Closing never writes: only `flush()` does, at the end of a cycle."""


Stamp = tuple[int, int, int]


def file_stamp(path: Path) -> Stamp | None:
    """Which version of the file is there: a write replaces it (new inode and mtime)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def load_json(path: Path, advice: str) -> dict[str, Any] | None:
    """The object the file holds (None when there is no file); anything else is a
    StoreError that says what is wrong, with `advice`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as err:
        raise StoreError(f"store {path} is damaged: not UTF-8 text (byte {err.start})",
                         advice) from err
    except OSError as err:
        raise StoreError(f"store {path} cannot be read: {err.strerror}",
                         "check the file's owner and permissions") from err
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as err:
        where = (f" ({err.msg} at line {err.lineno})"
                 if isinstance(err, json.JSONDecodeError) else " (nested too deep)")
        raise StoreError(f"store {path} is damaged: not valid JSON{where}", advice) from err
    if not isinstance(data, dict):
        raise StoreError(f"store {path} is damaged: it holds no object of tables", advice)
    return data


def keep_backup(path: Path) -> None:
    """Keep the file as it is now as `<name>.bak` (mode 0600), replacing the older one.

    A hard link, so no byte is copied: the write that follows replaces the file's name,
    and the old version lives on under the backup's name only. Both files are linked
    before either is written, messages first, so the two backups always pair up (the
    messages backup is never older than the store backup expects). Only a store that
    loaded is ever written, so the backups are a state that was good.
    """
    backup = backup_path(path)
    temp = backup.with_name(f".{backup.name}.link")
    try:
        temp.unlink(missing_ok=True)
        os.link(path, temp)
    except FileNotFoundError:
        return
    except OSError:  # a file system without hard links: copy it
        shutil.copyfile(path, temp)
    os.chmod(temp, 0o600)
    os.replace(temp, backup)
    temp.unlink(missing_ok=True)  # left when the backup was this file already (rename(2))


_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _table_pieces(docs: dict[str, Any]) -> Iterator[str]:
    yield "{"
    for d, (doc_id, doc) in enumerate(docs.items()):
        yield ("," if d else "") + _dumps(doc_id) + ":" + _dumps(doc)
    yield "}"


def json_pieces(data: dict[str, Any]) -> Iterator[str]:
    """The same JSON as json.dumps(data), a document at a time: a large store is
    never held twice in memory as one string."""
    yield "{"
    for t, (name, value) in enumerate(data.items()):
        yield ("," if t else "") + _dumps(name) + ":"
        if name == SPLIT:
            yield _dumps(value)
        else:
            yield from _table_pieces(value)
    yield "}"


def replace_atomically(path: Path, pieces: Iterable[bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the state folder
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            handle.writelines(pieces)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def remove_leftover_temp_files(path: Path) -> None:
    """Remove what a write killed half way left beside the store (the caller holds the
    lock, so no living writer owns one): only the names `replace_atomically` makes
    (mkstemp's: the prefix, eight of [a-z0-9_], the suffix), never a link."""
    names = "|".join(re.escape(p.name) for p in (path, messages_path(path), log_path(path)))
    own = re.compile(rf"\.(?:{names})\.(?:[a-z0-9_]{{8}}\.tmp|bak\.link)")
    try:
        for temp in [p for p in path.parent.iterdir() if own.fullmatch(p.name)]:
            if temp.is_file() and not temp.is_symlink():
                LOG.info("removing %s, left by an interrupted write", temp)
                temp.unlink()
    except OSError as err:  # never a reason not to run
        LOG.warning("leftover temp files beside %s not removed: %s", path, err)
