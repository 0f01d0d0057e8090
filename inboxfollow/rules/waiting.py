"""Mail awaiting the owner's answer (pure): a contact asked something, nobody answered.

An inbound human message from a contact that asks a question or makes a request
(`commitments.asks_something`, en/de/fr/es) waits for the owner's answer once N
working days (default 2) passed without a human message from the owner to that
contact. An answer clears it (also a call with them the owner logged by `+call`), and
so does the owner's stop command on the contact or the message. It is listed, never
drafted.

The question is read from the record's `asks` (the asking sentence, kept at sync
when the message's text was fetched) or, failing that, its `text`.

This is the one definition of "waiting for your answer": the digest, the daily
checklist and `loops --kind waiting` (text and JSON) all ask `WaitingRule.find`.
A question older than the rule's horizon (the digest's quiet days) is no longer
listed here: by then the contact is a quiet contact to call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from inboxfollow.model import Owner
from inboxfollow.rules.cadence import Calendar, Step, add_step
from inboxfollow.rules.commitments import asks_something
from inboxfollow.rules.contacts import all_touches, is_contact
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
    days: int = DEFAULT_WAITING_DAYS, stopped: Iterable[str | tuple[str, datetime]] = (),
    horizon_days: int | None = None,
) -> list[Waiting]:
    """Every unanswered question older than `days` working days at `now`, oldest first.

    `stopped`: the targets of the owner's stop commands (a contact's address, a message's
    key or ID, one of its conversation), each maybe with when it was given: a stop clears
    the questions asked before it. `horizon_days`: questions older than that many days
    are left out (None: none is)."""
    asked = open_questions(records, owner, now, calendar, days)
    return asked.still_waiting(now, calendar, stopped, horizon_days)


@dataclass(frozen=True)
class OpenQuestions:
    """The questions no message of the owner answered, up to some `now`, and the last
    call logged with each contact: what `still_waiting` narrows to a day. It depends on
    `now` only through the messages dated up to it (so it can be kept)."""

    questions: tuple[Waiting, ...]
    called: tuple[tuple[str, datetime], ...]  # (contact, the logged call's time)

    def still_waiting(self, now: datetime, calendar: Calendar,
                      stopped: Iterable[str | tuple[str, datetime]] = (),
                      horizon_days: int | None = None) -> list[Waiting]:
        stops = [(s, None) if isinstance(s, str) else s for s in stopped]
        called: dict[str, datetime] = {}
        for contact, when in self.called:
            if when <= now:
                called[contact] = max(when, called.get(contact, when))
        today = now.astimezone(calendar.tz).date()
        oldest = None if horizon_days is None else now - timedelta(days=horizon_days)
        found = [w for w in self.questions if w.due <= today and not _stopped(w, stops)
                 and (oldest is None or datetime.fromisoformat(w.record["date"]) >= oldest)
                 and not (w.contact in called
                          and called[w.contact] > datetime.fromisoformat(w.record["date"]))]
        return sorted(found, key=lambda w: w.record["date"])


def open_questions(records: Iterable[dict[str, Any]], owner: Owner, now: datetime,
                   calendar: Calendar, days: int = DEFAULT_WAITING_DAYS) -> OpenQuestions:
    """Each contact's last question that no later message of the owner answered."""
    records = records if isinstance(records, Sequence) else list(records)  # unify's own kind
    calls = tuple((t.contact, t.date) for t in all_touches(records, owner, mail=False)
                  if t.kind == "call")
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
        due = add_step(received, Step(days, "bd"), calendar) if days else received
        open_[sender[1]] = Waiting(record, sender[1], sender[0], question, due)
    return OpenQuestions(tuple(open_.values()), calls)


def _stopped(item: Waiting, stops: Iterable[tuple[str, datetime | None]]) -> bool:
    record = item.record
    names = {item.contact, record["key"], record.get("message_id") or "",
             *record.get("ids", ()), *record.get("references", ()),
             *record.get("in_reply_to", ())}
    asked = datetime.fromisoformat(record["date"])
    return any(target in names and (at is None or at >= asked) for target, at in stops)


@dataclass(frozen=True)
class WaitingRule:
    """The rule with the owner's settings: the calendar, N working days ([digest].
    waiting_days), their stop commands and the horizon ([digest].quiet_days)."""

    calendar: Calendar
    days: int = DEFAULT_WAITING_DAYS
    stopped: tuple[tuple[str, datetime], ...] = ()
    horizon_days: int | None = None

    def find(self, records: Iterable[dict[str, Any]], owner: Owner,
             now: datetime) -> list[Waiting]:
        return waiting_for_answer(records, owner, now, self.calendar, self.days, self.stopped,
                                  self.horizon_days)

    def select(self, asked: OpenQuestions, now: datetime) -> list[Waiting]:
        """`find`, from the open questions (`open_questions` with this rule's days)."""
        return asked.still_waiting(now, self.calendar, self.stopped, self.horizon_days)
