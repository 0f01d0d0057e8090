"""Rendering and building drafts: templates, threading headers, injection safety.

The wording rules themselves (subjects, dates, languages, signatures) are tabled in
tests/test_draft_words.py."""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inboxfollow.errors import ConfigError
from inboxfollow.outbox.drafts import (
    DraftFacts,
    Templates,
    build_message,
    draft_message_id,
    first_name,
    render_draft,
)
from inboxfollow.rules.draft_words import base_subject

NOW = datetime(2026, 3, 5, 9, tzinfo=UTC)


def facts(**changes: object) -> DraftFacts:
    values: dict[str, object] = dict(
        loop_id="<q@x>|ann@acme.example", step=1, last_step=False, contact="ann@acme.example",
        contact_name="Ann Lee", quote_subject="Quote: shelves",
        quote_date=datetime(2026, 3, 2, tzinfo=UTC), days_since=3,
        thread=("<enquiry@acme.example>", "<q@x>"), owner_name="Dana Reyes",
        owner_address="dana@shop.example", signature="Dana",
    )
    values.update(changes)
    return DraftFacts(**values)  # type: ignore[arg-type]


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("subject", "base"),
    [("Quote", "Quote"), ("Re: Quote", "Quote"), ("RE: AW: Fwd: Quote", "Quote"),
     ("Re[2]: Quote", "Quote"), ("  Re:   Angebot  Küche ", "Angebot Küche"),
     ("Re:", "")],
)
def test_base_subject(subject: str, base: str) -> None:
    assert base_subject(subject) == base


@pytest.mark.parametrize(
    ("name", "email_", "first"),
    [("Ann Lee", "a@x", "Ann"), ("Weber, Jonas", "j@x", "Jonas"), ("", "mei.lin@x", "Mei"),
     ('"Zoë Müller"', "z@x", "Zoë")],
)
def test_first_name(name: str, email_: str, first: str) -> None:
    assert first_name(name, email_) == first


def test_each_step_has_its_template_with_a_fallback_and_a_last_one() -> None:
    templates = Templates()
    chosen = {step: render_draft(facts(step=step, last_step=step == 11), templates).template
              for step in range(1, 12)}
    assert chosen[1] == "quote/en/1.txt.j2"
    assert chosen[7] == "quote/en/6.txt.j2"  # the nearest lower step's text
    assert chosen[11] == "quote/en/last.txt.j2"


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es"])
def test_the_default_cadence_has_at_least_six_texts_in_each_language(lang: str) -> None:
    templates = Templates()
    texts = {render_draft(facts(step=s, last_step=s == 11, language=lang, total=11),
                          templates).text for s in range(1, 12)}
    assert len(texts) >= 6
    for text in texts:
        body = text.split("\n\n")[1]
        assert body.lstrip("¿¡")[0].isupper(), body  # capitalised after the greeting
        assert "{{" not in text and "  " not in text


def test_a_language_without_a_template_falls_back_to_english(tmp_path: Path) -> None:
    (tmp_path / "quote" / "nl").mkdir(parents=True)
    draft = render_draft(facts(language="de", step=2), Templates(tmp_path))
    assert draft.template == "quote/de/2.txt.j2"
    (tmp_path / "quote" / "de").mkdir()
    (tmp_path / "quote" / "de" / "2.txt.j2").write_text("Guten Tag {{ full_name }},\n")
    assert render_draft(facts(language="de", step=2), Templates(tmp_path)).text.startswith(
        "Guten Tag Ann Lee,\n")


def test_the_message_threads_and_carries_nothing_of_ours() -> None:
    draft = render_draft(facts(), Templates())
    msg = parsed(build_message(draft, NOW))
    assert msg["Subject"] == "Re: Quote: shelves"
    assert msg["In-Reply-To"] == "<q@x>"
    assert msg["References"] == "<enquiry@acme.example> <q@x>"
    assert msg["Message-ID"] == draft_message_id(facts().loop_id, 1, "shop.example")
    assert "inboxfollow" not in build_message(draft, NOW).decode().lower()
    assert not [k for k in msg.keys() if k.lower().startswith("x-")]
    assert msg.get_body(("plain",)).get_content().startswith("Hi Ann,")


def test_to_and_cc_are_the_quotes_and_the_date_is_the_owners_zone() -> None:
    draft = render_draft(facts(to=(("Ann Lee", "ann@acme.example"),),
                               cc=(("Ben Ortiz", "ben@acme.example"), ("", "c@acme.example")),
                               tz=ZoneInfo("Europe/Berlin")), Templates())
    msg = parsed(build_message(draft, NOW))
    assert [a.addr_spec for a in msg["To"].addresses] == ["ann@acme.example"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["ben@acme.example", "c@acme.example"]
    assert msg["Cc"].addresses[0].display_name == "Ben Ortiz"
    assert msg["Date"] == "Thu, 05 Mar 2026 10:00:00 +0100"


def test_the_quote_is_quoted_below_the_signature_in_the_drafts_language() -> None:
    text = ("Hola Ana,\n\nle adjunto el presupuesto para la reforma de la cocina: 4.800 EUR.\n"
            "Quedo a su disposición.\n\nUn saludo,\nDana")
    draft = render_draft(facts(language="es", quote_text=text, quote_subject="Presupuesto cocina",
                               quote_date=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
                               tz=ZoneInfo("Europe/Madrid"), signature="Dana Reyes"),
                         Templates())
    body, quoted = draft.text.split("\n\nEl 2 de marzo de 2026, a las 10:05, Dana Reyes "
                                    "<dana@shop.example> escribió:\n")
    assert body.endswith("Un saludo,\nDana Reyes")
    assert quoted.splitlines()[:2] == ["> Hola Ana,", ">"]
    assert "mi presupuesto «cocina» del 2 de marzo" in body


def test_a_long_quote_is_cut_to_fifteen_lines() -> None:
    text = "\n".join(f"line {n}" for n in range(1, 41))
    quoted = [x for x in render_draft(facts(quote_text=text), Templates()).text.splitlines()
              if x.startswith(">")]
    assert quoted[0] == "> line 1" and quoted[14] == "> line 15" and quoted[-1] == "> […]"


def test_an_attachment_only_quote_is_named_by_its_file_and_date() -> None:
    draft = render_draft(facts(quote_subject="Documents for next week", quote_text="",
                               attachments=("Estimate-1042.pdf", "logo.png")), Templates())
    assert "my estimate (Estimate-1042.pdf) from 2 March" in draft.text
    assert "Documents for next week" not in draft.text.split("\n\n")[1]


@pytest.mark.parametrize(
    ("subject", "files", "lang", "named"),
    [
        ("Proposal: built-in wardrobe", ("proposal-wardrobe.pdf",), "en",
         "my proposal “built-in wardrobe” from 2 March"),
        ("Angebot", ("Angebot-2026-031.pdf",), "de", "mein Angebot (Angebot-2026-031.pdf) "),
        ("Unterlagen für nächste Woche", ("AN-1042.pdf",), "de", "mein Angebot (AN-1042.pdf)"),
        ("Fotos vom Aufmaß", ("IMG_2231.jpg",), "de", "mein Angebot „Fotos vom Aufmaß“"),
        ("Documents", ("Devis 2026-12.PDF",), "fr", "mon devis (Devis 2026-12.PDF) du 2 mars"),
        ("Documentos", ("presupuesto.docx",), "es", "mi presupuesto (presupuesto.docx) del"),
    ],
)
def test_a_quote_goes_by_its_file_only_when_its_subject_does_not_name_it(
    subject: str, files: tuple[str, ...], lang: str, named: str
) -> None:
    draft = render_draft(facts(quote_subject=subject, attachments=files, language=lang),
                         Templates())
    assert named in draft.text


def test_the_signature_is_never_written_twice(tmp_path: Path) -> None:
    (tmp_path / "followup.txt.j2").write_text("Hi {{ first_name }},\n\nAny news?\n\n"
                                              "Best regards,\n{{ signature }}\n")
    draft = render_draft(facts(signature="Dana Reyes\nReyes Joinery"), Templates(tmp_path))
    assert draft.text.count("Reyes Joinery") == 1
    assert draft.text.endswith("Best regards,\nDana Reyes\nReyes Joinery\n")


def test_the_same_loop_and_step_always_give_the_same_message_id() -> None:
    assert draft_message_id("L", 2, "d") == draft_message_id("L", 2, "d")
    assert draft_message_id("L", 2, "d") != draft_message_id("L", 3, "d")


@pytest.mark.parametrize(
    "evil",
    ["Ann\r\nBcc: victim@evil.example", "Ann\nX-Injected: yes", "Ann\x00\x0b",
     "=?utf-8?q?Ann=0D=0ABcc:_x@evil.example?="],
)
def test_no_header_can_be_injected_through_a_name_or_subject(evil: str) -> None:
    draft = render_draft(facts(contact_name=evil, quote_subject=f"Quote {evil}"), Templates())
    raw = build_message(draft, NOW)
    msg = parsed(raw)
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert [k for k in msg.keys()].count("To") == 1
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\r\nX-Injected" not in header_block


def test_nothing_from_a_message_is_evaluated_as_a_template() -> None:
    draft = render_draft(
        facts(contact_name="{{7*7}} {% raw %}", quote_subject="{{ signature.__class__ }}"),
        Templates(),
    )
    assert "Hi {{7*7}}," in draft.text and "49" not in draft.text
    assert "{{ signature.__class__ }}" in draft.text


def test_templates_render_in_a_sandbox(tmp_path: Path) -> None:
    (tmp_path / "followup.txt.j2").write_text("{{ first_name.__class__.__mro__ }}\n")
    with pytest.raises(ConfigError, match="unsafe|not safely|access"):
        render_draft(facts(), Templates(tmp_path))


def test_a_template_error_names_the_template_and_the_variable(tmp_path: Path) -> None:
    (tmp_path / "followup.txt.j2").write_text("Hi {{ frist_name }}\n")
    with pytest.raises(ConfigError) as err:
        render_draft(facts(), Templates(tmp_path))
    assert str(tmp_path / "followup.txt.j2") in str(err.value)  # the owner's file, by path
    assert "frist_name" in str(err.value) and "first_name" in str(err.value)  # and the fix


def test_a_syntax_error_names_the_file_and_the_line(tmp_path: Path) -> None:
    (tmp_path / "followup_2.txt.j2").write_text("Hi {{ first_name }},\n{% if %}\n")
    with pytest.raises(ConfigError) as err:
        render_draft(facts(step=2), Templates(tmp_path))
    assert f"{tmp_path / 'followup_2.txt.j2'}, line 2" in str(err.value)
    assert "remove it to use the shipped one" in str(err.value)


def test_the_owners_folder_overrides_one_file_at_a_time(tmp_path: Path) -> None:
    (tmp_path / "quote" / "en").mkdir(parents=True)
    (tmp_path / "quote" / "en" / "2.txt.j2").write_text("Second note for {{ first_name }}.\n")
    templates = Templates(tmp_path)
    assert render_draft(facts(step=2), templates).text == "Second note for Ann.\nDana\n"
    shipped = Templates()
    for step, last in ((1, False), (3, False), (7, False), (11, True)):
        mine, theirs = (render_draft(facts(step=step, last_step=last), t)
                        for t in (templates, shipped))
        assert (mine.template, mine.text) == (theirs.template, theirs.text), step


def test_old_names_keep_working_with_a_notice_to_rename(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "followup_2.txt.j2").write_text("Second note for {{ first_name }}.\n")
    templates = Templates(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert render_draft(facts(step=2), templates).template == "followup_2.txt.j2"
        render_draft(facts(step=2, loop_id="other"), templates)
    (notice,) = [r.getMessage() for r in caplog.records]
    assert "rename it to quote/en/2.txt.j2" in notice
    assert render_draft(facts(step=3), templates).template == "quote/en/3.txt.j2"


def test_the_owners_general_template_stands_for_steps_they_wrote_none_for(
    tmp_path: Path,
) -> None:
    """Their folder is searched for the whole chain first: a followup.txt.j2 of their own
    is used rather than a shipped followup_1.txt.j2 they never saw."""
    (tmp_path / "followup.txt.j2").write_text("Any news, {{ first_name }}?\n")
    (tmp_path / "followup_3.txt.j2").write_text("Third, {{ first_name }}.\n")
    templates = Templates(tmp_path)
    assert render_draft(facts(step=1), templates).text == "Any news, Ann?\nDana\n"
    assert render_draft(facts(step=3), templates).text == "Third, Ann.\nDana\n"
    last = render_draft(facts(step=11, last_step=True), templates)
    assert (last.template, last.text) == ("followup.txt.j2", "Any news, Ann?\nDana\n")
    (tmp_path / "quote").mkdir()  # once the new folder is there, the old names are not read
    assert render_draft(facts(step=1), Templates(tmp_path)).template == "quote/en/1.txt.j2"


def test_drafts_are_plain_text(tmp_path: Path) -> None:
    (tmp_path / "followup.html.j2").write_text("<p>Hi {{ contact_name }}</p>\n")
    msg = parsed(build_message(render_draft(facts(), Templates(tmp_path)), NOW))
    assert msg.get_content_type() == "text/plain"


def test_missing_templates_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Templates(tmp_path / "nope")
