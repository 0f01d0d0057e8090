"""Quote or not (issue 10, point 5): offer words, price words, reasons and config, as tables.

Every word of DEFAULT_QUOTE_WORDS and DEFAULT_PRICE_WORDS has a row of its own that no other
word would decide, written as the owner's mail client or accounting tool writes it, so that
dropping a word from a list fails its row. Billing mail is in test_quote_rules_billing.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxfollow.rules.quote_words import BILLING_NAMES
from inboxfollow.rules.quotes import (
    DEFAULT_PRICE_WORDS,
    DEFAULT_QUOTE_WORDS,
    QuoteRules,
    billing_kind,
    decide_quote,
)


def mail(subject: str = "", text: str = "", *attachments: str) -> dict[str, Any]:
    return {"subject": subject, "text": text, "attachments": list(attachments)}


# (word, a subject that only this word makes a quote)
QUOTE_WORD_SUBJECTS = [
    # en
    ("quote", "Quote for the oak dining table"),
    ("quotation", "RE: Quotation – office fit-out, 2nd floor"),
    ("estimate", "Estimate 1043 from Acme Woodworks"),
    ("proposal", "Proposal: website redesign for Lee & Co"),
    ("offer", "Our offer for the garden path"),
    ("pricing", "Pricing for 40 stacking chairs"),
    ("price list", "Price list 2026"),
    ("bid", "Bid – roof repair, 12 Elm Street"),
    ("tender", "Tender: cleaning contract 2026–2028"),
    # de
    ("angebot", "Angebot AN-1042 von Schreinerei Müller"),
    ("kostenvoranschlag", "AW: Kostenvoranschlag Badsanierung"),
    ("preisangebot", "Ihr Preisangebot für 40 Stühle"),
    ("offerte", "Offerte Nr. 2026-031 – Dachsanierung"),
    ("kalkulation", "Kalkulation Küchenmontage Lindenstraße"),
    # fr
    ("devis", "Devis D-2031 de Menuiserie Dupont"),
    ("offre", "Notre offre pour l'aménagement du bureau"),
    ("proposition commerciale", "Proposition commerciale – refonte du site"),
    ("tarif", "Tarifs 2026 – traiteur"),
    ("cotation", "Cotation transport Lyon–Madrid"),
    # es
    ("presupuesto", "Presupuesto reforma cocina"),
    ("cotización", "Cotización COT-0088 de Carpintería García"),
    ("oferta", "Oferta – mantenimiento anual de jardines"),
    ("propuesta", "RV: Propuesta de diseño web"),
]

# (word, the own text that only this word, next to its amount, makes a quote)
PRICE_WORD_TEXTS = [
    # en
    ("price", "Hi Ann,\n\nthe price for the table is €1,800 including delivery.\n\nBest, Dana"),
    ("cost", "It will cost $450 to refinish all six chairs."),
    ("total", "Oak, oiled, with fitting. Total: EUR 2,400."),
    ("comes to", "All in, that comes to £380."),
    ("fee", "Our fee for the design work is $1,500."),
    ("rate", "My day rate is €650, travel included."),
    # de
    ("preis", "Hallo Ann,\nder Preis für den Tisch beträgt 1.800 € inkl. Lieferung."),
    ("kosten", "Die Kosten für die Montage liegen bei 900 EUR."),
    ("gesamt", "Eiche geölt, 4 Stühle.\nGesamt: 2.400,00 € zzgl. MwSt."),
    # fr
    ("prix", "Bonjour,\nle prix de la table est de 1 800 €, livraison comprise."),
    ("coût", "Le coût des travaux s'élève à 4 500 € HT."),
    ("montant", "Le montant s'élève à 1 200 € TTC."),
    # es
    ("precio", "El precio de la mesa es de 1.800 €, entrega incluida."),
    ("costo", "El costo de instalación es de 450 USD."),
]


@pytest.mark.parametrize(("word", "subject"), QUOTE_WORD_SUBJECTS)
def test_each_quote_word_makes_the_subject_a_quote(word: str, subject: str) -> None:
    decision = decide_quote(mail(subject))
    assert decision.is_quote, decision.reason
    assert decision.billing is None


@pytest.mark.parametrize(("word", "text"), PRICE_WORD_TEXTS)
def test_each_price_word_with_an_amount_makes_the_text_a_quote(word: str, text: str) -> None:
    decision = decide_quote(mail("Re: your enquiry", text))
    assert decision.is_quote, decision.reason
    assert decision.reason.startswith("its own text names ")


def test_every_listed_word_has_a_row() -> None:
    """One way only: a new word needs a row; a dropped word is caught by its row failing."""
    assert set(DEFAULT_QUOTE_WORDS) <= {word for word, _ in QUOTE_WORD_SUBJECTS}
    assert set(DEFAULT_PRICE_WORDS) <= {word for word, _ in PRICE_WORD_TEXTS}


@pytest.mark.parametrize(
    ("record", "is_quote"),
    [
        # replies and forwards keep the subject rule, as clients prefix it
        (mail("Re: Your quote", "Yes, delivery is included."), True),
        (mail("AW: Ihr Angebot vom 3. März", "Ja, die Montage ist enthalten."), True),
        (mail("TR: Devis cuisine"), True),
        (mail("RV: Presupuesto reforma baño"), True),
        # attachment names, as tools and phones name them; accents dropped
        (mail("Hello", "", "Quote-2031.pdf"), True),
        (mail("Unterlagen", "", "Angebot_AN-1042.pdf"), True),
        (mail("Documents", "", "Devis_D-2031.pdf"), True),
        (mail("Documentos", "", "Cotizacion_COT-0088.pdf"), True),
        (mail("Documentos", "", "presupuesto-cocina-v2.pdf"), True),
        (mail("Our range", "", "price_list_2026.xlsx"), True),
        # accents dropped on a phone
        (mail("Cotizacion cocina"), True),
        (mail("Re: table", "Le cout est de 450 euros."), True),
        (mail("Re: Oak table", "Here’s the quote you asked for: EUR 1,800."), True),
        # plurals and inflected endings
        (mail("Quotes for 3 sizes"), True),
        (mail("Angebote Küche und Bad"), True),
        (mail("Re: mesa", "El coste de la obra es de 4.500 €."), True),  # cost + e
        # words inside other words do not count
        (mail("Estimated arrival"), False),
        (mail("Offering help"), False),
        (mail("Re: Biddle family dinner"), False),
        (mail("Tendering webinar notes"), False),
        # an amount without a price word is no price
        (mail("Hello", "Lunch was $12, great to see you."), False),
        (mail("Hallo", "Danke für den Kaffee, 3,50 € sind bezahlt."), False),
        (mail("Thank you", "See you on Monday at 10:30."), False),
    ],
)
def test_what_is_a_quote(record: dict[str, Any], is_quote: bool) -> None:
    assert decide_quote(record).is_quote is is_quote


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (mail("Quote: shelves"), "its subject says 'Quote'"),
        (mail("Hello", "", "angebot_2031.pdf"), "the attachment 'angebot_2031.pdf' says 'angebot'"),
        (mail("Hi", "Oak, oiled. Total: EUR 2,400."),
         "its own text names 'Total' and an amount ('EUR 2,400')"),
        (mail("Hi", "Lunch was $12."), "its text has an amount but no word that makes it a price"),
        (mail("Hi", "See you Monday."),
         "no quote word in the subject, the attachments or its own text"),
        (mail("Rechnung Nr. 2024-117"), "its subject says 'Rechnung': an invoice, not a quote"),
        (mail("Oak table", "", "Invoice_1042.pdf"),
         "the attachment 'Invoice_1042.pdf' says 'Invoice': an invoice, not a quote"),
        (mail("Oak table", "Here's your invoice! Total: $1,200."),
         "its own text says \"Here's your invoice\": an invoice, not a quote"),
        (mail("Invoice INV-0042 is overdue"),
         "its subject says 'Invoice' and 'overdue': a payment reminder, not a quote"),
        (mail("Reçu de paiement"), "its subject says 'Reçu': a receipt, not a quote"),
        (mail("Proforma-Rechnung Nr. 2024-117"),
         "its subject says 'Proforma-Rechnung': a pro-forma invoice is an offer"),
    ],
)
def test_every_decision_says_why(record: dict[str, Any], reason: str) -> None:
    assert decide_quote(record).reason == reason


def test_configured_words_replace_the_defaults_but_billing_and_proforma_stay() -> None:
    rules = QuoteRules.build(["angebot"], ["preis"])
    assert decide_quote(mail("Angebot Eichentisch"), rules).is_quote
    assert not decide_quote(mail("Quote: oak table"), rules).is_quote
    assert decide_quote(mail("Hi", "Der Preis: 900 €"), rules).is_quote
    assert not decide_quote(mail("Hi", "The price: €900"), rules).is_quote
    assert billing_kind(mail("Rechnung Nr. 2024-117"), rules) == "invoice"
    assert decide_quote(mail("Proforma-Rechnung PR-2031"), rules).is_quote


def test_billing_words_can_be_configured() -> None:
    rules = QuoteRules.build(billing={"invoice": ("bill",), "receipt": ("voucher",)})
    assert billing_kind(mail("Bill #1042 for the oak table"), rules) == "invoice"
    assert billing_kind(mail("Voucher for your payment"), rules) == "receipt"
    assert billing_kind(mail("Invoice #1042"), rules) is None
    assert decide_quote(mail("Pro forma bill PF-1042"), rules).is_quote
    assert billing_kind(mail("Invoice #1042"), QuoteRules.build(billing={})) is None
    with pytest.raises(ValueError, match="unknown billing kind"):
        QuoteRules.build(billing={"credit_note": ("gutschrift",)})


FRAGMENTS = [
    "Quote", "Invoice #1042", "Rechnung", "Proforma-Rechnung", "Reçu", "bien reçu", "overdue",
    "Angebot", "Total: €1,200", "anbei die Rechnung", "Here's your invoice", "Re:", "devis",
    "Mahnung", "Statement of account", "Order confirmation", "Price: $900", "pro forma", "",
]
RECORDS = st.builds(
    lambda s, t, a: mail(" ".join(s), "\n".join(t), *[f"{x}.pdf" for x in a]),
    st.lists(st.sampled_from(FRAGMENTS), max_size=4),
    st.lists(st.sampled_from(FRAGMENTS), max_size=4),
    st.lists(st.sampled_from(FRAGMENTS), max_size=2),
)


@given(RECORDS)
def test_billing_mail_is_never_a_quote(record: dict[str, Any]) -> None:
    decision = decide_quote(record)
    assert decision.billing == billing_kind(record)
    assert decision.billing is None or (
        decision.billing in BILLING_NAMES and not decision.is_quote
    )


@given(RECORDS, st.sampled_from(["Re: ", "RE: ", "AW: ", "Fwd: ", "TR: ", "RV: "]))
def test_a_reply_prefix_changes_nothing(record: dict[str, Any], prefix: str) -> None:
    reply = {**record, "subject": prefix + record["subject"]}
    assert decide_quote(reply).is_quote is decide_quote(record).is_quote
    assert billing_kind(reply) == billing_kind(record)
