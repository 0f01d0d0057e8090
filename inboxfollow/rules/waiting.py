"""Mail awaiting the owner's answer (pure): a contact asked something, nobody answered.

An inbound human message from a contact that asks a question or makes a request
(`commitments.asks_something`, en/de/fr/es) waits for the owner's answer once N
working days (default 2) passed without a human message from the owner to that
contact. An answer clears it, and so does the owner's stop command on the contact
or the message. It is listed, never drafted.

The question is read from the record's `asks` (the asking sentence, kept at sync
when the message's text was fetched) or, failing that, its `text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from inboxfollow.model import Owner
from inboxfollow.rules.cadence import Calendar, Step, add_step
from inboxfollow.rules.commitments import asks_something
from inboxfollow.rules.contacts import is_contact
from inboxfollow.rules.identity import unify

DEFAULT_WAITING_DAYS = 2


@dataclass(frozen=True)
class Waiting:
    record: dict[str, Any]
    contact: str
    name: str
    question: str
    due: date  # from this day on it is listed

    def as_json(self) -> dict[str, Any]:
        return {"kind": "waiting", "contact": self.contact, "name": self.name,
                "message_id": self.record["message_id"] or self.record["key"],
                "subject": self.record["subject"], "question": self.question,
                "received": self.record["date"], "listed_from": self.due.isoformat()}


def waiting_for_answer(
    records: Iterable[dict[str, Any]], owner: Owner, now: datetime, calendar: Calendar,
    days: int = DEFAULT_WAITING_DAYS, stopped: Iterable[str] = (),
) -> list[Waiting]:
    """Every unanswered question older than `days` working days at `now`, oldest first."""
    stop = set(stopped)
    mail = sorted((r for r in unify(records) if r["kind"] == "human"
                   and datetime.fromisoformat(r["date"]) <= now),
                  key=lambda r: (r["date"], r["key"]))
    open_: dict[str, Waiting] = {}
    for record in mail:
        if record["direction"] == "out":
            for _name, email in record["to"] + record["cc"]:
                open_.pop(email, None)
            continue
        sender = record["sender"]
        if not sender or not is_contact(sender[1], owner):
            continue
        question = record.get("asks") or asks_something(record.get("text", ""))
        if not question:
            continue
        received = datetime.fromisoformat(record["date"]).astimezone(calendar.tz).date()
        due = add_step(received, Step(days, "bd"), calendar)
        open_[sender[1]] = Waiting(record, sender[1], sender[0], question, due)
    today = now.astimezone(calendar.tz).date()
    found = [w for w in open_.values() if w.due <= today
             and w.contact not in stop and w.record["key"] not in stop]
    return sorted(found, key=lambda w: w.record["date"])
