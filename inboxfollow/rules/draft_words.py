"""The words a follow-up draft is made of, per language (pure): its subject, how it
names the quote, its dates and the quoted original below it.

Languages: "en", "de", "fr", "es". Dates come in already converted to the owner's
time zone; month names are a small table here (no locale, no Babel).
"""

from __future__ import annotations

import re
from datetime import datetime

LANGUAGES = ("en", "de", "fr", "es")
QUOTED_LINES = 15  # at most this many lines of the quote go below the follow-up

# Reply and forward prefixes as mail clients write them, in many languages:
# Re, RE, AW (Antwort), WG (Weitergeleitet), Fwd/Fw, TR (transféré), RV (reenviado),
# SV/VS (Nordic), RIF/R (Italian), Antw, Odp, RES/ENC (Portuguese), Vá/Továbbítás.
_PREFIX = re.compile(
    r"^\s*(?:\[(?:ext|external|extern)\]\s*)?"
    r"(?:re|aw|wg|fwd?|tr|rv|sv|vs|rif|r|antw|odp|res|enc|v[áa]|ynt|ant|atb|sw)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*",
    re.IGNORECASE,
)


def base_subject(subject: str) -> str:
    """A subject without any stacked reply or forward prefixes."""
    text = " ".join(subject.split())
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            return text
        text = stripped


def reply_subject(subject: str) -> str:
    """'Re: ' and the original subject: one prefix, however many the subject carried."""
    return f"Re: {base_subject(subject) or '…'}"


MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}
_DAY_MONTH = {"en": "{d} {m}", "de": "{d}. {m}", "fr": "{d} {m}", "es": "{d} de {m}"}
_YEAR = {"en": " {y}", "de": " {y}", "fr": " {y}", "es": " de {y}"}


def day_month(when: datetime, lang: str) -> str:
    """'3 March', '3. März', '3 mars', '3 de marzo' (1er in French)."""
    day = "1er" if lang == "fr" and when.day == 1 else str(when.day)
    return _DAY_MONTH[lang].format(d=day, m=MONTHS[lang][when.month - 1])


def long_date(when: datetime, lang: str) -> str:
    """'3 March 2026', '3. März 2026', '3 mars 2026', '3 de marzo de 2026'."""
    return day_month(when, lang) + _YEAR[lang].format(y=when.year)


def short_date(when: datetime, now: datetime, lang: str) -> str:
    """A date as a person writes it: without the year when it is this year's."""
    return day_month(when, lang) if when.year == now.year else long_date(when, lang)


_ATTRIBUTION = {
    "en": "On {date} at {time}, {who} wrote:",
    "de": "Am {date} um {time} schrieb {who}:",
    "fr": "Le {date} à {time}, {who} a écrit :",
    "es": "El {date}, a las {time}, {who} escribió:",
}


def attribution(when: datetime, name: str, address: str, lang: str) -> str:
    """The line a mail client writes above a quoted message, in the draft's language."""
    who = f"{name} <{address}>" if name else f"<{address}>"
    return _ATTRIBUTION[lang].format(date=long_date(when, lang), time=when.strftime("%H:%M"),
                                     who=who)


def quoted_block(text: str, limit: int = QUOTED_LINES) -> str:
    """The quote's text as `> ` lines, at most `limit` of them; "" for no text."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]
    lines = _without_blank_runs(lines)
    if not any(lines):
        return ""
    cut = len(lines) > limit
    lines = lines[:limit] + (["[…]"] if cut else [])
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def _without_blank_runs(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    return kept


# How a draft names the quote -------------------------------------------------

# The noun each language's templates are written around (their grammar is fixed to it:
# "Angebot" is neuter, "devis" and "presupuesto" masculine). English takes the
# subject's own word: quote, estimate, proposal or offer.
NOUNS = {"en": "quote", "de": "Angebot", "fr": "devis", "es": "presupuesto"}
_EN_NOUNS = ("estimate", "proposal", "quotation", "quote", "offer")
_QUOTE_WORD = re.compile(
    r"(?:\b(?:my|our|your|the|a|mein|unser|ihr|das|dein|mon|notre|votre|le|un|mi|nuestro|su"
    r"|el|un)\s+)?"
    r"\b(quot(?:e|ation)|estimate|proposal|offer|angebot|kostenvoranschlag|kva|offerte"
    r"|devis|proposition|offre|presupuesto|cotizaci[óo]n|oferta|propuesta)\b",
    re.IGNORECASE,
)
_FILE_NOUNS = re.compile(r"(quot(?:e|ation)|estimate|proposal|offer|angebot|devis|presupuesto"
                         r"|cotizaci[óo]n|kostenvoranschlag)", re.IGNORECASE)
_PREPOSITIONS = {"en": "for|on|about|regarding", "de": "für|zu|zum|zur|über|betreffend",
                 "fr": "pour|de|du|des|sur|concernant", "es": "para|de|del|sobre"}
_OPEN_CLOSE = {"en": ("“", "”"), "de": ("„", "“"), "fr": ("« ", " »"), "es": ("«", "»")}


def names_quote(text: str) -> bool:
    """The text (a subject) names an offer: quote, Angebot, devis, presupuesto and kin."""
    return _QUOTE_WORD.search(text) is not None


def english_noun(*texts: str) -> str:
    """quote, estimate, proposal or offer: the word the owner used first in `texts`."""
    for text in texts:
        match = _FILE_NOUNS.search(text) or _QUOTE_WORD.search(text)
        if match:
            word = match.group(1).lower()
            for noun in _EN_NOUNS:
                if word.startswith(noun[:5]):
                    return "quote" if noun == "quotation" else noun
    return "quote"


def quote_ref(subject: str, lang: str, noun: str = "") -> str:
    """The quote as a noun phrase without its possessive, for "my {{ quote_ref }}".

    The subject's own quote word is not repeated: "Quote for your HVAC service plan"
    gives "quote for your HVAC service plan", "Angebot: Küche" gives "Angebot „Küche“",
    and a subject that names no quote is quoted whole: 'quote “Kitchen shelves”'.
    """
    noun = noun or NOUNS[lang]
    topic = base_subject(subject)
    match = _QUOTE_WORD.search(topic)
    if match:
        topic = (topic[: match.start()] + " " + topic[match.end():]).strip(" :-–—|,/")
        topic = " ".join(topic.split()).strip(" :-–—|,/")
    if not topic:
        return noun
    if match and re.match(rf"(?:{_PREPOSITIONS[lang]})\b", topic, re.IGNORECASE):
        return f"{noun} {topic}"
    opening, closing = _OPEN_CLOSE[lang]
    return f"{noun} {opening}{topic}{closing}"


def attachment_ref(filename: str, lang: str, noun: str = "") -> str:
    """An attachment-only quote, named by its file, for "my {{ quote_ref }} from
    {{ quote_date }}": "estimate (Estimate-1042.pdf)"."""
    return f"{noun or NOUNS[lang]} ({filename})"
