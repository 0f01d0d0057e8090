"""The owner's commands as the loop derivation reads them (pure): quote marks, closing
commands (stop, won, lost) and reminders (capture +tags), and how a reminder settles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.commitments import find_deferral
from inboxfollow.rules.loop_state import Loop, Override, Status


def quote_overrides(overrides: Sequence[Override]) -> dict[str, bool]:
    forced: dict[str, bool] = {}
    for item in sorted(overrides, key=lambda o: o.at):
        if item.action in ("quote", "not_quote"):
            forced[item.target] = item.action == "quote"
    return forced


def reminder_overrides(overrides: Sequence[Override]) -> dict[str, date]:
    """Message key -> the day of its reminder (the owner's latest word on it)."""
    found: dict[str, date] = {}
    for item in sorted(overrides, key=lambda o: o.at):
        if item.action == "remind":
            key, _, day = item.target.rpartition(" ")
            try:
                found[key] = date.fromisoformat(day)
            except ValueError:
                continue
    return found


def settle_reminder(loop: Loop, cal: Calendar) -> None:
    """One step: the follow-up on the named day, unless someone answered first."""
    if loop.steps_done >= 2:
        loop.status = Status.EXHAUSTED
        done = "skipped" if loop.skipped else f"made on {loop.last_touch.date()}"
        loop.status_reason = f"the reminder's follow-up was {done}"
        return
    loop.status = Status.AWAITING_REPLY
    loop.status_reason = f"no human answer since {loop.sent_at.date()}: reminder on {loop.due_on}"
    loop.next_due = cal.at_draft_time(loop.due_on) if loop.due_on else None


def closing_overrides(overrides: Sequence[Override]) -> dict[str, list[tuple[int, Override]]]:
    """The owner's stop, won and lost commands by target, each with its place in time order."""
    closing: dict[str, list[tuple[int, Override]]] = {}
    for place, item in enumerate(sorted(overrides, key=lambda o: o.at)):
        if item.action in ("stop", "won", "lost"):
            closing.setdefault(item.target, []).append((place, item))
    return closing


def manual_status(
    loop: Loop, closing: Mapping[str, list[tuple[int, Override]]]
) -> tuple[Status, str] | None:
    """The last of the owner's commands since the quote that names one of its people, the
    quote or its Message-ID."""
    targets = {*loop.people, loop.quote["key"], loop.quote["message_id"]}
    found = [(place, item) for target in targets for place, item in closing.get(target, ())
             if item.at >= loop.sent_at]
    if not found:
        return None
    item = max(found, key=lambda pair: pair[0])[1]
    status = Status.STOPPED if item.action == "stop" else Status(item.action)
    return status, f"the owner marked it {status.value} on {item.at.date()}"


def defer(loop: Loop, record: dict[str, Any], calendar: Calendar) -> bool:
    """A contact's answer that puts the follow-up off to a date ("ask me again in January",
    kept at sync as the record's `defers`): the loop waits instead of closing."""
    sentence = record.get("defers", "")
    if not sentence:
        return False
    day = datetime.fromisoformat(record["date"]).astimezone(calendar.tz).date()
    found = find_deferral(sentence, day, calendar)
    if found is None:
        return False
    loop.deferred, loop.deferred_by = found, record
    return True


def settle_deferred(loop: Loop, cal: Calendar) -> bool:
    """A deferred loop, not answered since: its follow-up resumes on the day they named
    (then the cadence goes on from the owner's touch that day). False when not deferred."""
    if loop.deferred is None or loop.deferred_by is None:
        return False
    if loop.last_touch > datetime.fromisoformat(loop.deferred_by["date"]):
        return False  # the owner wrote since: the cadence goes on from there
    loop.status = Status.AWAITING_REPLY
    loop.status_reason = (f"they wrote {loop.deferred.sentence!r} on "
                          f"{loop.deferred_by['date'][:10]}: {loop.deferred.phrase.text!r}, "
                          f"so the follow-up resumes on {loop.deferred.day}")
    loop.next_due = cal.at_draft_time(loop.deferred.day)
    return True
