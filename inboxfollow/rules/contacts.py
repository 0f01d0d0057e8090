"""Touches and contacts, derived from stored message records (pure).

A touch is one human message between the owner and a contact, or a call, meeting or
note the owner logged with a `+call` / `+note` capture command: a touch of kind "call"
or "note" with the people of that message (or, when it names none, of the message it
forwards or answers), carrying its text. `touches_of` and `all_touches` give both;
`message_touches` only the mail (what the loop derivation counts). Contacts are built
from touches, so they can never disagree with the mail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from inboxfollow.model import Direction, Kind, Owner
from inboxfollow.rules.capture_tags import logged_kinds
from inboxfollow.rules.identity import ids_of, unify
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
    kind: str = "mail"  # "mail", or a logged "call" or "note"
    text: str = ""  # a logged call's or note's text (the owner's own words)

    @property
    def logged(self) -> bool:
        return self.kind != MAIL


MAIL = "mail"
LOG_TEXT_CHARS = 2000
_HUMAN = Kind.HUMAN.value
_DIRECTIONS = {d.value: d for d in Direction}


def message_touches(record: dict[str, Any], owner: Owner) -> list[Touch]:
    """The touches one stored message makes as mail: none unless it is human mail."""
    if record["kind"] != _HUMAN or record["sender"] is None:
        return []
    date = datetime.fromisoformat(record["date"])
    direction = _DIRECTIONS[record["direction"]]
    if direction is Direction.OUTBOUND:
        people = record["to"] + record["cc"]
    else:
        people = [record["sender"]]
    return [Touch(email, name, direction, date, record["key"], record["subject"])
            for name, email in _contacts_in(people, owner)]


def touches_of(record: dict[str, Any], owner: Owner,
               about: dict[str, Any] | None = None) -> list[Touch]:
    """Every touch one stored message makes: as mail, and the calls and notes it logs.
    `about`: the message it forwards or answers, whose people a logged call is with when
    this one names none (`all_touches` finds it)."""
    return message_touches(record, owner) + logged_touches([record], owner, about)


def logged_touches(copies: list[dict[str, Any]], owner: Owner,
                   about: dict[str, Any] | None = None) -> list[Touch]:
    """The calls and notes the owner logged with a capture command on a message (its
    copies: the first is the one that counts), with its people, carrying its text."""
    record = copies[0]
    if record["kind"] != _HUMAN:
        return []
    kinds = logged_kinds(copies, owner)
    if not kinds:
        return []
    people = _contacts_in(record["to"] + record["cc"], owner)
    if not people and about is not None:
        out = about["direction"] == Direction.OUTBOUND.value
        people = _contacts_in(about["to"] + about["cc"] if out else [about["sender"]], owner)
    date = datetime.fromisoformat(record["date"])
    text = record.get("text", "")[:LOG_TEXT_CHARS]
    return [Touch(email, name, Direction.OUTBOUND, date, record["key"], record["subject"],
                  kind, text) for kind in kinds for name, email in people]


def _contacts_in(people: Iterable[list[str] | None], owner: Owner) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for person in people:
        if person and person[1] not in found and is_contact(person[1], owner):
            found[person[1]] = person[0]
    return [(name, email) for email, name in found.items()]


@lru_cache(maxsize=1 << 16)
def is_contact(email: str, owner: Owner) -> bool:
    """Someone the owner follows up with: not the owner's side (the owner, the capture
    address, colleagues at the owner's or the team's domains), not a robot address.
    Remembered per address: a derivation asks about the same few hundred addresses for
    every one of its messages."""
    return bool(email) and "@" in email and not (on_owner_side(email, owner) or is_robot(email))


def all_touches(records: Iterable[dict[str, Any]], owner: Owner,
                mail: bool = True) -> list[Touch]:
    """Every touch, once per message however many copies or IDs it has: the mail (unless
    not `mail`), and the calls and notes logged by capture command."""
    stored = records if isinstance(records, Sequence) else list(records)  # unify's own kind
    by_key = {r["key"]: r for r in stored}
    messages = unify(stored)
    by_id = {i: r for r in messages for i in ids_of(r)}
    touches = []
    for record in messages:
        if mail:
            touches += message_touches(record, owner)
        copies = [record, *(by_key[k] for k in record.get("copies", ()) if k in by_key)]
        if logged_kinds(copies, owner):  # the few logged: only they look up what they refer to
            touches += logged_touches(copies, owner, _referred(record, by_id))
    touches.sort(key=lambda t: (t.date, t.key, t.contact, t.logged, t.kind))
    return touches


def _referred(record: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The stored message this one forwards or answers: the newest it refers to."""
    refs = [*record.get("references", ()), *record.get("in_reply_to", ())]
    found = [by_id[r] for r in refs if r in by_id and by_id[r] is not record]
    return found[-1] if found else None


@dataclass
class Contact:
    email: str
    name: str
    org: str
    first_touch: datetime
    last_touch: datetime
    touches_in: int = 0
    touches_out: int = 0
    touches_logged: int = 0  # calls, meetings and notes logged by capture command

    @property
    def touches(self) -> int:
        return self.touches_in + self.touches_out + self.touches_logged

    def as_json(self, tz: Any) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "org": self.org,
            "touches": self.touches,
            "touches_in": self.touches_in,
            "touches_out": self.touches_out,
            "touches_logged": self.touches_logged,
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
        if touch.logged:
            contact.touches_logged += 1
        elif touch.direction is Direction.INBOUND:
            contact.touches_in += 1
        else:
            contact.touches_out += 1
    return sorted(contacts.values(), key=lambda c: (c.last_touch, c.email), reverse=True)
