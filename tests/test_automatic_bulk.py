"""Newsletters sent through a bulk relay are known by their opt-out footer.

A relay alone (an email service provider's headers, a VERP return path, a bulk MTA
in Received) says nothing: people write through their company's provider too. For
mail that answers nothing and came through such a relay, the text is read, and an
opt-out footer makes it list mail. A reply is never judged by its footer.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Kind, Location, Owner, ParsedMessage
from inboxfollow.rules import automatic_words as words
from inboxfollow.rules.automatic import classify, needs_text
from inboxfollow.rules.signs import fold

OWNER = Owner(name="Owner", addresses=frozenset({"owner@example.com"}))

POWERMTA = (
    "Received: from mta7.mailout.umfrage-panel.de (mta7.mailout.umfrage-panel.de "
    "[198.51.100.7])\n\tby mx.example.com (Postfix) with ESMTPS id 4QbX2\n\tfor "
    "<owner@example.com>; Tue, 14 May 2024 09:12:05 +0000 (UTC)\n"
    "Received: from 10.1.2.3 (10.1.2.4) by mta7.mailout.umfrage-panel.de (PowerMTA(TM) "
    "v5.0r4) id h13ska for <owner@example.com>; Tue, 14 May 2024 09:12:03 +0000\n"
)
VERP_RECEIVED = (
    "Received: from out-12.sender.example.net (out-12.sender.example.net [203.0.113.12])\n"
    "\tby mx.example.com with ESMTP id 77AB; Tue, 14 May 2024 09:12:05 +0000 "
    "(envelope-from <anna-owner=example.com@news.berger-moebel.de>)\n"
)
MAILGUN = (
    "Return-Path: <bounce+7c1a2b.4d5e6f-owner=example.com@mg.dubois-agencement.fr>\n"
    "X-Mailgun-Sid: WyI0ZjNhMiIsICJvd25lckBleGFtcGxlLmNvbSIsICI5YjJjIl0=\n"
)
SES = (
    "Return-Path: <0102018f6a1b2c3d-4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8-000000"
    "@eu-west-1.amazonses.com>\nX-SES-Outgoing: 2024.05.14-54.240.4.3\n"
)
RELAYS = {"powermta": POWERMTA, "verp": VERP_RECEIVED, "mailgun": MAILGUN, "ses": SES}
NEW = "Subject: Unsere Frühjahrsaktion: 20 % auf Eichenregale\n"
REPLY = (
    "Subject: Re: Angebot 2024-117\nIn-Reply-To: <quote-2024-117@example.com>\n"
    "References: <quote-2024-117@example.com>\n"
)


def message(lines: str, body: str, sender: str = "Berger Möbel <info@berger-moebel.de>",
            with_text: bool = True) -> ParsedMessage:
    raw = (
        f"{lines}From: {sender}\nTo: Owner <owner@example.com>\n"
        "Date: Tue, 14 May 2024 09:12:03 +0000\nMessage-ID: <m-4711@mail.example.net>\n"
        f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}"
    ).encode()
    location = Location("owner", "INBOX", 1, 1)
    return parse_message(FetchedMessage(location, raw, (), None, len(raw), has_text=with_text))


FOOTERS = [  # one row per opt-out pattern, as newsletters write them
    ("en", "To stop these emails, unsubscribe here: https://x.example/u/81"),
    ("en", "Click here to opt out of future mailings."),
    ("en", "If you wish to be removed from our panel, click here."),
    ("en", "Please do not reply to this email; this mailbox is not monitored."),
    ("en", "You are receiving this email because you registered at our shop."),
    ("de", "Newsletter abbestellen: https://x.example/u/81"),
    ("de", "Hier können Sie sich vom Newsletter abmelden."),
    ("de", "Sie erhalten diese E-Mail, weil Sie Kunde bei uns sind."),
    ("fr", "Pour vous désinscrire, cliquez ici. Se désabonner"),
    ("fr", "Vous recevez cet e-mail car vous êtes inscrit à notre lettre."),
    ("es", "Si no desea recibir más correos, puede darse de baja aquí."),
    ("es", "Recibes este correo porque te suscribiste en nuestra tienda."),
    ("nl", "Wilt u deze nieuwsbrief niet meer ontvangen? Uitschrijven"),
    ("it", "Non vuoi più ricevere queste email? Disiscriviti"),
]


@pytest.mark.parametrize("relay", sorted(RELAYS))
@pytest.mark.parametrize(("lang", "footer"), FOOTERS)
def test_newsletter_through_a_relay_is_known_by_its_footer(relay: str, lang: str,
                                                           footer: str) -> None:
    msg = message(RELAYS[relay] + NEW, f"Liebe Kundin, lieber Kunde,\n\n...\n\n{footer}\n")
    assert needs_text(message(RELAYS[relay] + NEW, "", with_text=False), OWNER)
    result = classify(msg, OWNER)
    assert result.kind is Kind.LIST, (lang, result)
    assert not result.by_headers and "opt-out wording" in result.reason


def test_every_footer_pattern_has_a_row() -> None:
    folded = [fold(footer) for _, footer in FOOTERS]
    for pattern in words.OPT_OUT_TEXT_PATTERNS:
        assert any(re.search(pattern, text) for text in folded), pattern


PEOPLE = [  # business mail from people through their company's provider: human
    ("mailgun", "Bonjour,\n\npourriez-vous nous envoyer un devis pour 12 étagères ?\n\nClaire"),
    ("ses", "Hallo,\n\nwir brauchen 8 Regale bis Juni. Können Sie ein Angebot machen?\n\nAnna"),
    ("verp", "Hi,\n\nthanks for the call. Please send the quote for the oak shelves.\n\nAnn"),
    ("powermta", "Hola,\n\n¿nos puede enviar un presupuesto?\n\nLucía"),
]


@pytest.mark.parametrize(("relay", "body"), PEOPLE)
def test_a_person_writing_through_a_relay_stays_human(relay: str, body: str) -> None:
    assert classify(message(RELAYS[relay] + NEW, body), OWNER).kind is Kind.HUMAN


@pytest.mark.parametrize("relay", sorted(RELAYS))
def test_a_reply_is_never_judged_by_its_footer(relay: str) -> None:
    body = "Ja, passt so. Bitte liefern.\n\nAnna\n--\nNewsletter abbestellen: https://x/u"
    msg = message(RELAYS[relay] + REPLY, body)
    assert not needs_text(message(RELAYS[relay] + REPLY, "", with_text=False), OWNER)
    assert classify(msg, OWNER).kind is Kind.HUMAN


def test_a_footer_without_a_relay_decides_nothing() -> None:
    body = "Hallo,\n\nhier unser Angebot.\n\nNewsletter abbestellen: https://x/u"
    assert classify(message(NEW, body), OWNER).kind is Kind.HUMAN
    assert not needs_text(message(NEW, "", with_text=False), OWNER)


@pytest.mark.parametrize("mta", words.BULK_MTA_PATTERNS)
def test_every_bulk_mta_is_a_relay(mta: str) -> None:
    received = POWERMTA.replace("PowerMTA(TM) v5.0r4", f"{mta} 4.2")
    msg = message(received + NEW, "Unsubscribe: https://x/u")
    assert classify(msg, OWNER).kind is Kind.LIST


@pytest.mark.parametrize("name", words.ESP_HEADERS)
def test_every_provider_header_is_a_relay(name: str) -> None:
    msg = message(f"{name}: 1a2b3c\n" + NEW, "Unsubscribe: https://x/u")
    assert classify(msg, OWNER).kind is Kind.LIST


@given(text=st.text(st.characters(max_codepoint=127)))
def test_fold_of_ascii_text_is_what_the_full_fold_gives(text: str) -> None:
    """`fold` skips decomposing ASCII text: the answer must not change."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    full = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    assert fold(text) == full
