"""The amount a quote names, read from its own words (pure).

A quote's text, subject or attachment file name often carries its price:
"Total: $4,250.00", "Gesamtbetrag 3.480,00 €", "Total TTC : 1 250,50 €",
"Total: 2.300,00 EUR", "£1,200", "CHF 980.–", "Angebot_3480EUR.pdf". Only what
the stored record holds is read (its own text, subject and file names), never an
attachment's content.

An amount counts only beside a currency (a symbol or an ISO code). Of several,
the largest on a line that says "total" (in English, German, French or Spanish)
wins, else the largest of all: line items are smaller than their sum, and a total
with tax is larger than the one without. A number's last "," or "." followed by
one or two digits (or the Swiss ".–") is the decimal mark; every other ".", ",",
"'" or space groups thousands. Totals per currency are never added across
currencies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "CA$": "CAD", "C$": "CAD",
            "A$": "AUD", "AU$": "AUD", "Fr.": "CHF", "SFr.": "CHF"}
_CODES = ("EUR", "USD", "GBP", "CHF", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "MXN")
_SHOWN = {"USD": "$", "EUR": "€", "GBP": "£"}  # shown as a symbol; other currencies by code

_CURRENCY = (r"(?:US\$|CA\$|AU\$|C\$|A\$|\$|€|£|SFr\.|Fr\.|(?<![A-Za-z])(?:"
             + "|".join(_CODES) + r")(?![A-Za-z]))")
_GAP = "[ \u00a0\u202f]"
_NUMBER = (r"(?:\d{1,3}(?:[.,'\u00a0\u202f ]\d{3})+|\d+)"  # 1,234,567 or 1 234 or 1234
           r"(?:[.,](?:\d{1,2}|[–—-]{1,2})(?!\d))?(?![\d])")  # ,50 or .– (no more digits)
_MONEY = re.compile(
    rf"(?P<cur1>{_CURRENCY}){_GAP}?(?P<num1>{_NUMBER})"
    rf"|(?<![\d.,])(?P<num2>{_NUMBER}){_GAP}?(?P<cur2>{_CURRENCY})"
)
_TOTAL = re.compile(
    r"\b(total|totals|sum|grand total|gesamt\w*|summe|endbetrag|betrag|montant|ttc"
    r"|importe|suma)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Amount:
    currency: str  # ISO 4217 code
    value: Decimal

    def __str__(self) -> str:
        return format_amount(self)


def parse_number(text: str) -> Decimal:
    """'3.480,00' -> 3480.00, '1 250,50' -> 1250.50, '1,200' -> 1200, '980.–' -> 980."""
    text = re.sub(r"[–—-]+$", "00", text.strip())
    digits = re.sub(r"[^\d.,]", "", text)
    last = max(digits.rfind("."), digits.rfind(","))
    if last >= 0 and len(digits) - last - 1 in (1, 2):
        whole, cents = digits[:last], digits[last + 1:]
    else:
        whole, cents = digits, ""
    whole = re.sub(r"\D", "", whole) or "0"
    return Decimal(f"{whole}.{cents}") if cents else Decimal(whole)


def amounts_in(text: str) -> list[tuple[Amount, bool]]:
    """Every amount beside a currency, each with whether its line says "total"."""
    found = []
    for line in text.splitlines():
        says_total = bool(_TOTAL.search(line))
        for match in _MONEY.finditer(line):
            symbol = match.group("cur1") or match.group("cur2")
            number = match.group("num1") or match.group("num2")
            value = parse_number(number)
            if value > 0:
                found.append((Amount(_SYMBOLS.get(symbol, symbol), value), says_total))
    return found


def find_amount(text: str) -> Amount | None:
    """The amount a text offers: the largest on a "total" line, else the largest."""
    found = amounts_in(text)
    totals = [amount for amount, says_total in found if says_total]
    pool = totals or [amount for amount, _ in found]
    return max(pool, key=lambda a: a.value) if pool else None


def quote_amount(quote: Mapping[str, Any]) -> Amount | None:
    """A stored quote's amount: from its own text, else its subject, else a file name."""
    names = " \n".join(re.sub(r"[_+]", " ", name) for name in quote.get("attachments") or ())
    for source in (quote.get("text") or "", quote.get("subject") or "", names):
        amount = find_amount(source)
        if amount is not None:
            return amount
    return None


def totals_by_currency(amounts: Iterable[Amount | None]) -> list[Amount]:
    """One total per currency, largest first; different currencies are never added."""
    sums: dict[str, Decimal] = {}
    for amount in amounts:
        if amount is not None:
            sums[amount.currency] = sums.get(amount.currency, Decimal(0)) + amount.value
    return sorted((Amount(c, v) for c, v in sums.items()), key=lambda a: (-a.value, a.currency))


def format_amount(amount: Amount) -> str:
    """'$4,250', '€1,250.50', 'CHF 980': whole amounts without cents."""
    cents = amount.value != amount.value.to_integral_value()
    number = f"{amount.value:,.2f}" if cents else f"{amount.value:,.0f}"
    symbol = _SHOWN.get(amount.currency)
    return f"{symbol}{number}" if symbol else f"{amount.currency} {number}"
