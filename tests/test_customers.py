"""Customers and their touch-point plans as pure rules: tables of realistic samples, and
Hypothesis for the fixed clock (mail from the customer never moves the plan)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.model import Owner
from inboxfollow.rules.cadence import Cadence, Calendar
from inboxfollow.rules.contacts import all_touches
from inboxfollow.rules.customer_plans import (
    DEFAULT_PLAN,
    PlanSettings,
    plan_dates,
    plan_loops,
    plan_state,
)
from inboxfollow.rules.customer_view import customer_rows, customer_views
from inboxfollow.rules.customers import customer_key, find_customers
from inboxfollow.rules.loops import Override, derive_loops
from inboxfollow.rules.quiet import is_quiet, is_quiet_customer

OWNER = Owner("Dana", frozenset({"dana@shop.example"}), "dana+crm@shop.example")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday
ME = ["Dana", "dana@shop.example"]
ANN = ["Ann Lee", "ann@acme.example"]
BEN = ["Ben Ray", "ben@acme.example"]
GAIL = ["Gail Moss", "gail@gmail.com"]
CAL = Calendar()


def msg(key: str, sender: list[str], to: list[list[str]], days: float, subject: str = "",
        text: str = "", kind: str = "human", attachments: tuple[str, ...] = ()) -> dict[str, Any]:
    out = sender[1] == ME[1]
    return {
        "key": f"<{key}@x>", "message_id": f"<{key}@x>", "sender": sender, "to": to, "cc": [],
        "date": (T0 + timedelta(days=days)).isoformat(), "direction": "out" if out else "in",
        "kind": kind, "reason": "test", "subject": subject, "text": text,
        "attachments": list(attachments), "in_reply_to": [], "references": [], "headers": {},
        "bounce_text": "",
    }


def customers_of(records: list[dict[str, Any]], overrides: list[Override], days: float = 60
                 ) -> list[Any]:
    now = T0 + timedelta(days=days)
    derivation = derive_loops(records, OWNER, now, overrides)
    return find_customers(records, derivation, overrides, OWNER, now)


QUOTE = msg("q", ME, [ANN, BEN], 0, "Quote 2026-114: shelving for the warehouse")
INVOICE = msg("i", ME, [ANN], 1, "Invoice #1042 for the shelving",
              "Dear Ann,\n\nplease find attached invoice #1042.\n")
ORDER_DE = msg("o", ME, [GAIL], 1, "Auftragsbestätigung Nr. 2026-117",
               "Hallo Gail,\n\nanbei die Auftragsbestätigung für Ihre Bestellung.\n")
CASES = {
    "mark won on a quote loop: the quote's people": (
        [QUOTE], [Override("won", "ann@acme.example", T0 + timedelta(days=2))],
        {"acme.example": (2, ("ann@acme.example", "ben@acme.example"), "marked won")}),
    "+won on the quote's message": (
        [QUOTE], [Override("won", "<q@x>", T0 + timedelta(days=3))],
        {"acme.example": (3, ("ann@acme.example", "ben@acme.example"), "marked won")}),
    "an invoice the owner sent": (
        [INVOICE], [], {"acme.example": (1, ("ann@acme.example",), "an invoice")}),
    "a German order confirmation to a free-mail address: the person": (
        [ORDER_DE], [], {"gail@gmail.com": (1, ("gail@gmail.com",), "an order confirmation")}),
    "mark won without a quote: the contact": (
        [msg("h", GAIL, [ME], 0, "Hello")], [Override("won", "gail@gmail.com", T0)],
        {"gail@gmail.com": (0, ("gail@gmail.com",), "marked won")}),
    "a quote alone is no customer": ([QUOTE], [], {}),
    "an inbound invoice is no evidence": (
        [msg("v", ANN, [ME], 1, "Invoice #7781 for office chairs")], [], {}),
}


@pytest.mark.parametrize("records, overrides, expected", CASES.values(), ids=CASES)
def test_who_is_a_customer(records: list[dict[str, Any]], overrides: list[Override],
                           expected: dict[str, tuple[int, tuple[str, ...], str]]) -> None:
    found = {c.key: c for c in customers_of(records, overrides)}
    assert set(found) == set(expected)
    for key, (days, people, why) in expected.items():
        assert found[key].purchase.at.date() == (T0 + timedelta(days=days)).date()
        assert found[key].people == people
        assert why in found[key].purchase.reason


def test_lost_ends_the_plan_and_a_later_win_starts_a_new_one() -> None:
    won = Override("won", "ann@acme.example", T0 + timedelta(days=2))
    lost = Override("lost", "ann@acme.example", T0 + timedelta(days=20))
    (customer,) = customers_of([QUOTE], [won, lost])
    assert customer.ended is not None and "marked lost" in customer.ended.reason
    again = Override("won", "ann@acme.example", T0 + timedelta(days=40))
    (customer,) = customers_of([QUOTE], [won, lost, again])
    assert customer.ended is None and customer.purchase.at == again.at


def test_stop_before_the_purchase_does_not_end_it() -> None:
    stop = Override("stop", "ann@acme.example", T0 + timedelta(days=1))
    won = Override("won", "ann@acme.example", T0 + timedelta(days=2))
    (customer,) = customers_of([QUOTE], [stop, won])
    assert customer.ended is None


@pytest.mark.parametrize("email, key", [
    ("ann@sales.acme.co.uk", "acme.co.uk"), ("Gail@GMail.com", "gail@gmail.com"),
    ("jo@web.de", "jo@web.de"), ("x@müller-bau.de", "xn--mller-bau-q9a.de")])
def test_customer_key(email: str, key: str) -> None:
    assert customer_key(email) == key


def test_default_plan_follows_the_seeds() -> None:
    dates = plan_dates(date(2026, 3, 2), DEFAULT_PLAN, CAL, date(2027, 3, 1))
    first_year = [d for d in dates if d < date(2027, 3, 2)]
    assert dates[0] == date(2026, 3, 16)  # two weeks after the purchase
    assert 10 <= len(first_year) <= 12
    gaps = {(b - a).days for a, b in zip(dates[1:], dates[2:], strict=False)}
    assert gaps <= set(range(28, 38))  # every four to five weeks (a weekend may add a day)


PLAN_CASES = {
    # (owner's touches in days after the purchase, now in days) -> (active step, steps done)
    "nothing yet: check-in 1 next": ((), 5, 1, ()),
    "day 14, no touch: check-in 1 due": ((), 14, 1, ()),
    "the owner wrote on day 15: check-in 1 made": ((15,), 16, 2, (1,)),
    "three days early counts": ((11,), 12, 2, (1,)),
    "four days early does not": ((10,), 12, 1, ()),
    "missed check-in 1, check-in 2 due later": ((), 40, 2, ()),
    "a touch right after the purchase is no check-in": ((1,), 5, 1, ()),
}


@pytest.mark.parametrize("touch_days, now_days, active, done", PLAN_CASES.values(),
                         ids=PLAN_CASES)
def test_plan_steps(touch_days: tuple[int, ...], now_days: int, active: int,
                    done: tuple[int, ...]) -> None:
    made = [(T0 + timedelta(days=d), f"day {d}") for d in touch_days]
    state = plan_state(T0, made, T0 + timedelta(days=now_days), DEFAULT_PLAN, CAL, 3)
    assert state.active == active
    assert tuple(sorted(state.done)) == done


def _plan(records: list[dict[str, Any]], now: datetime) -> Any:
    won = [Override("won", "ann@acme.example", T0)]
    derivation = derive_loops(records, OWNER, now, won)
    customers = find_customers(records, derivation, won, OWNER, now)
    (loop,) = plan_loops(customers, all_touches(records, OWNER), {}, now, PlanSettings(), CAL)
    return loop


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0.1, max_value=200), max_size=8),
       st.integers(min_value=1, max_value=200))
def test_mail_from_the_customer_never_moves_the_plan(days: list[float], now_days: int) -> None:
    now = T0 + timedelta(days=now_days)
    base = [QUOTE]
    theirs = [msg(f"in{i}", ANN, [ME], d, "Question about the shelves")
              for i, d in enumerate(days)]
    plain, with_mail = _plan(base, now), _plan(base + theirs, now)
    assert plain.next_due == with_mail.next_due
    assert plain.plan.dates[:len(with_mail.plan.dates)] == with_mail.plan.dates[
        :len(plain.plan.dates)]


def test_customer_writing_on_day_10_keeps_the_check_in_on_day_14() -> None:
    records = [QUOTE, msg("w", ANN, [ME], 10, "Re: shelves")]
    loop = _plan(records, T0 + timedelta(days=14))
    assert loop.next_due.date() == (T0 + timedelta(days=14)).date()
    assert loop.steps_done == 1


QUIET = {
    "31 days, nothing planned soon": (31, 20, True),
    "29 days": (29, 20, False),
    "31 days but a check-in in 5 days": (31, 5, False),
    "31 days, a check-in overdue": (31, -2, False),
}


@pytest.mark.parametrize("ago, planned_in, quiet", QUIET.values(), ids=QUIET)
def test_quiet_customer(ago: int, planned_in: int, quiet: bool) -> None:
    now = T0 + timedelta(days=100)
    assert is_quiet_customer(now - timedelta(days=ago), now + timedelta(days=planned_in),
                             now, 30, 7) is quiet
    assert is_quiet(now - timedelta(days=ago), now, 30) is (ago > 30)


def test_quiet_customer_is_a_row() -> None:
    cadence = Cadence.parse("quarterly", ["13w"])
    records = [QUOTE, msg("o", ME, [ANN], 1, "Delivery next week")]
    now = T0 + timedelta(days=40)
    won = [Override("won", "ann@acme.example", T0)]
    derivation = derive_loops(records, OWNER, now, won)
    customers = find_customers(records, derivation, won, OWNER, now)
    plan = PlanSettings(per_customer={"acme.example": cadence})
    loops = plan_loops(customers, all_touches(records, OWNER), {}, now, plan, CAL)
    views = customer_views(loops, all_touches(records, OWNER), now, plan)
    (row,) = customer_rows(views, {}, now, UTC)
    assert row.state == "quiet" and "39 days ago" in row.line


def test_any_outbound_touch_of_the_single_source_makes_the_step() -> None:
    """A call or note logged through the capture address is a touch of `touches_of` (as the
    owner's, outbound); the plan takes touches from that one source, whatever made them."""
    from inboxfollow.model import Direction
    from inboxfollow.rules.contacts import Touch

    now = T0 + timedelta(days=16)
    won = [Override("won", "ann@acme.example", T0)]
    derivation = derive_loops([QUOTE], OWNER, now, won)
    customers = find_customers([QUOTE], derivation, won, OWNER, now)
    call = Touch("ben@acme.example", "Ben Ray", Direction.OUTBOUND, T0 + timedelta(days=13),
                 "<call@x>", "+call: talked about the second shelf")
    (loop,) = plan_loops(customers, [call], {}, now, PlanSettings(), CAL)
    assert loop.steps_done == 2 and "+call" in loop.plan.done[1]


def test_old_invoices_alone_make_no_customer_but_a_mark_does() -> None:
    old = msg("old", ME, [ANN], -400, "Invoice #0042 for a table", "please find attached "
              "invoice #0042")
    now = T0 + timedelta(days=10)
    derivation = derive_loops([old], OWNER, now)
    assert find_customers([old], derivation, [], OWNER, now, 365) == []
    mark = [Override("won", "ann@acme.example", T0 - timedelta(days=500))]
    derivation = derive_loops([old], OWNER, now, mark)
    assert len(find_customers([old], derivation, mark, OWNER, now, 365)) == 1
