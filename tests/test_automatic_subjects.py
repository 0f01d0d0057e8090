"""Auto-reply and bounce subjects: a phrase counts at the start of a subject, never inside it.

Each phrase of `automatic_words` has a row of its own, written as the mail program
writes it; the human rows are answers people send that mention the same words.
"""

from __future__ import annotations

from email.header import Header

import pytest

from inboxfollow.mail.parse import parse_message
from inboxfollow.model import FetchedMessage, Kind, Location, Owner, ParsedMessage
from inboxfollow.rules.automatic import classify, needs_text

OWNER = Owner(name="Owner", addresses=frozenset({"owner@example.com"}))

OUTLOOK = """\
From: {sender}
To: Owner <owner@example.com>
Subject: {subject}
Date: Tue, 14 May 2024 09:12:03 +0000
Message-ID: <AM0PR07MB44170F1E2D3C4B5A@AM0PR07MB4417.eurprd07.prod.outlook.com>
In-Reply-To: <quote-2024-117@example.com>
References: <quote-2024-117@example.com>
X-MS-Has-Attach:
X-Auto-Response-Suppress: All
Content-Language: {language}
Content-Type: text/plain; charset="utf-8"
MIME-Version: 1.0
"""
SENDERS = {
    "en": "Ann Walker <ann.walker@walker-interiors.co.uk>",
    "de": "Anna Berger <anna.berger@berger-moebel.de>",
    "fr": "Claire Dubois <c.dubois@dubois-agencement.fr>",
    "es": "Lucía Martín <lucia.martin@martin-muebles.es>",
    "nl": "Sanne de Vries <sanne@devries-interieur.nl>",
    "it": "Giulia Rossi <g.rossi@rossi-arredi.it>",
    "sv": "Erik Lund <erik.lund@lundsinredning.se>",
    "da": "Mette Hansen <mh@hansen-indretning.dk>",
    "pl": "Piotr Nowak <p.nowak@nowak-meble.pl>",
    "pt": "João Silva <joao.silva@silva-moveis.pt>",
    "fi": "Mikko Virtanen <mikko@virtanen-sisustus.fi>",
    "lv": "Ivars Kalniņš <ivars@kalnins-mebeles.lv>",
    "ko": "김민준 <minjun.kim@kim-furniture.co.kr>",
    "zh": "王伟 <wang.wei@wang-jiaju.cn>",
    "ja": "佐藤 健 <k.sato@sato-kagu.co.jp>",
}


def encoded(text: str) -> str:
    return text if text.isascii() else Header(text, "utf-8").encode()


def outlook(subject: str, language: str = "en") -> ParsedMessage:
    head = OUTLOOK.format(
        sender=encoded(SENDERS[language]), subject=encoded(subject), language=language
    )
    raw = head.encode() + b"\n"
    return parse_message(FetchedMessage(Location("owner", "INBOX", 1, 1), raw, (), None, 1))


AUTO_REPLY_SUBJECTS = [
    ("en", "Automatic reply: Quote 2024-117 for the oak shelves"),
    ("en", "Auto-Reply: Quote 2024-117 for the oak shelves"),
    ("en", "AutoResponse: Your quote request"),
    ("en", "Automatic Response: Quote 2024-117"),
    ("en", "Out of Office: Quote 2024-117 for the oak shelves"),
    ("en", "Out of the office"),
    ("en", "Out of Office AutoReply: Quote 2024-117"),
    ("en", "Out of Office Reply: Quote 2024-117"),
    ("en", "Vacation reply: Quote 2024-117"),
    ("de", "Automatische Antwort: Angebot 2024-117 Eichenregale"),
    ("de", "Automatische-Antwort: Angebot 2024-117"),
    ("de", "Abwesend: Angebot 2024-117"),
    ("de", "Nicht im Büro: Angebot 2024-117"),
    ("de", "Abwesenheitsnotiz: Angebot 2024-117 Eichenregale"),
    ("de", "Urlaubsabwesenheit"),
    ("de", "Büroabwesenheit: Angebot 2024-117"),
    ("de", "Abwesenheitsmeldung: Angebot 2024-117"),
    ("de", "Abwesenheitsnachricht: Angebot 2024-117"),
    ("fr", "Réponse automatique : Devis 2024-117 étagères en chêne"),
    ("fr", "Absence : Devis 2024-117"),
    ("fr", "Absence du bureau : Devis 2024-117"),
    ("fr", "Absent du bureau"),
    ("fr", "Message d\u2019absence : Devis 2024-117"),
    ("es", "Respuesta automática: Presupuesto 2024-117 estanterías de roble"),
    ("es", "Fuera de la oficina: Presupuesto 2024-117"),
    ("es", "Fuera de oficina"),
    ("es", "Ausente: Presupuesto 2024-117"),
    ("nl", "Automatisch antwoord: Offerte 2024-117 eikenhouten kasten"),
    ("nl", "Afwezig: Offerte 2024-117"),
    ("nl", "Afwezigheid: Offerte 2024-117"),
    ("nl", "Afwezigheidsbericht: Offerte 2024-117"),
    ("nl", "Afwezigheidsmelding: Offerte 2024-117"),
    ("it", "Risposta automatica: Preventivo 2024-117 scaffali in rovere"),
    ("it", "Fuori sede: Preventivo 2024-117"),
    ("it", "Fuori ufficio: Preventivo 2024-117"),
    ("it", "Assente: Preventivo 2024-117"),
    ("da", "Autosvar: Tilbud 2024-117"),
    ("sv", "Automatiskt svar: Offert 2024-117"),
    ("pl", "Automatyczna odpowiedź: Oferta 2024-117"),
    ("pt", "Resposta automática: Orçamento 2024-117"),
    ("fi", "Automaattinen vastaus: Tarjous 2024-117"),
    ("lv", "Ārpus biroja: Piedāvājums 2024-117"),
    ("lv", "Arpus biroja atrasanas automatiska atbilde: Piedavajums 2024-117"),
    ("ko", "자동 응답: 견적 2024-117"),
    ("zh", "自动回复: 报价 2024-117"),
    ("zh", "自動回覆：報價 2024-117"),
    ("ja", "自動応答: お見積り 2024-117"),
    ("ja", "自動返信: お見積り 2024-117"),
    # the forms around a phrase: a one-word tag, brackets, a list tag
    ("en", "Yahoo! Auto Response"),
    ("zh", "Yahoo! 来信自动回复"),
    ("pl", "[Automatyczna odpowiedź] Oferta 2024-117"),
    ("en", "Re: Quote 2024-117 (Automatic Response)"),
    ("en", "[Sales] Out of Office: Quote 2024-117"),
    ("en", "EXTERNAL: Automatic reply: Quote 2024-117"),
    ("en", "AUTO: Ann Walker is out of the office (returning 21/05/2024)"),
]


@pytest.mark.parametrize(("language", "subject"), AUTO_REPLY_SUBJECTS)
def test_auto_reply_subject(language: str, subject: str) -> None:
    result = classify(outlook(subject, language), OWNER)
    assert result.kind is Kind.AUTO_REPLY, result.reason
    assert result.by_headers is False, "only the subject decided"


HUMAN_SUBJECTS = [
    ("en", "Re: Quote - yes! (I'm on vacation next week)"),
    ("de", "AW: Angebot - Abwesenheit am Montag, sonst ok"),
    ("en", "Delivery problem with the shelves"),
    ("en", "Returned mail order - wrong size"),
    ("en", "RE: Automatic reply: Quote 2024-117"),
    ("de", "AW: Abwesenheitsnotiz: Angebot 2024-117"),
    ("en", "Re: Undeliverable: Quote 2024-117"),
    ("de", "WG: Unzustellbar: Angebot 2024-117"),
    ("de", "Abwesenheit am Montag - Angebot trotzdem ok?"),
    ("de", "Auto: Angebot für Ihren Golf"),
    ("de", "Montag abwesend"),
    ("de", "Krankheitsbedingte Abwesenheit"),
    ("en", "Quote: out of office furniture"),
    ("de", "Nicht zustellbar? Bitte Adresse prüfen"),
    ("en", "Out of office tomorrow, quote attached"),
    ("en", "Re: Quote (out of office until Monday, writing from my phone)"),
    ("fr", "Absences en août : livraison en septembre ?"),
    ("es", "Fuera de la oficina hasta el lunes, presupuesto aceptado"),
    ("it", "Risposta automatica? No, ti rispondo io: preventivo ok"),
    # a person answering or passing on an auto reply or a bounce
    ("en", "Re: Out of Office"),
    ("en", "Re[2]: Out of Office"),
    ("de", "AW: Abwesend"),
    ("sv", "SV: Autosvar"),
    ("fi", "VS: Automaattinen vastaus"),
    ("nl", "Antw: Afwezig"),
    ("it", "R: Fuori sede"),
    ("it", "RIS: Assente"),
    ("de", "WG: Nicht im Büro"),
    ("en", "Fw: Out of the office"),
    ("en", "Fwd: Auto Response"),
    ("fr", "TR: Absence"),
    ("es", "RV: Ausente"),
    ("it", "I: Fuori ufficio"),
    ("nl", "Doorst: Afwezig"),
]


@pytest.mark.parametrize(("language", "subject"), HUMAN_SUBJECTS)
def test_words_inside_a_subject_are_human(language: str, subject: str) -> None:
    msg = outlook(subject, language)
    result = classify(msg, OWNER)
    assert result.kind is Kind.HUMAN, result.reason
    assert needs_text(msg, OWNER) is False


MAILER_DAEMON = "Mail Delivery System <MAILER-DAEMON@mx.example.net>"
EXCHANGE = "Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@example.net>"
BOUNCE_SUBJECTS = [
    (EXCHANGE, "Undeliverable: Quote 2024-117"),
    ("postmaster@mail.example.net", "Undeliverable Mail"),
    ("Postmaster <postmaster@notes.example.net>", "Undeliverable message"),
    ("MAILER-DAEMON@mail.example.net (Mail Delivery System)",
     "Undelivered Mail Returned to Sender"),
    (
        "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "Delivery Status Notification (Failure)",
    ),
    (MAILER_DAEMON, "Mail delivery failed: returning message to sender"),
    (MAILER_DAEMON, "[sales] Mail delivery failed: returning message to sender"),
    (EXCHANGE, "EXTERN: Unzustellbar: Angebot 2024-117"),
    (MAILER_DAEMON, "Returned mail: see transcript for details"),
    ("MAILER-DAEMON@mx.example.net", "failure notice"),
    ("Postmaster@example.net", "DELIVERY FAILURE: User ann (ann@example.net) not listed"),
    ("Postmaster <postmaster@mimecast.example>", "[Postmaster] Email Delivery Failure"),
    ("MAILER-DAEMON@ezweb.ne.jp", "Mail System Error - Returned Mail"),
    ("Internet Mail Delivery <postmaster@example.net>",
     "Delivery Notification: Delivery has failed"),
    ("Mail Delivery System <postmaster@gw.example.net>", "Message status - undeliverable"),
    (EXCHANGE, "Unzustellbar: Angebot 2024-117"),
    (MAILER_DAEMON, "Nicht zustellbar: Angebot 2024-117"),
    (EXCHANGE, "Non remis : Devis 2024-117"),
    (EXCHANGE, "No se puede entregar: Presupuesto 2024-117"),
    (EXCHANGE, "Onbestelbaar: Offerte 2024-117"),
    (EXCHANGE, "Non recapitabile: Preventivo 2024-117"),
    (EXCHANGE, "Olevererbart: Offert 2024-117"),
    (EXCHANGE, "Não entregue: Orçamento 2024-117"),
    (EXCHANGE, "Не удается доставить: Предложение 2024-117"),
    ("MAILER-DAEMON@ezweb.ne.jp", "メールエラー通知"),
    ("MAILER-DAEMON@example.co.jp", "メッセージを配信できません。"),
]


def bounce(sender: str, subject: str) -> ParsedMessage:
    raw = (
        f"Return-Path: <>\nFrom: {sender}\n"
        f"To: owner@example.com\nSubject: {encoded(subject)}\n"
        "Date: Tue, 14 May 2024 09:12:03 +0000\nMessage-ID: <ndr-1@mx.example.net>\n"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
    ).encode()
    return parse_message(FetchedMessage(Location("owner", "INBOX", 1, 1), raw, (), None, 1))


@pytest.mark.parametrize(("sender", "subject"), BOUNCE_SUBJECTS)
def test_bounce_subject(sender: str, subject: str) -> None:
    result = classify(bounce(sender, subject), OWNER)
    assert result.kind is Kind.BOUNCE, result.reason
    assert result.by_headers is False, f"the subject should decide: {result.reason}"


def test_header_decisions_are_marked_by_headers() -> None:
    head = OUTLOOK.format(sender=SENDERS["en"], subject="Automatic reply: Quote", language="en")
    raw = (head + "Auto-Submitted: auto-replied\n\n").encode()
    msg = parse_message(FetchedMessage(Location("owner", "INBOX", 1, 1), raw, (), None, 1))
    result = classify(msg, OWNER)
    assert (result.kind, result.by_headers) == (Kind.AUTO_REPLY, True)
    assert classify(outlook("Re: Quote 2024-117"), OWNER).by_headers is True
