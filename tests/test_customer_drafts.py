"""Check-in and lead drafts as rendered: their own subjects, their language, no thread to a
form tool, and a lead's words passed as data, never evaluated as a template."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inboxfollow.app.loop_drafts import shaped_draft, shaped_facts, step_label
from inboxfollow.outbox.drafts import DraftFacts, Templates, render_draft
from inboxfollow.rules.customer_plans import PlanLoop
from inboxfollow.rules.lead_loops import LeadLoop
from inboxfollow.rules.loop_state import Loop

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def facts(loop: Loop, step: int, language: str) -> DraftFacts:
    base = DraftFacts(loop.id, step, False, loop.contact, loop.name, "New submission from "
                      "Contact form", T0, 3, ("<notification@forms.example>",), "Dana Reyes",
                      "dana@reyes-joinery.example", "Dana", language=language,
                      quote_text="Name: x", kind=loop.kind, now=T0 + timedelta(days=3))
    return shaped_facts(loop, base)


def plan_loop() -> PlanLoop:
    opening: dict[str, Any] = {"key": "customer:acme.de:2026-03-02", "subject": "",
                               "message_id": "", "date": T0.isoformat()}
    return PlanLoop("jonas@acme.de", "Jonas Weber", opening, "", [opening], kind="customer")


def lead_loop(name: str = "Priya Natarajan") -> LeadLoop:
    note: dict[str, Any] = {"key": "<n@x>", "subject": "New submission from Contact form",
                            "message_id": "<n@x>", "date": T0.isoformat()}
    return LeadLoop("priya@gmail.com", name, note, "", [note], kind="lead",
                    lead={"source": "website"}, reply_subject="Your enquiry", total_steps=5)


@pytest.mark.parametrize("language, subject, greeting", [
    ("en", "Checking in", "Hi Jonas"), ("de", "Kurze Nachfrage", "Guten Tag Jonas Weber"),
    ("fr", "Petit point", "Bonjour Jonas Weber"), ("es", "¿Qué tal todo?", "Hola, Jonas")])
def test_check_in_drafts(language: str, subject: str, greeting: str) -> None:
    loop = plan_loop()
    draft = shaped_draft(loop, render_draft(facts(loop, 3, language), Templates()))
    assert draft.subject == subject and draft.text.startswith(greeting)
    assert draft.template == f"customer/{language}/2.txt.j2"
    assert draft.facts.thread == () and "Name: x" not in draft.text
    assert step_label(loop, 3, 11) == "check-in 3"


def test_lead_first_response_has_its_own_subject_and_no_thread() -> None:
    loop = lead_loop()
    draft = shaped_draft(loop, render_draft(facts(loop, 1, "en"), Templates()))
    assert draft.subject == "Your enquiry" and not draft.subject.startswith("Re:")
    assert draft.facts.thread == () and draft.template == "lead/en/1.txt.j2"
    assert "Hi Priya" in draft.text
    assert step_label(loop, 1, 11) == "first response"


def test_a_lead_follow_up_threads_under_the_owners_response() -> None:
    loop = lead_loop()
    loop.outbound.append({"key": "<r1@x>", "message_id": "<r1@x>", "subject": "Your enquiry",
                          "date": (T0 + timedelta(hours=1)).isoformat()})
    draft = shaped_draft(loop, render_draft(facts(loop, 2, "de"), Templates()))
    assert draft.subject == "Re: Your enquiry" and draft.facts.thread == ("<r1@x>",)
    assert draft.template == "lead/de/2.txt.j2"


def test_a_leads_words_are_data_never_a_template() -> None:
    loop = lead_loop("{{ 7 * 7 }} {% if true %}x{% endif %}")
    draft = render_draft(facts(loop, 1, "en"), Templates())
    assert "49" not in draft.text
