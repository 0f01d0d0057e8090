"""What the commands print about loops: `explain` in plain words, and the quotes table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inboxfollow.errors import InboxfollowError
from inboxfollow.rules.loops import Derivation, Loop
from inboxfollow.store import Store
from inboxfollow.textui import table


def find_message(store: Store, wanted: str) -> dict[str, Any]:
    """A stored message by its Message-ID, with or without angle brackets."""
    wanted = wanted.strip()
    for key in (wanted, f"<{wanted.strip('<>')}>"):
        record = store.message(key)
        if record:
            return record
    raise InboxfollowError(
        f"no stored message has the id {wanted}",
        "copy the id from `inboxfollow quotes --json` or the message's Message-ID header",
    )


def loops_of_message(derivation: Derivation, key: str) -> list[Loop]:
    return [lp for lp in derivation.loops if lp.quote["key"] == key or any(
        r["key"] == key for r in lp.outbound) or (lp.answer and lp.answer["key"] == key)]


def explain(record: dict[str, Any], derivation: Derivation, tz: Any) -> list[str]:
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
    for loop in loops_of_message(derivation, key):
        lines += _explain_loop(loop, tz)
    return lines


def _explain_loop(loop: Loop, tz: Any) -> list[str]:
    lines = [
        f"  loop with {loop.contact} (quote {loop.quote['subject']!r}): {loop.status.value}",
        f"    why: {loop.status_reason}",
        f"    touches: {loop.touches} (the quote and {loop.touches - 1} follow-up(s))",
    ]
    if loop.answer is not None:
        lines.append(f"    answered by {loop.answer['message_id'] or loop.answer['key']}")
    if loop.next_due:
        lines.append(f"    next follow-up due {loop.next_due.astimezone(tz).isoformat()}")
    lines += [f"    note: {note}" for note in loop.notes]
    return lines


def quote_table(loops: list[Loop], now: datetime, tz: Any) -> str:
    """The quotes table people read: contact, subject, age, touches, next due, status."""
    rows = [
        (lp.contact, lp.quote["subject"], str((now - lp.sent_at).days), str(lp.touches),
         "draft in Drafts" if lp.pending_draft else
         lp.next_due.astimezone(tz).strftime("%Y-%m-%d %H:%M") if lp.next_due else "-",
         lp.status.value)
        for lp in loops
    ]
    headings = ("contact", "subject", "age (days)", "touches", "next due", "status")
    return table(headings, rows)
