"""One numbering of a loop's steps everywhere: the CLI, drafts, the digest and explain.

The quote is contact 1; follow-up N is contact N + 1. Every place that shows a step
to the owner says "follow-up N of M", M being the number of follow-ups in the cadence.
"""

from __future__ import annotations


def followup_label(step: int, total: int) -> str:
    """'follow-up 2 of 11' for the second follow-up of an 11-step cadence."""
    return f"follow-up {step} of {total}"
