"""classify and needs_text: tables of constructed messages; classify always answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Kind, Location, Owner, ParsedMessage, Part
from inboxfollow.rules.automatic import classify, needs_text

OWNER = Owner(name="Owner", addresses=frozenset({"owner@example.com"}))


def parsed(headers: str, parts: tuple[Part, ...] = (), body: str = "") -> ParsedMessage:
    raw = (headers.strip() + "\n\n" + body).encode()
    location = Location("owner", "INBOX", 1, 1)
    return parse_message(FetchedMessage(location, raw, parts, None, len(raw), bool(body)))


HUMAN = "From: Ann <ann@client.com>\nTo: owner@example.com\nSubject: Re: your quote\n"
REPLY_IDS = "In-Reply-To: <q@example.com>\nReferences: <q@example.com>\n"
DSN = Part("message/delivery-status")


@pytest.mark.parametrize(
    ("headers", "parts", "kind"),
    [
        (HUMAN + REPLY_IDS, (), Kind.HUMAN),
        (HUMAN + "Auto-Submitted: no\n", (), Kind.HUMAN),
        (HUMAN + "X-Auto-Response-Suppress: All\n", (), Kind.HUMAN),
        (HUMAN + "Precedence: normal\n", (), Kind.HUMAN),
        (HUMAN + "Auto-Submitted: auto-replied\n", (), Kind.AUTO_REPLY),
        (HUMAN + "Auto-Submitted: auto-generated\n", (), Kind.AUTO_REPLY),
        (HUMAN + "X-Autoreply: yes\n", (), Kind.AUTO_REPLY),
        (HUMAN + "X-Autorespond: yes\n", (), Kind.AUTO_REPLY),
        (HUMAN + "Precedence: junk\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Automatic reply: your quote\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Auto reply: hello\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Autosvar: hej\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Automatische Antwort: Angebot\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Réponse automatique : devis\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Respuesta automática: presupuesto\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Risposta automatica: preventivo\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Automatyczna odpowiedź: oferta\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Out of Office: quote\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: AUTO: Ann is out of the office\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Re: quote (Automatic Response)\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Arpus biroja: automātiska atbilde\n", (), Kind.AUTO_REPLY),
        ("From: Boxbe <notify@boxbe.com>\nSubject: Re: quote\n", (), Kind.AUTO_REPLY),
        ("From: MAILER-DAEMON@mx.b.c\nSubject: Undeliverable: quote\n", (), Kind.BOUNCE),
        (
            "From: a@b.c\nContent-Type: multipart/report; report-type=delivery-status; "
            "boundary=x\n",
            (),
            Kind.BOUNCE,
        ),
        ("From: postmaster@b.c\nSubject: Re: quote\n", (DSN,), Kind.BOUNCE),
        ("From: a@b.c\nX-Failed-Recipients: x@y.z\nSubject: hi\n", (), Kind.BOUNCE),
        # a delay warning is neither a bounce nor an answer (issue 10, point 6)
        ("From: a@b.c\nSubject: Delivery Status Notification (Delay)\n", (), Kind.AUTO_REPLY),
        ("From: a@b.c\nSubject: Mail delivery failed: returning message\n", (), Kind.BOUNCE),
        ("From: a@b.c\nSubject: Returned mail: see transcript\n", (), Kind.BOUNCE),
        (
            "From: Mail Delivery System <mailer-daemon@b.c>\nAuto-Submitted: auto-replied\n"
            "Subject: Warning: message delayed 24 hours\n",
            (),
            Kind.AUTO_REPLY,
        ),
        (
            "From: a@b.c\nSubject: Read: quote\nContent-Type: multipart/report; "
            "report-type=disposition-notification; boundary=x\n",
            (),
            Kind.RECEIPT,
        ),
        (
            "From: a@b.c\nSubject: Read: q\n",
            (Part("message/disposition-notification"),),
            Kind.RECEIPT,
        ),
        (
            "From: a@b.c\nSubject: Invitation\n",
            (Part("text/plain"), Part("text/calendar", params=(("method", "REQUEST"),))),
            Kind.CALENDAR,
        ),
        (
            "From: a@b.c\nSubject: Cancelled\n",
            (Part("text/calendar", params=(("method", "cancel"),)),),
            Kind.CALENDAR,
        ),
        ("From: a@b.c\nSubject: event\n", (Part("text/calendar"),), Kind.HUMAN),
        (HUMAN + "List-Id: <talk.lists.example.org>\n", (), Kind.LIST),
        (HUMAN + "List-Unsubscribe: <mailto:u@x>\n", (), Kind.LIST),
        (HUMAN + "Precedence: list\n", (), Kind.LIST),
        ("From: a@b.c\nSubject: News\nPrecedence: bulk\n", (), Kind.LIST),
        (HUMAN + "Precedence: bulk\nSender: talk-owner@lists.x.org\n", (), Kind.LIST),
        ("From: news@shop.example\nSubject: 40% off\n", (), Kind.LIST),
        ("From: a@b.c\nSubject: Weekly digest, Vol 12, Issue 3\n", (), Kind.LIST),
        (HUMAN + "List-Id: <l.x>\nAuto-Submitted: auto-replied\n", (), Kind.AUTO_REPLY),
        (HUMAN + "Mailing-List: contact l-help@x.org; run by ezmlm\n", (), Kind.HUMAN),
    ],
)
def test_classify_table(headers: str, parts: tuple[Part, ...], kind: Kind) -> None:
    result = classify(parsed(headers, parts), OWNER)
    assert result.kind is kind, result.reason
    assert result.reason


@pytest.mark.parametrize(
    ("headers", "asked"),
    [
        ("From: Owner <owner@example.com>\nTo: ann@client.com\nSubject: Quote\n", True),
        ("From: owner+sales@example.com\nSubject: Quote\n", True),
        (HUMAN + REPLY_IDS, False),
        ("From: Ann <ann@client.com>\nSubject: Request for a quote\n", False),
        ("From: MAILER-DAEMON@mx.b.c\nSubject: hello\n", True),
        ("From: Mail Delivery Subsystem <x@b.c>\nSubject: message\n", True),
        ("From: MAILER-DAEMON@mx.b.c\nSubject: Undeliverable: quote\n", False),
        ("Return-Path: <>\nFrom: ann@client.com\nSubject: Thanks\n", True),
        ("Subject: \n", True),
        (HUMAN + "Auto-Submitted: auto-replied\n", False),
    ],
)
def test_needs_text(headers: str, asked: bool) -> None:
    assert needs_text(parsed(headers), OWNER) is asked


@pytest.mark.parametrize(
    ("headers", "body", "kind"),
    [
        (
            "From: MAILER-DAEMON@mx.b.c\nSubject: hello\n",
            "The message could not be delivered.",
            Kind.BOUNCE,
        ),
        ("From: MAILER-DAEMON@mx.b.c\nSubject: hello\n", "Hello there.", Kind.HUMAN),
        (
            "Return-Path: <>\nFrom: ann@c.com\nSubject: Thanks\n",
            "I am out of the office until May.",
            Kind.AUTO_REPLY,
        ),
        (
            "Return-Path: <>\nFrom: ann@c.com\nSubject: Thanks\n",
            "Thanks for the quote.",
            Kind.HUMAN,
        ),
        (HUMAN + REPLY_IDS, "I am out of the office until May.", Kind.HUMAN),
    ],
)
def test_text_refines_only_ambiguous_mail(headers: str, body: str, kind: Kind) -> None:
    assert classify(parsed(headers, body=body), OWNER).kind is kind


header_names = st.sampled_from(
    [
        "From",
        "Subject",
        "Auto-Submitted",
        "Precedence",
        "List-Id",
        "Return-Path",
        "Content-Type",
        "X-Autoreply",
        "In-Reply-To",
        "X-Failed-Recipients",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(header_names, st.text(max_size=60)), max_size=8),
    st.lists(
        st.sampled_from(
            [
                "text/plain",
                "text/calendar",
                "message/delivery-status",
                "message/rfc822",
                "application/pdf",
            ]
        ),
        max_size=3,
    ),
    st.text(max_size=200),
)
def test_classify_always_answers(
    headers: list[tuple[str, str]], types: list[str], body: str
) -> None:
    text = "\n".join(f"{name}: {value}" for name, value in headers)
    msg = parsed(text, tuple(Part(t) for t in types), body)
    result = classify(msg, OWNER)
    assert isinstance(result.kind, Kind) and result.reason.strip()
    assert isinstance(needs_text(msg, OWNER), bool)
