"""One definition of "quiet" (pure): the digest's quiet contacts and quiet customers.

A contact is quiet when no touch either way came for `days` days (seeds 000 and 004:
reach out to customers you have not spoken to in 30 days). A customer is quiet on the
same terms, unless the touch-point plan has a touch planned within `ahead_days` (the
plan will make the contact) or already due.
"""

from __future__ import annotations

from datetime import datetime, timedelta


def is_quiet(last_touch: datetime | None, now: datetime, days: int) -> bool:
    """No touch either way in the last `days` days."""
    return last_touch is None or last_touch < now - timedelta(days=days)


def is_quiet_customer(last_touch: datetime | None, next_planned: datetime | None,
                      now: datetime, days: int, ahead_days: int) -> bool:
    """Quiet, and no planned touch due or coming within `ahead_days` days."""
    if next_planned is not None and next_planned <= now + timedelta(days=ahead_days):
        return False
    return is_quiet(last_touch, now, days)
