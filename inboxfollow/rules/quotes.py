"""Is an outbound message a quote? (pure)

A quote offers a price: its subject says so, or its own text (not the quoted
part of a reply) names a price word together with an amount, or an attached
file's name says so. Every decision comes with its reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Words that name an offer, in English, German, French and Spanish.
DEFAULT_QUOTE_WORDS = (
    "quote", "quotation", "estimate", "proposal", "offer", "pricing", "price list", "bid",
    "tender",
    "angebot", "kostenvoranschlag", "preisangebot", "offerte", "kalkulation",
    "devis", "offre", "proposition commerciale", "tarif", "cotation",
    "presupuesto", "cotización", "cotizacion", "oferta", "propuesta",
)
# Words that, next to an amount in the message's own text, make it a price.
DEFAULT_PRICE_WORDS = (
    "price", "cost", "total", "comes to", "fee", "rate",
    "preis", "kosten", "gesamt", "prix", "coût", "montant", "precio", "coste", "costo",
)
AMOUNT = re.compile(
    r"(?:[$€£¥]|\b(?:usd|eur|gbp|chf|cad|aud|sek|nok|dkk|pln)\b)\s?\d[\d.,' ]*"
    r"|\b\d[\d.,' ]*\s?(?:[$€£¥]|\b(?:usd|eur|gbp|chf|cad|aud|sek|nok|dkk|pln|euros?|dollars?)\b)",
    re.IGNORECASE,
)


def _word_pattern(words: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![^\W\d_])(?:{alternatives})(?:s|es|e|en|n)?(?![^\W\d_])", re.I)


@dataclass(frozen=True)
class QuoteRules:
    words: re.Pattern[str]
    price_words: re.Pattern[str]

    @classmethod
    def build(
        cls,
        words: Sequence[str] = DEFAULT_QUOTE_WORDS,
        price_words: Sequence[str] = DEFAULT_PRICE_WORDS,
    ) -> QuoteRules:
        return cls(_word_pattern(words), _word_pattern(price_words))


DEFAULT_RULES = QuoteRules.build()


@dataclass(frozen=True)
class QuoteDecision:
    is_quote: bool
    reason: str


def decide_quote(record: dict[str, Any], rules: QuoteRules = DEFAULT_RULES) -> QuoteDecision:
    """Whether an outbound human message record is a quote, and why."""
    subject = record.get("subject", "")
    if match := rules.words.search(subject):
        return QuoteDecision(True, f"its subject says {match.group(0)!r}")
    for name in record.get("attachments", []):
        if match := rules.words.search(name.replace("_", " ").replace("-", " ")):
            return QuoteDecision(True, f"the attachment {name!r} says {match.group(0)!r}")
    text = record.get("text", "")
    amount = AMOUNT.search(text)
    if amount:
        word = rules.words.search(text) or rules.price_words.search(text)
        if word:
            return QuoteDecision(
                True,
                f"its own text names {word.group(0)!r} and an amount "
                f"({amount.group(0).strip()!r})",
            )
        return QuoteDecision(False, "its text has an amount but no word that makes it a price")
    return QuoteDecision(False, "no quote word in the subject, the attachments or its own text")
