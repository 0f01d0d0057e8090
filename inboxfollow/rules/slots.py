"""When timed jobs are due (pure): daily or weekly slots in the owner's zone.

`schedule` forgets everything on restart; these rules look at when a job last
ran (kept in the store) so that a restart neither repeats nor skips a slot,
and a machine that slept through several slots runs the job once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Slot:
    """A recurring local time: every day, or one weekday (0 = Monday)."""

    at: time
    tz: ZoneInfo
    weekday: int | None = None

    def latest(self, now: datetime) -> datetime:
        """The most recent occurrence at or before `now`."""
        local = now.astimezone(self.tz)
        day = local.date()
        for _ in range(8):
            if self.weekday is None or day.weekday() == self.weekday:
                candidate = _at(day, self.at, self.tz)
                if candidate <= now:
                    return candidate
            day -= timedelta(days=1)
        raise AssertionError("a weekly slot repeats within eight days")

    def next_after(self, now: datetime) -> datetime:
        local = now.astimezone(self.tz)
        day = local.date()
        for _ in range(9):
            if self.weekday is None or day.weekday() == self.weekday:
                candidate = _at(day, self.at, self.tz)
                if candidate > now:
                    return candidate
            day += timedelta(days=1)
        raise AssertionError("a weekly slot repeats within eight days")

    def is_due(self, last_run: datetime | None, now: datetime) -> bool:
        """Due when a slot has passed since the last run (once, however many passed)."""
        return last_run is None or last_run < self.latest(now)


def _at(day: object, at: time, tz: ZoneInfo) -> datetime:
    local = datetime.combine(day, at, tzinfo=tz)  # type: ignore[arg-type]
    return local.astimezone(ZoneInfo("UTC")).astimezone(tz)  # a real time across DST gaps


def interval_due(last_run: datetime | None, now: datetime, minutes: int) -> bool:
    return last_run is None or now - last_run >= timedelta(minutes=minutes) or last_run > now
