"""Cadence arithmetic: tables and invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.errors import ConfigError
from inboxfollow.rules.cadence import (
    DEFAULT_CADENCE,
    Cadence,
    Calendar,
    Step,
    add_step,
    next_due,
    parse_step,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
XMAS = Calendar(BERLIN, time(9, 0), frozenset({date(2026, 12, 24), date(2026, 12, 25)}))


@pytest.mark.parametrize(
    ("text", "step"),
    [("2bd", Step(2, "bd")), ("5d", Step(5, "d")), ("1w", Step(1, "w")),
     (" 10 bd ", Step(10, "bd"))],
)
def test_parse_step(text: str, step: Step) -> None:
    assert parse_step(text) == step


@pytest.mark.parametrize("text", ["", "0d", "2", "2x", "-1d", "1.5w", "bd"])
def test_bad_steps_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="2bd"):
        parse_step(text)


@pytest.mark.parametrize(
    ("start", "step", "expected"),
    [
        (date(2026, 12, 18), "2bd", date(2026, 12, 22)),  # Fri + 2bd skips the weekend
        (date(2026, 12, 22), "2bd", date(2026, 12, 28)),  # Tue: 24th/25th are holidays
        (date(2026, 12, 17), "2d", date(2026, 12, 21)),  # Sat lands forward to Mon
        (date(2026, 12, 17), "1w", date(2026, 12, 28)),  # Thu 24th is a holiday, then Fri 25th
        (date(2026, 12, 14), "5bd", date(2026, 12, 21)),
    ],
)
def test_add_step(start: date, step: str, expected: date) -> None:
    assert add_step(start, parse_step(step), XMAS) == expected


def test_due_is_at_the_local_drafting_time_across_daylight_saving() -> None:
    cal = Calendar(BERLIN, time(9, 0))
    # Fri 27 March 2026 (CET, +01:00) + 2bd = Tue 31 March (CEST, +02:00)
    due = next_due(datetime(2026, 3, 27, 16, tzinfo=UTC), parse_step("2bd"), cal)
    assert due.isoformat() == "2026-03-31T09:00:00+02:00"
    # a drafting time that does not exist on the spring-forward day still gives a real time
    gap = Calendar(BERLIN, time(2, 30), weekend=frozenset())
    due = next_due(datetime(2026, 3, 28, 12, tzinfo=UTC), parse_step("1d"), gap)
    assert due.utcoffset() == timedelta(hours=2) and due.date() == date(2026, 3, 29)


def test_default_cadence_makes_twelve_contacts_with_widening_gaps() -> None:
    assert DEFAULT_CADENCE.contacts == 12
    days = [s.amount * {"bd": 1.4, "d": 1, "w": 7}[s.unit] for s in DEFAULT_CADENCE.steps]
    assert days == sorted(days)


def test_due_after_stops_when_no_step_is_left() -> None:
    cadence = Cadence.parse("short", ["1d", "2d"])
    last = datetime(2026, 1, 5, 12, tzinfo=UTC)
    assert cadence.due_after(1, last, Calendar()) is not None
    assert cadence.due_after(2, last, Calendar()) is not None
    assert cadence.due_after(3, last, Calendar()) is None


zones = st.sampled_from([BERLIN, NEW_YORK, ZoneInfo("UTC"), ZoneInfo("Australia/Sydney")])
steps = st.builds(Step, st.integers(1, 30), st.sampled_from(["bd", "d", "w"]))
instants = st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))
holidays = st.frozensets(st.dates(date(2020, 1, 1), date(2031, 6, 30)), max_size=40)
times = st.times()


@settings(max_examples=300, deadline=None)
@given(instants, steps, zones, holidays, times)
def test_due_never_on_a_skipped_day_and_always_later(
    previous: datetime, step: Step, tz: ZoneInfo, skipped: frozenset[date], at: time
) -> None:
    cal = Calendar(tz, at.replace(tzinfo=None), skipped)
    due = next_due(previous, step, cal)
    assert not cal.is_skipped(due.date())
    assert due > previous
    assert due.tzinfo is not None and due.date() > previous.astimezone(tz).date()


@settings(max_examples=200, deadline=None)
@given(instants, instants, steps, zones, holidays)
def test_due_never_goes_backwards(
    a: datetime, b: datetime, step: Step, tz: ZoneInfo, skipped: frozenset[date]
) -> None:
    cal = Calendar(tz, time(8, 30), skipped)
    first, second = sorted((a, b))
    assert next_due(first, step, cal) <= next_due(second, step, cal)
