"""The messages: an append-only log beside the store file, one record a line.

`<stem>.messages.jsonl` starts with a header line (`{"log":...,"generation":G}`);
every other line is `{"k":KEY,"h":0|1,"d":RECORD}` (`h`: the record is human mail;
`d` null: the message was removed). A later line for a key supersedes the earlier
ones. Only an index (key -> where its last line starts) is kept in memory, built by
reading each line's key and flag, not its record; a record is read when asked for.
So a first sync of any size holds the records of one batch, not all of them, and a
commit appends what changed instead of rewriting the file.

Crash safety. A commit appends and fsyncs the new lines, then the store file is
replaced with the log's new length ("size") and the checkpoints that count those
lines. What lies past that length is a commit a crash interrupted (whole lines or a
line cut short): it is ignored on reading and cut off before the next append, so an
unfinished commit is lost whole and the next sync fetches those messages again.
A bad line inside the committed length is damage, a StoreError. (A later line for a
key already stored is never a second record: it supersedes the earlier one.)

When dead (superseded) lines are more than half the file, a commit rewrites the log
whole (temp file, fsync, rename) with one line per message and the next generation.

Backups. Before each commit the log is linked as `.bak`, as the store file is
(files.keep_backup, in Store.commit), so the two backups hold the state before the
last commit and always pair up: after an append the log's backup is a second name of
the same file, whose new lines lie past the length the backed-up store file counts
(a reader stops there); after a rewrite it is the old file. The backup keeps a log
that is replaced (by a rewrite, an editor, a copy); bytes damaged in place are
damaged in both.

Stores of schema 4 and older keep their messages as one JSON object (in
`<stem>.messages.json`, or in the store file before schema 3): they are read from
there and written as a log at the first commit.
"""

from __future__ import annotations

import json
import os
import re
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

from inboxfollow.errors import StoreError
from inboxfollow.store.files import replace_atomically
from inboxfollow.store.shape import check_table

HEADER = "inboxfollow messages"
FORMAT = "log"  # the store file's "_split" names the format of the messages file
HUMAN = "human"
_LINE = re.compile(rb'\{"k":("(?:[^"\\]|\\.)*"),"h":([01]),"d":(null\}\n)?')
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def log_path(path: Path) -> Path:
    """store.json -> store.messages.jsonl, beside it."""
    return path.with_name(f"{path.stem}.messages.jsonl")


def _line(key: str, record: dict[str, Any] | None) -> bytes:
    human = int(record is not None and record.get("kind") == HUMAN)
    return f'{{"k":{_dumps(key)},"h":{human},"d":{_dumps(record)}}}\n'.encode()


def _nothing() -> None:
    """What a log that opened no file does when it goes."""


def _key(quoted: bytes) -> str:
    """The key of a line, from its JSON string (quotes included): most need no decoder."""
    if b"\\" in quoted:
        key: str = json.loads(quoted)
        return key
    return quoted[1:-1].decode()


class MessageLog:
    """The messages of one store: an index in memory, the records in the log file."""

    def __init__(self, path: Path, split: dict[str, Any], advice: str,
                 legacy: Callable[[], dict[str, Any]]) -> None:
        self.path = path  # the log file
        self.advice = advice
        self._split = split  # what the store file says of it
        self._legacy = legacy  # the messages of a store before the log (schema <= 4)
        self._index: dict[str, int] | None = None  # key -> offset of its line; -1: pending
        self._human: set[str] = set()
        self._pending: dict[str, bytes] = {}  # lines not yet written
        self._generation = 0
        self._end = 0  # where the good lines end (the next append goes there)
        self._lines = 0  # record lines in the file
        self._rewrite = False  # the next flush writes the file whole
        self._fd: int | None = None  # the file read (see _open)
        self._closer: weakref.finalize[..., MessageLog] = weakref.finalize(self, _nothing)
        self.revision = 0

    # ---- reading -------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._index is not None

    def _keys(self) -> dict[str, int]:
        if self._index is None:
            self._index = {}
            if self._split.get("format") == FORMAT:
                self._scan()
            else:
                for doc in self._legacy().values():
                    self.put(doc)
                self._rewrite = bool(self._split) or bool(self._pending)
                self._generation = self._split.get("generation", 0)
                self.revision = 0
        return self._index

    def _scan(self) -> None:
        try:
            self._open()
        except FileNotFoundError as err:
            raise StoreError(f"store {self.path.parent} keeps its messages in "
                             f"{self.path.name}, which is missing", self.advice) from err
        except OSError as err:
            raise StoreError(f"store {self.path} cannot be read: {err.strerror}",
                             "check the file's owner and permissions") from err
        with self._reader() as handle:
            handle.seek(0)
            self._read_header(handle.readline())
            committed: int | None = self._split.get("size", 0)
            if self._generation != self._split.get("generation"):
                committed = None  # rewritten after the store file was: all of it is newer
            self._index_lines(handle, committed)

    def _read_header(self, first: bytes) -> None:
        try:
            header = json.loads(first)
            generation = header["generation"]
            ok = header.get("log") == HEADER and isinstance(generation, int)
        except (ValueError, TypeError, KeyError, AttributeError):
            ok = False
        if not ok or not first.endswith(b"\n"):
            raise self._damaged("its first line is not the header of a messages log")
        self._generation = generation
        self._end = len(first)
        expected = self._split.get("generation", 0)
        if generation < expected or (
            generation == expected and self.path.stat().st_size < self._split.get("size", 0)
        ):
            raise StoreError(
                f"store {self.path} is older than the store file counts (generation "
                f"{generation}, expected {expected}, at least "
                f"{self._split.get('size', 0)} bytes)", self.advice)
        if generation > expected + 1:  # one more: rewritten by a commit a crash cut short
            raise self._damaged(f"generation {generation} is not the store file's {expected}")

    def _index_lines(self, handle: BinaryIO, committed: int | None) -> None:
        """Index the lines up to the length the store file counts (`committed`; None:
        every whole line). What lies past it is a commit that did not finish: ignored
        here, cut off at the next append."""
        index, human = self._index, self._human
        assert index is not None
        offset = self._end
        for raw in handle:
            if committed is not None and offset >= committed:
                break
            match = _LINE.match(raw)
            if match is None or not raw.endswith(b"\n"):
                if committed is not None:
                    raise self._damaged(f"line at byte {offset} is not a record")
                break  # the tail of a write a crash cut short
            key = _key(match.group(1))
            if match.group(3):  # removed
                index.pop(key, None)
                human.discard(key)
            else:
                index[key] = offset
                if match.group(2) == b"1":
                    human.add(key)
                else:
                    human.discard(key)
            self._lines += 1
            offset += len(raw)
        self._end = offset

    def _open(self) -> None:
        """Read from this file from now on, even once a rewrite by another process has
        replaced it (its offsets are this file's): until this store writes it whole."""
        if self._fd is not None:
            os.close(self._fd)
        self._fd = os.open(self.path, os.O_RDONLY)
        self._closer.detach()
        self._closer = weakref.finalize(self, os.close, self._fd)

    def _reader(self) -> BinaryIO:
        """A buffered reader of the open file, with a buffer of its own (what a commit
        appended or cut off is never read from an older buffer); seek before reading."""
        assert self._fd is not None
        return os.fdopen(os.dup(self._fd), "rb")

    def _damaged(self, what: str) -> StoreError:
        return StoreError(f"store {self.path} is damaged: {what}", self.advice)

    def has(self, key: str) -> bool:
        return key in self._keys()

    def automatic(self, key: str) -> bool:
        """Stored, and not human mail."""
        return key in self._keys() and key not in self._human

    def get(self, key: str) -> dict[str, Any] | None:
        offset = self._keys().get(key)
        if offset is None:
            return None
        if key in self._pending:
            return self._record(self._pending[key], -1)
        with self._reader() as handle:
            handle.seek(offset)
            return self._record(handle.readline(), offset)

    def _record(self, raw: bytes, offset: int) -> dict[str, Any]:
        try:
            doc = json.loads(raw)["d"]
        except (ValueError, TypeError, KeyError) as err:
            raise self._damaged(f"line at byte {offset} is not a record") from err
        check_table("messages", {"1": doc}, self.path, self.advice)
        record: dict[str, Any] = doc
        return record

    def all(self) -> list[dict[str, Any]]:
        """Every record, in the order they were first stored."""
        index = self._keys()
        found: dict[str, dict[str, Any]] = {}
        for key, offset, raw in self._live_lines():
            found[key] = self._record(raw, offset)
        return [found[key] for key in index]

    def _live_lines(self) -> Iterator[tuple[str, int, bytes]]:
        """(key, offset, line) of each message's last line: the file's, then pending."""
        index = self._keys()
        if self._end and self._lines:
            with self._reader() as handle:
                handle.seek(0)
                offset = len(handle.readline())
                while offset < self._end:
                    raw = handle.readline()
                    if not raw:
                        raise self._damaged(f"it ends before byte {self._end}")
                    match = _LINE.match(raw)
                    if match is not None and not match.group(3):
                        key = _key(match.group(1))
                        if index.get(key) == offset:
                            yield key, offset, raw
                    offset += len(raw)
        for key, raw in self._pending.items():
            if key in index:
                yield key, -1, raw

    # ---- changing --------------------------------------------------------
    def put(self, record: dict[str, Any]) -> None:
        """Store `record` under its key, in place of any earlier one (a copy is kept)."""
        key = record["key"]
        self._keys()[key] = -1  # its line is pending (a known key keeps its place)
        self._pending[key] = _line(key, record)
        if record.get("kind") == HUMAN:
            self._human.add(key)
        else:
            self._human.discard(key)
        self.revision += 1

    def remove(self, key: str) -> None:
        index = self._keys()
        if index.pop(key, None) is not None:
            self._pending[key] = _line(key, None)
            self._human.discard(key)
            self.revision += 1

    @property
    def dirty(self) -> bool:
        return bool(self._pending) or self._rewrite

    # ---- writing ---------------------------------------------------------
    def flush(self) -> dict[str, Any] | None:
        """Write what changed; the store file's new "_split" entry (None: nothing to write)."""
        if not self.dirty:
            return None
        index = self._keys()
        dead = self._lines - (len(index) - sum(1 for v in index.values() if v < 0))
        if self._rewrite or not self._end or dead * 2 > max(self._lines, 200):
            self._write_whole()
        else:
            self._append()
        self._pending.clear()
        self._rewrite = False
        self._split = {"file": self.path.name, "format": FORMAT,
                       "generation": self._generation, "size": self._end}
        return self._split

    def _append(self) -> None:
        index = self._keys()
        with self.path.open("r+b") as handle:
            handle.truncate(self._end)  # a line a crash cut short goes
            handle.seek(self._end)
            offset = self._end
            for key, raw in self._pending.items():
                handle.write(raw)
                if key in index:
                    index[key] = offset
                self._lines += 1
                offset += len(raw)
            handle.flush()
            os.fsync(handle.fileno())
        self._end = offset

    def _write_whole(self) -> None:
        generation = self._generation + 1
        offsets: dict[str, int] = {}

        def lines() -> Iterator[bytes]:  # read from the old file while the new one is written
            header = (_dumps({"log": HEADER, "generation": generation}) + "\n").encode()
            offset = len(header)
            yield header
            for key, _, raw in self._live_lines():
                offsets[key] = offset
                offset += len(raw)
                yield raw
            self._end = offset

        replace_atomically(self.path, lines())
        self._open()
        index = self._keys()
        for key in index:
            index[key] = offsets[key]
        self._generation, self._lines = generation, len(offsets)
