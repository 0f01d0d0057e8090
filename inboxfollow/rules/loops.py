"""Follow-up loops derived from the stored messages (pure).

An outbound quote opens one loop per contact it was addressed to. The loop is
`replied` once a human answers; automatic mail never answers. Status is
derived anew from the messages and the owner's commands every time, so a
resync or a crash cannot leave a loop in a state the mail does not support.
Every decision keeps its reason, for `inboxfollow explain`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from inboxfollow.model import Kind, Owner
from inboxfollow.rules.answers import bounce_reason, bounced_for, mentions, same_org
from inboxfollow.rules.cadence import DEFAULT_CADENCE, Cadence, Calendar
from inboxfollow.rules.contacts import organisation, touches_of
from inboxfollow.rules.quotes import DEFAULT_RULES, QuoteDecision, QuoteRules, decide_quote


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
    """An owner's command: mark or unmark a quote, stop a loop, mark it won or lost."""

    action: str  # "quote", "not_quote", "stop", "won", "lost"
    target: str  # a message id (store key) or a contact address
    at: datetime


@dataclass
class Loop:
    contact: str
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
        return _date(self.quote)

    @property
    def last_touch(self) -> datetime:
        return _date(self.outbound[-1])

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
        }


def _date(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["date"])


def _ids_of(record: dict[str, Any]) -> set[str]:
    ids = {record["message_id"] or record["key"]}
    original = record.get("headers", {}).get("x-microsoft-original-message-id")
    if original:
        ids.add(original.strip())
    return ids


def _refs(record: dict[str, Any]) -> set[str]:
    return set(record.get("in_reply_to", [])) | set(record.get("references", []))


@dataclass
class Derivation:
    loops: list[Loop]
    decisions: dict[str, QuoteDecision]  # outbound message key -> quote decision
    effects: dict[str, list[str]]  # message key -> what it did to which loop
    # inbound messages by the ids they reference: a reply whose Date is earlier than
    # the message it answers (a sender's clock off) still finds its loop
    referenced: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def derive_loops(
    records: Iterable[dict[str, Any]],
    owner: Owner,
    now: datetime,
    overrides: Sequence[Override] = (),
    rules: QuoteRules = DEFAULT_RULES,
    cadence: Cadence = DEFAULT_CADENCE,
    calendar: Calendar | None = None,
    skipped: Mapping[str, Sequence[datetime]] | None = None,
) -> Derivation:
    """Every loop, with its status, from the messages in date order.

    `skipped` maps a loop id to the times the owner deleted a draft unsent: each
    counts as a step of the cadence, and the next step is timed from it.
    """
    calendar = calendar or Calendar()
    ordered = sorted(records, key=lambda r: (r["date"], r["direction"] != "out", r["key"]))
    result = Derivation([], {}, {})
    forced = _quote_overrides(overrides)
    for record in ordered:
        if _date(record) > now:
            continue
        if record["direction"] == "out" and record["kind"] == Kind.HUMAN.value:
            _outbound(record, owner, rules, forced, result)
        elif record["direction"] == "in":
            _inbound(record, result)
    for loop in result.loops:
        loop.skipped = sorted(t for t in (skipped or {}).get(loop.id, ()) if t <= now)
        _settle(loop, overrides, cadence, calendar)
    return result


def _quote_overrides(overrides: Sequence[Override]) -> dict[str, bool]:
    forced: dict[str, bool] = {}
    for item in sorted(overrides, key=lambda o: o.at):
        if item.action in ("quote", "not_quote"):
            forced[item.target] = item.action == "quote"
    return forced


def _outbound(
    record: dict[str, Any],
    owner: Owner,
    rules: QuoteRules,
    forced: dict[str, bool],
    result: Derivation,
) -> None:
    key = record["key"]
    if key in forced:
        verb = "marked" if forced[key] else "unmarked"
        decision = QuoteDecision(forced[key], f"the owner {verb} it with `inboxfollow quote`")
    else:
        decision = decide_quote(record, rules)
    result.decisions[key] = decision
    for touch in touches_of(record, owner):
        loop = _loop_for_outbound(result.loops, touch.contact, record)
        if loop is not None:
            loop.outbound.append(record)
            result.effects.setdefault(key, []).append(
                f"counts as touch {loop.touches} of the loop with {loop.contact} "
                f"(quote {loop.quote['subject']!r})"
            )
        elif decision.is_quote:
            loop = Loop(touch.contact, touch.name, record, decision.reason, [record])
            result.loops.append(loop)
            result.effects.setdefault(key, []).append(f"opens a loop with {touch.contact}")
        else:
            continue
        _join(loop, _ids_of(record), result)


def _join(loop: Loop, ids: set[str], result: Derivation) -> None:
    """Add message ids to a loop's thread; judge replies already seen that name them."""
    loop.ids |= ids
    for message_id in sorted(ids):
        for record in result.referenced.get(message_id, []):
            if record["key"] in loop.judged:
                continue
            sender = record["sender"][1] if record["sender"] else ""
            effect = _judge_inbound(loop, record, sender, True, sender == loop.contact)
            if effect:
                result.effects.setdefault(record["key"], []).append(effect)


def _loop_for_outbound(loops: list[Loop], contact: str, record: dict[str, Any]) -> Loop | None:
    """The open loop an outbound message to `contact` belongs to: its thread's, else the latest."""
    mine = [lp for lp in loops if lp.contact == contact and lp.is_open]
    refs = _refs(record)
    in_thread = [lp for lp in mine if lp.ids & refs]
    if in_thread:
        return in_thread[-1]
    return mine[-1] if mine else None


def _inbound(record: dict[str, Any], result: Derivation) -> None:
    sender = record["sender"][1] if record["sender"] else ""
    refs = _refs(record)
    for ref in refs:
        result.referenced.setdefault(ref, []).append(record)
    for loop in result.loops:
        in_thread = bool(loop.ids & refs)
        from_contact = sender == loop.contact
        if not (in_thread or from_contact or mentions(record, loop.contact)):
            continue
        effect = _judge_inbound(loop, record, sender, in_thread, from_contact)
        if effect:
            result.effects.setdefault(record["key"], []).append(effect)


def _judge_inbound(
    loop: Loop, record: dict[str, Any], sender: str, in_thread: bool, from_contact: bool
) -> str:
    loop.judged.add(record["key"])
    kind = record["kind"]
    when = record["date"][:10]
    if kind == Kind.BOUNCE.value:
        if loop.is_open and bounced_for(record, loop.contact, loop.quote, in_thread):
            loop.bounce = record
            loop.bounce_reason = bounce_reason(record)
            return f"bounced the loop with {loop.contact}: {loop.bounce_reason}"
        return ""
    if kind != Kind.HUMAN.value:
        if in_thread or from_contact:
            loop.notes.append(
                f"{kind.replace('_', ' ')} from {sender or 'an unknown sender'} on {when} did "
                f"not count as an answer ({record['reason']})"
            )
            return f"did not answer the loop with {loop.contact}: it is {kind}"
        return ""
    if not loop.is_open or _date(record) < loop.sent_at and not in_thread:
        return ""
    colleague = in_thread and same_org(sender, loop.contact)
    if from_contact or colleague:
        loop.answer = record
        how = "in the thread" if in_thread else f"with a new subject {record['subject']!r}"
        who = sender if from_contact else f"{sender}, a colleague at {organisation(sender)}"
        loop.answer_reason = f"{who} answered on {when} {how}"
        loop.ids |= _ids_of(record)
        return f"answered the loop with {loop.contact}"
    if in_thread:
        org = organisation(loop.contact)
        why = (f"is not at {org}" if org else
               f"{loop.contact} uses a free-mail domain, so no colleague can be told by domain")
        loop.notes.append(
            f"a message in the thread from {sender} on {when} did not count: {sender} is not "
            f"the contact and {why}"
        )
    return ""


def _settle(loop: Loop, overrides: Sequence[Override], cadence: Cadence, cal: Calendar) -> None:
    manual = _manual_status(loop, overrides)
    if manual is not None:
        loop.status, loop.status_reason = manual
    elif loop.answer is not None:
        loop.status, loop.status_reason = Status.REPLIED, loop.answer_reason
    elif loop.bounce is not None:
        loop.status, loop.status_reason = Status.BOUNCED, f"bounced: {loop.bounce_reason}"
    elif loop.steps_done >= cadence.contacts:
        loop.status = Status.EXHAUSTED
        skipped = f" ({len(loop.skipped)} skipped)" if loop.skipped else ""
        loop.status_reason = (f"all {cadence.contacts} contacts of the {cadence.name} cadence "
                              f"were made{skipped} without an answer")
    else:
        loop.status = Status.AWAITING_REPLY
        loop.status_reason = f"no human answer since {loop.sent_at.date()}"
        loop.next_due = cadence.due_after(loop.steps_done, loop.clock, cal)


def _manual_status(loop: Loop, overrides: Sequence[Override]) -> tuple[Status, str] | None:
    found = None
    for item in sorted(overrides, key=lambda o: o.at):
        if item.action not in ("stop", "won", "lost") or item.at < loop.sent_at:
            continue
        if item.target in (loop.contact, loop.quote["key"], loop.quote["message_id"]):
            status = Status.STOPPED if item.action == "stop" else Status(item.action)
            found = (status, f"the owner marked it {status.value} on {item.at.date()}")
    return found
