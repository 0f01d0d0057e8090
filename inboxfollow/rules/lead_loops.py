"""Leads from web forms as loops (pure): a first response at once, then a short cadence
until the lead answers.

A lead notification (a record with `lead`, read at sync by `lead_forms`) opens a lead
loop at the lead's own address: the notification counts as the loop's opening, so its
first step (the first response) is due when the notification came: speed to lead.
Then the lead cadence (default 1bd, 3bd, 1w, 2w) goes on from the owner's last touch
to the lead. Any human message from the lead's address answers it; the owner's stop,
won and lost commands close it as they close quotes. An unreadable notification
opens nothing and is listed with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inboxfollow.model import Direction
from inboxfollow.rules.cadence import Cadence, Calendar
from inboxfollow.rules.contacts import Touch
from inboxfollow.rules.identity import unify
from inboxfollow.rules.loop_commands import closing_overrides, manual_status
from inboxfollow.rules.loop_state import Loop, Override, Status, date_of
from inboxfollow.rules.plan_settings import DEFAULT_LEAD_STEPS

LEAD = "lead"  # the kind of loop, and the templates' folder
DEFAULT_LEAD_CADENCE = Cadence.parse("lead", DEFAULT_LEAD_STEPS)
REPLY_SUBJECTS = {"en": "Your enquiry", "de": "Ihre Anfrage", "fr": "Votre demande",
                  "es": "Su consulta"}


@dataclass
class LeadLoop(Loop):
    """A lead: `quote` is the notification, `outbound` it and the owner's touches."""

    lead: dict[str, Any] = field(default_factory=dict)  # the record's `lead` facts
    reply_subject: str = ""  # the first response's subject ([leads.sources.NAME])
    total_steps: int = 0  # the first response and the cadence's follow-ups

    @property
    def first_response(self) -> datetime | None:
        return date_of(self.outbound[1]) if len(self.outbound) > 1 else None

    def response_time(self, now: datetime) -> tuple[float, bool]:
        """Hours from the notification to the first response (or until now), and whether
        the owner has answered."""
        end = self.first_response
        return ((end or now) - self.sent_at).total_seconds() / 3600, end is not None


def lead_records(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lead notifications among the records, oldest first."""
    found = [r for r in records if r.get("lead")]
    return sorted(found, key=lambda r: r["date"])


def unreadable(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in lead_records(records) if r["lead"].get("problem")]


def lead_loops(records: Sequence[dict[str, Any]], touches: Sequence[Touch],
               overrides: Sequence[Override], now: datetime, cadence: Cadence,
               calendar: Calendar, subjects: Mapping[str, str] | None = None,
               skipped: Mapping[str, Sequence[datetime]] | None = None,
               quotes: Sequence[Loop] = (),
               answers_from: Sequence[dict[str, Any]] | None = None) -> list[LeadLoop]:
    """One loop per readable lead (a lead's second notification while the first is open
    joins it); `subjects` maps a source's name to its first response's subject. A quote
    the owner sends the lead (`quotes`: the quote loops) takes over: the lead loop stops,
    so the lead never gets two kinds of follow-up at once. `answers_from`: the records
    to find the leads' answers in, when `records` holds only the notifications."""
    notes = [r for r in lead_records(unify(records)) if not r["lead"].get("problem")
             and date_of(r) <= now]
    answers = _answers(records if answers_from is None else answers_from, now)
    closing = closing_overrides(overrides)
    loops: list[LeadLoop] = []
    for note in notes:
        email = note["lead"]["email"]
        if any(lp.contact == email and lp.is_open for lp in loops):
            continue
        loop = _open(note, subjects or {}, cadence)
        since = date_of(note)
        loop.outbound += [_as_record(t) for t in touches if t.contact == email
                          and t.direction is Direction.OUTBOUND and since < t.date <= now]
        loop.skipped = sorted(t for t in (skipped or {}).get(loop.id, ()) if t <= now)
        answer = next((r for r in answers.get(email, ()) if date_of(r) > since), None)
        _settle(loop, answer, closing, cadence, calendar)
        quote = next((q for q in quotes if email in q.people and q.sent_at > since), None)
        if quote is not None and loop.status is Status.AWAITING_REPLY:
            loop.status, loop.next_due = Status.STOPPED, None
            loop.status_reason = (f"the quote {quote.quote['subject']!r} of "
                                  f"{quote.sent_at.date()} opened a quote loop: its "
                                  "follow-ups take over")
        loops.append(loop)
    return loops


def _open(note: dict[str, Any], subjects: Mapping[str, str], cadence: Cadence) -> LeadLoop:
    lead = note["lead"]
    opening = dict(note, text=lead.get("message", ""), to=[[lead.get("name", ""),
                                                           lead["email"]]], cc=[])
    source = lead.get("source", "")
    return LeadLoop(lead["email"], lead.get("name", ""), opening,
                    f"a web-form lead from {source or 'a lead source'} (read from "
                    f"{lead.get('via', 'its fields')})", [opening], people=[lead["email"]],
                    kind=LEAD, lead=lead, reply_subject=subjects.get(source, ""),
                    total_steps=len(cadence.steps) + 1)


def _as_record(touch: Touch) -> dict[str, Any]:
    return {"key": touch.key, "message_id": touch.key, "subject": touch.subject,
            "date": touch.date.isoformat()}


def _answers(records: Sequence[dict[str, Any]], now: datetime) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        if (record["direction"] == Direction.INBOUND.value and record["kind"] == "human"
                and record.get("sender") and date_of(record) <= now):
            found.setdefault(record["sender"][1].lower(), []).append(record)
    for mail in found.values():
        mail.sort(key=date_of)
    return found


def _settle(loop: LeadLoop, answer: dict[str, Any] | None,
            closing: Mapping[str, list[tuple[int, Override]]], cadence: Cadence,
            calendar: Calendar) -> None:
    manual = manual_status(loop, closing)
    if manual is not None:
        loop.status, loop.status_reason = manual
        return
    if answer is not None:
        loop.answer = answer
        loop.status = Status.REPLIED
        loop.status_reason = loop.answer_reason = (
            f"the lead answered on {answer['date'][:10]}: {answer['subject']!r}")
        return
    responses = loop.steps_done - 1
    if responses == 0:
        loop.status_reason = "a new lead: the first response is due at once"
        loop.next_due = loop.sent_at
        return
    if responses > len(cadence.steps):
        loop.status = Status.EXHAUSTED
        loop.status_reason = f"all {responses} responses of the lead cadence were made"
        return
    loop.next_due = cadence.due_after(responses, loop.clock, calendar)
    loop.status_reason = "no answer from the lead since the first response"
