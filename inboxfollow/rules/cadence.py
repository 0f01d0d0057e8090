"""Cadence arithmetic (pure): when the next follow-up of a loop is due.

Steps are offsets from the previous outbound touch: "2bd" (business days),
"5d" (calendar days), "1w" (weeks). A due date never falls on a skipped day
(a weekend day or a holiday): it moves on to the next working day. Drafts are
due at a local time of day in the owner's zone, daylight saving included.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from inboxfollow.errors import ConfigError

_STEP = re.compile(r"^\s*(\d{1,3})\s*(bd|d|w)\s*$")

# The default quote cadence: the quote and eleven follow-ups, twelve contacts in all,
# because 80% of sales are made on the 5th to 12th contact. Gaps start short (the
# prospect still remembers the quote) and widen (persistent, never pushy): about
# seven months from the quote to the last follow-up.
DEFAULT_QUOTE_CADENCE = ("2bd", "3bd", "5bd", "1w", "2w", "3w", "4w", "6w", "8w", "10w", "12w")
DEFAULT_DRAFT_TIME = time(8, 30)
WEEKEND = frozenset({5, 6})  # Saturday, Sunday


@dataclass(frozen=True)
class Step:
    amount: int
    unit: str  # "bd", "d" or "w"

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def parse_step(text: str, where: str = "cadence") -> Step:
    match = _STEP.match(text)
    if not match or int(match.group(1)) == 0:
        raise ConfigError(
            f"{where}: step {text!r} is not an offset",
            'write steps like "2bd" (business days), "5d" (days) or "1w" (weeks), above zero',
        )
    return Step(int(match.group(1)), match.group(2))


@dataclass(frozen=True)
class Calendar:
    """The owner's working calendar: zone, drafting time, skipped days."""

    tz: ZoneInfo = ZoneInfo("UTC")
    draft_time: time = DEFAULT_DRAFT_TIME
    holidays: frozenset[date] = frozenset()
    weekend: frozenset[int] = WEEKEND

    def is_skipped(self, day: date) -> bool:
        return day.weekday() in self.weekend or day in self.holidays

    def next_working_day(self, day: date) -> date:
        for _ in range(3660):  # a calendar with no working day in ten years is a config error
            if not self.is_skipped(day):
                return day
            day += timedelta(days=1)
        raise ConfigError("the calendar skips every day", "check the holidays and weekend days")

    def at_draft_time(self, day: date) -> datetime:
        """`day` at the drafting time, valid even across a daylight-saving gap."""
        local = datetime.combine(day, self.draft_time, tzinfo=self.tz)
        return local.astimezone(UTC).astimezone(self.tz)


def add_step(start: date, step: Step, calendar: Calendar) -> date:
    if step.unit == "bd":
        day = start
        for _ in range(step.amount):
            day = calendar.next_working_day(day + timedelta(days=1))
        return day
    days = step.amount * (7 if step.unit == "w" else 1)
    return calendar.next_working_day(start + timedelta(days=days))


def next_due(previous: datetime, step: Step, calendar: Calendar) -> datetime:
    """When a step is due, counted from the previous outbound touch."""
    start = previous.astimezone(calendar.tz).date()
    return calendar.at_draft_time(add_step(start, step, calendar))


@dataclass(frozen=True)
class Cadence:
    name: str
    steps: tuple[Step, ...]

    @classmethod
    def parse(cls, name: str, steps: Sequence[str]) -> Cadence:
        if not steps:
            raise ConfigError(f"[cadences].{name} has no steps", 'list steps like ["2bd", "1w"]')
        return cls(name, tuple(parse_step(s, f"[cadences].{name}") for s in steps))

    @property
    def contacts(self) -> int:
        """How many contacts the cadence makes, the first message included."""
        return len(self.steps) + 1

    def due_after(self, touches: int, last: datetime, calendar: Calendar) -> datetime | None:
        """When the next step is due after `touches` outbound touches, or None when done."""
        if touches < 1 or touches > len(self.steps):
            return None
        return next_due(last, self.steps[touches - 1], calendar)


DEFAULT_CADENCE = Cadence.parse("quote", DEFAULT_QUOTE_CADENCE)
