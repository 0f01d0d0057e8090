"""A customer's touch-point plan on a fixed clock from the purchase date (pure).

The seeds: check in two weeks after the purchase, then roughly every four to five
weeks, 10 to 12 touches a year that sell nothing; the plan keeps its own clock and is
not restarted when the customer writes (seeds 004, step six). So the planned dates
depend on the purchase date, the cadence and the calendar only: step 1 is the
cadence's first offset after the purchase, each next step the next offset after the
step before, and past the cadence's end its steps after the first repeat.

The owner's touch (a message, a logged call or note: the touch source is
`contacts.touches_of`) from `window_days` before a planned date until the next step's
window opens counts as that step: no draft then. So does a draft the owner deleted
unsent in that window. A step whose window passed untouched is missed, not made up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from inboxfollow.model import Direction
from inboxfollow.rules.cadence import Cadence, Calendar, Step, add_step
from inboxfollow.rules.contacts import Touch
from inboxfollow.rules.customers import Customer, customer_key
from inboxfollow.rules.loop_state import Loop, Status
from inboxfollow.rules.plan_settings import DEFAULT_PLAN, DEFAULT_PLAN_STEPS, PlanSettings

CUSTOMER = "customer"  # the kind of loop, and the templates' folder
__all__ = ["CUSTOMER", "DEFAULT_PLAN", "DEFAULT_PLAN_STEPS", "PlanLoop", "PlanSettings",
           "PlanState", "plan_dates", "plan_lines", "plan_loop", "plan_loops", "plan_state",
           "purchase_record", "step_at"]


def step_at(cadence: Cadence, number: int) -> Step:
    """The offset of plan step `number` (1-based) from the step before it."""
    steps = cadence.steps
    if number <= len(steps):
        return steps[number - 1]
    repeat = steps[1:] or steps
    return repeat[(number - len(steps) - 1) % len(repeat)]


def plan_dates(purchase: date, cadence: Cadence, calendar: Calendar, until: date) -> list[date]:
    """The planned dates from the purchase up to the first after `until` (included)."""
    dates: list[date] = []
    day = purchase
    while not dates or dates[-1] <= until:
        day = add_step(day, step_at(cadence, len(dates) + 1), calendar)
        dates.append(day)
    return dates


@dataclass(frozen=True)
class PlanState:
    dates: tuple[date, ...]  # planned dates, step 1 first
    done: Mapping[int, str]  # step -> what made it
    active: int  # the step the plan waits for (1-based)

    @property
    def due(self) -> date:
        return self.dates[self.active - 1]


def plan_state(purchase: datetime, made: Sequence[tuple[datetime, str]], now: datetime,
               cadence: Cadence, calendar: Calendar, window_days: int) -> PlanState:
    """Which steps the owner's touches and skips `made`, and the step due next."""
    tz, window = calendar.tz, timedelta(days=window_days)
    today = now.astimezone(tz).date()
    dates = plan_dates(purchase.astimezone(tz).date(), cadence, calendar, today + window)
    opens = [d - window for d in dates]
    done: dict[int, str] = {}
    for when, what in sorted(made):
        day = when.astimezone(tz).date()
        if when > now or day < opens[0]:
            continue
        step = sum(1 for start in opens if start <= day)
        done.setdefault(step, what)
    current = sum(1 for start in opens if start <= today)
    active = current if current and current not in done else current + 1
    return PlanState(tuple(dates), done, active)


@dataclass
class PlanLoop(Loop):
    """A customer's plan as a loop: its steps are the plan's, not counted touches."""

    customer: Customer | None = None
    plan: PlanState | None = None

    @property
    def steps_done(self) -> int:
        """The step the plan is at: a draft of an earlier step is done or passed."""
        return self.plan.active if self.plan else 0


def purchase_record(customer: Customer) -> dict[str, Any]:
    """The loop's opening record: its own key, the people of the won conversation."""
    when = customer.purchase.at
    names = dict((a, n) for n, a in customer.purchase.names)
    return {"key": f"customer:{customer.key}:{when.date().isoformat()}", "message_id": "",
            "subject": "", "date": when.isoformat(), "text": customer.purchase.text,
            "attachments": [],
            "references": [], "to": [[names.get(p, ""), p] for p in customer.people],
            "cc": [], "sender": None}


def plan_loop(customer: Customer, touches: Sequence[Touch], skipped: Sequence[datetime],
              now: datetime, settings: PlanSettings, calendar: Calendar) -> PlanLoop:
    """The plan of one customer at `now`, from the owner's touches to its people."""
    opening = purchase_record(customer)
    loop = PlanLoop(customer.contact, customer.name, opening, customer.purchase.reason,
                    [opening], people=list(customer.people), kind=CUSTOMER, customer=customer)
    mine = [t for t in touches if t.direction is Direction.OUTBOUND
            and customer_key(t.contact) == customer.key and t.date > customer.purchase.at]
    made = [(t.date, f"the owner's touch {t.subject!r} on {t.date.date()}") for t in mine]
    loop.skipped = [t for t in skipped if t <= now]
    made += [(t, f"the draft was deleted unsent on {t.date()} (skipped)") for t in loop.skipped]
    cadence = settings.cadence_for(customer)
    loop.plan = plan_state(customer.purchase.at, made, now, cadence, calendar,
                           settings.window_days)
    _settle(loop, customer, calendar)
    return loop


def _settle(loop: PlanLoop, customer: Customer, calendar: Calendar) -> None:
    assert loop.plan is not None
    if customer.ended is not None:
        loop.status = Status.LOST if customer.ended.ends == "lost" else Status.STOPPED
        loop.status_reason = f"the plan ended on {customer.ended.at.date()}: " \
                             f"{customer.ended.reason}"
        return
    loop.status = Status.AWAITING_REPLY
    loop.next_due = calendar.at_draft_time(loop.plan.due)
    loop.status_reason = (f"customer since {customer.purchase.at.date()}: check-in "
                          f"{loop.plan.active} planned for {loop.plan.due}")


def plan_loops(customers: Sequence[Customer], touches: Sequence[Touch],
               skipped: Mapping[str, Sequence[datetime]], now: datetime,
               settings: PlanSettings, calendar: Calendar) -> list[PlanLoop]:
    loops = []
    for customer in customers:
        loop_id = f"{purchase_record(customer)['key']}|{customer.contact}"
        loops.append(plan_loop(customer, touches, skipped.get(loop_id, ()), now, settings,
                               calendar))
    return loops


def plan_lines(loop: PlanLoop, tz: Any) -> list[str]:
    """What `explain` says of a plan: its dates and what made each step."""
    if loop.plan is None:
        return []
    lines = [f"  touch-point plan: {loop.status_reason}"]
    for number, day in enumerate(loop.plan.dates, start=1):
        what = loop.plan.done.get(number)
        if what:
            lines.append(f"    check-in {number} ({day}): made by {what}")
        elif number == loop.plan.active:
            lines.append(f"    check-in {number} ({day}): next")
            break
        else:
            lines.append(f"    check-in {number} ({day}): missed")
    return lines
