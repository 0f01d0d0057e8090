"""The word tables of the quote rule, in English, German, French and Spanish.

A word matches whole ("invoice" is not in "invoiced"), in any case, with an ending (s, es, e,
en, n); an accented letter also matches without its accent ("recu" is "reçu"; "facturé" is not
"facture"), a German umlaut also as ae, oe, ue ("Auftragsbestaetigung"), and a space or a
hyphen in a phrase also matches a space, a hyphen or an underscore ("Pro-forma", "price_list").
So no word needs a second spelling here. Every word has its own row in
tests/test_quote_rules.py or tests/test_quote_rules_billing.py.
"""

from __future__ import annotations

from collections.abc import Mapping

# Words that name an offer.
DEFAULT_QUOTE_WORDS = (
    "quote", "quotation", "estimate", "proposal", "offer", "pricing", "price list", "bid",
    "tender",
    "angebot", "kostenvoranschlag", "preisangebot", "offerte", "kalkulation",
    "devis", "offre", "proposition commerciale", "tarif", "cotation",
    "presupuesto", "cotización", "oferta", "propuesta",
)
# Words that, next to an amount in the message's own text, make it a price.
DEFAULT_PRICE_WORDS = (
    "price", "cost", "total", "comes to", "fee", "rate",
    "preis", "kosten", "gesamt", "prix", "coût", "montant", "precio", "costo",
)

# Billing mail: it asks for, confirms or acknowledges payment, so it is no quote (and it is
# evidence of a deal won). Kinds in the order they are tried: the more specific first.
BILLING_WORDS: Mapping[str, tuple[str, ...]] = {
    "payment_reminder": (
        "payment reminder", "past due",
        "zahlungserinnerung", "mahnung", "zahlungsaufforderung",
        "relance de paiement", "rappel de paiement", "mise en demeure",
        "recordatorio de pago", "requerimiento de pago",
    ),
    "statement": (
        "statement of account", "account statement",
        "kontoauszug", "saldenbestätigung", "offene posten",
        "relevé de compte", "état de compte",
        "estado de cuenta", "extracto de cuenta",
    ),
    "receipt": (
        "receipt", "payment confirmation", "payment received",
        "quittung", "zahlungsbestätigung", "zahlungseingang",
        "reçu", "quittance", "confirmation de paiement",
        "recibo", "comprobante de pago", "justificante de pago", "confirmación de pago",
    ),
    "order_confirmation": (
        "order confirmation", "confirmation of your order",
        "auftragsbestätigung", "bestellbestätigung",
        "confirmation de commande",
        "confirmación de pedido", "confirmación del pedido",
    ),
    "invoice": (
        "invoice",
        "rechnung", "schlussrechnung", "abschlagsrechnung", "teilrechnung",
        "facture",
        "factura",
    ),
}
# Words that turn an invoice into a payment reminder ("Invoice 1042 is overdue").
DUNNING_WORDS = (
    "reminder", "overdue", "unpaid", "outstanding",
    "erinnerung", "überfällig", "offen",
    "relance", "rappel", "impayé",
    "recordatorio", "vencida", "pendiente", "impagada",
)
# A pro-forma invoice is an offer: a quote, not a bill.
PROFORMA_WORDS = ("proforma", "pro forma")
# Words that hand over what follows or precedes them in the text: "anbei die Rechnung".
PRESENTER_WORDS = (
    "attached", "enclosed", "please find", "here is", "here's", "herewith",
    "anbei", "beigefügt", "im anhang", "anliegend",
    "ci-joint", "voici", "veuillez trouver", "vous trouverez", "en pièce jointe",
    "adjunto", "adjuntamos", "adjunta", "aquí tiene",
)
# Phrases where a billing word means something else: "bien reçu" is "well received".
NOT_BILLING_PHRASES = (
    "of receipt",
    "bien reçu", "ai reçu", "avez-vous reçu", "reçu votre",
    "acuse de recibo", "acuso recibo",
)
# How the decision names each billing kind.
BILLING_NAMES: Mapping[str, str] = {
    "payment_reminder": "a payment reminder",
    "statement": "a statement of account",
    "receipt": "a receipt",
    "order_confirmation": "an order confirmation",
    "invoice": "an invoice",
}
