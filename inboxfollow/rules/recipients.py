"""Whom a follow-up goes to (pure): the quote's people, as its To and Cc named them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from inboxfollow.rules.loop_state import Loop

Person = tuple[str, str]


def recipients(loop: Loop) -> tuple[tuple[Person, ...], tuple[Person, ...]]:
    """To and Cc as in the quote: its people (bounced addresses left out), with their
    names; the contact is in To when the quote's To held nobody left."""
    people = {p.lower() for p in loop.people} - {b.lower() for b in loop.bounced}
    to, cc = (_people_in(loop.quote.get(field) or [], people) for field in ("to", "cc"))
    if not to:
        to, cc = cc[:1] or ((loop.name, loop.contact),), cc[1:]
    return to, cc


def _people_in(entries: Sequence[Any], people: set[str]) -> tuple[Person, ...]:
    found: dict[str, Person] = {}
    for entry in entries:
        if entry and str(entry[1]).lower() in people:
            found.setdefault(str(entry[1]).lower(), (str(entry[0] or ""), str(entry[1])))
    return tuple(found.values())
