"""Real-world situations as the mail clients write them: each a few messages in, the loops out.

Every message is shaped the way its client writes mail (Gmail, Outlook/Exchange, Apple
Mail, Thunderbird, phones), in English, German, French or Spanish: their Message-IDs,
reply prefixes, quote headers, X-Mailer lines and threading. Used by test_scenarios.py,
both through the rules alone and through a sync against the real Dovecot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.mailgen import CAPTURE, ME, OWNER, Person, bounce, calendar_reply, message

TZ = ZoneInfo("Europe/Berlin")
T0 = datetime(2026, 3, 2, 9, tzinfo=TZ)  # a Monday
NOW = T0 + timedelta(days=4)
TEAM_DOMAIN = "reyes-werkstatt.example"
COLLEAGUE = ("Tom Reyes", "tom@reyes-joinery.example")
TEAM_MATE = ("Lena Vogt", "lena@reyes-werkstatt.example")


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


# How each client names its messages and marks itself.
CLIENTS = {
    "gmail": ("{n}CAH7x{n}Ow-{n}Q@mail.gmail.com", []),
    "outlook": ("AM0PR07MB{n}C1D2{n}@AM0PR07MB{n}.eurprd07.prod.outlook.com",
                [("Thread-Topic", "{topic}"), ("Thread-Index", "AdqF{n}mK3x9Q=="),
                 ("X-MS-Has-Attach", ""), ("X-MS-TNEF-Correlator", "")]),
    "apple": ("5A1F{n}E2-7C3B-4D1A-9E0F-{n}B2C3D4E5@{domain}",
              [("X-Mailer", "Apple Mail (2.3774.500.171.1.1)")]),
    "iphone": ("D7E{n}F3A-2B1C-4E5D-8F9A-{n}0B1C2D3E@{domain}",
               [("X-Mailer", "iPhone Mail (21D61)")]),
    "thunderbird": ("{n}a3f9e1c-77b2-4c1e-9d3a-{n}f00d@{domain}",
                    [("User-Agent", "Mozilla Thunderbird")]),
    "android": ("{n}kq8x7.{n}@email.android.com", [("X-Mailer", "Android Mail")]),
}
QUOTE_INTRO = {
    "en": "On Mon, 2 Mar 2026 at 09:00, Dana Reyes <{me}> wrote:",
    "de": "Am 02.03.2026 um 09:00 schrieb Dana Reyes <{me}>:",
    "fr": "Le 02/03/2026 à 09:00, Dana Reyes a écrit :",
    "es": "El 2 mar 2026, a las 9:00, Dana Reyes <{me}> escribió:",
}
OUTLOOK_INTRO = {
    "en": "From: Dana Reyes <{me}>\nSent: Monday, March 2, 2026 9:00 AM\nSubject: {subject}",
    "de": "Von: Dana Reyes <{me}>\nGesendet: Montag, 2. März 2026 09:00\nBetreff: {subject}",
    "fr": "De : Dana Reyes <{me}>\nEnvoyé : lundi 2 mars 2026 09:00\nObjet : {subject}",
    "es": "De: Dana Reyes <{me}>\nEnviado: lunes, 2 de marzo de 2026 9:00\nAsunto: {subject}",
}
SIGNED = {"iphone": "\n\nSent from my iPhone", "android": "\n\nEnviado desde mi Samsung Galaxy"}


@dataclass(frozen=True)
class Mail:
    """One message and where it lies: the owner's INBOX or Sent, or the capture INBOX."""

    raw: bytes
    folder: str = "INBOX"
    mailbox: str = "owner"  # or "capture"


def mid(client: str, n: int, domain: str = "example.com") -> str:
    return "<" + CLIENTS[client][0].format(n=n, domain=domain) + ">"


def write(client: str, n: int, sender: Person, to: Sequence[Person], subject: str, hours: float,
          body: str, *, lang: str = "en", cc: Sequence[Person] = (), reply_to: Sequence[str] = (),
          quoted: str = "", headers: Sequence[tuple[str, str]] = (),
          attachment: tuple[str, bytes] | None = None, message_id: str = "") -> bytes:
    """A message as `client` writes it; a reply quotes `quoted` below the way that client does."""
    domain = sender[1].rpartition("@")[2]
    own_headers = [(k, v.format(n=n, topic=subject.split(":")[-1].strip()))
                   for k, v in CLIENTS[client][1]]
    text = body + SIGNED.get(client, "")
    if quoted:
        if client == "outlook":
            intro = OUTLOOK_INTRO[lang].format(me=OWNER, subject=subject)
            text += "\n\n________________________________\n" + intro + "\n\n" + quoted
        else:
            intro = QUOTE_INTRO[lang].format(me=OWNER)
            text += "\n\n" + intro + "\n" + "\n".join("> " + ln for ln in quoted.splitlines())
    return message(sender, to, subject, at(hours), message_id or mid(client, n, domain), text,
                   cc=cc, reply_to=list(reply_to), headers=[*own_headers, *headers],
                   attachment=attachment)


@dataclass(frozen=True)
class Scenario:
    client: str
    lang: str
    mail: list[Mail]
    loops: list[tuple[str, str, int]]  # (first person, status, touches) of each loop
    contacts: set[str] = field(default_factory=set)  # who must be a contact
    not_contacts: set[str] = field(default_factory=set)  # who must not be


ANN = ("Ann Lee", "ann.lee@acme-shelving.example")
ANN_HOME = ("Ann Lee", "ann.lee.home@gmail.com")
BEN = ("Ben Ortiz", "ben.ortiz@acme-shelving.example")
BEN_SISTER = ("Ben Ortiz", "ben@acme-group.example")
ZOE = ("Zoë Müller", "zoe.mueller@kuechenwelt.example")
ZOE_BOSS = ("Jörg Kern", "j.kern@kuechenwelt-gruppe.example")
LUC = ("Luc Martin", "luc.martin@atelier-bois.example")
MARIE = ("Marie Dubois", "marie.dubois@atelier-bois.example")
SOFIA = ("Sofía García", "sofia@reformas-garcia.example")
PEDRO = ("Pedro Ruiz", "pedro@reformas-garcia.example")
KAI = ("Kai Brandt", "kai@brandt-bau.example")
NORA = ("Nora Lind", "nora@lind-design.example")
OTTO = ("Otto Weber", "otto.weber@t-online.de")
LIST = ("Makers list", "makers@lists.example")

QUOTE_TEXT = {
    "en": "Hi Ann,\n\nas promised, our quote for the oak shelving: the total comes to EUR 4,800 "
          "including fitting.\n\nBest regards,\nDana",
    "de": "Hallo Frau Müller,\n\nanbei unser Angebot für die Küchenfronten: Gesamtpreis "
          "EUR 7.450 inklusive Montage.\n\nViele Grüße\nDana Reyes",
    "fr": "Bonjour Luc,\n\nvoici notre devis pour l'escalier : le prix total est de 3 900 EUR "
          "TTC.\n\nCordialement,\nDana",
    "es": "Hola Sofía:\n\nte envío el presupuesto para los armarios: el precio total es de "
          "2.600 EUR con IVA.\n\nUn saludo,\nDana",
}


def _dsn(action: str, failed: str, n: int, original: str) -> bytes:
    raw = bounce(ME, failed, at(1), f"<dsn{n}@mx.acme-shelving.example>", original)
    return raw.replace(b"Action: failed", f"Action: {action}".encode()).replace(
        b"Status: 5.1.1", b"Status: 4.4.7" if action == "delayed" else b"Status: 5.1.1")


def scenarios() -> dict[str, Scenario]:
    q_en = write("gmail", 1, ME, [ANN], "Quote: oak shelving", 0, QUOTE_TEXT["en"])
    q_en_id = mid("gmail", 1, "reyes-joinery.example")
    s: dict[str, Scenario] = {}
    s["gmail en: the contact answers from a personal address in the thread"] = Scenario(
        "gmail", "en", [Mail(q_en, "Sent"), Mail(write(
            "iphone", 2, ANN_HOME, [ME], "Re: Quote: oak shelving", 26,
            "Looks good, can you start in April?", reply_to=[q_en_id], quoted=QUOTE_TEXT["en"]))],
        [(ANN[1], "replied", 1)], {ANN[1], ANN_HOME[1]})
    s["gmail en: a human answer whose subject mentions a vacation"] = Scenario(
        "gmail", "en", [Mail(q_en, "Sent"), Mail(write(
            "gmail", 3, ANN, [ME], "Re: Quote - yes! (I'm on vacation next week)", 5,
            "Yes, let's do it. I'm away next week, Ben can let you in.",
            reply_to=[q_en_id], quoted=QUOTE_TEXT["en"]))],
        [(ANN[1], "replied", 1)])
    s["gmail en: a delayed-delivery notice is neither bounce nor answer"] = Scenario(
        "gmail", "en", [Mail(q_en, "Sent"), Mail(_dsn("delayed", ANN[1], 1, q_en_id))],
        [(ANN[1], "awaiting_reply", 1)])
    s["gmail en: a failed delivery bounces the loop"] = Scenario(
        "gmail", "en", [Mail(q_en, "Sent"), Mail(_dsn("failed", ANN[1], 2, q_en_id))],
        [(ANN[1], "bounced", 1)])
    s["gmail en: quote to Ann, Cc Ben: one loop, Ben's answer closes it"] = Scenario(
        "gmail", "en", [Mail(write("gmail", 4, ME, [ANN], "Quote: oak shelving", 0,
                                   QUOTE_TEXT["en"], cc=[BEN]), "Sent"),
                        Mail(write("outlook", 5, BEN, [ME], "RE: Quote: oak shelving", 30,
                                   "Ann is out, we accept.", reply_to=[mid(
                                       "gmail", 4, "reyes-joinery.example")],
                                   quoted=QUOTE_TEXT["en"]))],
        [(ANN[1], "replied", 1)], {ANN[1], BEN[1]})
    s["gmail en: a mailing list's copy of the quote arrives before the Sent copy"] = Scenario(
        "gmail", "en", [
            Mail(write("gmail", 6, ME, [ANN], "Quote: oak shelving", 0, QUOTE_TEXT["en"],
                       cc=[LIST], message_id="<list-copy-6@mail.gmail.com>",
                       headers=[("List-Id", "Makers <makers.lists.example>"),
                                ("Precedence", "list"),
                                ("List-Unsubscribe", "<mailto:leave@lists.example>")])),
            Mail(write("gmail", 6, ME, [ANN], "Quote: oak shelving", 0, QUOTE_TEXT["en"],
                       cc=[LIST], message_id="<list-copy-6@mail.gmail.com>"), "Sent")],
        [(ANN[1], "awaiting_reply", 1)], {ANN[1]})
    ex_original = "<exch-orig-7@reyes-joinery.example>"
    ex_rewritten = mid("outlook", 7)
    s["outlook de: Exchange rewrites the Message-ID; Sent and BCC copy are one touch"] = Scenario(
        "outlook", "de", [
            # Sent Items keeps the Bcc: it vouches for the capture copy (capture trust rule)
            Mail(write("thunderbird", 7, ME, [ZOE], "Angebot Küchenfronten", 0, QUOTE_TEXT["de"],
                       lang="de", message_id=ex_original, headers=[("Bcc", CAPTURE)]), "Sent"),
            Mail(write("thunderbird", 7, ME, [ZOE], "Angebot Küchenfronten", 0, QUOTE_TEXT["de"],
                       lang="de", message_id=ex_rewritten,
                       headers=[("X-Microsoft-Original-Message-ID", ex_original),
                                ("Delivered-To", CAPTURE)])),
            Mail(write("outlook", 8, ZOE, [ME], "AW: Angebot Küchenfronten", 28,
                       "Vielen Dank, wir nehmen das Angebot an.", lang="de",
                       reply_to=[ex_rewritten], quoted=QUOTE_TEXT["de"]))],
        [(ZOE[1], "replied", 1)], {ZOE[1]})
    s["outlook de: the same Exchange quote, unanswered, is one touch"] = Scenario(
        "outlook", "de", s["outlook de: Exchange rewrites the Message-ID; Sent and BCC copy "
                           "are one touch"].mail[:2], [(ZOE[1], "awaiting_reply", 1)])
    q_de = write("outlook", 9, ME, [ZOE], "Angebot Küchenfronten", 0, QUOTE_TEXT["de"], lang="de")
    q_de_id = mid("outlook", 9)
    s["outlook de: 'Abwesenheit am Montag, sonst ok' is a human answer"] = Scenario(
        "outlook", "de", [Mail(q_de, "Sent"), Mail(write(
            "outlook", 10, ZOE, [ME], "AW: Angebot - Abwesenheit am Montag, sonst ok", 6,
            "Passt so, bitte ab Dienstag liefern.", lang="de", reply_to=[q_de_id],
            quoted=QUOTE_TEXT["de"]))], [(ZOE[1], "replied", 1)])
    s["outlook de: Exchange's out-of-office in the thread is no answer"] = Scenario(
        "outlook", "de", [Mail(q_de, "Sent"), Mail(write(
            "outlook", 11, ZOE, [ME], "Automatische Antwort: Angebot Küchenfronten", 1,
            "Ich bin bis 16.03. nicht im Büro.", lang="de", reply_to=[q_de_id],
            headers=[("Auto-Submitted", "auto-generated"),
                     ("X-Auto-Response-Suppress", "All")]))],
        [(ZOE[1], "awaiting_reply", 1)])
    s["outlook de: an auto-reply compound subject outside the thread is no answer"] = Scenario(
        "outlook", "de", [Mail(q_de, "Sent"), Mail(write(
            "outlook", 35, ZOE, [ME], "Abwesenheitsnotiz: Angebot Küchenfronten", 1,
            "Ich bin bis 16.03. nicht im Büro.", lang="de"))],
        [(ZOE[1], "awaiting_reply", 1)])
    s["outlook de: in the thread, only the subject looks automatic: when in doubt, human"] = (
        Scenario("outlook", "de", [Mail(q_de, "Sent"), Mail(write(
            "outlook", 36, ZOE, [ME], "Abwesenheitsnotiz: Angebot Küchenfronten", 3,
            "Bin ab Montag weg - das Angebot passt, bitte liefern.", lang="de",
            reply_to=[q_de_id], quoted=QUOTE_TEXT["de"]))],
            [(ZOE[1], "replied", 1)]))
    s["outlook de: her boss answers from the group's other domain in the thread"] = Scenario(
        "outlook", "de", [Mail(q_de, "Sent"), Mail(write(
            "outlook", 12, ZOE_BOSS, [ME], "AW: Angebot Küchenfronten", 20,
            "Frau Müller ist im Urlaub, wir melden uns nächste Woche.", lang="de",
            reply_to=[q_de_id], quoted=QUOTE_TEXT["de"]))],
        [(ZOE[1], "replied", 1)])
    s["outlook de: a forward to a colleague and a later reply open no loop"] = Scenario(
        "outlook", "de", [
            Mail(q_de, "Sent"),
            Mail(write("outlook", 13, ZOE, [ME], "AW: Angebot Küchenfronten", 5,
                       "Wann könnten Sie liefern?", lang="de", reply_to=[q_de_id]), "INBOX"),
            Mail(write("outlook", 14, ME, [COLLEAGUE], "WG: Angebot Küchenfronten", 6,
                       "Tom, kannst du das übernehmen?", lang="de",
                       reply_to=[q_de_id, mid("outlook", 13)]), "Sent"),
            Mail(write("outlook", 15, ME, [ZOE], "AW: Angebot Küchenfronten", 7,
                       "Ab dem 20. März.", lang="de",
                       reply_to=[q_de_id, mid("outlook", 13)]), "Sent")],
        [(ZOE[1], "replied", 1)], {ZOE[1]}, {COLLEAGUE[1]})
    s["outlook de: an invoice with a total is no quote"] = Scenario(
        "outlook", "de", [Mail(write("outlook", 16, ME, [KAI], "Rechnung Nr. 2026-117", 0,
                                     "Sehr geehrter Herr Brandt,\n\nanbei die Rechnung, "
                                     "Gesamtbetrag EUR 1.890.", lang="de",
                                     attachment=("Rechnung-2026-117.pdf", b"%PDF-1.4\n")),
                               "Sent")], [], {KAI[1]})
    s["outlook de: a pro-forma invoice is an offer"] = Scenario(
        "outlook", "de", [Mail(write("outlook", 17, ME, [KAI], "Proforma-Rechnung Treppe", 0,
                                     "Anbei die Proforma-Rechnung über EUR 3.100.", lang="de"),
                               "Sent")], [(KAI[1], "awaiting_reply", 1)])
    q_fr = write("thunderbird", 18, ME, [LUC], "Devis escalier chêne", 0, QUOTE_TEXT["fr"],
                 lang="fr")
    s["thunderbird fr: a colleague at his company answers with a new subject"] = Scenario(
        "thunderbird", "fr", [Mail(q_fr, "Sent"), Mail(write(
            "apple", 19, MARIE, [ME], "Escalier pour M. Martin", 30,
            "Bonjour, Luc est en déplacement, nous validons le devis.", lang="fr"))],
        [(LUC[1], "replied", 1)], {LUC[1], MARIE[1]})
    s["thunderbird fr: a French out-of-office is no answer"] = Scenario(
        "thunderbird", "fr", [Mail(q_fr, "Sent"), Mail(write(
            "thunderbird", 20, LUC, [ME], "Réponse automatique : Devis escalier chêne", 1,
            "Je suis absent jusqu'au 9 mars.", lang="fr",
            reply_to=[mid("thunderbird", 18, "reyes-joinery.example")],
            headers=[("Auto-Submitted", "auto-replied")]))],
        [(LUC[1], "awaiting_reply", 1)])
    s["thunderbird fr: a French invoice reminder is no quote"] = Scenario(
        "thunderbird", "fr", [Mail(write("thunderbird", 21, ME, [LUC], "Relance de paiement - "
                                         "facture F-2031", 0, "Bonjour, la facture F-2031 de "
                                         "1 200 EUR reste impayée.", lang="fr"), "Sent")], [])
    q_es = write("iphone", 22, ME, [SOFIA], "Presupuesto armarios", 0, QUOTE_TEXT["es"], lang="es")
    q_es_id = mid("iphone", 22, "reyes-joinery.example")
    s["iphone es: a Spanish auto-reply by its subject alone is no answer"] = Scenario(
        "iphone", "es", [Mail(q_es, "Sent"), Mail(write(
            "outlook", 23, SOFIA, [ME], "Respuesta automática: Presupuesto armarios", 2,
            "Estoy fuera de la oficina hasta el lunes.", lang="es"))],
        [(SOFIA[1], "awaiting_reply", 1)])
    s["android es: her colleague answers by phone in the thread"] = Scenario(
        "android", "es", [Mail(q_es, "Sent"), Mail(write(
            "android", 24, PEDRO, [ME], "RE: Presupuesto armarios", 27,
            "Hola Dana, Sofía está de viaje. Adelante con el pedido.", lang="es",
            reply_to=[q_es_id], quoted=QUOTE_TEXT["es"]))],
        [(SOFIA[1], "replied", 1)], {PEDRO[1]})
    s["iphone es: a Spanish receipt is no quote, and no loop"] = Scenario(
        "iphone", "es", [Mail(write("iphone", 25, ME, [SOFIA], "Recibo de pago 88", 0,
                                    "Hola Sofía, te envío el recibo de 2.600 EUR.", lang="es"),
                              "Sent")], [])
    s["apple en: a calendar acceptance from the contact is an answer"] = Scenario(
        "apple", "en", [Mail(write("apple", 26, ME, [NORA], "Estimate: studio desk", 0,
                                   "Hi Nora, the estimate for the desk is EUR 2,150."), "Sent"),
                        Mail(calendar_reply(NORA, ME, at(8), "<cal-26@lind-design.example>",
                                            "Site visit"))],
        [(NORA[1], "replied", 1)])
    s["apple en: an answer sent through the company's mail service is human"] = Scenario(
        "apple", "en", [Mail(write("apple", 27, ME, [NORA], "Estimate: studio desk", 0,
                                   "Hi Nora, the estimate for the desk is EUR 2,150."), "Sent"),
                        Mail(write("gmail", 28, NORA, [ME], "Re: Estimate: studio desk", 9,
                                   "Great, please go ahead.", reply_to=[mid(
                                       "apple", 27, "reyes-joinery.example")],
                                   headers=[("Return-Path", "<0102018e-bounces-nora@amazonses."
                                                            "com>"),
                                            ("X-SES-Outgoing", "2026.03.02-54.240.4.1")]))],
        [(NORA[1], "replied", 1)], {NORA[1]})
    s["apple en: a quote to the owner's colleagues opens no loop"] = Scenario(
        "apple", "en", [Mail(write("apple", 29, ME, [COLLEAGUE], "Quote: Kern kitchen (draft)",
                                   0, "Tom, please check the price of EUR 7,450 before I send "
                                      "it.", cc=[TEAM_MATE]), "Sent")],
        [], set(), {COLLEAGUE[1], TEAM_MATE[1]})
    s["apple en: a team-mate writing in the thread is the owner's touch"] = Scenario(
        "apple", "en", [Mail(write("apple", 30, ME, [NORA], "Estimate: studio desk", 0,
                                   "Hi Nora, the estimate for the desk is EUR 2,150."), "Sent"),
                        Mail(write("thunderbird", 31, TEAM_MATE, [NORA], "Re: Estimate: studio "
                                   "desk", 20, "Hi Nora, any questions on the desk?", reply_to=[
                                       mid("apple", 30, "reyes-joinery.example")]))],
        [(NORA[1], "awaiting_reply", 2)], {NORA[1]}, {TEAM_MATE[1]})
    s["thunderbird en: a new offer after the answer opens a new loop"] = Scenario(
        "thunderbird", "en", [
            Mail(write("thunderbird", 32, ME, [OTTO], "Quote: garden shed", 0,
                       "Hi Otto, the shed comes to EUR 3,300."), "Sent"),
            Mail(write("gmail", 33, OTTO, [ME], "Re: Quote: garden shed", 5,
                       "Too expensive for us, sorry.", reply_to=[
                           mid("thunderbird", 32, "reyes-joinery.example")])),
            Mail(write("thunderbird", 34, ME, [OTTO], "Re: Quote: garden shed", 8,
                       "Understood. A smaller shed would be EUR 2,400 in total.", reply_to=[
                           mid("thunderbird", 32, "reyes-joinery.example"),
                           mid("gmail", 33, "t-online.de")]), "Sent")],
        [(OTTO[1], "replied", 1), (OTTO[1], "awaiting_reply", 1)], {OTTO[1]})
    return s


def expected_loops(scenario: Scenario) -> list[tuple[str, str, int]]:
    """The loops as sorted (person, status, touches)."""
    return sorted(scenario.loops)
