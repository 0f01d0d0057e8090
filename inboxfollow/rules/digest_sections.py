"""The sections of the digest and the daily checklist, made by one builder (pure).

A section is a title, its action lines ("22 follow-ups are waiting in Drafts: open
Drafts and send them") and its rows; the templates loop over sections, so a new kind
of loop (waiting for an answer, customers to check in with, leads) is one more
`SectionBuilder.add` call, not a new template. Every row has a key (a loop's id, a
contact's address): a row whose key an earlier section holds is left out of the later
one, so an open loop is listed once, in the first section that claims it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inboxfollow.mail.text import base_subject, one_line
from inboxfollow.rules.amounts import quote_amount
from inboxfollow.rules.contacts import Contact
from inboxfollow.rules.loops import Loop
from inboxfollow.rules.steps import followup_label
from inboxfollow.rules.waiting import Waiting


@dataclass(frozen=True)
class Row:
    key: str  # what the row is about: a loop's id, "contact:<address>"; listed once
    who: str  # the name, else the address
    address: str
    title: str = ""  # the quote's subject, the message's subject
    amount: str = ""  # "$4,250", when the quote names one
    facts: tuple[str, ...] = ()  # short phrases, shown joined by " · "
    state: str = ""  # "draft", "due", "later", ... for action lines and styling
    alert: str = ""  # "overdue 3 days", "bounced Sun 12 Apr": shown first, marked

    @property
    def urgent(self) -> bool:
        return bool(self.alert)

    @property
    def line(self) -> str:
        """The alert and the facts as one line (the plain-text part)."""
        return " · ".join(part for part in (self.alert, *self.facts) if part)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    rows: tuple[Row, ...]
    actions: tuple[str, ...] = ()  # what to do, first thing in the mail
    empty: str = ""  # shown when there is no row
    note: str = ""  # one line under the title
    more: int = 0  # rows not listed (a limit)

    @property
    def count(self) -> int:
        return len(self.rows) + self.more


ActionLines = Callable[[Sequence[Row]], Iterable[str]]


class SectionBuilder:
    """Sections in the order they are added; each key is listed once."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self._placed: set[str] = set()

    def add(
        self,
        id: str,
        title: str,
        rows: Iterable[Row],
        actions: ActionLines | None = None,
        empty: str = "",
        note: str = "",
        limit: int | None = None,
        optional: bool = False,
    ) -> None:
        """Add a section of the rows no earlier section holds; an `optional` one only
        when it has rows (a kind of loop the owner does not use stays out of the mail)."""
        fresh = [row for row in rows if row.key not in self._placed]
        if optional and not fresh:
            return
        self._placed.update(row.key for row in fresh)
        shown = fresh if limit is None else fresh[:limit]
        lines = tuple(line for line in (actions(fresh) if actions and fresh else ()) if line)
        self.sections.append(Section(id, title, tuple(shown), lines, empty, note,
                                     len(fresh) - len(shown)))

    def actions(self) -> list[str]:
        return [line for section in self.sections for line in section.actions]


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def day(moment: datetime, tz: Any) -> str:
    """'Tue 14 Apr': short enough for a phone, with the weekday to plan by."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}"


def _days(n: int) -> str:
    return plural(n, "day", "days")


# ---- rows of each kind ---------------------------------------------------------


def due_state(loop: Loop, now: datetime, tz: Any) -> tuple[str, bool]:
    """'overdue 3 days', 'due today' or 'due Mon 20 Apr', and whether it is overdue."""
    if loop.next_due is None:
        return "", False
    late = (now.astimezone(tz).date() - loop.next_due.astimezone(tz).date()).days
    if late > 0:
        return f"overdue {_days(late)}", True
    return ("due today", False) if late == 0 else (f"due {day(loop.next_due, tz)}", False)


def is_due(loop: Loop, now: datetime, tz: Any) -> bool:
    """Due on today's local date or earlier (the digest and the checklist agree)."""
    return loop.next_due is not None and (
        loop.next_due.astimezone(tz).date() <= now.astimezone(tz).date())


def loop_row(loop: Loop, now: datetime, tz: Any, total: int,
             draft_since: datetime | None) -> Row:
    """One open quote: its next follow-up, when, whether a draft waits, its amount."""
    when, overdue = due_state(loop, now, tz)
    alert, when = (when, "") if overdue else ("", when)
    step = followup_label(loop.steps_done, total)
    facts: tuple[str, ...]
    if draft_since is not None:
        state, facts = "draft", (step, when, f"in Drafts since {day(draft_since, tz)}")
    elif is_due(loop, now, tz):
        state, facts = "due", (step, when, "no draft yet")
    else:
        state, facts = "later", (f"next: {step}", when)
    amount = quote_amount(loop.quote)
    return Row(loop.id, one_line(loop.name) or loop.contact, loop.contact,
               base_subject(loop.quote["subject"]), str(amount) if amount else "",
               tuple(f for f in (*facts, f"quote sent {day(loop.sent_at, tz)}") if f), state,
               alert)


def answered_row(loop: Loop, tz: Any, total: int) -> Row:
    answer = loop.answer or {}
    made = loop.touches - 1  # the follow-ups sent before the answer
    after = "after the quote itself" if made < 1 else f"after {followup_label(made, total)}"
    amount = quote_amount(loop.quote)
    return Row(loop.id, one_line(loop.name) or loop.contact, loop.contact,
               base_subject(loop.quote["subject"]), str(amount) if amount else "",
               (f"answered {day(datetime.fromisoformat(answer['date']), tz)}", after),
               "answered")


def bounce_row(loop: Loop, tz: Any) -> Row:
    bounce = loop.bounce or {}
    return Row(loop.id, one_line(loop.name) or loop.contact, loop.contact,
               base_subject(loop.quote["subject"]), "",
               (one_line(loop.bounce_reason),), "bounced",
               f"bounced {day(datetime.fromisoformat(bounce['date']), tz)}")


def waiting_row(item: Waiting, now: datetime, tz: Any) -> Row:
    """A contact's question or request the owner has not answered (`rules.waiting`)."""
    wrote = datetime.fromisoformat(item.record["date"])
    ago = (now - wrote).days
    return Row(f"contact:{item.contact}", one_line(item.name) or item.contact, item.contact,
               one_line(item.record["subject"]),
               facts=(f"asks: {one_line(item.question)[:120]}", f"wrote {day(wrote, tz)}",
                      "today" if ago < 1 else f"{_days(ago)} ago"),
               state="waiting")


def quiet_row(contact: Contact, now: datetime, tz: Any) -> Row:
    return Row(f"contact:{contact.email}", one_line(contact.name) or contact.email, contact.email,
               facts=(f"last touch {day(contact.last_touch, tz)}",
                      f"{_days((now - contact.last_touch).days)} ago",
                      plural(contact.touches, "touch", "touches")),
               state="quiet")


# ---- action lines ---------------------------------------------------------------


def send_actions(rows: Sequence[Row]) -> list[str]:
    drafts = sum(row.state == "draft" for row in rows)
    bare = sum(row.state == "due" for row in rows)
    lines = []
    if drafts:
        them = "it" if drafts == 1 else "them"
        lines.append(f"{plural(drafts, 'follow-up is', 'follow-ups are')} waiting in Drafts: "
                     f"open Drafts and send {them}")
    if bare:
        them = "it" if bare == 1 else "them"
        lines.append(f"{plural(bare, 'follow-up is', 'follow-ups are')} due with no draft yet: "
                     f"run `inboxfollow drafts`, or write {them} yourself")
    return lines


def waiting_actions(rows: Sequence[Row]) -> list[str]:
    return [f"{plural(len(rows), 'person is', 'people are')} waiting for your answer"]


def customer_actions(rows: Sequence[Row]) -> list[str]:
    return [f"{plural(len(rows), 'customer', 'customers')} to check in with"]


def bounce_actions(rows: Sequence[Row]) -> list[str]:
    return [f"{plural(len(rows), 'quote', 'quotes')} bounced: fix the address and send again"]
