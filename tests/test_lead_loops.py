"""Lead loops and the [customers]/[leads] config as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from inboxfollow.config import load_config
from inboxfollow.errors import ConfigError
from inboxfollow.model import Owner
from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.contacts import all_touches
from inboxfollow.rules.lead_loops import DEFAULT_LEAD_CADENCE, lead_loops
from inboxfollow.rules.lead_view import hours_text, lead_rows
from inboxfollow.rules.loops import Override

OWNER = Owner("Dana", frozenset({"dana@shop.example"}))
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday
ME = ["Dana", "dana@shop.example"]
PRIYA = ["Priya N", "priya@gmail.com"]
LEAD = {"source": "website", "email": "priya@gmail.com", "name": "Priya N", "phone": "",
        "company": "", "message": "A wardrobe, please", "via": "its fields", "problem": ""}


def rec(key: str, sender: list[str], to: list[list[str]], hours: float, kind: str = "human",
        **extra: Any) -> dict[str, Any]:
    return {"key": key, "message_id": key, "sender": sender, "to": to, "cc": [],
            "date": (T0 + timedelta(hours=hours)).isoformat(),
            "direction": "out" if sender == ME else "in", "kind": kind, "reason": "",
            "subject": f"subject {key}", "text": "", "attachments": [], "in_reply_to": [],
            "references": [], "headers": {}, **extra}


NOTE = rec("<n1>", ["WordPress", "wordpress@shop.example"], [ME], 0, "list", lead=LEAD)


def loops(records: list[dict[str, Any]], hours: float, overrides: list[Override] | None = None
          ) -> list[Any]:
    now = T0 + timedelta(hours=hours)
    return lead_loops(records, all_touches(records, OWNER), overrides or [], now,
                      DEFAULT_LEAD_CADENCE, Calendar(), {"website": "Your enquiry"})


CASES = {
    "new: the first response is due at once": ([NOTE], 0.1, "awaiting_reply", 1, 0),
    "answered by the owner: next in one business day": (
        [NOTE, rec("<r1>", ME, [PRIYA], 1)], 2, "awaiting_reply", 2, 24),
    "the lead wrote back": ([NOTE, rec("<r1>", ME, [PRIYA], 1), rec("<a>", PRIYA, [ME], 5)],
                            6, "replied", 2, None),
    "every step made": ([NOTE, *[rec(f"<r{i}>", ME, [PRIYA], 24 * i) for i in range(1, 6)]],
                        24 * 30, "exhausted", 6, None),
}


@pytest.mark.parametrize("records, hours, status, step, due_hours", CASES.values(), ids=CASES)
def test_lead_loop(records: list[dict[str, Any]], hours: float, status: str, step: int,
                   due_hours: float | None) -> None:
    (loop,) = loops(records, hours)
    assert loop.status.value == status and loop.steps_done == step
    assert loop.contact == "priya@gmail.com" and loop.reply_subject == "Your enquiry"
    if due_hours is None:
        assert loop.next_due is None
    else:
        assert loop.next_due is not None
        assert loop.next_due.date() == (T0 + timedelta(hours=due_hours)).date()


def test_second_notification_of_an_open_lead_joins_it() -> None:
    again = rec("<n2>", ["WordPress", "wordpress@shop.example"], [ME], 3, "list", lead=LEAD)
    assert len(loops([NOTE, again], 4)) == 1


def test_stop_closes_a_lead() -> None:
    (loop,) = loops([NOTE], 5, [Override("stop", "priya@gmail.com", T0 + timedelta(hours=2))])
    assert loop.status.value == "stopped"


def test_rows_show_the_time_to_first_response_and_unreadable_ones() -> None:
    (loop,) = loops([NOTE, rec("<r1>", ME, [PRIYA], 1.5)], 3)
    broken = rec("<n3>", ["Jotform", "noreply@jotform.com"], [ME], 2, "list",
                 lead={**LEAD, "email": "", "problem": "no form fields found"})
    rows = lead_rows([loop], [broken], T0 + timedelta(hours=3), UTC, 7)
    assert "answered in 1 h 30 min" in rows[0].line
    assert rows[1].state == "unreadable" and "no form fields found" in rows[1].line


@pytest.mark.parametrize("hours, text", [(0.2, "12 min"), (3.5, "3 h 30 min"),
                                          (50, "2 days 2 h")])
def test_hours_text(hours: float, text: str) -> None:
    assert hours_text(hours) == text


BASE = '[owner]\nname = "Dana"\naddresses = ["dana@shop.example"]\n'
BAD = {
    "a source with nothing to match": ("[leads.sources.site]\nreply_subject = \"Hi\"\n",
                                       "[leads.sources.site] names no senders"),
    "an unknown key in a source": ("[leads.sources.site]\nsender = [\"a@b.c\"]\n",
                                   "unknown key [leads.sources.site].sender"),
    "senders not a list": ("[leads.sources.site]\nsenders = \"a@b.c\"\n",
                           "[leads.sources.site].senders must be a list"),
    "an unknown plan cadence": ("[customers]\ncadence = \"monthly\"\n",
                                "[customers].cadence names 'monthly'"),
    "an unknown cadence for one customer": ("[customers.cadence_for]\n\"acme.com\" = \"x\"\n",
                                            "[customers.cadence_for].'acme.com' names 'x'"),
    "an unknown key": ("[customers]\nwindow = 3\n", "unknown key [customers].window"),
}


@pytest.mark.parametrize("text, error", BAD.values(), ids=BAD)
def test_config_errors_name_the_key(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(BASE + text, encoding="utf-8")
    with pytest.raises(ConfigError, match=error.replace("[", r"\[").replace("]", r"\]")):
        load_config(path)


def test_config_reads_plans_and_sources(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(BASE + '[cadences]\nmonthly = ["4w"]\n[customers]\nwindow_days = 5\n'
                    '[customers.cadence_for]\n"acme.com" = "monthly"\n'
                    '[leads.sources.site]\nsenders = ["forms@shop.example"]\n'
                    'reply_subject = "Your enquiry"\n', encoding="utf-8")
    config = load_config(path)
    assert config.plans.customers.window_days == 5
    assert str(config.plans.customers.per_customer["acme.com"].steps[0]) == "4w"
    assert config.owner.lead_sources[0].senders == ("forms@shop.example",)
    assert config.plans.leads.subjects == {"site": "Your enquiry"}


def test_a_quote_to_the_lead_takes_over() -> None:
    from inboxfollow.rules.loops import derive_loops

    quote = rec("<q>", ME, [PRIYA], 2, subject="Quote: built-in wardrobe",
                text="Our price: EUR 2,400.")
    records = [NOTE, rec("<r1>", ME, [PRIYA], 1), quote]
    now = T0 + timedelta(hours=30)
    derivation = derive_loops(records, OWNER, now)
    (loop,) = lead_loops(records, all_touches(records, OWNER), [], now, DEFAULT_LEAD_CADENCE,
                         Calendar(), quotes=derivation.loops)
    assert loop.status.value == "stopped" and "take over" in loop.status_reason
    assert loop.next_due is None
