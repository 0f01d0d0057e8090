"""Lead readers on notifications of nine form tools (tests/lead_mail.py), and source
matching, as tables."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import Address, FetchedMessage, LeadSource, Location, Owner
from inboxfollow.rules.lead_forms import lead_source, notification_lead, read_fields, read_lead
from tests.lead_mail import ALL, SERVICE_ONLY, UNREADABLE, Notification

SOURCES = (
    LeadSource("website", ("wordpress@reyes-joinery.example", "noreply@reyes-joinery.example")),
    LeadSource("form tools", ("*@typeform.com", "*@jotform.com", "*@google.com",
                              "*@crm.wix.com", "*@squarespace.info",
                              "*@notifications.hubspot.com", "*@webflow.com")),
)
OWNER = Owner("Dana Reyes", frozenset({"dana@reyes-joinery.example"}),
              "dana+crm@reyes-joinery.example", lead_sources=SOURCES)
WHEN = datetime(2026, 12, 7, 10, 15, tzinfo=UTC)


def fetched(note: Notification) -> FetchedMessage:
    raw = note.raw("dana@reyes-joinery.example", WHEN, "<n1@forms.example>")
    return FetchedMessage(Location("owner", "INBOX", 1, 1), raw, (), WHEN, len(raw),
                          has_text=True)


def read(note: Notification):  # type: ignore[no-untyped-def]
    message = fetched(note)
    return notification_lead(parse_message(message), message.raw, OWNER)


@pytest.mark.parametrize("note", ALL, ids=[n.tool for n in ALL])
def test_each_form_tool_gives_its_lead(note: Notification) -> None:
    lead = read(note)
    assert lead is not None and lead.problem == ""
    assert lead.email == note.lead
    assert lead.name == note.name


def test_fields_beyond_the_address() -> None:
    gravity, hubspot, cf7 = read(ALL[1]), read(ALL[7]), read(ALL[0])
    assert gravity.phone == "+49 171 5550123" and "Eichentreppe" in gravity.message
    assert hubspot.company == "Watanabe Hotels"
    assert cf7.via == "its Reply-To" and "sloped ceiling" in cf7.message
    assert "This e-mail was sent" not in cf7.message


@pytest.mark.parametrize("note, why", [
    (UNREADABLE, "no form fields found"),
    (SERVICE_ONLY, "form service's own"),
])
def test_unreadable_notifications_say_why(note: Notification, why: str) -> None:
    lead = read(note)
    assert lead is not None and lead.email == "" and why in lead.problem


FIELDS = {
    "colon list": ("Name: Jo Bloggs\nEmail: jo@bloggs.example\nPhone: 0123\nMessage: Hi",
                   {"name": "Jo Bloggs", "email": "jo@bloggs.example", "phone": "0123",
                    "message": "Hi"}),
    "French spacing and accents": ("Nom : Zoé\nCourriel : zoe@exemple.fr\nTéléphone : 01",
                                   {"name": "Zoé", "email": "zoe@exemple.fr", "phone": "01"}),
    "bold markdown labels": ("**Nombre:** Iker\n**Correo:** iker@ejemplo.es",
                             {"name": "Iker", "email": "iker@ejemplo.es"}),
    "label above value": ("Vorname\nUte\n\nE-Mail\nute@beispiel.de",
                          {"first_name": "Ute", "email": "ute@beispiel.de"}),
    "a message over several lines": ("Message:\nline one\n\nline two\nEmail: a@b.example",
                                     {"message": "line one\nline two", "email": "a@b.example"}),
    "required marks": ("Email (required): x@y.example", {"email": "x@y.example"}),
    "no fields": ("Thank you for your submission.", {}),
}


@pytest.mark.parametrize("text, expected", FIELDS.values(), ids=FIELDS)
def test_read_fields(text: str, expected: dict[str, str]) -> None:
    assert read_fields(text) == expected


@pytest.mark.parametrize("sender, subject, expected", [
    ("WordPress@Reyes-Joinery.example", "anything", "website"),
    ("noreply@jotform.com", "Nuevo envío", "form tools"),
    ("ana@customer.example", "New submission", None),
])
def test_sources_match_by_sender(sender: str, subject: str, expected: str | None) -> None:
    found = lead_source(sender, subject, SOURCES)
    assert (found.name if found else None) == expected


def test_subject_patterns() -> None:
    sources = (LeadSource("site", (), ("new submission*", "neue anfrage*")),)
    assert lead_source("forms@host.example", "Neue Anfrage von Jo", sources) is not None
    assert lead_source("forms@host.example", "Re: Neue Anfrage", sources) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(
    st.sampled_from(["Name: Jo", "Email: noreply@jotform.com", "E-Mail: dana@reyes-joinery.example",
                     "Message:", "Courriel : x", "Email", "", "--", "Phone: 1"]),
    st.text(max_size=40)), max_size=12))
def test_the_lead_is_never_the_service_or_the_owner(lines: list[str]) -> None:
    service = Address("Jotform", "noreply@jotform.com")
    lead = read_lead(("\n".join(lines),), "forms", service, None, OWNER)
    assert lead.email not in (service.email, "dana@reyes-joinery.example")
    assert bool(lead.email) != bool(lead.problem)
