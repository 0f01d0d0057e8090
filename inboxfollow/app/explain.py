"""What the commands print about loops: `explain` in plain words, and the quotes table.

`explain` takes every id the commands print: a Message-ID with or without angle
brackets or a store key (`quotes`, `history`), a loop id (`quotes --json` `id`,
`drafts --json` `loop_id`), a draft's Message-ID (`drafts --json`), or a contact's
address (`contacts`), which explains that contact's loops.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inboxfollow.errors import InboxfollowError
from inboxfollow.mail.text import one_line
from inboxfollow.model import Owner
from inboxfollow.rules.cadence import DEFAULT_CADENCE, Calendar
from inboxfollow.rules.commitments import find_promise
from inboxfollow.rules.contacts import all_touches
from inboxfollow.rules.loops import Derivation, Loop, Status
from inboxfollow.rules.steps import followup_label
from inboxfollow.rules.waiting import Waiting
from inboxfollow.store import Store
from inboxfollow.textui import WIDTH, table

DEFAULT_FOLLOWUPS = len(DEFAULT_CADENCE.steps)
ID_ADVICE = ("give a Message-ID, the `id` or `loop_id` from `quotes --json` or `drafts --json`, "
             "or a contact's address from `inboxfollow contacts`")


def find_message(store: Store, wanted: str) -> dict[str, Any]:
    """A stored message by its Message-ID, with or without angle brackets, or its key."""
    record = _stored(store, wanted)
    if record is None:
        raise InboxfollowError(f"no stored message has the id {wanted.strip()}", ID_ADVICE)
    return record


def _stored(store: Store, wanted: str) -> dict[str, Any] | None:
    wanted = wanted.strip()
    for key in (wanted, f"<{wanted.strip('<>')}>"):
        record = store.message(key)
        if record:
            return record
    return None


@dataclass
class Target:
    """What an id given to `explain` names: messages to explain, and what led there."""

    records: list[dict[str, Any]]
    preface: list[str]


def find_target(store: Store, derivation: Derivation, wanted: str, followups: int) -> Target:
    """The messages behind any id a command prints (see the module's docstring)."""
    wanted = wanted.strip()
    record = _stored(store, wanted)
    if record is not None:
        return Target([record], [])
    loops = [lp for lp in derivation.loops if lp.id == wanted]
    if loops:
        return Target([lp.quote for lp in loops], [])
    draft = _draft(store, wanted)
    if draft is not None:
        return _draft_target(derivation, draft, followups)
    address = wanted.strip("<>").lower()
    loops = [lp for lp in derivation.loops if address == lp.contact or address in lp.people]
    if loops:
        quotes = list({lp.quote["key"]: lp.quote for lp in loops}.values())
        return Target(quotes, [f"{address}: {len(loops)} loop(s)"])
    raise InboxfollowError(f"no message, loop, draft or contact has the id {wanted}", ID_ADVICE)


def _draft(store: Store, wanted: str) -> dict[str, Any] | None:
    ids = {wanted, f"<{wanted.strip('<>')}>"}
    for record in store.drafts.all():
        if record.get("message_id") in ids:
            return dict(record)
    return None


def _draft_target(derivation: Derivation, draft: dict[str, Any], followups: int) -> Target:
    line = (f"Draft {draft['message_id']}: {followup_label(draft['step'], followups)} "
            f"for {draft.get('contact') or draft['loop_id']}, made {draft['created_at']}, "
            f"{draft['state']}")
    loops = [lp for lp in derivation.loops if lp.id == draft["loop_id"]]
    if not loops:
        return Target([], [line, "  its loop is gone (the quote is no longer stored)"])
    return Target([loops[0].quote], [line])


def loops_of_message(derivation: Derivation, key: str) -> list[Loop]:
    return [lp for lp in derivation.loops if lp.quote["key"] == key or any(
        r["key"] == key for r in lp.outbound) or (lp.answer and lp.answer["key"] == key)]


TRUST_WORDS = {
    "sent": "its copy in the owner's Sent folder",
    "capture": "the capture provider's Authentication-Results vouched for it",
    "sent-copy": "a copy in the owner's Sent folder naming the capture address vouched for it",
}


def explain(record: dict[str, Any], derivation: Derivation, tz: Any,
            followups: int = DEFAULT_FOLLOWUPS) -> list[str]:
    """Why a message is or is not a quote, and why its loops have their status."""
    key = record["key"]
    sender = record["sender"][1] if record["sender"] else "(no sender)"
    when = datetime.fromisoformat(record["date"]).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    lines = [
        f"Message {record['message_id'] or key}",
        f"  {'from the owner' if record['direction'] == 'out' else 'from ' + sender} "
        f"on {when}, subject {record['subject']!r}",
        f"  kind: {record['kind']} ({record['reason']})",
    ]
    if record.get("trust") in TRUST_WORDS:  # the capture trust rule: its commands count
        lines.append(f"  capture: the owner's, {TRUST_WORDS[record['trust']]}")
    kept = derivation.same_as.get(key)
    if kept:
        lines.append(f"  the same message as {kept}, under another ID (message identity: "
                     "Exchange keeps the original in X-Microsoft-Original-Message-ID); that "
                     "copy counts, this one is no second touch")
        key = kept
    copies = [copy for copy, target in derivation.same_as.items() if target == key]
    if copies and not kept:
        lines.append(f"  also stored as {', '.join(copies)}: one message, one touch "
                     "(message identity)")
    decision = derivation.decisions.get(key)
    if record["direction"] == "out" and record["kind"] != "human":
        lines.append("  not a quote: only human mail can be a quote")
    elif decision is not None:
        verdict = "a quote" if decision.is_quote else "not a quote"
        lines.append(f"  {verdict}: {decision.reason}")
    for effect in derivation.effects.get(key, []):
        lines.append(f"  this message {effect}")
    lines += promise_lines(record, tz)
    for loop in loops_of_message(derivation, key):
        lines += _explain_loop(loop, tz, followups)
    return lines


def promise_lines(record: dict[str, Any], tz: Any) -> list[str]:
    """The owner's promise in this message, the phrase and the day found (if any)."""
    if record["direction"] != "out" or not record.get("text"):
        return []
    day = datetime.fromisoformat(record["date"]).astimezone(tz).date()
    found = find_promise(record["text"], day, Calendar(tz))
    if found is None:
        return []
    return [f"  a promise: {found.sentence!r}: {found.phrase.text!r} means "
            f"{found.phrase.first}..{found.phrase.last}, due {found.day} (its last working "
            "day); the owner's next message to them keeps it"]


def _explain_loop(loop: Loop, tz: Any, followups: int) -> list[str]:
    made = loop.touches - 1
    lines = [
        f"  loop {loop.id}",
        f"    with {loop.contact} (quote {loop.quote['subject']!r}): {loop.status.value}",
        f"    why: {loop.status_reason}",
        *([f"    kind: {loop.kind}, on the day the owner named: {loop.due_on}"]
          if loop.due_on else []),
        f"    sent: the quote and {made} follow-up(s)"
        + (f", the last {followup_label(made, followups)}" if made else ""),
    ]
    if loop.skipped:
        lines.append(f"    skipped: {len(loop.skipped)} follow-up(s) (drafts deleted unsent)")
    if loop.answer is not None:
        lines.append(f"    answered by {loop.answer['message_id'] or loop.answer['key']}")
    if loop.deferred is not None:
        found = loop.deferred
        lines.append(f"    not now: {found.sentence!r}: {found.phrase.text!r} means "
                     f"{found.phrase.first}..{found.phrase.last}, resumes on {found.day}")
    if loop.next_due:
        lines.append(f"    next: {followup_label(loop.steps_done, followups)}, due "
                     f"{loop.next_due.astimezone(tz).isoformat()}")
    if loop.pending_draft:
        lines.append(f"    waiting in Drafts: {loop.pending_draft}")
    lines += [f"    note: {note}" for note in loop.notes]
    return lines


def contact_lines(records: Sequence[dict[str, Any]], owner: Owner, wanted: str, tz: Any,
                  waiting: Sequence[Waiting] = ()) -> list[str]:
    """For `explain` of a contact's address: whether they wait for the owner's answer
    (`rules.waiting`), and their calls, meetings and notes logged by capture command
    (+call, +note): when, what, and the text it carries."""
    address = wanted.strip().strip("<>").lower()
    if "@" not in address:
        return []
    lines = [f"{address}: waiting for your answer since {w.record['date'][:10]} (listed from "
             f"{w.due}): {one_line(w.question)!r}" for w in waiting if w.contact == address]
    mine = [t for t in all_touches(records, owner, mail=False) if t.contact == address]
    if mine:
        lines.append(f"{address}: {len(mine)} call(s) and note(s) logged by capture command")
    for touch in mine:
        when = touch.date.astimezone(tz).strftime("%Y-%m-%d %H:%M")
        lines.append(f"  {when} {touch.kind} ({touch.key}), {touch.subject!r}: "
                     f"{one_line(touch.text)[:200]!r}")
    return lines


def quote_table(loops: list[Loop], now: datetime, tz: Any,
                followups: int = DEFAULT_FOLLOWUPS, width: int | None = WIDTH) -> str:
    """The quotes table people read: contact, subject, the next step and when it is due
    (or, for a loop that waits for nothing, its status). Without a width (`--wide`) it
    also shows when the quote was sent, its age in days and the status."""
    if width is not None:
        rows = [(lp.contact, lp.quote["subject"], *_next_step(lp, tz, followups))
                for lp in loops]
        return table(("contact", "subject", "next step", "due"), rows, width, keep=(2,))
    wide = [(lp.contact, lp.quote["subject"], lp.sent_at.astimezone(tz).strftime("%Y-%m-%d"),
             str((now - lp.sent_at).days), *_next_step(lp, tz, followups), lp.status.value)
            for lp in loops]
    return table(("contact", "subject", "sent", "age (days)", "next step", "due", "status"),
                 wide, None)


def _next_step(loop: Loop, tz: Any, followups: int) -> tuple[str, str]:
    if loop.status is not Status.AWAITING_REPLY or loop.next_due is None:
        return f"none: {loop.status.value}", "-"
    due = ("in Drafts" if loop.pending_draft
           else loop.next_due.astimezone(tz).strftime("%Y-%m-%d"))
    return followup_label(loop.steps_done, followups), due
