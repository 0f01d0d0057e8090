"""Body text decides only mail the headers leave open (daemon or robot sender, empty
Return-Path, nothing known); what it decides is marked `by_headers=False`."""

from __future__ import annotations

import pytest

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Kind, Location, Owner, ParsedMessage
from inboxfollow.rules.automatic import classify, needs_text

OWNER = Owner(name="Owner", addresses=frozenset({"owner@example.com"}))


def message(lines: str, body: str) -> ParsedMessage:
    raw = (
        f"{lines}To: Owner <owner@example.com>\nDate: Tue, 14 May 2024 09:12:03 +0000\n"
        "Message-ID: <t-4711@mail.example.net>\nMIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()
    fetched = FetchedMessage(Location("owner", "INBOX", 1, 1), raw, (), None, len(raw), True)
    return parse_message(fetched)


def outcome(lines: str, body: str) -> tuple[Kind, bool]:
    msg = message(lines, body)
    result = classify(msg, OWNER)
    return result.kind, result.by_headers


AWAY = (
    "Return-Path: <>\nFrom: Ann Walker <ann.walker@walker-interiors.co.uk>\n"
    "Subject: Re: Quote 2024-117\nIn-Reply-To: <quote-2024-117@example.com>\n"
)


@pytest.mark.parametrize(
    "body",
    [
        "Ann Walker is out of the office.",
        "I am on leave.",
        "I'm currently away.",
        "Ann is away until 21 May.",
        "Back in the office on Tuesday.",
        "I will be back soon.",
        "This is an automatically generated message.",
        "Sent by my auto-reply rule.",
        "I have limited access to e-mail.",
        "Thank you for your message.",
        "Ich bin bis zum 21. Mai nicht im Büro.",
        "Bis zum 21. Mai bin ich nicht erreichbar.",
        "Je suis absente jusqu\u2019au 21 mai.",
        "Claire est absente du bureau jusqu'au 21 mai.",
        "Lucía está fuera de la oficina hasta el 21 de mayo.",
        "Estoy de vacaciones hasta el 21 de mayo.",
    ],
)
def test_out_of_office_wording_with_empty_return_path(body: str) -> None:
    assert needs_text(message(AWAY, ""), OWNER) is True
    assert outcome(AWAY, body) == (Kind.AUTO_REPLY, False)


def test_a_person_answering_with_empty_return_path_stays_human() -> None:
    assert outcome(AWAY, "Thanks, the quote is fine - please go ahead.") == (Kind.HUMAN, True)


DAEMON = "From: MAILER-DAEMON@mx.example.net\nSubject: Message report\n"


@pytest.mark.parametrize(
    "body",
    [
        "Your message could not be delivered to ann@walker-interiors.co.uk.",
        "Your message couldn't be delivered.",
        "The following message is undeliverable.",
        "Delivery has failed to these recipients or groups:",
        "This is a permanent error.",
        "<ann@walker-interiors.co.uk>... User unknown",
        "Mailbox full",
        "No such user here",
        "Recipient address rejected",
        "Delivery to the following recipient failed permanently:",
        "We could not deliver your message.",
        "Message returned to sender.",
        "Unrouteable address",
        "Remote server replied: 5.7.1 Blocked",
        "Remote server replied: 550 Requested action not taken",
        "Ihre Nachricht konnte nicht zugestellt werden.",
        "Votre message n\u2019a pas pu être remis.",
        "El mensaje no se pudo entregar.",
    ],
)
def test_failure_wording_from_a_mail_system(body: str) -> None:
    assert needs_text(message(DAEMON, ""), OWNER) is True
    assert outcome(DAEMON, body) == (Kind.BOUNCE, False)


@pytest.mark.parametrize(
    "body",
    [
        "Delivery to the following recipient has been delayed:",
        "The server will keep trying for 5 days.",
        "The message is still being retried.",
        "Delivery attempts will continue to be made for 4 days.",
    ],
)
def test_delay_wording_from_a_mail_system_is_no_bounce(body: str) -> None:
    assert outcome(DAEMON, body) == (Kind.AUTO_REPLY, False)


def test_failure_wording_without_any_sender() -> None:
    assert outcome("", "Your message could not be delivered.") == (Kind.BOUNCE, False)


def test_failure_wording_from_a_person_is_human() -> None:
    lines = "From: Anna Berger <anna.berger@berger-moebel.de>\nSubject: Lieferung\n"
    assert outcome(lines, "Die Lieferung konnte nicht zugestellt werden.")[0] is Kind.HUMAN


NO_REPLY = "From: Paketdienst <no-reply@paket.example>\nSubject: Ihre Sendung 4711\n"


@pytest.mark.parametrize(
    "body",
    [
        "Your parcel could not be delivered today. We will retry delivery tomorrow.",
        "Your parcel could not be delivered today.",
        "The oak shelf you asked about will be back in stock on 1 June.",
    ],
)
def test_robot_words_are_not_a_mail_system(body: str) -> None:
    assert outcome(NO_REPLY, body)[0] is Kind.LIST


def test_nothing_known_and_nothing_said_is_human() -> None:
    assert outcome("", "Thanks, see you Monday.")[0] is Kind.HUMAN


def test_owner_own_words_never_decide() -> None:
    lines = "Return-Path: <>\nFrom: Owner <owner@example.com>\nSubject: Quote 2024-117\n"
    body = "I am out of the office on Friday; the quote follows on Monday."
    assert outcome(lines, body) == (Kind.HUMAN, True)
