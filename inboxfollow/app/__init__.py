"""The application: what each command and the daemon do with the sources, rules and store."""

from __future__ import annotations

import sys


def forget_shared_messages() -> None:
    """Let go of the stored messages the derivations of one command or daemon cycle shared
    (`loops.shared_messages`): a long-running process does not hold them until the next
    cycle, and a command does not leave them to the interpreter's exit, which took seconds
    to take apart 100,000 of them. What never derived anything never imported the loops
    (a poll stays light): then there is nothing to let go of."""
    loops = sys.modules.get("inboxfollow.app.loops")
    if loops is not None:
        loops.forget_shared()
