"""Customers as the owner sees them (pure): the `customers` list and the digest's
"Customers to check in with" rows (a check-in due, or a quiet customer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inboxfollow.mail.text import one_line
from inboxfollow.rules.contacts import Touch
from inboxfollow.rules.customer_plans import PlanLoop, PlanSettings
from inboxfollow.rules.customers import customer_key
from inboxfollow.rules.digest_sections import Row, day, due_state, is_due, plural
from inboxfollow.rules.loop_state import Status
from inboxfollow.rules.quiet import is_quiet_customer


@dataclass(frozen=True)
class CustomerView:
    loop: PlanLoop
    last_touch: Touch | None  # either way, with any of the customer's people
    quiet: bool

    @property
    def key(self) -> str:
        return self.loop.customer.key if self.loop.customer else self.loop.contact

    @property
    def purchase(self) -> datetime:
        return self.loop.sent_at

    def as_json(self, tz: Any) -> dict[str, Any]:
        last = self.last_touch
        return {
            "customer": self.key, "contact": self.loop.contact, "name": self.loop.name,
            "people": self.loop.people, "loop_id": self.loop.id,
            "purchase_date": self.purchase.astimezone(tz).date().isoformat(),
            "why": self.loop.quote_reason,
            "last_touch": last.date.astimezone(tz).isoformat() if last else None,
            "last_touch_direction": last.direction.value if last else None,
            "next_planned": (self.loop.next_due.astimezone(tz).isoformat()
                             if self.loop.next_due else None),
            "check_in": self.loop.steps_done if self.loop.next_due else None,
            "status": self.loop.status.value, "status_reason": self.loop.status_reason,
            "quiet": self.quiet, "draft_pending": self.loop.pending_draft or None,
        }


def customer_views(loops: Sequence[PlanLoop], touches: Sequence[Touch], now: datetime,
                   settings: PlanSettings) -> list[CustomerView]:
    """One view per customer, by purchase date; `touches` from `contacts.all_touches`."""
    last: dict[str, Touch] = {}
    for touch in touches:
        if touch.date <= now:
            last[customer_key(touch.contact)] = touch
    views = []
    for loop in loops:
        key = loop.customer.key if loop.customer else loop.contact
        latest = last.get(key)
        planned = loop.next_due if loop.status is Status.AWAITING_REPLY else None
        quiet = loop.status is Status.AWAITING_REPLY and is_quiet_customer(
            latest.date if latest else None, planned, now, settings.quiet_days,
            settings.quiet_ahead_days)
        views.append(CustomerView(loop, latest, quiet))
    return views


def customer_rows(views: Sequence[CustomerView], pending: Mapping[str, datetime],
                  now: datetime, tz: Any) -> list[Row]:
    """A check-in due today or earlier (drafted or not), then the quiet customers."""
    due, quiet = [], []
    for view in views:
        loop = view.loop
        if loop.status is not Status.AWAITING_REPLY:
            continue
        if is_due(loop, now, tz):
            due.append(_due_row(view, pending.get(loop.id), now, tz))
        elif view.quiet:
            quiet.append(_quiet_row(view, now, tz))
    return due + quiet


def _who(view: CustomerView) -> str:
    return one_line(view.loop.name) or view.loop.contact


def _due_row(view: CustomerView, draft_since: datetime | None, now: datetime,
             tz: Any) -> Row:
    loop = view.loop
    when, overdue = due_state(loop, now, tz)
    step = f"check-in {loop.steps_done}"
    state, where = (("draft", f"in Drafts since {day(draft_since, tz)}") if draft_since
                    else ("due", "no draft yet"))
    return Row(f"contact:{loop.contact}", _who(view), loop.contact, view.key,
               facts=(step, "" if overdue else when, where,
                      f"customer since {day(view.purchase, tz)}"),
               state=state, alert=when if overdue else "")


def _quiet_row(view: CustomerView, now: datetime, tz: Any) -> Row:
    last = view.last_touch
    since = (f"last touch {day(last.date, tz)}, "
             f"{plural((now - last.date).days, 'day', 'days')} ago") if last else "no touch yet"
    nxt = (f"next check-in {day(view.loop.next_due, tz)}" if view.loop.next_due else "")
    return Row(f"contact:{view.loop.contact}", _who(view), view.loop.contact, view.key,
               facts=tuple(f for f in ("quiet", since, nxt) if f), state="quiet")
