"""Quote or not (issue 10, point 5): billing mail is no quote; a pro-forma invoice is one.

Subjects, attachment names and own texts as Gmail, Outlook, Apple Mail, phones and invoicing
tools (QuickBooks, Xero, FreshBooks, Stripe, lexoffice, sevDesk, Holded) write them. Every word
of the billing tables in inboxfollow/rules/quote_words.py has a row of its own that no other
word would decide, so that dropping a word from a list fails its row.
"""

from __future__ import annotations

from typing import Any

import pytest

from inboxfollow.rules.quote_words import (
    BILLING_WORDS,
    DUNNING_WORDS,
    NOT_BILLING_PHRASES,
    PRESENTER_WORDS,
    PROFORMA_WORDS,
)
from inboxfollow.rules.quotes import billing_kind, decide_quote


def mail(subject: str = "", text: str = "", *attachments: str) -> dict[str, Any]:
    return {"subject": subject, "text": text, "attachments": list(attachments)}


def assert_billing(record: dict[str, Any], kind: str | None) -> None:
    decision = decide_quote(record)
    assert (billing_kind(record), decision.billing) == (kind, kind), decision.reason
    if kind is not None:
        assert not decision.is_quote


# (word, a subject that only this word makes billing mail, its kind)
BILLING_EN = [
    ("invoice", "Invoice #1042", "invoice"),
    ("invoice", "Invoice 1042 from Acme Woodworks", "invoice"),
    ("invoice", "Acme Woodworks sent you an invoice (#0000042)", "invoice"),
    ("invoice", "Invoice for quote Q-1042", "invoice"),  # the bill of a won quote
    ("invoice", "RE: Invoice #1042", "invoice"),
    ("receipt", "Receipt for your payment", "receipt"),
    ("receipt", "Your receipt from Acme Woodworks #2031-4471", "receipt"),
    ("payment confirmation", "Payment confirmation – order 5521", "receipt"),
    ("payment received", "Payment received – thank you!", "receipt"),
    ("order confirmation", "Order confirmation #5521", "order_confirmation"),
    ("confirmation of your order", "Confirmation of your order 5521", "order_confirmation"),
    ("payment reminder", "Friendly payment reminder", "payment_reminder"),
    ("past due", "Your account is past due", "payment_reminder"),
    ("statement of account", "Statement of account – March 2026", "statement"),
    ("account statement", "Account statement as of 31 March 2026", "statement"),
]
BILLING_DE = [
    ("rechnung", "Rechnung Nr. 2024-117", "invoice"),
    ("rechnung", "Ihre Rechnung RE1042 von Schreinerei Müller", "invoice"),
    ("rechnung", "Fwd: Rechnungen März 2026", "invoice"),
    ("schlussrechnung", "Schlussrechnung Bauvorhaben Lindenstraße 4", "invoice"),
    ("abschlagsrechnung", "2. Abschlagsrechnung Dachsanierung", "invoice"),
    ("teilrechnung", "Teilrechnung Nr. 3 – Küchenmontage", "invoice"),
    ("quittung", "Quittung", "receipt"),
    ("zahlungsbestätigung", "Zahlungsbestätigung – Auftrag 2031", "receipt"),
    ("zahlungseingang", "Bestätigung Zahlungseingang", "receipt"),
    ("auftragsbestätigung", "Auftragsbestätigung AB-2031", "order_confirmation"),
    ("bestellbestätigung", "Bestellbestätigung – Ihre Bestellung 5521", "order_confirmation"),
    ("zahlungserinnerung", "Freundliche Zahlungserinnerung", "payment_reminder"),
    ("mahnung", "1. Mahnung – Kundennummer 10442", "payment_reminder"),
    ("zahlungsaufforderung", "Zahlungsaufforderung – Auftrag 2031", "payment_reminder"),
    ("kontoauszug", "Kontoauszug März 2026", "statement"),
    ("saldenbestätigung", "Saldenbestätigung zum 31.12.2025", "statement"),
    ("offene posten", "Offene Posten – Stand 31.03.2026", "statement"),
]
BILLING_FR = [
    ("facture", "Facture F-2031", "invoice"),
    ("facture", "Facture n°FA-2024-031 de Menuiserie Dupont", "invoice"),
    ("reçu", "Reçu", "receipt"),
    ("reçu", "Reçu de paiement – commande 4471", "receipt"),
    ("quittance", "Quittance de loyer – mars 2026", "receipt"),
    ("confirmation de paiement", "Confirmation de paiement – commande 4471", "receipt"),
    ("confirmation de commande", "Confirmation de commande n° 4471", "order_confirmation"),
    ("relance de paiement", "Relance de paiement", "payment_reminder"),
    ("rappel de paiement", "Rappel de paiement – dossier 2031", "payment_reminder"),
    ("mise en demeure", "Mise en demeure de payer", "payment_reminder"),
    ("relevé de compte", "Relevé de compte au 31/03/2026", "statement"),
    ("état de compte", "État de compte – mars 2026", "statement"),
]
BILLING_ES = [
    ("factura", "Factura 88", "invoice"),
    ("factura", "Factura 2024/088 de Carpintería García", "invoice"),
    ("recibo", "Recibo", "receipt"),
    ("recibo", "Recibo de la señal – cocina", "receipt"),
    ("comprobante de pago", "Comprobante de pago – pedido 5521", "receipt"),
    ("justificante de pago", "Justificante de pago", "receipt"),
    ("confirmación de pago", "Confirmación de pago – pedido 5521", "receipt"),
    ("confirmación de pedido", "Confirmación de pedido #5521", "order_confirmation"),
    ("confirmación del pedido", "Confirmación del pedido 5521", "order_confirmation"),
    ("recordatorio de pago", "Recordatorio de pago", "payment_reminder"),
    ("requerimiento de pago", "Requerimiento de pago – expediente 2031", "payment_reminder"),
    ("estado de cuenta", "Estado de cuenta – marzo 2026", "statement"),
    ("extracto de cuenta", "Extracto de cuenta a 31/03/2026", "statement"),
]
# (word, an invoice's subject that only this word makes a payment reminder)
DUNNING = [
    ("reminder", "Reminder: Invoice 1042 from Acme Woodworks"),
    ("overdue", "Invoice INV-0042 is overdue"),
    ("unpaid", "Unpaid invoice #1042"),
    ("outstanding", "Outstanding invoice 1042 – second notice"),
    ("erinnerung", "Erinnerung: Rechnung RE-1042"),
    ("überfällig", "Rechnung RE-1042 überfällig"),
    ("offen", "Offene Rechnung RE-1042"),
    ("relance", "Relance : facture F-2031"),
    ("rappel", "Rappel facture F-2031 arrivée à échéance"),
    ("impayé", "Facture F-2031 impayée"),
    ("recordatorio", "Recordatorio: factura 88"),
    ("vencida", "Factura 88 vencida"),
    ("pendiente", "Factura 88 pendiente de pago"),
    ("impagada", "Factura 88 impagada"),
]
# (presenter, an own text that only this presenter makes the handing over of an invoice)
PRESENTED = [
    ("attached", "Attached is the invoice for the oak table. Total: €1,200."),
    ("enclosed", "Enclosed is our invoice for the fitting."),
    ("please find", "Please find our invoice for the March work below."),
    ("here is", "Hi Ann, here is the invoice for the shelves: $640 total."),
    ("here's", "Here's your invoice! We appreciate your prompt payment."),
    ("herewith", "Herewith our invoice for March, total €2,150."),
    ("anbei", "Hallo Frau Lee,\n\nanbei erhalten Sie die Rechnung. Gesamt: 1.800 €"),
    ("beigefügt", "Beigefügt finden Sie die Rechnung zu Ihrem Auftrag."),
    ("im anhang", "Im Anhang finden Sie die Rechnung für März."),
    ("anliegend", "anliegend erhalten Sie unsere Rechnung."),
    ("ci-joint", "Bonjour,\nci-joint la facture pour la table, 1 800 € TTC."),
    ("voici", "Voici la facture de la cuisine."),
    ("veuillez trouver", "Veuillez trouver notre facture pour le mois de mars."),
    ("vous trouverez", "Vous trouverez votre facture ci-dessous."),
    ("en pièce jointe", "La facture de mars est en pièce jointe."),
    ("adjunto", "Hola Ana, te adjunto la factura de la mesa."),
    ("adjuntamos", "Adjuntamos la factura correspondiente a marzo."),
    ("adjunta", "Le envío adjunta la factura."),
    ("aquí tiene", "Aquí tiene la factura de la cocina."),
]
# (phrase, a subject where only this phrase keeps a billing word from counting, is it a quote)
NOT_BILLING = [
    ("of receipt", "Confirmation of receipt – signed drawings", False),
    ("bien reçu", "Re: Devis bien reçu", True),
    ("ai reçu", "Plans cuisine : j'ai reçu, merci", False),
    ("avez-vous reçu", "Avez-vous reçu le devis ?", True),
    ("reçu votre", "Reçu votre demande – devis sous 48 h", True),
    ("acuse de recibo", "Acuse de recibo – planos firmados", False),
    ("acuso recibo", "Acuso recibo de los planos", False),
]
# (word, a subject only this word makes a pro-forma invoice)
PROFORMA = [
    ("pro forma", "Pro forma invoice PF-1042"),
    ("pro forma", "Pro-forma invoice for the export order"),
    ("proforma", "Proforma Invoice #1042"),
    ("proforma", "Proforma-Rechnung Nr. 2024-117"),
    ("pro forma", "Pro-forma-Rechnung PR-2031"),
    ("proforma", "Facture proforma FP-2031"),
    ("pro forma", "Facture pro forma n° 2031"),
    ("proforma", "Factura proforma 88"),
    ("pro forma", "Factura pro-forma 2024/088"),
]


@pytest.mark.parametrize(("word", "subject", "kind"), BILLING_EN + BILLING_DE)
def test_billing_subjects_en_de(word: str, subject: str, kind: str) -> None:
    assert_billing(mail(subject), kind)


@pytest.mark.parametrize(("word", "subject", "kind"), BILLING_FR + BILLING_ES)
def test_billing_subjects_fr_es(word: str, subject: str, kind: str) -> None:
    assert_billing(mail(subject), kind)


@pytest.mark.parametrize(("word", "subject"), DUNNING)
def test_an_invoice_reminded_of_is_a_payment_reminder(word: str, subject: str) -> None:
    assert_billing(mail(subject), "payment_reminder")


@pytest.mark.parametrize(("word", "text"), PRESENTED)
def test_a_text_that_hands_over_an_invoice(word: str, text: str) -> None:
    assert_billing(mail("Re: your order", text), "invoice")


@pytest.mark.parametrize(("phrase", "subject", "is_quote"), NOT_BILLING)
def test_phrases_where_a_billing_word_means_something_else(
    phrase: str, subject: str, is_quote: bool
) -> None:
    assert_billing(mail(subject), None)
    assert decide_quote(mail(subject)).is_quote is is_quote


@pytest.mark.parametrize(("word", "subject"), PROFORMA)
def test_a_pro_forma_invoice_is_a_quote(word: str, subject: str) -> None:
    assert_billing(mail(subject), None)
    decision = decide_quote(mail(subject))
    assert decision.is_quote and decision.reason.endswith("a pro-forma invoice is an offer")


def test_every_listed_word_has_a_row() -> None:
    """One way only: a new word needs a row; a dropped word is caught by its row failing."""
    subjects = BILLING_EN + BILLING_DE + BILLING_FR + BILLING_ES
    for kind, words in BILLING_WORDS.items():
        assert set(words) <= {w for w, _, k in subjects if k == kind}, kind
    assert set(DUNNING_WORDS) <= {w for w, _ in DUNNING}
    assert set(PRESENTER_WORDS) <= {w for w, _ in PRESENTED}
    assert set(NOT_BILLING_PHRASES) <= {w for w, _, _ in NOT_BILLING}
    assert set(PROFORMA_WORDS) <= {w for w, _ in PROFORMA}


@pytest.mark.parametrize(
    ("attachment", "kind"),
    [
        ("Invoice_1042.pdf", "invoice"),
        ("Invoice INV-0042.pdf", "invoice"),  # Xero
        ("Invoice_1042_from_Acme_Woodworks.pdf", "invoice"),  # QuickBooks
        ("Rechnung-2024-117.pdf", "invoice"),
        ("Rechnung_RE1042_Schreinerei_Mueller.pdf", "invoice"),
        ("facture_2031.pdf", "invoice"),
        ("Facture-FA2024031.pdf", "invoice"),
        ("Factura_88.pdf", "invoice"),
        ("Receipt-2031-4471.pdf", "receipt"),  # Stripe
        ("Quittung_Anzahlung.pdf", "receipt"),
        ("recu_2031.pdf", "receipt"),  # accents dropped
        ("Recibo_0042.pdf", "receipt"),
        ("Auftragsbestaetigung_AB-2031.pdf", "order_confirmation"),  # umlaut spelt ae
        ("Bestellbestätigung_5521.pdf", "order_confirmation"),
        ("Confirmation_de_commande_4471.pdf", "order_confirmation"),
        ("Bestellbesta\u0308tigung_5521.pdf", "order_confirmation"),  # decomposed, from a Mac
        ("Mahnung_RE-1042.pdf", "payment_reminder"),
        ("Zahlungserinnerung RE-1042.pdf", "payment_reminder"),
        ("Kontoauszug_2026-03.pdf", "statement"),
        ("Releve_de_compte_2026-03.pdf", "statement"),
        ("Estado_de_cuenta_marzo.pdf", "statement"),
        ("Statement_of_Account_March_2026.pdf", "statement"),
    ],
)
def test_billing_attachments(attachment: str, kind: str) -> None:
    assert_billing(mail("Oak table", "Total: €1,200. Thank you!", "AGB.pdf", attachment), kind)


@pytest.mark.parametrize(
    ("record", "kind"),
    [
        # an invoice that names a total is still no quote, in every language
        (mail("Invoice #1042", "Hi Ann,\n\nTotal: €1,200. Thanks for your business!"), "invoice"),
        (mail("Rechnung RE-1042", "Gesamtbetrag: 1.200,00 €, der Preis inkl. MwSt."), "invoice"),
        (mail("Facture F-2031", "Montant total : 1 200,00 € TTC."), "invoice"),
        (mail("Factura 88", "Precio total: 1.200,00 €."), "invoice"),
        # billing first, even where a quote word is about
        (mail("Angebot AN-1042", "anbei die Rechnung zum Angebot, Gesamt: 1.200 €"), "invoice"),
        (mail("Quote: oak table", "", "Quote-2031.pdf", "Invoice_1042.pdf"), "invoice"),
        # a document number opening a line of the own text (a phone, no subject)
        (mail("", "Invoice #1042\nOak table: $1,200 total\nDue 14 March"), "invoice"),
        (mail("Eichentisch", "Rechnung Nr. 2024-117\nGesamt: 1.800 €"), "invoice"),
        (mail("Table", "Facture n° 2031 – table en chêne, total 1 800 €"), "invoice"),
        (mail("Mesa", "Factura n.º 2024/088: mesa de roble, 1.800 €"), "invoice"),
        (mail("Re: Eichentisch", "Rechnung RE-1042 anbei."), "invoice"),
        # other kinds handed over in the text; a curly apostrophe from a phone
        (mail("Deposit", "Here’s the receipt for your deposit."), "receipt"),
        (mail("Ihr Auftrag", "Anbei die Auftragsbestätigung."), "order_confirmation"),
        (mail("Compte", "Ci-joint le relevé de compte au 31 mars."), "statement"),
        (mail("Compte", "Voici l’état de compte au 31 mars."), "statement"),
        (mail("Pago", "Le adjunto el recordatorio de pago."), "payment_reminder"),
        (mail("Oak table", "Here is a reminder that invoice 1042 is overdue."), "payment_reminder"),
        # a receipt for a pro-forma invoice: the deal is won
        (mail("Receipt for pro forma invoice PF-1042"), "receipt"),
        (mail("Zahlungseingang zur Proforma-Rechnung PR-2031"), "receipt"),
    ],
)
def test_billing_mail(record: dict[str, Any], kind: str) -> None:
    assert_billing(record, kind)


@pytest.mark.parametrize(
    "record",
    [
        # a quote's text speaks of the invoice to come: still a quote
        mail("Oak table", "The price is €1,800. We invoice 30% on order, the rest on delivery."),
        mail("Eichentisch", "Preis: 2.400 €. Die Rechnung folgt nach der Montage."),
        mail("Oak table", "Attached is our quote; the invoice follows on delivery. Total €2,400."),
        mail("Shelves", "Please find attached our quote and the invoice terms: total €600."),
        mail("Shelves", "Attached the quote and invoice for the deposit. Total €600."),
        mail("Table", "Prix : 2 400 € HT. Facturation à la livraison."),
        mail("Mesa", "Precio: 1.800 €. La factura se emite a la entrega."),
        mail("Fit-out", "Payment terms: 30 days from the invoice date. Total €5,200."),
        mail("Fit-out", "Price: €5,200, payable on invoice 30 days net."),
        mail("Re: Quote", "Invoice 1042 was paid, thanks. Here is the new quote: €900"),
        # words inside other words do not count
        mail("Oak table", "The deposit is invoiced on order. Total: €1,200 incl. fitting."),
        mail("Angebot inkl. Berechnung der Wandfläche"),
        mail("Angebot – bitte Rechnungsadresse bestätigen"),
        mail("Devis – l'acompte sera facturé à la commande"),
        mail("Presupuesto – facturación trimestral"),
        mail("Re: Presupuesto recibido"),
        # a pro-forma invoice, by its attachment or handed over in the text
        mail("Your export order", "", "Proforma_Invoice_1042.pdf"),
        mail("Ihre Bestellung", "", "Proforma-Rechnung_2024-117.pdf"),
        mail("Votre commande", "", "facture-proforma-2031.pdf"),
        mail("Su pedido", "", "Factura_Proforma_88.pdf"),
        mail("Eichentisch", "Anbei die Proforma-Rechnung, Gesamt 2.400 €."),
        mail("Export order", "Attached is the pro forma invoice for your order."),
    ],
)
def test_quotes_that_are_not_billing(record: dict[str, Any]) -> None:
    assert_billing(record, None)
    assert decide_quote(record).is_quote, decide_quote(record).reason


@pytest.mark.parametrize(
    "record",
    [
        mail("Re: Oak table – invoiced?"),
        mail("Re: Invoicing question"),
        mail("Re: Berechnung der Wandfläche"),
        mail("Ermahnung zur Ruhe"),  # an admonition, no dunning letter
        mail("Statement of work – phase 2"),  # "statement" alone bills nothing
        mail("Re: Delivery", "Can you send the invoice to accounts@acme.example instead?"),
    ],
)
def test_neither_billing_nor_quote(record: dict[str, Any]) -> None:
    assert_billing(record, None)
    assert not decide_quote(record).is_quote
