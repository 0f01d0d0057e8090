"""The owner's promises as loops (pure): "I'll get back to you next week" is due then.

A promise opens when an owner's human message commits them to a dated action
(`commitments.find_promise`, counted from the message's day in the owner's zone);
the owner's next human message to one of its people keeps it. An open promise is
listed in the daily checklist on its day and in the digest once overdue; it is
never drafted: the owner does what they promised.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from inboxfollow.mail.text import one_line
from inboxfollow.model import Owner
from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.commitments import Commitment, find_promise
from inboxfollow.rules.contacts import message_touches
from inboxfollow.rules.digest_sections import Row
from inboxfollow.rules.identity import unify


@dataclass
class Promise:
    record: dict[str, Any]  # the owner's message that made it
    people: list[str]
    name: str
    found: Commitment
    kept_by: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return f"promise:{self.record['key']}"

    @property
    def due(self) -> date:
        return self.found.day

    def status(self, today: date) -> str:
        if self.kept_by is not None:
            return "kept"
        if self.due < today:
            return "overdue"
        return "due" if self.due == today else "open"

    def as_json(self, today: date) -> dict[str, Any]:
        return {
            "id": self.id, "kind": "promise", "contact": self.people[0], "people": self.people,
            "message_id": self.record["message_id"] or self.record["key"],
            "subject": self.record["subject"], "sentence": self.found.sentence,
            "phrase": self.found.phrase.text, "due": self.due.isoformat(),
            "status": self.status(today),
            "kept_by": (self.kept_by["message_id"] or self.kept_by["key"]) if self.kept_by
            else None,
        }


def derive_promises(records: Iterable[dict[str, Any]], owner: Owner, now: datetime,
                    calendar: Calendar) -> list[Promise]:
    """Every promise in the owner's mail up to `now`, each kept or not."""
    mail = sorted((r for r in unify(records) if r["direction"] == "out"
                   and datetime.fromisoformat(r["date"]) <= now),
                  key=lambda r: (r["date"], r["key"]))
    promises: list[Promise] = []
    open_by_person: dict[str, list[Promise]] = {}
    for record in mail:
        touches = message_touches(record, owner)
        people = [t.contact for t in touches]
        for person in people:
            for promise in open_by_person.pop(person, []):
                if promise.kept_by is None:
                    promise.kept_by = record
        day = datetime.fromisoformat(record["date"]).astimezone(calendar.tz).date()
        found = find_promise(record.get("text", ""), day, calendar) if people else None
        if found is not None:
            promise = Promise(record, people, touches[0].name, found)
            promises.append(promise)
            for person in people:
                open_by_person.setdefault(person, []).append(promise)
    return promises


def promise_rows(promises: Iterable[Promise], today: date, overdue_only: bool) -> list[Row]:
    """Rows of the open promises due today or before (or only the overdue ones)."""
    rows = []
    for promise in sorted(promises, key=lambda p: p.due):
        state = promise.status(today)
        if state not in ("due", "overdue") or (overdue_only and state != "overdue"):
            continue
        alert = f"overdue since {promise.due:%a %d %b}" if state == "overdue" else ""
        rows.append(Row(promise.id, one_line(promise.name) or promise.people[0],
                        promise.people[0], one_line(promise.record["subject"]),
                        facts=(f"you wrote: {one_line(promise.found.sentence)[:120]}",
                               f"due {promise.due:%a %d %b}"),
                        state="promise", alert=alert))
    return rows
