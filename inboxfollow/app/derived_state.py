"""Derived state kept beside the store: what the derived commands compute from every
message, remembered until the messages, the owner's commands, the config or the code
change.

Deriving loops, touches, promises and questions is linear in the messages (see
`rules.loops`), but at 100,000 messages reading them alone takes seconds. So each
derivation is kept in `<store>.derived/<name>.pickle`, with the basis it was made
from: the messages file's token (its generation and file stamp: a write replaces or
grows it), a digest of the small inputs (the owner's commands, the drafts table and
the config file's settings) and a digest of the package's code. A command whose basis
matches reads the kept result and never opens the messages; any difference, a missing
or unreadable file, and it derives from scratch and keeps the new result. Keeping it
needs a store whose file was not changed in memory (`Store.content_token`), so a
result is never kept for data no file holds.

Time: the rules' derivations depend on `now` only through "messages dated up to now".
A result made at a `now` later than every date it saw (its horizon) holds for every
later `now`; one made for an earlier `now` (a preview with `--now`) holds only for
that `now`.

`check --deep` derives each kept result anew and compares (`verify`); the tests do
the same after every kind of change. Cost: reading a kept result is linear in its
size (the loops, the touches), never in the messages; a miss costs one derivation
plus one write. Only this program writes these files, in the state folder (0700,
files 0600), and they are read back with an unpickler that builds nothing but this
package's own values and the standard library's dates: a planted file is an error,
not code that runs.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, is_dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

LOG = logging.getLogger(__name__)
T = TypeVar("T")
FORMAT = 1
_SAFE_BUILTINS = frozenset({"set", "frozenset", "tuple", "list", "dict"})
_code_digest: list[str] = []


def state_folder(store_path: Path) -> Path:
    """store.json -> store.derived/, beside it."""
    return store_path.with_name(f"{store_path.stem}.derived")


def code_digest() -> str:
    """A digest of the package's source: new code derives anew (computed once)."""
    if not _code_digest:
        root = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
        _code_digest.append(digest.hexdigest())
    return _code_digest[0]


def inputs_digest(*parts: Any) -> str:
    """A stable digest of small inputs (JSON with sorted keys; dates as ISO text)."""
    text = json.dumps(parts, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


@dataclass(frozen=True)
class Derivable(Generic[T]):
    """A derivation that may be kept: its name, the small inputs it reads from the
    store (the owner's commands, the drafts), and how it is made from the messages;
    `derive` gives the value and the latest date it saw."""

    name: str
    inputs: Callable[[Any, Any], tuple[Any, ...]]  # (store, config) -> inputs
    derive: Callable[[Sequence[dict[str, Any]], tuple[Any, ...], Any, datetime],
                     tuple[T, datetime | None]]


@dataclass(frozen=True)
class Basis:
    """What a derivation was made from."""

    messages: Hashable  # the messages file's token
    inputs: str  # inputs_digest of the commands, drafts and config it read

    def key(self, name: str) -> tuple[Any, ...]:
        return (FORMAT, name, code_digest(), self.messages, self.inputs)


@dataclass(frozen=True)
class Kept:
    key: tuple[Any, ...]
    made_at: datetime  # the `now` it was derived for
    horizon: datetime | None  # the latest date it saw (None: it saw none)
    value: Any

    def holds_at(self, now: datetime) -> bool:
        if now == self.made_at:
            return True
        return self.horizon is None or (self.made_at >= self.horizon and now >= self.horizon)


class DerivedState:
    """The kept derivations of one store (`folder` None: keep nothing)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.hits: list[str] = []  # names read from a kept result, for tests and `check`

    def get(self, name: str, basis: Basis | None, now: datetime,
            derive: Callable[[], tuple[T, datetime | None]]) -> T:
        """The kept result of `name` when it holds for `basis` at `now`; else `derive()`
        (the value and the latest date it saw) and keep that."""
        kept = self.read(name)
        if basis is not None and kept is not None and kept.key == basis.key(name) \
                and kept.holds_at(now):
            self.hits.append(name)
            value: T = kept.value
            return value
        value, horizon = derive()
        if basis is not None:
            self.write(name, Kept(basis.key(name), now, horizon, value))
        return value

    def read(self, name: str) -> Kept | None:
        if self.folder is None:
            return None
        path = self.folder / f"{name}.pickle"
        try:
            with path.open("rb") as handle:
                kept = _Unpickler(handle).load()
        except FileNotFoundError:
            return None
        except Exception as err:  # damaged, planted or from other code: derive anew
            LOG.warning("derived state %s is unreadable (%s); deriving anew", path, err)
            return None
        return kept if isinstance(kept, Kept) else None

    def write(self, name: str, kept: Kept) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(mode=0o700, exist_ok=True)
            self.remove_litter()
            buffer = io.BytesIO()
            _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(kept)
            data = buffer.getvalue()
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                os.replace(temp, self.folder / f"{name}.pickle")
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except OSError as err:  # a cache: a full disk must not stop a command
            LOG.warning("could not keep derived state %s: %s", name, err)

    def forget(self, name: str) -> None:
        if self.folder is not None:
            (self.folder / f"{name}.pickle").unlink(missing_ok=True)

    def remove_litter(self, older_than: float = 600.0) -> None:
        """Temp files of a write that was cut off (not one another process is making)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for temp in self.folder.glob(".*.tmp"):
            try:
                if time.time() - temp.stat().st_mtime > older_than:
                    temp.unlink()
            except FileNotFoundError:
                pass


class _Pickler(pickle.Pickler):
    """An enum member as its class called with its value, a time zone as ZoneInfo called
    with its name (the standard ways go through `getattr`, which the unpickler does not
    offer: with it, a planted file could reach any function)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Enum):
            return type(obj), (obj.value,)
        if isinstance(obj, ZoneInfo) and obj.key:
            return ZoneInfo, (obj.key,)
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    """Builds only values: this package's dataclasses and enums, dates and time zones.
    No function is ever called, and no other class is built."""

    def find_class(self, module: str, name: str) -> Any:
        found = super().find_class(module, name) if _may_name(module, name) else None
        if module.startswith("inboxfollow.") and not (
                isinstance(found, type) and (is_dataclass(found) or issubclass(found, Enum))):
            found = None
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not derived state")
        return found


def _may_name(module: str, name: str) -> bool:
    if module == "builtins":
        return name in _SAFE_BUILTINS
    if module == "datetime":
        return name in ("datetime", "date", "time", "timedelta", "timezone")
    if module == "zoneinfo":
        return name == "ZoneInfo"
    return module.startswith("inboxfollow.") and "." not in name
