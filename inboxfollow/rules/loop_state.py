"""A follow-up loop and its state (pure values): status, the owner's overrides, and what
a derivation found, message by message. `loops.derive_loops` makes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from inboxfollow.rules.commitments import Commitment
from inboxfollow.rules.quotes import QuoteDecision


class Status(StrEnum):
    AWAITING_REPLY = "awaiting_reply"
    REPLIED = "replied"
    BOUNCED = "bounced"
    EXHAUSTED = "exhausted"
    STOPPED = "stopped"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True)
class Override:
    """An owner's command: mark or unmark a quote, stop a loop, mark it won or lost;
    or remind: "remind" with the target "<message key> YYYY-MM-DD" (a capture +tag)."""

    action: str  # "quote", "not_quote", "stop", "won", "lost", "remind"
    target: str  # a message id (store key) or a contact address
    at: datetime


QUOTE, REMINDER = "quote", "reminder"  # kinds of loop
RESUMED = "resumed"  # the templates of a follow-up that resumes after a contact's "not now"


@dataclass
class Loop:
    contact: str  # the first of the quote's people: follow-ups go to them
    name: str
    quote: dict[str, Any]
    quote_reason: str
    outbound: list[dict[str, Any]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    answer: dict[str, Any] | None = None
    answer_reason: str = ""
    bounce: dict[str, Any] | None = None
    bounce_reason: str = ""
    notes: list[str] = field(default_factory=list)
    status: Status = Status.AWAITING_REPLY
    status_reason: str = ""
    next_due: datetime | None = None
    skipped: list[datetime] = field(default_factory=list)
    judged: set[str] = field(default_factory=set)  # inbound message keys already weighed
    pending_draft: str = ""  # Message-ID of this loop's draft waiting in Drafts, if any
    people: list[str] = field(default_factory=list)  # every contact in the quote's To and Cc
    bounced: set[str] = field(default_factory=set)  # people whose address bounced
    kind: str = QUOTE  # QUOTE, or REMINDER: one follow-up on a day the owner named
    due_on: date | None = None  # the named day: a reminder's step, or a quote's first
    deferred: Commitment | None = None  # a contact's "not now, ask me again then"
    deferred_by: dict[str, Any] | None = None  # the message that said so

    @property
    def resuming(self) -> bool:
        """Put off by a contact's "not now" and not touched by the owner since: the next
        follow-up is the one that resumes it, on the day they named."""
        if self.deferred is None or self.deferred_by is None:
            return False
        return self.last_touch <= date_of(self.deferred_by)

    @property
    def steps_done(self) -> int:
        """Contacts made or given up: outbound touches plus skipped drafts."""
        return self.touches + len(self.skipped)

    @property
    def clock(self) -> datetime:
        """What the next step is timed from: the last touch or the last skip."""
        return max([self.last_touch, *self.skipped])

    @property
    def id(self) -> str:
        return f"{self.quote['key']}|{self.contact}"

    @property
    def sent_at(self) -> datetime:
        return date_of(self.quote)

    @property
    def last_touch(self) -> datetime:
        return date_of(self.outbound[-1])

    @property
    def touches(self) -> int:
        return len(self.outbound)

    @property
    def is_open(self) -> bool:
        return self.answer is None and self.bounce is None

    def as_json(self, tz: Any) -> dict[str, Any]:
        return {
            "id": self.id,
            "contact": self.contact,
            "people": self.people,
            "name": self.name,
            "message_id": self.quote["message_id"] or self.quote["key"],
            "subject": self.quote["subject"],
            "sent_at": self.sent_at.astimezone(tz).isoformat(),
            "status": self.status.value,
            "status_reason": self.status_reason,
            "touches": self.touches,
            "last_touch": self.last_touch.astimezone(tz).isoformat(),
            "next_due": self.next_due.astimezone(tz).isoformat() if self.next_due else None,
            "draft_pending": self.pending_draft or None,
            "answered_by": self.answer["message_id"] if self.answer else None,
            "bounce_reason": self.bounce_reason or None,
            "kind": self.kind,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "deferred_until": self.deferred.day.isoformat() if self.deferred else None,
            "deferred_phrase": self.deferred.phrase.text if self.deferred else None,
        }


def date_of(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["date"])


@dataclass
class Derivation:
    loops: list[Loop]
    decisions: dict[str, QuoteDecision]  # outbound message key -> quote decision
    effects: dict[str, list[str]]  # message key -> what it did to which loop
    same_as: dict[str, str] = field(default_factory=dict)  # a copy's key -> the kept copy's

    def note(self, record: dict[str, Any], effect: str) -> None:
        self.effects.setdefault(record["key"], []).append(effect)
