"""Touches and contacts, derived from stored message records (pure).

A touch is one human message between the owner and a contact. Contacts are
built from touches, so they can never disagree with the mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from inboxfollow.model import Direction, Kind, Owner
from inboxfollow.rules.identity import unify
from inboxfollow.rules.organisations import on_owner_side, organisation

ROBOT_LOCALS = frozenset({
    "mailer-daemon", "postmaster", "no-reply", "noreply", "donotreply", "do-not-reply",
    "do_not_reply", "bounce", "bounces", "notifications", "notification", "daemon",
    "auto-reply", "autoreply", "root", "listserv", "majordomo",
})


def is_robot(email: str) -> bool:
    local = email.partition("@")[0].lower()
    base = local.split("+", 1)[0]
    return base in ROBOT_LOCALS or base.startswith(("bounce-", "bounces-", "noreply-", "no-reply-"))


@dataclass(frozen=True)
class Touch:
    contact: str  # email, lower-case
    name: str
    direction: Direction
    date: datetime
    key: str  # the message's store key
    subject: str


_HUMAN = Kind.HUMAN.value
_DIRECTIONS = {d.value: d for d in Direction}


def touches_of(record: dict[str, Any], owner: Owner) -> list[Touch]:
    """The touches one stored message makes: none unless it is human mail."""
    if record["kind"] != _HUMAN or record["sender"] is None:
        return []
    date = datetime.fromisoformat(record["date"])
    direction = _DIRECTIONS[record["direction"]]
    if direction is Direction.OUTBOUND:
        people = record["to"] + record["cc"]
    else:
        people = [record["sender"]]
    touches, seen = [], set()
    for name, email in people:
        if email in seen or not is_contact(email, owner):
            continue
        seen.add(email)
        touches.append(Touch(email, name, direction, date, record["key"], record["subject"]))
    return touches


@lru_cache(maxsize=1 << 16)
def is_contact(email: str, owner: Owner) -> bool:
    """Someone the owner follows up with: not the owner's side (the owner, the capture
    address, colleagues at the owner's or the team's domains), not a robot address.
    Remembered per address: a derivation asks about the same few hundred addresses for
    every one of its messages."""
    return bool(email) and "@" in email and not (on_owner_side(email, owner) or is_robot(email))


def all_touches(records: Iterable[dict[str, Any]], owner: Owner) -> list[Touch]:
    """Every touch, once per message however many copies or IDs it has."""
    touches = [t for r in unify(records) for t in touches_of(r, owner)]
    touches.sort(key=lambda t: (t.date, t.key, t.contact))
    return touches


@dataclass
class Contact:
    email: str
    name: str
    org: str
    first_touch: datetime
    last_touch: datetime
    touches_in: int = 0
    touches_out: int = 0

    @property
    def touches(self) -> int:
        return self.touches_in + self.touches_out

    def as_json(self, tz: Any) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "org": self.org,
            "touches": self.touches,
            "touches_in": self.touches_in,
            "touches_out": self.touches_out,
            "first_touch": self.first_touch.astimezone(tz).isoformat(),
            "last_touch": self.last_touch.astimezone(tz).isoformat(),
        }


def build_contacts(touches: Iterable[Touch]) -> list[Contact]:
    """One contact per address, most recently touched first."""
    contacts: dict[str, Contact] = {}
    for touch in sorted(touches, key=lambda t: t.date):
        contact = contacts.get(touch.contact)
        if contact is None:
            org = organisation(touch.contact)
            contact = Contact(touch.contact, "", org, touch.date, touch.date)
            contacts[touch.contact] = contact
        contact.last_touch = touch.date
        # the name people give themselves beats the one the owner typed
        if touch.name and (touch.direction is Direction.INBOUND or not contact.name):
            contact.name = touch.name
        if touch.direction is Direction.INBOUND:
            contact.touches_in += 1
        else:
            contact.touches_out += 1
    return sorted(contacts.values(), key=lambda c: (c.last_touch, c.email), reverse=True)
