"""The store's files: small tables in the store file, the messages in a file beside it.

TinyDB rewrites its whole file on every write and is neither crash-safe nor
multi-process-safe as shipped. `SplitStorage` keeps the data in memory, and
`flush()` writes each changed file to a temp file, fsyncs it and renames it over
the old one, so a crash leaves either the old or the new state of each file, never
half. The messages file (nearly all of a store's bytes) is read only when a command
first asks for a message, and written only when a message changed: a poll that
finds nothing new reads the small store file alone.

The messages file is always written first, then the store file. A crash between
the two leaves messages the store file's checkpoints do not count yet; the next
sync fetches them again and finds them stored (no second touch). The store file
names the messages file and how many writes it has had ("generation"), so a
missing or older messages file is a clear error, not an empty store.

Stores written before the split (schema 2) hold the messages in the store file;
they are read as they are and split at the first write.
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
    """store.json -> store.messages.json, beside it."""
    return path.with_name(f"{path.stem}.{MESSAGES}{path.suffix or '.json'}")


class Tables(dict[str, Any]):
    """The tables as TinyDB sees them; the messages are read on first use."""

    def __init__(self, data: dict[str, Any], storage: SplitStorage) -> None:
        super().__init__(data)
        self._storage = storage
        self.changed: set[str] = set()

    def __missing__(self, name: str) -> Any:
        if name != MESSAGES:
            raise KeyError(name)
        table = self._storage.load_messages()
        dict.__setitem__(self, name, table)
        return table

    def __setitem__(self, name: str, table: Any) -> None:
        super().__setitem__(name, table)
        self.changed.add(name)

    @property
    def messages_loaded(self) -> bool:
        return dict.__contains__(self, MESSAGES)


class SplitStorage(Storage):
    """A TinyDB storage that holds the data in memory until `flush()`."""

    def __init__(self, path: str, readonly: bool = False) -> None:
        self.path = Path(path)
        self.messages_path = messages_path(self.path)
        self.readonly = readonly
        self.advice = restore_advice(self.path, self.messages_path)
        before = file_stamp(self.path)
        main = load_json(self.path, self.advice)
        # The file as read, while nothing changed it since (see Store.content_token).
        self.stamp = before if before == file_stamp(self.path) else None
        self.exists = main is not None
        main = main or {}
        self._split: dict[str, Any] = main.pop(SPLIT, None) or {}
        if not isinstance(self._split, dict) or not _is_count(self._split.get("generation", 0)):
            raise StoreError(f"store {self.path} is damaged: {SPLIT!r} is not what it wrote",
                             self.advice)
        check_tables(main, self.path, self.advice)
        self.inline = MESSAGES in main  # a store written before the split
        self._tables = Tables(main, self)
        self.dirty = False
        self.revision = 0  # changes since loading

    def read(self) -> dict[str, Any]:
        return self._tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        if data is not self._tables:  # TinyDB hands back what read() gave; anything else
            self._tables = Tables({}, self)  # replaces every table
            for name, table in data.items():
                self._tables[name] = table
        self.dirty = True
        self.revision += 1

    def load_messages(self) -> dict[str, Any]:
        if not self._split:
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
        if generation < self._split.get("generation", 0):
            raise StoreError(
                f"store {self.path}: {self.messages_path.name} is older than the store "
                f"file (generation {generation}, expected {self._split.get('generation')})",
                self.advice,
            )
        table: dict[str, Any] = data[MESSAGES]
        check_table(MESSAGES, table, self.messages_path, self.advice)
        return table

    def messages_token(self) -> tuple[str, str, Stamp | None] | None:
        """The messages file's name, the generation the store file counts, and the
        file's stamp; None while the messages differ from what the files hold."""
        if self.inline or MESSAGES in self._tables.changed:
            return None
        return (str(self.messages_path.resolve()), json.dumps(self._split, sort_keys=True),
                file_stamp(self.messages_path) if self._split else None)

    def flush(self) -> None:
        if not self.dirty:
            return
        if self.readonly:
            raise StoreError(f"store {self.path} was opened read-only")
        tables = self._tables
        keep_backup(self.messages_path)  # first, as it is written first (see backups)
        keep_backup(self.path)
        if self.inline or MESSAGES in tables.changed:
            generation = self._split.get("generation", 0) + 1
            table = tables[MESSAGES]
            replace_atomically(self.messages_path, _messages_pieces(generation, table))
            self._split = {"file": self.messages_path.name, "generation": generation,
                           "count": len(table)}
            self.inline = False
        small = {name: table for name, table in dict.items(tables) if name != MESSAGES}
        if self._split:
            small[SPLIT] = self._split
        replace_atomically(self.path, json_pieces(small))
        tables.changed.clear()
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


def _messages_pieces(generation: int, table: dict[str, Any]) -> Iterator[str]:
    yield '{"generation":' + str(generation) + ',"' + MESSAGES + '":'
    yield from _table_pieces(table)
    yield "}"


def replace_atomically(path: Path, pieces: Iterable[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the state folder
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 20) as handle:
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
    names = "|".join(re.escape(p.name) for p in (path, messages_path(path)))
    own = re.compile(rf"\.(?:{names})\.(?:[a-z0-9_]{{8}}\.tmp|bak\.link)")
    try:
        for temp in [p for p in path.parent.iterdir() if own.fullmatch(p.name)]:
            if temp.is_file() and not temp.is_symlink():
                LOG.info("removing %s, left by an interrupted write", temp)
                temp.unlink()
    except OSError as err:  # never a reason not to run
        LOG.warning("leftover temp files beside %s not removed: %s", path, err)
