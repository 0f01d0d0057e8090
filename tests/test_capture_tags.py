"""Capture +tags as a table: what each tag asks for, and the day a dated tag names."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.capture_tags import parse_tag

BERLIN = ZoneInfo("Europe/Berlin")
CAL = Calendar(BERLIN, holidays=frozenset({date(2026, 12, 25), date(2026, 12, 28)}))
# Monday 7 December 2026, 18:00 in Berlin
MONDAY = datetime(2026, 12, 7, 18, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(("tag", "fields"), [
    ("quote", {"quote": True}),
    ("NoQuote", {"quote": False}),
    ("stop", {"close": "stop"}),
    ("WON", {"close": "won"}),
    ("lost", {"close": "lost"}),
    ("call", {"log": "call"}),
    ("note", {"log": "note"}),
    ("pending", {"pending": True}),
    ("3d", {"due": date(2026, 12, 10)}),
    ("5bd", {"due": date(2026, 12, 14)}),
    ("2w", {"due": date(2026, 12, 21)}),
    ("1w", {"due": date(2026, 12, 14)}),
    ("friday", {"due": date(2026, 12, 11)}),
    ("fri", {"due": date(2026, 12, 11)}),
    ("monday", {"due": date(2026, 12, 14)}),  # the next one after that day, not today
    ("saturday", {"due": date(2026, 12, 14)}),  # a day off rolls to the next working day
    ("dec15", {"due": date(2026, 12, 15)}),
    ("15dec", {"due": date(2026, 12, 15)}),
    ("december15", {"due": date(2026, 12, 15)}),
    ("dec7", {"due": date(2027, 12, 7)}),  # the next such date: today's is past
    ("jan4", {"due": date(2027, 1, 4)}),
    ("dec25", {"due": date(2026, 12, 29)}),  # a holiday, a weekend, a holiday: Tuesday
    ("2026-12-15", {"due": date(2026, 12, 15)}),
    ("2027-01-02", {"due": date(2027, 1, 4)}),  # a Saturday: Monday
    ("quote+1w", {"quote": True, "due": date(2026, 12, 14)}),
    ("1w+quote", {"quote": True, "due": date(2026, 12, 14)}),
    ("noquote+3d", {"quote": False, "due": date(2026, 12, 10)}),
    ("call+3d", {"log": "call", "due": date(2026, 12, 10)}),
    ("note+friday", {"log": "note", "due": date(2026, 12, 11)}),
    ("call+won", {"log": "call", "close": "won"}),
    ("Quote+2026-12-15", {"quote": True, "due": date(2026, 12, 15)}),
])
def test_valid_tags(tag: str, fields: dict[str, object]) -> None:
    command = parse_tag(tag, MONDAY, CAL)
    assert command.valid, command.problem
    for name, value in fields.items():
        assert getattr(command, name) == value, name


@pytest.mark.parametrize(("tag", "problem"), [
    ("quotes", "unknown tag"),
    ("3x", "unknown tag"),
    ("feb30", "unknown tag"),
    ("2026-13-01", "unknown tag"),
    ("0d", "unknown tag"),
    ("ma", "unknown tag"),  # "ma" could be march or may: too short to say
    ("2026-12-01", "not after"),
    ("quote+noquote", "two tags of one kind"),
    ("3d+friday", "two tags of one kind"),
    ("won+lost", "two tags of one kind"),
    ("call+note", "two tags of one kind"),
    ("pending+quote", "do not go together"),
    ("stop+3d", "do not go together"),
    ("quote+won", "do not go together"),
    ("quote+call+3d", "do not go together"),
    ("quote++1w", "empty"),
])
def test_unknown_or_ambiguous_tags(tag: str, problem: str) -> None:
    command = parse_tag(tag, MONDAY, CAL)
    assert not command.valid and problem in command.problem


def test_dates_count_from_the_date_in_the_owners_zone() -> None:
    # Sunday 23:30 in New York is Monday 05:30 in Berlin: +1d is Tuesday there
    sunday_ny = datetime(2026, 12, 6, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert parse_tag("1d", sunday_ny, CAL).due == date(2026, 12, 8)
    utc = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)  # Tuesday 00:30 in Berlin
    assert parse_tag("1bd", utc, CAL).due == date(2026, 12, 9)


def test_the_delimiter_is_a_setting() -> None:
    assert parse_tag("quote-1w", MONDAY, CAL, "-").due == MONDAY.date() + timedelta(days=7)
    assert parse_tag("quote-2026-12-15", MONDAY, CAL, "-").due == date(2026, 12, 15)


def test_every_tag_describes_itself() -> None:
    assert parse_tag("quote+1w", MONDAY, CAL).describe() == (
        "open a quote loop, remind on 2026-12-14")
