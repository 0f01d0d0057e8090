"""Leads as the owner sees them (pure): the `leads` list and the digest's "New leads, and
how fast you answered" rows, the unreadable notifications among them with the reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from inboxfollow.mail.text import one_line
from inboxfollow.rules.digest_sections import Row, day, plural
from inboxfollow.rules.lead_loops import LeadLoop
from inboxfollow.rules.loop_state import Status, date_of


def hours_text(hours: float) -> str:
    """'12 min', '3 h 05 min', '2 days 4 h'."""
    minutes = max(int(hours * 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{plural(minutes // 1440, 'day', 'days')} {minutes % 1440 // 60} h"


def speed(loop: LeadLoop, now: datetime) -> str:
    hours, answered = loop.response_time(now)
    return f"answered in {hours_text(hours)}" if answered else \
        f"not answered yet ({hours_text(hours)})"


def lead_json(loop: LeadLoop, now: datetime, tz: Any) -> dict[str, Any]:
    hours, answered = loop.response_time(now)
    lead = loop.lead
    return {
        "kind": "lead", "loop_id": loop.id, "contact": loop.contact, "name": loop.name,
        "source": lead.get("source", ""), "phone": lead.get("phone", ""),
        "company": lead.get("company", ""), "message": lead.get("message", ""),
        "received": loop.sent_at.astimezone(tz).isoformat(),
        "first_response": (loop.first_response.astimezone(tz).isoformat()
                           if loop.first_response else None),
        "response_hours": round(hours, 2) if answered else None,
        "status": loop.status.value, "status_reason": loop.status_reason,
        "next_due": loop.next_due.astimezone(tz).isoformat() if loop.next_due else None,
        "draft_pending": loop.pending_draft or None,
    }


def unreadable_json(record: dict[str, Any], tz: Any) -> dict[str, Any]:
    sender = record.get("sender") or ["", ""]
    return {"kind": "unreadable", "message_id": record["message_id"] or record["key"],
            "source": record["lead"].get("source", ""), "from": sender[1],
            "subject": record["subject"],
            "received": date_of(record).astimezone(tz).isoformat(),
            "reason": record["lead"].get("problem", "")}


def lead_rows(loops: Sequence[LeadLoop], unreadable: Sequence[dict[str, Any]], now: datetime,
              tz: Any, days: int) -> list[Row]:
    """Leads that came in the last `days` days or still wait for the first response,
    then the notifications that could not be read, with the reason."""
    since = now - timedelta(days=days)
    rows = []
    for loop in loops:
        waiting = loop.first_response is None and loop.status is Status.AWAITING_REPLY
        if loop.sent_at < since and not waiting:
            continue
        source = loop.lead.get("source", "")
        state = "draft" if loop.pending_draft else ("due" if waiting else "answered")
        rows.append(Row(loop.id, one_line(loop.name) or loop.contact, loop.contact,
                        one_line(loop.lead.get("message", ""))[:80],
                        facts=tuple(f for f in (f"came {day(loop.sent_at, tz)}", source,
                                                speed(loop, now)) if f),
                        state=state, alert="no first response yet" if waiting else ""))
    for record in unreadable:
        if date_of(record) < since:
            continue
        sender = record.get("sender") or ["", ""]
        rows.append(Row(f"lead:{record['key']}", sender[0] or sender[1], sender[1],
                        one_line(record["subject"]), facts=(record["lead"]["problem"],),
                        state="unreadable", alert="could not be read"))
    return rows


def lead_actions(rows: Sequence[Row]) -> list[str]:
    waiting = sum(row.state in ("draft", "due") for row in rows)
    broken = sum(row.state == "unreadable" for row in rows)
    lines = []
    if waiting:
        lines.append(f"{plural(waiting, 'new lead waits', 'new leads wait')} for your first "
                     "response: answer now, speed wins")
    if broken:
        lines.append(f"{plural(broken, 'lead notification', 'lead notifications')} could not "
                     "be read: open them")
    return lines
