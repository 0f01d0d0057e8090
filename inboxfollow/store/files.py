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
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb.storages import Storage

from inboxfollow.errors import StoreError

LOG = logging.getLogger(__name__)

MESSAGES = "messages"  # the one large table
SPLIT = "_split"  # in the store file: where the messages are (not a table)
_RESTORE = (
    "it is only ever replaced whole, so something else wrote it; restore a backup "
    "or move it away to start afresh"
)


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
        before = file_stamp(self.path)
        main = load_json(self.path)
        # The file as read, while nothing changed it since (see Store.content_token).
        self.stamp = before if before == file_stamp(self.path) else None
        self.exists = main is not None
        main = main or {}
        self._split: dict[str, Any] = main.pop(SPLIT, None) or {}
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
        data = load_json(self.messages_path)
        if data is None:
            raise StoreError(
                f"store {self.path} keeps its messages in {self.messages_path.name}, "
                "which is missing",
                "put the file back beside the store (from a backup), or move the store "
                "away to start afresh",
            )
        generation = data.get("generation", -1)
        if generation < self._split.get("generation", 0) or not isinstance(
            data.get(MESSAGES), dict
        ):
            raise StoreError(
                f"store {self.path}: {self.messages_path.name} is older than the store "
                f"file (generation {generation}, expected {self._split.get('generation')})",
                _RESTORE,
            )
        table: dict[str, Any] = data[MESSAGES]
        return table

    def flush(self) -> None:
        if not self.dirty:
            return
        if self.readonly:
            raise StoreError(f"store {self.path} was opened read-only")
        tables = self._tables
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


def load_json(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as err:
        raise StoreError(f"store {path} is not text (byte {err.start})", _RESTORE) from err
    except OSError as err:
        raise StoreError(f"store {path} cannot be read: {err.strerror}") from err
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise StoreError(
            f"store {path} is not valid JSON ({err.msg} at line {err.lineno})", _RESTORE
        ) from err
    if not isinstance(data, dict):
        raise StoreError(f"store {path} does not hold a TinyDB database", _RESTORE)
    return data


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
    path.parent.mkdir(parents=True, exist_ok=True)
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
    own = re.compile(rf"\.(?:{names})\.[a-z0-9_]{{8}}\.tmp")
    try:
        for temp in [p for p in path.parent.iterdir() if own.fullmatch(p.name)]:
            if temp.is_file() and not temp.is_symlink():
                LOG.info("removing %s, left by an interrupted write", temp)
                temp.unlink()
    except OSError as err:  # never a reason not to run
        LOG.warning("leftover temp files beside %s not removed: %s", path, err)
