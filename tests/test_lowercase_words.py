"""`LowercaseWords` finds what the same alternation finds with `re.IGNORECASE`.

It lowers the text and searches with a case-sensitive pattern whose word-boundary
branches share one `\\b`: a speed-up that must not change a single answer. Checked on
the three alternations of `rules.commitments`, with sentences as mail writes them
(shouted, capitalised, mixed) and with Hypothesis over text of the four languages.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.rules import commitments
from inboxfollow.rules.lazy_re import LowercaseWords

# (the alternation's name, its branches as given to LowercaseWords)
PATTERNS = {
    name: list(getattr(commitments, name).branches) for name in ("_PROMISE", "_DEFER", "_REQUEST")
}

SENTENCES = [
    "COULD YOU SEND THE SIGNED COPY BY FRIDAY",
    "Could you send the signed copy by Friday",
    "Let Me Know what you think",
    "We'd like to go ahead with option B.",
    "I'LL GET BACK TO YOU NEXT WEEK",
    "Will call you Monday",
    "ok will call you monday",
    "Ask me again in January, budget opens then.",
    "NOT NOW, maybe after the summer.",
    "Könnten Sie mir das Angebot nochmal schicken",
    "KÖNNTEN SIE MIR DAS ANGEBOT NOCHMAL SCHICKEN",
    "Ich melde mich nächste Woche bei Ihnen.",
    "Derzeit nicht, melden Sie sich bitte im März wieder.",
    "Geben Sie mir bitte kurz Bescheid.",
    "Pourriez-vous m'envoyer le devis",
    "Merci de confirmer la date.",
    "Pas pour le moment, recontactez-moi en septembre.",
    "Je vous envoie le bon de commande demain.",
    "¿Podría enviarme el presupuesto?",
    "Por favor, confirme la fecha.",
    "De momento no, escríbame en enero.",
    "Le envío la factura mañana.",
    "Thanks, all good.",
    "Danke, passt so.",
    "Merci, c'est parfait.",
    "Gracias, todo correcto.",
    "",
]


def _reference(branches: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(branches), re.IGNORECASE)


@pytest.mark.parametrize("name", sorted(PATTERNS))
@pytest.mark.parametrize("sentence", SENTENCES)
def test_same_answer_as_ignorecase(name: str, sentence: str) -> None:
    branches = PATTERNS[name]
    expected = _reference(branches).search(sentence) is not None
    assert LowercaseWords(branches).found_in(sentence) is expected


def test_the_table_has_both_answers() -> None:
    found = {LowercaseWords(b).found_in(s) for b in PATTERNS.values() for s in SENTENCES}
    assert found == {True, False}


# Letters of English, German, French and Spanish in both cases, with the punctuation
# and spaces that separate words. (A capital whose lower case is two characters, such
# as the Turkish dotted I, is where the two ways differ.)
_ALPHABET = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "äöüßÄÖÜéèêëàâçîïôûùÉÈÊÀÂÇÎÔÛñÑáíóúÁÍÓÚ¿¡?!.,'’- \n"
)
_WORDS = st.sampled_from(
    ["you", "YOU", "could", "Could", "let", "me", "know", "I'll", "we", "will", "not", "now",
     "Sie", "könnten", "bitte", "melden", "wir", "pourriez", "vous", "merci", "de", "pas",
     "por", "favor", "podría", "le", "envío", "ask", "again", "back", "check", "in"]
)
_TEXT = st.lists(st.one_of(_WORDS, st.text(_ALPHABET, max_size=6)), max_size=12).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, name=st.sampled_from(sorted(PATTERNS)))
def test_property_same_answer_as_ignorecase(text: str, name: str) -> None:
    branches = PATTERNS[name]
    expected = _reference(branches).search(text) is not None
    assert LowercaseWords(branches).found_in(text) is expected


def test_upper_case_branch_is_refused() -> None:
    with pytest.raises(ValueError, match="lower case"):
        LowercaseWords([r"\bCould\s+you\b"])
    LowercaseWords([r"^\W*will\s+call\b", r"\?"])  # escapes keep their case
