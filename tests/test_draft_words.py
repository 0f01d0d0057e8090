"""The words of a follow-up, as tables: subjects, how the quote is named, dates, the
quoted original, the language of a quote, the owner's signature, the recipients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxfollow.errors import ConfigError
from inboxfollow.rules import draft_words as words
from inboxfollow.rules.language import LanguageChoice, detect_language
from inboxfollow.rules.loop_state import Loop
from inboxfollow.rules.recipients import recipients
from inboxfollow.rules.signature import dashed_block, learn_signature, own_texts, sign


@pytest.mark.parametrize(
    ("subject", "reply"),
    [
        ("Quote for your HVAC service plan", "Re: Quote for your HVAC service plan"),
        ("Re: Quote", "Re: Quote"),
        ("RE: Re: re: Quote", "Re: Quote"),
        ("AW: WG: Angebot Küche", "Re: Angebot Küche"),
        ("Fwd: RE: RV: TR: SV: VS: Quote", "Re: Quote"),
        ("Re[2]: Quote", "Re: Quote"),
        ("Re (3): Devis", "Re: Devis"),
        ("RIF: R: Preventivo", "Re: Preventivo"),
        ("[EXTERNAL] RE: Estimate 1042", "Re: Estimate 1042"),
        ("RES: ENC: Orçamento", "Re: Orçamento"),
        ("  Re:   Angebot   Küche ", "Re: Angebot Küche"),
        ("Réunion de chantier", "Re: Réunion de chantier"),  # "Ré" is not a prefix
        ("Rework: kitchen", "Re: Rework: kitchen"),
        ("Re:", "Re: …"),
    ],
)
def test_the_reply_subject_has_one_prefix(subject: str, reply: str) -> None:
    assert words.reply_subject(subject) == reply


PREFIXES = st.sampled_from(["Re: ", "RE: ", "AW: ", "WG: ", "Fwd: ", "FW: ", "TR: ", "RV: ",
                            "SV: ", "Re[2]: ", "re:", "  Aw :  "])


@given(st.lists(PREFIXES, max_size=6), st.text(max_size=40))
def test_reply_subjects_are_idempotent_and_never_double_a_prefix(
    prefixes: list[str], subject: str
) -> None:
    reply = words.reply_subject("".join(prefixes) + subject)
    assert words.reply_subject(reply) == reply
    assert reply.startswith("Re: ")
    assert words.base_subject(reply[4:]) == reply[4:]  # nothing left to strip after "Re: "


@pytest.mark.parametrize(
    ("subject", "lang", "ref"),
    [
        ("Quote for your HVAC service plan", "en", "quote for your HVAC service plan"),
        ("Re: Your quote for the kitchen", "en", "quote for the kitchen"),
        ("Quote: oak shelves", "en", "quote “oak shelves”"),
        ("Quote #1042 - oak shelves", "en", "quote “#1042 - oak shelves”"),
        ("Kitchen renovation", "en", "quote “Kitchen renovation”"),
        ("Quote", "en", "quote"),
        ("Angebot für Ihre Einbauküche", "de", "Angebot für Ihre Einbauküche"),
        ("AW: Angebot: Badsanierung", "de", "Angebot „Badsanierung“"),
        ("Ihr Kostenvoranschlag Dachrinne", "de", "Angebot „Dachrinne“"),
        ("Devis pour la rénovation de votre cuisine", "fr",
         "devis pour la rénovation de votre cuisine"),
        ("Votre devis - Salle de bain", "fr", "devis « Salle de bain »"),
        ("Presupuesto para la reforma del baño", "es", "presupuesto para la reforma del baño"),
        ("Cotización: pintura exterior", "es", "presupuesto «pintura exterior»"),
    ],
)
def test_the_quote_is_named_without_doubled_wording(subject: str, lang: str, ref: str) -> None:
    noun = words.english_noun(subject) if lang == "en" else ""
    assert words.quote_ref(subject, lang, noun) == ref


@pytest.mark.parametrize(
    ("texts", "noun"),
    [(("Estimate-1042.pdf",), "estimate"), (("", "Proposal: website"), "proposal"),
     (("Quotation 7",), "quote"), (("Kitchen",), "quote"), (("Our offer",), "offer")],
)
def test_the_english_noun_is_the_owners_own(texts: tuple[str, ...], noun: str) -> None:
    assert words.english_noun(*texts) == noun


def test_an_attachment_only_quote_is_named_by_its_file() -> None:
    assert words.attachment_ref("Estimate-1042.pdf", "en", "estimate") == (
        "estimate (Estimate-1042.pdf)")
    assert words.attachment_ref("Angebot_2026-031.pdf", "de") == "Angebot (Angebot_2026-031.pdf)"


MARCH_1 = datetime(2026, 3, 1, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lang", "long", "short", "attribution"),
    [
        ("en", "1 March 2026", "1 March", "On 1 March 2026 at 09:05, Dana Reyes <d@x> wrote:"),
        ("de", "1. März 2026", "1. März", "Am 1. März 2026 um 09:05 schrieb Dana Reyes <d@x>:"),
        ("fr", "1er mars 2026", "1er mars", "Le 1er mars 2026 à 09:05, Dana Reyes <d@x> a écrit :"),
        ("es", "1 de marzo de 2026", "1 de marzo",
         "El 1 de marzo de 2026, a las 09:05, Dana Reyes <d@x> escribió:"),
    ],
)
def test_dates_and_attributions_in_each_language(
    lang: str, long: str, short: str, attribution: str
) -> None:
    assert words.long_date(MARCH_1, lang) == long
    assert words.short_date(MARCH_1, datetime(2026, 5, 1, tzinfo=UTC), lang) == short
    assert words.short_date(MARCH_1, datetime(2027, 1, 2, tzinfo=UTC), lang) == long
    assert words.attribution(MARCH_1, "Dana Reyes", "d@x", lang) == attribution


@pytest.mark.parametrize(
    ("text", "block"),
    [
        ("", ""),
        ("\n \n", ""),
        ("Hi Ann,\r\n\r\nPrice: EUR 2,400.\r\n", "> Hi Ann,\n>\n> Price: EUR 2,400."),
        ("a\n\n\n\nb", "> a\n>\n> b"),
        ("\n".join("x" * 3 for _ in range(16)), "\n".join(["> xxx"] * 15 + ["> […]"])),
    ],
)
def test_the_quoted_block(text: str, block: str) -> None:
    assert words.quoted_block(text) == block


# The quote's language ----------------------------------------------------------

QUOTES = [
    ("en", "Hi Ann,\n\nThanks for your call. Please find attached our quote for the new "
           "shelves. Let me know if you have any questions.\n\nBest regards,\nDana"),
    ("en", "Hello Mr Patel, as promised here is the estimate for the roof repair. It is valid "
           "for 30 days.\n\nSent from my iPhone"),
    ("de", "Guten Tag Herr Weber,\n\nanbei wie besprochen unser Angebot für die Einbauküche. "
           "Bei Fragen melden Sie sich gerne.\n\nMit freundlichen Grüßen\nDana Reyes"),
    ("de", "Hallo Jonas, hier ist das Angebot für die Dachrinne, gültig bis Ende des Monats. "
           "VG Dana\n\nVon meinem iPhone gesendet"),
    ("de", "Hallo Herr Weber,\n\nanbei unser Angebot über EUR 1.900.\n\nDana Reyes"),
    ("fr", "Bonjour Madame Dupont,\n\nVeuillez trouver ci-joint le devis pour la rénovation de "
           "votre salle de bain. N'hésitez pas à me contacter pour toute question.\n\n"
           "Cordialement,\nDana"),
    ("fr", "Bonjour Claire, voici notre proposition pour le site web, avec les options dont "
           "nous avons parlé. Bonne journée !"),
    ("es", "Hola Ana,\n\nle adjunto el presupuesto para la reforma de la cocina. Quedo a su "
           "disposición para cualquier duda.\n\nUn saludo,\nDana"),
    ("fr", "Bonjour, voici le devis.\n\nDana"),
    ("es", "Hola Ana, te paso el presupuesto.\nDana"),
    ("en", "Hi Mei,\n\nmy proposal for the wardrobe is attached.\n\nDana"),
    ("es", "Estimado Sr. García: le envío la cotización de la pintura exterior que nos pidió. "
           "Saludos cordiales"),
]


@pytest.mark.parametrize(("lang", "text"), QUOTES)
def test_the_quotes_language_is_told_from_its_text(lang: str, text: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["", "Quote attached.", "EUR 2,400", "Dana Reyes\n+49 30 1234"])
def test_a_text_too_short_to_tell_says_nothing(text: str) -> None:
    assert detect_language(text) is None


def test_the_owner_chooses_the_language_per_contact_or_domain() -> None:
    choice = LanguageChoice.from_config({"language": "auto", "languages": {
        "Ana@Example.es": "es", "@kunde.de": "DE"}})
    german = QUOTES[2][1]
    assert choice.for_contact("ana@example.es", german) == "es"
    assert choice.for_contact("x@kunde.de", QUOTES[0][1]) == "de"
    assert choice.for_contact("y@other.example", german) == "de"
    assert choice.for_contact("y@other.example", "EUR 2,400") == "en"
    fixed = LanguageChoice.from_config({"language": "fr"})
    assert fixed.for_contact("y@other.example", german) == "fr"


@pytest.mark.parametrize(
    ("body", "message"),
    [({"languages": {"ana@example.es": "spanish"}}, '[drafts.languages] "ana@example.es"'),
     ({"languages": {"ana@example.es": 3}}, '[drafts.languages] "ana@example.es"'),
     ({"language": "nl"}, "[drafts].language")],
)
def test_a_wrong_language_names_the_key(body: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        LanguageChoice.from_config(body)
    assert message in str(err.value)


# The owner's signature ---------------------------------------------------------

DASHED = "Dana Reyes\nReyes Joinery | +49 30 1234567\nwww.reyes-joinery.example"


@pytest.mark.parametrize(
    ("texts", "learned"),
    [
        # Thunderbird / neomutt: a "-- " line, the same block each time
        ([f"Hi Ann,\n\nprice attached.\n\n-- \n{DASHED}",
          f"Hello Ben, see you Monday.\n\n-- \n{DASHED}\n"], DASHED),
        # a single message is not enough to call it a signature
        ([f"Hi Ann,\n\nprice attached.\n\n-- \n{DASHED}"], ""),
        # Outlook / Gmail: no separator, the same closing block; the closing phrase is
        # the template's (in the draft's language), the rest is the signature
        (["Hi Ann,\n\nprice attached.\n\nBest regards,\nDana Reyes\nReyes Joinery",
          "Hallo Jonas,\n\nanbei das Angebot.\n\nViele Grüße\nDana Reyes\nReyes Joinery",
          "Hi Ben,\n\nsee you Monday.\n\nCheers,\nDana Reyes\nReyes Joinery\n"],
         "Dana Reyes\nReyes Joinery"),
        (["Thanks!\nDana", "Sure, Monday works.\nDana", "Invoice attached.\nD."], "Dana"),
        (["Hi Ann, price attached.", "Hello Ben, see you Monday.", ""], ""),
        ([], ""),
    ],
)
def test_the_signature_is_learned_from_the_owners_mail(texts: list[str], learned: str) -> None:
    assert learn_signature(texts) == learned


def test_a_dashed_block_that_is_a_letter_is_not_a_signature() -> None:
    assert dashed_block("Hi\n-- \n" + "\n".join(f"line {n}" for n in range(12))) == ()


def test_own_texts_are_the_owners_newest_human_messages() -> None:
    records = [
        {"direction": "out", "kind": "human", "text": "old", "date": "2026-01-01T00:00:00+00:00"},
        {"direction": "out", "kind": "human", "text": "new", "date": "2026-03-01T00:00:00+00:00"},
        {"direction": "in", "kind": "human", "text": "theirs", "date": "2026-03-02T00:00:00+00:00"},
        {"direction": "out", "kind": "auto_reply", "text": "ooo",
         "date": "2026-03-02T00:00:00+00:00"},
        {"direction": "out", "kind": "human", "text": "future",
         "date": "2027-03-02T00:00:00+00:00"},
    ]
    assert own_texts(records, datetime(2026, 3, 5, tzinfo=UTC)) == ["new", "old"]


@pytest.mark.parametrize(
    ("text", "signature", "signed"),
    [
        ("Hi,\n\nNews?\n\nBest regards,\n", "Dana", "Hi,\n\nNews?\n\nBest regards,\nDana\n"),
        ("Hi,\n\nBest regards,\nDana\n", "Dana", "Hi,\n\nBest regards,\nDana\n"),
        ("Hi,\n\nBest regards,\n", "Best regards,\nDana", "Hi,\n\nBest regards,\nDana\n"),
        ("Hi,\n\nBest regards,\nDana Reyes\nReyes Joinery", "Dana Reyes\nReyes Joinery",
         "Hi,\n\nBest regards,\nDana Reyes\nReyes Joinery\n"),
        ("Hi,\n\nThanks, Dana Reyes", "Dana Reyes", "Hi,\n\nThanks, Dana Reyes\n"),
        ("Hi,\n\nBye\n", "", "Hi,\n\nBye\n"),
    ],
)
def test_the_signature_is_added_once(text: str, signature: str, signed: str) -> None:
    assert sign(text, signature) == signed


LINES = st.lists(st.sampled_from(["Hi,", "", "Best regards,", "Dana", "Reyes Joinery", "x"]),
                 max_size=6).map("\n".join)


@given(LINES, LINES)
def test_signing_twice_adds_nothing(text: str, signature: str) -> None:
    once = sign(text, signature)
    assert sign(once, signature) == once


# The recipients ----------------------------------------------------------------


def loop(to: list[list[str]], cc: list[list[str]], people: list[str],
         bounced: frozenset[str] = frozenset()) -> Loop:
    quote = {"key": "<q@x>", "subject": "Quote", "to": to, "cc": cc, "message_id": "<q@x>",
             "date": "2026-03-02T10:00:00+00:00"}
    return Loop(people[0], "", quote, "", people=people, bounced=set(bounced))


@pytest.mark.parametrize(
    ("made", "to", "cc"),
    [
        (loop([["Ana Ruiz", "ana@a.example"]], [["Ben", "ben@a.example"]],
              ["ana@a.example", "ben@a.example"]),
         (("Ana Ruiz", "ana@a.example"),), (("Ben", "ben@a.example"),)),
        # the owner's own copy and a colleague are not the loop's people
        (loop([["Ana", "ana@a.example"], ["Dana", "dana@shop.example"]],
              [["", "ben@a.example"], ["Sam", "sam@shop.example"]],
              ["ana@a.example", "ben@a.example"]),
         (("Ana", "ana@a.example"),), (("", "ben@a.example"),)),
        # a bounced address is left out; the next person moves up to To
        (loop([["Ana", "ana@a.example"]], [["Ben", "ben@a.example"], ["Cy", "cy@a.example"]],
              ["ana@a.example", "ben@a.example", "cy@a.example"], frozenset({"ana@a.example"})),
         (("Ben", "ben@a.example"),), (("Cy", "cy@a.example"),)),
        (loop([], [], ["ana@a.example"]), (("", "ana@a.example"),), ()),
    ],
)
def test_to_and_cc_are_as_in_the_quote(
    made: Loop, to: tuple[tuple[str, str], ...], cc: tuple[tuple[str, str], ...]
) -> None:
    assert recipients(made) == (to, cc)
