"""Which language a follow-up is written in (pure): the quote's, unless the owner says.

The quote's language is told by counting common short words (stop words) of
English, German, French and Spanish in its text and subject. Few of them, or a
tie, says nothing, and the draft falls back to the configured default. The owner
can fix it per contact or per domain in [drafts.languages].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inboxfollow.errors import ConfigError

LANGUAGES = ("en", "de", "fr", "es")
AUTO = "auto"
MIN_HITS = 3  # fewer of these words than this tells nothing

STOP_WORDS = {
    "en": frozenset(
        "the and you your for with this that are have will please our from would let know "
        "any here is it of to we be can if on as at by or all attached thanks regards "
        "questions best hi hello dear quote estimate proposal thank".split()),
    "de": frozenset(
        "der die das und ich sie ihr ihre ihnen für mit ist nicht wir auf ein eine einen "
        "dem den des zu von bei im wie gerne bitte grüßen grüße freundlichen anbei können "
        "haben wenn auch uns sich noch dass oder hallo herr frau unser über angebot liebe "
        "lieber viele besten dank vielen".split()),
    "fr": frozenset(
        "le la les et je vous votre vos pour avec est pas nous sur un une des du de au aux "
        "ce cette qui que en dans bien cordialement bonjour ci-joint merci sont avez "
        "pouvez n'hésitez madame monsieur devis voici".split()),
    "es": frozenset(
        "el la los las y usted su sus para con es no nosotros un una unos del de al en que "
        "por como este esta adjunto saludos gracias cualquier estimado estimada le quedo "
        "puede hola presupuesto cotización señor señora".split()),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)?", re.UNICODE)


def detect_language(text: str) -> str | None:
    """"en", "de", "fr" or "es" by stop-word counts; None when the text does not say."""
    counts = dict.fromkeys(LANGUAGES, 0)
    for word in _WORD.findall(text.lower().replace("’", "'")):
        for lang in LANGUAGES:
            if word in STOP_WORDS[lang]:
                counts[lang] += 1
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)
    (best, hits), (_, second) = ranked[0], ranked[1]
    if hits < MIN_HITS or hits == second:
        return None
    return best


@dataclass(frozen=True)
class LanguageChoice:
    """[drafts] language ("auto" or a language) and [drafts.languages] per contact."""

    default: str = AUTO
    per_contact: Mapping[str, str] = field(default_factory=dict)  # address or domain -> lang

    @classmethod
    def from_config(cls, body: Mapping[str, Any]) -> LanguageChoice:
        default = str(body.get("language", AUTO)).lower()
        if default != AUTO and default not in LANGUAGES:
            raise ConfigError(f"[drafts].language is {default!r}",
                              f'use "auto" or one of: {", ".join(LANGUAGES)}')
        table = body.get("languages", {})
        if not isinstance(table, Mapping):
            raise ConfigError("[drafts.languages] must be a table",
                              '[drafts.languages] with lines like "ana@example.es" = "es"')
        return cls(default, {_who(k): _language_of(k, v) for k, v in table.items()})

    def for_contact(self, address: str, text: str) -> str:
        """The draft's language: the contact's (or their domain's), else the default,
        else the one the quote is written in, else English."""
        address = address.lower()
        chosen = self.per_contact.get(address) or self.per_contact.get(
            address.rpartition("@")[2])
        if chosen:
            return chosen
        if self.default != AUTO:
            return self.default
        return detect_language(text) or "en"


def _who(key: str) -> str:
    return key.strip().lower().lstrip("@")


def _language_of(key: str, value: Any) -> str:
    lang = str(value).strip().lower() if isinstance(value, str) else ""
    if lang not in LANGUAGES:
        raise ConfigError(
            f'[drafts.languages] "{key}" = {value!r} is not a language drafts are written in',
            f'use one of: {", ".join(LANGUAGES)}, e.g. "{key}" = "de"',
        )
    return lang
