"""Promise loops and reminder loops from stored records (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.digest import build_checklist
from inboxfollow.rules.loops import Override, Status, derive_loops
from inboxfollow.rules.promise_loops import derive_promises, promise_rows
from tests.test_loops import ANN, BEN, ME, OWNER, T0, msg

CAL = Calendar()


def test_a_promise_is_due_on_its_day_and_kept_by_the_next_message() -> None:
    made = msg("p", ME, [ANN], 1, "Kitchen", text="Thanks! I'll send the drawings by Friday.")
    other = msg("o", ME, [BEN], 2, "Shelves", text="I will call you next week.")
    kept = msg("k", ME, [ANN], 80, "Re: Kitchen", text="Here are the drawings.")
    now = T0 + timedelta(days=5)  # Saturday 7 March
    promises = {p.people[0]: p for p in derive_promises([made, other, kept], OWNER, now, CAL)}
    assert promises[ANN[1]].due == date(2026, 3, 6)
    assert promises[ANN[1]].status(now.date()) == "kept"
    assert promises[BEN[1]].due == date(2026, 3, 13)  # next week: its last working day
    assert promises[BEN[1]].status(now.date()) == "open"
    later = date(2026, 3, 16)
    rows = promise_rows(promises.values(), later, overdue_only=True)
    assert [r.address for r in rows] == [BEN[1]] and rows[0].alert.startswith("overdue")
    assert promises[BEN[1]].as_json(later)["phrase"] == "next week"


def test_the_checklist_lists_a_promise_due_today() -> None:
    made = msg("p", ME, [ANN], 1, "Kitchen", text="I'll get back to you tomorrow.")
    now = datetime(2026, 3, 3, 7, 30, tzinfo=UTC)
    rows = promise_rows(derive_promises([made], OWNER, now, CAL), now.date(), False)
    check = build_checklist([made], derive_loops([made], OWNER, now), [], OWNER, now, UTC,
                            promises=rows)
    section = next(s for s in check.sections if s.id == "promises")
    assert [r.address for r in section.rows] == [ANN[1]]


def test_a_reminder_loop_has_one_step_and_an_answer_cancels_it() -> None:
    note = msg("n", ME, [ANN], 0, "Table measurements")
    remind = [Override("remind", f"{note['key']} 2026-03-05", T0)]
    (loop,) = derive_loops([note], OWNER, T0 + timedelta(days=1), remind, calendar=CAL).loops
    assert loop.kind == "reminder" and loop.status is Status.AWAITING_REPLY
    assert loop.next_due is not None and loop.next_due.date() == date(2026, 3, 5)
    answer = msg("a", ANN, [ME], 5, "Re: Table measurements", refs=(note["key"],))
    (loop,) = derive_loops([note, answer], OWNER, T0 + timedelta(days=3), remind).loops
    assert loop.status is Status.REPLIED
    follow = msg("f", ME, [ANN], 80, "Re: Table measurements", refs=(note["key"],))
    (loop,) = derive_loops([note, follow], OWNER, T0 + timedelta(days=4), remind).loops
    assert loop.status is Status.EXHAUSTED  # its one follow-up was made


def test_a_quote_with_a_date_has_its_first_follow_up_then() -> None:
    quote = msg("q", ME, [ANN], 0, "Quote: shelves")
    remind = [Override("remind", f"{quote['key']} 2026-03-16", T0)]
    (loop,) = derive_loops([quote], OWNER, T0 + timedelta(days=1), remind).loops
    assert loop.kind == "quote" and loop.next_due is not None
    assert loop.next_due.date() == date(2026, 3, 16)


def test_a_question_waits_for_the_owners_answer_after_two_working_days() -> None:
    from inboxfollow.rules.waiting import waiting_for_answer

    asked = msg("a", ANN, [ME], 1, "Delivery", text="Could you deliver on Friday?")
    thanks = msg("t", BEN, [ME], 1, "Thanks", text="Thanks, all good.")
    monday = T0  # Monday 2 March: two working days later is Wednesday
    assert waiting_for_answer([asked, thanks], OWNER, monday + timedelta(days=1), CAL) == []
    (waiting,) = waiting_for_answer([asked, thanks], OWNER, monday + timedelta(days=2), CAL)
    assert waiting.contact == ANN[1] and waiting.question == "Could you deliver on Friday?"
    answer = msg("r", ME, [ANN], 30, "Re: Delivery", text="Yes, Friday works.")
    assert waiting_for_answer([asked, answer], OWNER, monday + timedelta(days=5), CAL) == []
    assert waiting_for_answer([asked], OWNER, monday + timedelta(days=5), CAL,
                              stopped=[ANN[1]]) == []


def test_a_not_now_answer_defers_the_quote_to_the_day_named() -> None:
    quote = msg("q", ME, [ANN], 0, "Quote: shelves")
    later = msg("l", ANN, [ME], 5, "Re: Quote: shelves", refs=(quote["key"],),
                defers="Please ask me again in April.")
    (loop,) = derive_loops([quote, later], OWNER, T0 + timedelta(days=3), calendar=CAL).loops
    assert loop.status is Status.AWAITING_REPLY and loop.answer is None
    assert loop.next_due is not None and loop.next_due.date() == date(2026, 4, 1)
    assert "ask me again in April" in loop.status_reason
    assert loop.as_json(UTC)["deferred_until"] == "2026-04-01"
    yes = msg("y", ANN, [ME], 30, "Re: Quote: shelves", refs=(quote["key"],))
    (loop,) = derive_loops([quote, later, yes], OWNER, T0 + timedelta(days=3)).loops
    assert loop.status is Status.REPLIED  # a later answer still answers
