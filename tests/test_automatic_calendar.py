"""Calendar mail: an attendee's reply (iTIP METHOD:REPLY or COUNTER) answers; an invitation not.

The method is the text/calendar part's `method` parameter (from BODYSTRUCTURE), or,
for a bare text/calendar message without one, the METHOD: line of its text.
"""

from __future__ import annotations

import pytest

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Kind, Location, Owner, ParsedMessage, Part
from inboxfollow.rules.automatic import classify, needs_text

OWNER = Owner(name="Owner", addresses=frozenset({"owner@example.com"}))

HEAD = """\
From: {sender}
To: Owner <owner@example.com>
Subject: {subject}
Date: Tue, 14 May 2024 09:12:03 +0000
Message-ID: <{mid}>
MIME-Version: 1.0
Content-Type: {ctype}
"""


def message(sender: str, subject: str, ctype: str, parts: tuple[Part, ...], body: str = "",
            extra: str = "") -> ParsedMessage:
    head = HEAD.format(sender=sender, subject=subject, mid="c-1@example.net", ctype=ctype)
    raw = (head + extra + "\n" + body).encode()
    fetched = FetchedMessage(Location("owner", "INBOX", 1, 1), raw, parts, None, len(raw),
                             has_text=bool(body))
    return parse_message(fetched)


def calendar(method: str, charset: str = "utf-8") -> Part:
    return Part("text/calendar", params=(("charset", charset), ("method", method)))


TEXT, HTML = Part("text/plain"), Part("text/html")
INVITE_ICS = Part("application/ics", filename="invite.ics", disposition="attachment")
ANN = "Ann Walker <ann.walker@walker-interiors.co.uk>"
ANNA = "Anna Berger <anna.berger@berger-moebel.de>"
CLAIRE = "Claire Dubois <c.dubois@dubois-agencement.fr>"
LUCIA = "=?utf-8?q?Luc=C3=ADa_Mart=C3=ADn?= <lucia.martin@martin-muebles.es>"
ALT = 'multipart/alternative; boundary="_000_AM0PR07MB4417_"'
MIXED = 'multipart/mixed; boundary="------------0a1b2c3d4e5f"'

ANSWERS = [
    (ANN, "Accepted: Quote 2024-117 - site visit", ALT, (TEXT, HTML, calendar("REPLY"))),
    (
        ANNA,
        "Angenommen: Aufmaß Eichenregale @ Di. 21. Mai 2024 10:00 - 11:00 (MESZ)",
        MIXED,
        (TEXT, HTML, calendar("REPLY", "UTF-8"), INVITE_ICS),
    ),
    (CLAIRE, "Refusé : Visite du chantier – devis 2024-117", MIXED, (TEXT, calendar("reply"))),
    (LUCIA, "Aceptado: Visita a la obra", MIXED, (TEXT, calendar("REPLY"), INVITE_ICS)),
    (ANN, "New Time Proposed: Quote 2024-117 - site visit", ALT, (TEXT, calendar("COUNTER"))),
    # the reply's subject says nothing; an auto-reply phrase in it does not matter
    (ANNA, "Abwesenheitsnotiz: Aufmaß", ALT, (TEXT, calendar("REPLY"))),
]


@pytest.mark.parametrize(("sender", "subject", "ctype", "parts"), ANSWERS)
def test_calendar_reply_is_an_answer(
    sender: str, subject: str, ctype: str, parts: tuple[Part, ...]
) -> None:
    msg = message(sender, subject, ctype, parts)
    result = classify(msg, OWNER)
    assert result.kind is Kind.HUMAN, result.reason
    assert result.reason.startswith("calendar reply")
    assert needs_text(msg, OWNER) is False


INVITATIONS = [
    (ANN, "Quote 2024-117 - site visit", ALT, (TEXT, HTML, calendar("REQUEST"))),
    (ANNA, "Abgesagt: Aufmaß Eichenregale", ALT, (TEXT, calendar("CANCEL"))),
    (CLAIRE, "Out of Office", ALT, (TEXT, calendar("REQUEST"))),
    (LUCIA, "Invitación: Visita a la obra", MIXED, (TEXT, calendar("request"), INVITE_ICS)),
]


@pytest.mark.parametrize(("sender", "subject", "ctype", "parts"), INVITATIONS)
def test_invitation_stays_calendar(
    sender: str, subject: str, ctype: str, parts: tuple[Part, ...]
) -> None:
    result = classify(message(sender, subject, ctype, parts), OWNER)
    assert result.kind is Kind.CALENDAR, result.reason


ICS = """\
BEGIN:VCALENDAR
PRODID:-//Samsung Electronics//Calendar//EN
VERSION:2.0
METHOD:{method}
BEGIN:VEVENT
UID:2024-117-site-visit@example.com
ATTENDEE;PARTSTAT=ACCEPTED:mailto:ann.walker@walker-interiors.co.uk
DTSTART:20240521T090000Z
SUMMARY:Quote 2024-117 - site visit
END:VEVENT
END:VCALENDAR
"""


@pytest.mark.parametrize(("method", "kind"), [("REPLY", Kind.HUMAN), ("REQUEST", Kind.CALENDAR)])
def test_bare_calendar_method_read_from_its_text(method: str, kind: Kind) -> None:
    ctype = "text/calendar; charset=utf-8"
    subject = "Accepted: Quote 2024-117 - site visit"
    head = message(ANN, subject, ctype, ())
    assert needs_text(head, OWNER) is True
    assert classify(head, OWNER).kind is Kind.CALENDAR
    full = message(ANN, subject, ctype, (), ICS.format(method=method))
    assert classify(full, OWNER).kind is kind
    assert needs_text(full, OWNER) is False


def test_accept_the_headers_mark_automatic_stays_automatic() -> None:
    msg = message("Room 2.14 <room214@example.net>", "Accepted: Quote 2024-117 - site visit",
                  ALT, (TEXT, calendar("REPLY")), extra="Auto-Submitted: auto-generated\n")
    assert classify(msg, OWNER).kind is Kind.AUTO_REPLY


def test_invitation_sent_only_as_an_ics_attachment() -> None:
    ics = Part("application/ics", filename="invite.ics", disposition="attachment",
               params=(("method", "REQUEST"), ("name", "invite.ics")))
    msg = message(ANNA, "Einladung: Aufmaß Eichenregale", MIXED, (TEXT, ics))
    assert classify(msg, OWNER).kind is Kind.CALENDAR


def test_calendar_text_pasted_into_a_mail_is_human() -> None:
    body = "My phone won't attach it, here it is:\n" + ICS.format(method="REQUEST")
    msg = message(ANN, "Re: Quote 2024-117 - site visit", "text/plain; charset=utf-8",
                  (TEXT,), body, extra="In-Reply-To: <quote-2024-117@example.com>\n")
    assert classify(msg, OWNER).kind is Kind.HUMAN
