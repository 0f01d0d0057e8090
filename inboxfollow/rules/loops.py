"""Follow-up loops derived from the stored messages (pure).

An outbound quote opens one loop per conversation: the contacts in its To and
Cc are its people, and any of them answering closes it (`answers` says who
counts). The owner's later messages in the conversation are touches of that
loop, never new loops, unless one makes a new offer after an answer. Copies of
one message under several IDs are one message (`identity`). Status is derived
anew from the messages and the owner's commands every time, so a resync or a
crash cannot leave a loop in a state the mail does not support. Every decision
keeps its reason, for `inboxfollow explain`.

Complexity: O(n log n) in the number of messages n (the sort by date), and
linear after it. Each message finds its loops through indexes: by the IDs of
their threads, by person and by organisation. Outside its thread a message is
weighed only against open loops (a closed loop takes no answer and no bounce),
and a loop leaves the open indexes once for all when it closes; an answer from
an organisation closes every open loop it reaches, so no loop is weighed again
and again. Automatic mail other than bounces is weighed against every loop of
its sender (one note per loop: no more work than the notes it writes) and the
open loops of its organisation, which the organisation's next human message
closes. The owner's commands are indexed by target, not scanned per loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from inboxfollow.model import Kind, Owner
from inboxfollow.rules.answers import (
    ANSWER,
    OWNER_TOUCH,
    answering_organisations,
    bounce_reason,
    bounced_for,
    mentioned,
    refs_of,
    sender_of,
    who_answered,
)
from inboxfollow.rules.cadence import DEFAULT_CADENCE, Cadence, Calendar
from inboxfollow.rules.contacts import message_touches
from inboxfollow.rules.identity import ids_of, unify
from inboxfollow.rules.loop_commands import (
    closing_overrides,
    defer,
    manual_status,
    quote_overrides,
    reminder_overrides,
    settle_deferred,
    settle_reminder,
)
from inboxfollow.rules.loop_state import (
    QUOTE,
    REMINDER,
    Derivation,
    Loop,
    Override,
    Status,
    date_of,
)
from inboxfollow.rules.organisations import organisation
from inboxfollow.rules.quotes import DEFAULT_RULES, QuoteDecision, QuoteRules, decide_quote

__all__ = ["Derivation", "Loop", "Override", "Status", "derive_loops"]

_HUMAN, _BOUNCE = Kind.HUMAN.value, Kind.BOUNCE.value


@dataclass
class _Index:
    """Loops by the IDs of their thread, by person and by organisation.

    `every_by_person` holds every loop; `open_by_person` and `open_by_org` only
    those still open, pruned as they are read, so a loop answered long ago
    costs nothing to the mail that comes after it.
    """

    by_id: dict[str, list[Loop]] = field(default_factory=dict)
    every_by_person: dict[str, list[Loop]] = field(default_factory=dict)
    open_by_person: dict[str, list[Loop]] = field(default_factory=dict)
    open_by_org: dict[str, list[Loop]] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)  # id(loop) -> creation order

    def add(self, loop: Loop) -> None:
        self.order[id(loop)] = len(self.order)
        for person in loop.people:
            self.every_by_person.setdefault(person, []).append(loop)
            self.open_by_person.setdefault(person, []).append(loop)
            org = organisation(person)
            if org:
                self.open_by_org.setdefault(org, []).append(loop)

    def join(self, loop: Loop, ids: set[str]) -> set[str]:
        new = ids - loop.ids
        loop.ids |= new
        for message_id in new:
            self.by_id.setdefault(message_id, []).append(loop)
        return new

    def in_thread(self, refs: set[str]) -> list[Loop]:
        return self._sorted(lp for ref in refs for lp in self.by_id.get(ref, ()))

    def open_around(self, persons: set[str], orgs: set[str]) -> list[Loop]:
        """The open loops of these people and organisations, oldest first."""
        found = [lp for p in persons for lp in _still_open(self.open_by_person, p)]
        found += [lp for org in orgs for lp in _still_open(self.open_by_org, org)]
        return self._sorted(found)

    def of_person(self, person: str) -> list[Loop]:
        """Every loop this person is one of the people of, open or not, oldest first."""
        return list(self.every_by_person.get(person, ()))

    def _sorted(self, loops: Iterable[Loop]) -> list[Loop]:
        unique = list({id(lp): lp for lp in loops}.values())
        if len(unique) > 1:
            unique.sort(key=lambda lp: self.order[id(lp)])
        return unique


def _still_open(index: dict[str, list[Loop]], name: str) -> list[Loop]:
    """The open loops under `name`; the closed ones leave the list for good."""
    loops = index.get(name)
    if not loops:
        return []
    if not all(lp.is_open for lp in loops):
        loops[:] = [lp for lp in loops if lp.is_open]
    return loops


@dataclass
class _Pass:
    """One derivation: the owner, the rules and what is found so far."""

    owner: Owner
    rules: QuoteRules
    forced: dict[str, bool]
    aliases: dict[str, set[str]]
    result: Derivation
    index: _Index = field(default_factory=_Index)
    answers_for: dict[str, set[str]] = field(default_factory=dict)  # org -> orgs it answers for
    reminders: dict[str, date] = field(default_factory=dict)  # message key -> the day named
    # inbound messages by the ids they reference: a reply whose Date is earlier than
    # the message it answers (a sender's clock off) still finds its loop
    referenced: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    calendar: Calendar = field(default_factory=Calendar)


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
    messages = [r for r in unify(records) if date_of(r) <= now]
    messages.sort(key=lambda r: (r["date"], r["direction"] != "out", r["key"]))
    aliases = answering_organisations(messages, owner)
    run = _Pass(owner, rules, quote_overrides(overrides), aliases, Derivation([], {}, {}))
    run.reminders, run.calendar = reminder_overrides(overrides), calendar
    run.result.same_as = {copy: r["key"] for r in messages for copy in r.get("copies", ())}
    for org, others in aliases.items():
        for other in others:
            run.answers_for.setdefault(other, set()).add(org)
    for record in messages:
        if record["direction"] == "out" and record["kind"] == _HUMAN:
            _outbound(record, run)
        elif record["direction"] == "in":
            _inbound(record, run)
    closing = closing_overrides(overrides)
    for loop in run.result.loops:
        loop.skipped = sorted(t for t in (skipped or {}).get(loop.id, ()) if t <= now)
        _settle(loop, closing, cadence, calendar)
    return run.result


def _decide(record: dict[str, Any], run: _Pass) -> QuoteDecision:
    key = record["key"]
    if key in run.forced:
        verb = "marked" if run.forced[key] else "unmarked"
        return QuoteDecision(run.forced[key], f"the owner {verb} it with `inboxfollow quote`")
    return decide_quote(record, run.rules)


def _outbound(record: dict[str, Any], run: _Pass) -> None:
    opened = len(run.result.loops)
    _place_outbound(record, run)
    due = run.reminders.get(record["key"])
    if due is None:
        return
    mine = [lp for lp in run.result.loops[opened:] if lp.quote["key"] == record["key"]]
    for loop in mine:  # a quote with a date: its first follow-up on that day
        loop.due_on = due
        run.result.note(record, f"has its first follow-up on {due} (a capture tag)")
    touches = message_touches(record, run.owner)
    if not mine and touches:
        _open(record, touches, f"a reminder for {due} (a capture tag)", run, kind=REMINDER,
              due_on=due)
    elif not mine:
        run.result.note(record, f"has a reminder for {due} but names no contact: no loop")


def _place_outbound(record: dict[str, Any], run: _Pass) -> None:
    decision = _decide(record, run)
    run.result.decisions[record["key"]] = decision
    touches = message_touches(record, run.owner)
    people = [t.contact for t in touches]
    thread = run.index.in_thread(refs_of(record))
    if thread:
        _in_conversation(record, thread[-1], people, decision, run)
        return
    loop = _latest_open(run.index.open_around(set(people), set()))
    if loop is not None:
        _touch(loop, record, run, "")
    elif decision.is_quote and people:
        _open(record, touches, decision.reason, run)


def _in_conversation(
    record: dict[str, Any], loop: Loop, people: list[str], decision: QuoteDecision, run: _Pass
) -> None:
    """An owner's message in a loop's thread: a touch, or nothing; a new loop only for a
    new offer after the conversation was answered."""
    shared = set(people) & set(loop.people)
    if loop.is_open and shared:
        _touch(loop, record, run, "in its thread")
        return
    if loop.is_open or not people:
        run.index.join(loop, ids_of(record))
        whom = "only the owner's side" if not people else ", ".join(people)
        run.result.note(record, f"is in the thread of the loop with {loop.contact} but goes to "
                                f"{whom}: no touch, no new loop")
        return
    offer = decide_quote(dict(record, subject=""), run.rules) if decision.is_quote else decision
    if record["key"] in run.forced or offer.is_quote:
        why = decision.reason if record["key"] in run.forced else offer.reason
        _open(record, message_touches(record, run.owner),
              f"a new offer after the conversation was answered: {why}", run, new_offer=True)
        return
    run.result.note(record, f"is a later message in the answered conversation with "
                            f"{loop.contact}: opens no new loop")


def _latest_open(loops: list[Loop]) -> Loop | None:
    open_loops = [lp for lp in loops if lp.is_open]
    return open_loops[-1] if open_loops else None


def _open(record: dict[str, Any], touches: list[Any], reason: str, run: _Pass,
          new_offer: bool = False, kind: str = QUOTE, due_on: date | None = None) -> None:
    first = touches[0]
    loop = Loop(first.contact, first.name, record, reason, [record],
                people=[t.contact for t in touches], kind=kind, due_on=due_on)
    run.result.loops.append(loop)
    run.index.add(loop)
    why = f" ({reason})" if new_offer or kind != QUOTE else ""
    what = "a loop" if kind == QUOTE else f"a {kind} loop"
    run.result.note(record, f"opens {what} with {', '.join(loop.people)}{why}")
    _join(loop, ids_of(record), run)


def _touch(loop: Loop, record: dict[str, Any], run: _Pass, where: str) -> None:
    loop.outbound.append(record)
    where = f" {where}" if where else ""
    run.result.note(record, f"counts as touch {loop.touches} of the loop with {loop.contact}"
                            f"{where} (quote {loop.quote['subject']!r})")
    _join(loop, ids_of(record), run)


def _join(loop: Loop, ids: set[str], run: _Pass) -> None:
    """Add message ids to a loop's thread; judge replies already seen that name them."""
    for message_id in sorted(run.index.join(loop, ids)):
        for record in run.referenced.get(message_id, []):
            if record["key"] not in loop.judged:
                _judge(loop, record, True, run)


def _inbound(record: dict[str, Any], run: _Pass) -> None:
    refs = refs_of(record)
    for ref in refs:
        run.referenced.setdefault(ref, []).append(record)
    sender = sender_of(record)
    org = organisation(sender)
    orgs = {org} | run.answers_for.get(org, set()) if org else set()
    candidates = run.index.in_thread(refs)
    # outside the thread a closed loop takes no answer and no bounce: only open loops;
    # other automatic mail leaves a note on every loop of its sender, open or not
    candidates += run.index.open_around({sender} | mentioned(record), orgs)
    if record["kind"] not in (_HUMAN, _BOUNCE):
        candidates += run.index.of_person(sender)
    if not candidates:
        return
    for loop in run.index._sorted(candidates):
        if record["key"] not in loop.judged:
            _judge(loop, record, bool(loop.ids & refs), run)


def _judge(loop: Loop, record: dict[str, Any], in_thread: bool, run: _Pass) -> None:
    loop.judged.add(record["key"])
    effect = _judgement(loop, record, in_thread, run)
    if effect:
        run.result.note(record, effect)


def _judgement(loop: Loop, record: dict[str, Any], in_thread: bool, run: _Pass) -> str:
    kind = record["kind"]
    sender = sender_of(record)
    when = record["date"][:10]
    if kind == _BOUNCE:
        return _bounce(loop, record, in_thread)
    doubt = ""
    if kind != _HUMAN and in_thread and record.get("evidence") == "wording":
        # only its subject or text made it automatic: in a quote's thread, when in doubt, human
        doubt = (f" (its wording alone made it look {kind.replace('_', ' ')}: "
                 f"{record['reason']}; in the quote's thread, when in doubt, human)")
    elif kind != _HUMAN:
        if in_thread or sender in loop.people:
            loop.notes.append(
                f"{kind.replace('_', ' ')} from {sender or 'an unknown sender'} on {when} did "
                f"not count as an answer ({record['reason']})"
            )
            return f"did not answer the loop with {loop.contact}: it is {kind}"
        return ""
    if not loop.is_open:  # (mail before the quote comes first in date order: never judged)
        return ""
    verdict = who_answered(record, loop.people, in_thread, run.owner, run.aliases)
    if verdict.outcome == ANSWER and defer(loop, record, run.calendar):
        _join(loop, ids_of(record), run)
        return f"put the loop with {loop.contact} off: {record.get('defers', '')!r}"
    if verdict.outcome == ANSWER:
        loop.answer = record
        how = "in the thread" if in_thread else f"with a new subject {record['subject']!r}"
        loop.answer_reason = f"answered on {when} {how}: {verdict.rule}{doubt}"
        _join(loop, ids_of(record), run)
        return f"answered the loop with {loop.contact} ({verdict.rule}){doubt}"
    if verdict.outcome == OWNER_TOUCH:
        loop.outbound.append(record)
        _join(loop, ids_of(record), run)
        return f"counts as touch {loop.touches} of the loop with {loop.contact}: {verdict.rule}"
    if in_thread:
        loop.notes.append(f"a message in the thread from {sender} on {when} did not count: "
                          f"{verdict.rule}")
    return ""


def _bounce(loop: Loop, record: dict[str, Any], in_thread: bool) -> str:
    if not loop.is_open or not bounced_for(record, loop.people, loop.quote, in_thread):
        return ""
    named = {p for p in loop.people if p in mentioned(record)} or set(loop.people)
    loop.bounced |= named
    if loop.bounced < set(loop.people):
        loop.notes.append(f"{', '.join(sorted(named))} bounced on {record['date'][:10]}; "
                          "the others are still followed up")
        return f"bounced for {', '.join(sorted(named))} in the loop with {loop.contact}"
    loop.bounce = record
    loop.bounce_reason = bounce_reason(record)
    return f"bounced the loop with {loop.contact}: {loop.bounce_reason}"


def _settle(loop: Loop, closing: Mapping[str, list[tuple[int, Override]]], cadence: Cadence,
            cal: Calendar) -> None:
    manual = manual_status(loop, closing)
    if manual is not None:
        loop.status, loop.status_reason = manual
    elif loop.answer is not None:
        loop.status, loop.status_reason = Status.REPLIED, loop.answer_reason
    elif loop.bounce is not None:
        loop.status, loop.status_reason = Status.BOUNCED, f"bounced: {loop.bounce_reason}"
    elif loop.kind == REMINDER:
        settle_reminder(loop, cal)
    elif settle_deferred(loop, cal):
        return  # "not now": it waits for the day they named
    elif loop.steps_done >= cadence.contacts:
        loop.status = Status.EXHAUSTED
        skipped = f" ({len(loop.skipped)} skipped)" if loop.skipped else ""
        loop.status_reason = (f"all {cadence.contacts} contacts of the {cadence.name} cadence "
                              f"were made{skipped} without an answer")
    else:
        loop.status = Status.AWAITING_REPLY
        loop.status_reason = f"no human answer since {loop.sent_at.date()}"
        loop.next_due = cadence.due_after(loop.steps_done, loop.clock, cal)
        if loop.due_on is not None and loop.steps_done == 1:
            loop.next_due = cal.at_draft_time(loop.due_on)
