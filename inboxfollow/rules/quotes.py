"""Is an outbound message a quote? (pure)

Billing mail comes first: an invoice, a receipt, an order confirmation, a payment reminder or a
statement of account is no quote, even when it names a total, and `billing_kind` says which it
is (evidence that a deal was won). A pro-forma invoice is an offer, so a quote. Otherwise a
quote offers a price: its subject says so, or an attached file's name says so, or its own text
(not the quoted part of a reply) names a price word together with an amount.

Subjects and attachment names are judged by the words they hold; the own text is judged as
billing only where it hands the bill over ("anbei die Rechnung", "Invoice #1042" opening a line),
since a quote's text often speaks of the invoice to come. Every decision comes with its reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from inboxfollow.rules.lazy_re import LazyPattern
from inboxfollow.rules.quote_words import (
    BILLING_NAMES,
    BILLING_WORDS,
    DUNNING_WORDS,
    NOT_BILLING_PHRASES,
    PRESENTER_WORDS,
    PROFORMA_WORDS,
)
from inboxfollow.rules.quote_words import (
    DEFAULT_PRICE_WORDS as DEFAULT_PRICE_WORDS,
)
from inboxfollow.rules.quote_words import (
    DEFAULT_QUOTE_WORDS as DEFAULT_QUOTE_WORDS,
)

AMOUNT = re.compile(
    r"(?:[$€£¥]|\b(?:usd|eur|gbp|chf|cad|aud|sek|nok|dkk|pln)\b)\s?\d[\d.,' ]*"
    r"|\b\d[\d.,' ]*\s?(?:[$€£¥]|\b(?:usd|eur|gbp|chf|cad|aud|sek|nok|dkk|pln|euros?|dollars?)\b)",
    re.IGNORECASE,
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_SPACE = r"[^\S\n]"  # white space within a line
# Up to three words (an article, a pronoun, a number) between a presenter and a bill.
_GAP = rf"(?:[^\W_][\w/-]*(?:['\u2019]|{_SPACE}+)){{0,3}}?"
# A document number after a billing word, ending a heading: "#1042", "Nr. 2024-117:",
# "n° 2031 –", "INV-0042"; not "Invoice 1042 was paid".
_MARK = r"(?:#|no\.?|nr\.?|n°|nº|n\.º|num\.?)"
_NUMBER = (
    rf"{_SPACE}*:?{_SPACE}*(?:{_MARK}{_SPACE}*)?[a-z]{{0,4}}[-/]?\d{{3}}[\w/-]*"
    rf"(?={_SPACE}*(?:$|[:,;(–—-]))"
)


def _variants(char: str) -> str:
    """How a letter of a word may be written: "é" as "é" or "e", "'" also curly (phones)."""
    if char in "'\u2019":
        return "'\u2019"
    plain = unicodedata.normalize("NFD", char)[0]
    return char + plain if plain != char else char


def _letter(char: str) -> str:
    variants = _variants(char)
    return f"[{re.escape(variants)}]" if len(variants) > 1 else re.escape(char)


def _phrase(spelling: str) -> str:
    parts = re.split(r"[\s-]+", spelling)
    return r"[\s_-]+".join("".join(map(_letter, part)) for part in parts)


def _words(words: Sequence[str]) -> str:
    """Regex source: any of the words, whole, with an ending; "ä" may be "a" or "ae".

    The accent may be missing in the text ("recu" is "reçu"), never added: "facturé"
    (invoiced) is not "facture" (an invoice).
    """
    if not words:
        return r"(?!)"  # no word: matches nothing
    lower = {w.lower() for w in words}
    spellings = sorted(lower | {w.translate(_UMLAUTS) for w in lower}, key=len, reverse=True)
    alternatives = "|".join(map(_phrase, spellings))
    firsts = re.escape("".join(sorted({c for s in spellings for c in _variants(s[0])})))
    # the look-ahead at the first letters only makes the search quicker
    return rf"(?=[{firsts}])(?<![^\W\d_])(?:{alternatives})(?:s|es|e|en|n)?(?![^\W\d_])"


def _word_pattern(words: Sequence[str]) -> LazyPattern:
    return LazyPattern(_words(words), re.IGNORECASE)


def _handed_over(bill: str) -> LazyPattern:
    """A bill the text hands over: a presenter before or after it, or a number after it."""
    presenter = _words(PRESENTER_WORDS)
    return LazyPattern(
        rf"{presenter}[:,]?{_SPACE}+{_GAP}(?:{bill})"
        rf"|(?:{bill})(?:{_SPACE}+[^\W_][\w/-]*){{0,3}}?{_SPACE}+{presenter}"
        rf"|^{_SPACE}*(?:{bill}){_NUMBER}",
        re.IGNORECASE | re.MULTILINE,
    )


class _Kind(NamedTuple):
    name: str
    words: LazyPattern  # in a subject or an attachment's name
    handed_over: LazyPattern  # in the own text

    @classmethod
    def of(cls, name: str, source: str) -> _Kind:
        return cls(name, LazyPattern(source, re.IGNORECASE), _handed_over(source))


_NOTHING = _Kind.of("nothing", r"(?!)")


MASS_MAILING = 10  # [quotes].mass_mailing: a quote goes to a few people, not to a list


@dataclass(frozen=True)
class QuoteRules:
    words: LazyPattern
    price_words: LazyPattern
    billing: tuple[_Kind, ...] = ()  # the kinds of billing mail, the more specific first
    proforma: _Kind = _NOTHING  # a pro-forma invoice: "Proforma-Rechnung", "facture pro forma"
    any_bill: LazyPattern = _NOTHING.words  # any billing or pro-forma word: worth a look
    mass_mailing: int = MASS_MAILING  # more recipients than this: a mass mailing, no quote

    @classmethod
    def build(
        cls,
        words: Sequence[str] = DEFAULT_QUOTE_WORDS,
        price_words: Sequence[str] = DEFAULT_PRICE_WORDS,
        *,
        billing: Mapping[str, Sequence[str]] = BILLING_WORDS,
        mass_mailing: int = MASS_MAILING,
    ) -> QuoteRules:
        """Rules from word lists; `billing` maps a kind (see BILLING_NAMES) to its words."""
        if unknown := sorted(set(billing) - set(BILLING_NAMES)):
            raise ValueError(f"unknown billing kind(s) {unknown}: use {list(BILLING_NAMES)}")
        kinds = tuple(_Kind.of(k, _words(billing[k])) for k in BILLING_NAMES if billing.get(k))
        proforma = _Kind.of("proforma", _proforma_invoice(billing.get("invoice", ())))
        every = [w for k in billing.values() for w in k] + list(PROFORMA_WORDS)
        return cls(_word_pattern(words), _word_pattern(price_words), kinds, proforma,
                   _word_pattern(every), mass_mailing)


def _proforma_invoice(invoice_words: Sequence[str]) -> str:
    """Regex source: a pro-forma word with the invoice word before or after it, if any."""
    proforma = _words(PROFORMA_WORDS)
    if not invoice_words:
        return proforma
    invoice = _words(invoice_words)
    return rf"(?:{invoice}[\s_-]+)?{proforma}(?:[\s_-]+{invoice})?"


DEFAULT_RULES = QuoteRules.build()
DUNNING = _word_pattern(DUNNING_WORDS)
PROFORMA = _word_pattern(PROFORMA_WORDS)
NOT_BILLING = _word_pattern(NOT_BILLING_PHRASES)


@dataclass(frozen=True)
class QuoteDecision:
    is_quote: bool
    reason: str
    billing: str | None = None  # the kind of billing mail it is, if it is one (see BILLING_NAMES)


class _Field(NamedTuple):
    name: str  # "its subject", "the attachment 'x.pdf'", "its own text"
    text: str  # as written, composed (NFC): "ü" is one character, as the patterns expect
    is_text: bool


class _Finding(NamedTuple):
    field: _Field
    said: str  # the words that decide, quoted
    kind: str = ""  # of billing mail


def _fields(record: dict[str, Any]) -> list[_Field]:
    def field(name: str, value: str, is_text: bool = False) -> _Field:
        return _Field(name, unicodedata.normalize("NFC", value), is_text)

    names = [field(f"the attachment {n!r}", n) for n in record.get("attachments", [])]
    return [field("its subject", record.get("subject", "")), *names,
            field("its own text", record.get("text", ""), True)]


def _blank(text: str, pattern: LazyPattern) -> str:
    """The text with every match of the pattern blanked out, as long as the text itself."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _said(found: _Field, match: re.Match[str]) -> str:
    """What the match covers, as written, quoted for a reason."""
    return repr(found.text[match.start():match.end()].strip())


def _billing_in(found: _Field, rules: QuoteRules) -> _Finding | None:
    if not rules.any_bill.search(found.text):
        return None
    # "bien reçu" is no receipt, a "Proforma-Rechnung" no invoice
    masked = _blank(_blank(found.text, NOT_BILLING), rules.proforma.words)
    for kind in rules.billing:
        match = (kind.handed_over if found.is_text else kind.words).search(masked)
        if match and found.is_text and rules.words.search(match.group(0)):
            continue  # "attached the quote and invoice": the quote is what it hands over
        if match:
            return _dunning(found, masked, _Finding(found, _said(found, match), kind.name))
    return None


def _dunning(found: _Field, masked: str, finding: _Finding) -> _Finding:
    """An invoice that is overdue, unpaid, or reminded of: a payment reminder."""
    if finding.kind != "invoice" or not (match := DUNNING.search(masked)):
        return finding
    said = f"{finding.said} and {_said(found, match)}"
    return finding._replace(said=said, kind="payment_reminder")


def _billing(fields: Sequence[_Field], rules: QuoteRules) -> _Finding | None:
    return next((f for f in (_billing_in(x, rules) for x in fields) if f), None)


def billing_kind(record: dict[str, Any], rules: QuoteRules = DEFAULT_RULES) -> str | None:
    """The kind of billing mail a message record is (a key of BILLING_NAMES), or None."""
    found = _billing(_fields(record), rules)
    return found.kind if found else None


def _proforma(fields: Sequence[_Field], rules: QuoteRules) -> _Finding | None:
    for found in fields:
        pattern = rules.proforma.handed_over if found.is_text else rules.proforma.words
        if PROFORMA.search(found.text) and (match := pattern.search(found.text)):
            return _Finding(found, _said(found, match))
    return None


def _offer_words(fields: Sequence[_Field], rules: QuoteRules) -> _Finding | None:
    for found in fields:
        if not found.is_text and (match := rules.words.search(found.text)):
            return _Finding(found, _said(found, match))
    return None


def _priced_text(text: _Field, rules: QuoteRules) -> QuoteDecision:
    amount = AMOUNT.search(text.text)
    if not amount:
        return QuoteDecision(False, "no quote word in the subject, the attachments or its own text")
    word = rules.words.search(text.text) or rules.price_words.search(text.text)
    if not word:
        return QuoteDecision(False, "its text has an amount but no word that makes it a price")
    figure = text.text[amount.start():amount.end()].rstrip(".,' ")  # "EUR 2,400." ends a line
    return QuoteDecision(True, f"its own text names {_said(text, word)} and an amount ({figure!r})")


def decide_quote(record: dict[str, Any], rules: QuoteRules = DEFAULT_RULES) -> QuoteDecision:
    """Whether an outbound human message record is a quote, and why."""
    recipients = {a[1].lower() for a in [*record.get("to", []), *record.get("cc", [])]
                  if a and len(a) > 1 and a[1]}
    if len(recipients) > rules.mass_mailing:
        return QuoteDecision(False, f"sent to {len(recipients)} recipients, more than "
                             f"{rules.mass_mailing} ([quotes].mass_mailing): a mass mailing, "
                             "not a quote")
    fields = _fields(record)
    if bill := _billing(fields, rules):
        reason = f"{bill.field.name} says {bill.said}: {BILLING_NAMES[bill.kind]}, not a quote"
        return QuoteDecision(False, reason, bill.kind)
    if offer := _proforma(fields, rules):
        reason = f"{offer.field.name} says {offer.said}: a pro-forma invoice is an offer"
        return QuoteDecision(True, reason)
    if offer := _offer_words(fields, rules):
        return QuoteDecision(True, f"{offer.field.name} says {offer.said}")
    return _priced_text(fields[-1], rules)
