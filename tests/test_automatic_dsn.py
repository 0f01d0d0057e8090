"""Delivery status notifications (RFC 3464): only Action: failed is a bounce.

A delay warning or a success notice (delivered, relayed, expanded) is automatic
mail that answers nothing: Kind.AUTO_REPLY, never BOUNCE, never HUMAN.
"""

from __future__ import annotations

import pytest

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Kind, Location, Owner, ParsedMessage
from inboxfollow.rules.automatic import classify, needs_text

OWNER = Owner(name="Owner", addresses=frozenset({"owner@example.com"}))
HEADER_END = "\n\n"

DSN = """\
Return-Path: <>
From: {sender}
To: owner@example.com
Subject: {subject}
Date: Tue, 14 May 2024 09:12:03 +0000
Message-ID: <20240514091203.1A2B3C4D5E@mail.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="1A2B3C4D5E.1715677923/mail.example.net"

This is a MIME-encapsulated message.

--1A2B3C4D5E.1715677923/mail.example.net
Content-Description: Notification
Content-Type: text/plain; charset=utf-8

{prose}

--1A2B3C4D5E.1715677923/mail.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.example.net
Arrival-Date: Tue, 14 May 2024 09:12:01 +0000

{recipients}
--1A2B3C4D5E.1715677923/mail.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Owner <owner@example.com>
To: {recipient}
Subject: Quote 2024-117
Message-ID: <quote-2024-117@example.com>

--1A2B3C4D5E.1715677923/mail.example.net--
"""
POSTFIX = "MAILER-DAEMON@mail.example.net (Mail Delivery System)"
EXCHANGE = "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.net>"
GMAIL = "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"
SENDMAIL = "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>"


def recipient(address: str, action: str, status: str, diagnostic: str) -> str:
    return (
        f"Final-Recipient: rfc822; {address}\nOriginal-Recipient: rfc822;{address}\n"
        f"Action: {action}\nStatus: {status}\nRemote-MTA: dns; mx.{address.split('@')[1]}\n"
        f"Diagnostic-Code: smtp; {diagnostic}\n"
    )


def fetched(raw: bytes, has_text: bool) -> FetchedMessage:
    return FetchedMessage(Location("owner", "INBOX", 1, 1), raw, (), None, len(raw), has_text)


def dsn(sender: str, subject: str, prose: str, *recipients: tuple[str, str, str, str]) -> bytes:
    blocks = "\n".join(recipient(*r) for r in recipients)
    text = DSN.format(
        sender=sender, subject=subject, prose=prose, recipients=blocks, recipient=recipients[0][0]
    )
    return text.encode()


ANN = "ann@walker-interiors.co.uk"
ANNA = "anna.berger@berger-moebel.de"
LUCIA = "lucia.martin@martin-muebles.es"
CLAIRE = "c.dubois@dubois-agencement.fr"
UNKNOWN = (ANN, "failed", "5.1.1", f"550 5.1.1 <{ANN}>: Recipient address rejected: User unknown")
REPORTS = [
    (  # Postfix
        dsn(POSTFIX, "Undelivered Mail Returned to Sender",
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients.", UNKNOWN),
        Kind.BOUNCE, "Action: failed",
    ),
    (  # Exchange Online, German user
        dsn(EXCHANGE, "Unzustellbar: Angebot 2024-117",
            "Ihre Nachricht konnte nicht an anna.berger@berger-moebel.de zugestellt werden.",
            (ANNA, "failed", "5.2.2", "554 5.2.2 mailbox full; STOREDRV.Deliver.Exception")),
        Kind.BOUNCE, "Action: failed",
    ),
    (  # Gmail, one recipient failed, one delivered: still a bounce
        dsn(GMAIL, "Delivery Status Notification (Failure)",
            "Your message wasn't delivered to ann@walker-interiors.co.uk.", UNKNOWN,
            (LUCIA, "delivered", "2.0.0", "250 2.0.0 OK")),
        Kind.BOUNCE, "Action: failed",
    ),
    (  # Postfix delay warning
        dsn(POSTFIX, "Delayed Mail (still being retried)",
            "This is a delivery status notification, NOT an error.\n"
            "Your message could not be delivered for more than 4 hour(s).\n"
            "It will be retried until it is 5 day(s) old.",
            (ANN, "delayed", "4.4.1", "connect to mx.walker-interiors.co.uk: timed out")),
        Kind.AUTO_REPLY, "Action: delayed",
    ),
    (  # Sendmail delay warning, Spanish recipient
        dsn(SENDMAIL, "Warning: could not send message for past 4 hours",
            "    **********************************************\n"
            "    **      THIS IS A WARNING MESSAGE ONLY      **\n"
            "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **\n"
            "    **********************************************",
            (LUCIA, "delayed", "4.4.7", "421 4.4.7 Mensaje demorado")),
        Kind.AUTO_REPLY, "Action: delayed",
    ),
    (  # Exchange delivery receipt (DSN NOTIFY=SUCCESS), French recipient
        dsn(EXCHANGE, "Delivered: Quote 2024-117",
            "Your message has been delivered to the following recipients: c.dubois",
            (CLAIRE, "delivered", "2.0.0", "250 2.0.0 OK")),
        Kind.AUTO_REPLY, "Action: delivered",
    ),
    (  # Exchange relay notice: handed to a system that sends no notices
        dsn(EXCHANGE, "Relayed: Quote 2024-117",
            "Delivery to these recipients or groups is complete, but no delivery\n"
            "notification was sent by the destination server.",
            (ANN, "relayed", "2.0.0", "250 2.0.0 Queued")),
        Kind.AUTO_REPLY, "Action: relayed",
    ),
    (  # Postfix: an alias expanded to several mailboxes
        dsn(POSTFIX, "Successful Mail Delivery Report",
            "This is the mail system at host mail.example.net.\n\n"
            "Your message was successfully delivered to the destination(s)\n"
            "listed below.",
            ("sales@walker-interiors.co.uk", "expanded", "2.0.0", "250 2.0.0 alias expanded")),
        Kind.AUTO_REPLY, "Action: expanded",
    ),
    (  # delayed for one, delivered to another: nothing failed
        dsn(POSTFIX, "Delayed Mail (still being retried)", "Your message is delayed.",
            (ANN, "delayed", "4.4.1", "Connection timed out"),
            (ANNA, "delivered", "2.0.0", "250 2.0.0 OK")),
        Kind.AUTO_REPLY, "Action: delayed, delivered",
    ),
]


@pytest.mark.parametrize(("raw", "kind", "action"), REPORTS)
def test_delivery_report_by_action(raw: bytes, kind: Kind, action: str) -> None:
    msg = parse_message(fetched(raw, has_text=True))
    result = classify(msg, OWNER)
    assert result.kind is kind, result.reason
    assert action in result.reason
    assert result.by_headers is True, "the report's own fields decided"


@pytest.mark.parametrize(("raw", "kind", "action"), REPORTS)
def test_header_block_of_a_report_asks_for_its_text(raw: bytes, kind: Kind, action: str) -> None:
    full = parse_message(fetched(raw, has_text=True))
    head = raw[: raw.index(HEADER_END.encode()) + 2]
    msg = parse_message(FetchedMessage(Location("o", "INBOX", 1, 1), head, full.parts, None, 1))
    assert needs_text(msg, OWNER) is True
    assert classify(msg, OWNER).kind is not Kind.HUMAN
    assert needs_text(full, OWNER) is False


def notice(sender: str, subject: str) -> ParsedMessage:
    raw = (
        f"Return-Path: <>\nFrom: {sender}\nTo: owner@example.com\nSubject: {subject}\n"
        "Date: Tue, 14 May 2024 09:12:03 +0000\nMessage-ID: <n-1@mx.example.net>\n\n"
    ).encode()
    return parse_message(fetched(raw, has_text=False))


NOTICE_SUBJECTS = [
    (GMAIL, "Delivery Status Notification (Delay)"),
    (POSTFIX, "Delayed Mail (still being retried)"),
    (EXCHANGE, "Delivery delayed: Quote 2024-117"),
    (SENDMAIL, "Warning: could not send message for past 4 hours"),
    ("Mail Delivery System <Mailer-Daemon@mx.example.net>",
     "Warning: message 1sXyZa-0001Ab-2C delayed 24 hours"),
    ("PP Message Transfer Agent <postmaster@relay.example.net>",
     'WARNING: message delayed at "relay.example.net"'),
    ("Internet Mail Delivery <postmaster@example.net>",
     "Delivery Notification: Delivery has been delayed"),
    (GMAIL, "Delivery Status Notification (Success)"),
    ("postmaster@mail.example.net", "Delivery Status Notification (Relay)"),
    (POSTFIX, "Successful Mail Delivery Report"),
]


@pytest.mark.parametrize(("sender", "subject"), NOTICE_SUBJECTS)
def test_delay_and_success_subjects_are_not_bounces(sender: str, subject: str) -> None:
    result = classify(notice(sender, subject), OWNER)
    assert result.kind is Kind.AUTO_REPLY, result.reason
    assert result.by_headers is False, f"the subject should decide: {result.reason}"


def test_mail_system_reporting_a_delay_in_its_own_words() -> None:
    msg = notice(POSTFIX, "Your message to ann@walker-interiors.co.uk is delayed")
    result = classify(msg, OWNER)
    assert result.kind is Kind.AUTO_REPLY, result.reason


def test_report_without_a_readable_action_stays_a_bounce() -> None:
    raw = dsn(POSTFIX, "Mail report", "See below.", UNKNOWN).replace(b"Action: failed\n", b"")
    result = classify(parse_message(fetched(raw, has_text=True)), OWNER)
    assert (result.kind, result.reason) == (
        Kind.BOUNCE, "multipart/report; report-type=delivery-status"
    )


SNS = """\
Return-Path: <0101018f6a1b2c3d-aaaa@us-west-2.amazonses.com>
From: AWS Notifications <no-reply@sns.amazonaws.com>
To: owner@example.com
Subject: AWS Notification Message
Date: Tue, 14 May 2024 09:12:03 +0000
Message-ID: <0101018f6a1b2c3d-bbbb@us-west-2.amazonses.com>
Content-Type: text/plain; charset=UTF-8

{{"notificationType":"{kind}","mail":{{"source":"owner@example.com",\
"destination":["ann@walker-interiors.co.uk"]}}}}
"""


@pytest.mark.parametrize(("sns", "kind"), [("Bounce", Kind.BOUNCE), ("Delivery", Kind.AUTO_REPLY)])
def test_ses_notification_by_its_type(sns: str, kind: Kind) -> None:
    raw = SNS.format(kind=sns).encode()
    head = parse_message(fetched(raw[: raw.index(b"\n\n") + 2], has_text=False))
    assert needs_text(head, OWNER) is True
    result = classify(parse_message(fetched(raw, has_text=True)), OWNER)
    assert (result.kind, result.by_headers) == (kind, False), result.reason


def test_header_block_of_a_delay_report_is_no_bounce() -> None:
    raw = dsn(POSTFIX, "Delayed Mail (still being retried)", "Still trying.",
              (ANN, "delayed", "4.4.1", "Connection timed out"))
    full = parse_message(fetched(raw, has_text=True))
    head = raw[: raw.index(b"\n\n") + 2]
    msg = parse_message(FetchedMessage(Location("o", "INBOX", 1, 1), head, full.parts, None, 1))
    assert classify(msg, OWNER).kind is Kind.AUTO_REPLY


def test_bare_delivery_status_without_structure_asks_for_text() -> None:
    raw = b"Content-Type: message/delivery-status\nMIME-Version: 1.0\n\n"
    msg = parse_message(FetchedMessage(Location("o", "INBOX", 1, 1), raw, (), None, 1))
    assert (classify(msg, OWNER).kind, needs_text(msg, OWNER)) == (Kind.BOUNCE, True)


@pytest.mark.parametrize(("encoding", "action", "kind"), [
    ("base64", "delayed", Kind.AUTO_REPLY),
    ("base64", "failed", Kind.BOUNCE),
    ("quoted-printable", "delayed", Kind.AUTO_REPLY),
    ("quoted-printable", "failed", Kind.BOUNCE),
])
def test_an_encoded_report_is_read_by_its_action(encoding: str, action: str, kind: Kind) -> None:
    """Some servers send the delivery-status part base64 or quoted-printable."""
    import base64
    import quopri

    fields = ("Reporting-MTA: dns; mail.example.net\n\n"
              "Final-Recipient: rfc822; ann@acme.example\n"
              f"Action: {action}\nStatus: {'4.4.7' if action == 'delayed' else '5.1.1'}\n")
    body = (base64.encodebytes(fields.encode()) if encoding == "base64"
            else quopri.encodestring(fields.encode())).decode()
    raw = dsn(POSTFIX, "Undelivered Mail Returned to Sender", "See the report below.",
              ("ann@acme.example", action, "5.1.1", "smtp; 550 unknown")).decode()
    start = raw.index("Content-Type: message/delivery-status")
    end = raw.index("--1A2B3C4D5E", start)
    raw = (raw[:start] + "Content-Type: message/delivery-status\n"
           f"Content-Transfer-Encoding: {encoding}\n\n{body}\n" + raw[end:])
    verdict = classify(parse_message(fetched(raw.encode(), True)), OWNER)
    assert verdict.kind is kind, verdict.reason
