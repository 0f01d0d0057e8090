"""One writer at a time: an advisory lock on a file beside the store.

A writer waits for the lock a while (the daemon holds it only to write, never while
it derives loops), then gives up with the pid that holds it. Whoever takes the lock
removes the temp files of a write that a crash interrupted.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from inboxfollow.errors import StoreError, StoreLockedError
from inboxfollow.store.files import remove_leftover_temp_files

LOG = logging.getLogger(__name__)

WAIT = 30.0  # seconds a writer waits for another to let go
NOTICE_AFTER = 1.0  # then says once that it waits, and for whom
_POLL = 0.05


@contextmanager
def lock(path: Path, wait: float = WAIT) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)  # also a lock file an older version left readable by all
        handle = os.fdopen(fd, "r+")
    except OSError as err:
        raise StoreError(f"store folder {lock_path.parent} cannot be used: {err.strerror}") from err
    try:
        _take(handle, path, wait)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        remove_leftover_temp_files(path)
        yield
    finally:
        handle.close()


def _take(handle: TextIO, path: Path, wait: float) -> None:
    start = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            waited = time.monotonic() - start
        if waited >= wait:
            raise StoreLockedError(
                f"another inboxfollow (pid {_holder(handle)}) is using the store {path}",
                "wait for it to finish or stop it; only one process may write a store",
            )
        if waited >= NOTICE_AFTER and not told:
            told = True
            print(f"inboxfollow: waiting for pid {_holder(handle)} to finish with the store",
                  file=sys.stderr)
        time.sleep(_POLL)


def _holder(handle: TextIO) -> str:
    handle.seek(0)
    return handle.read().strip() or "unknown"
