"""The application: what each command and the daemon do with the sources, rules and store."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from functools import cache


def forget_shared_messages() -> None:
    """Let go of the stored messages the derivations of one command or daemon cycle shared
    (`loops.shared_messages`): a long-running process does not hold them until the next
    cycle, and a command does not leave them to the interpreter's exit, which took seconds
    to take apart 100,000 of them. What never derived anything never imported the loops
    (a poll stays light): then there is nothing to let go of."""
    loops = sys.modules.get("inboxfollow.app.loops")
    if loops is not None:
        loops.forget_shared()


def give_back_memory() -> None:
    """After a daemon cycle or a refresh of the kept state: let go of the shared messages,
    collect what they leave, and hand the freed heap back to the system (glibc's
    `malloc_trim`; nothing where there is none). One derivation from 100,000 messages
    takes hundreds of MB, which an idle daemon otherwise keeps."""
    forget_shared_messages()
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes
    import ctypes.util

    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS): nothing to trim
        return None
    return trim
