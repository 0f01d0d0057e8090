"""Rendering and building drafts: templates, threading headers, injection safety."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inboxfollow.errors import ConfigError
from inboxfollow.outbox.drafts import (
    DraftFacts,
    Templates,
    base_subject,
    build_message,
    draft_message_id,
    first_name,
    render_draft,
)

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
     ("Re:", "(no subject)")],
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
    assert render_draft(facts(step=1), templates).template == "followup_1.txt.j2"
    assert render_draft(facts(step=7), templates).template == "followup.txt.j2"
    assert render_draft(facts(step=11, last_step=True), templates).template == (
        "followup_last.txt.j2")


def test_the_message_threads_and_says_whose_it_is() -> None:
    draft = render_draft(facts(), Templates())
    msg = parsed(build_message(draft, NOW))
    assert msg["Subject"] == "Re: Quote: shelves"
    assert msg["In-Reply-To"] == "<q@x>"
    assert msg["References"] == "<enquiry@acme.example> <q@x>"
    assert msg["Message-ID"] == draft_message_id(facts().loop_id, 1, "shop.example")
    assert msg["X-Inboxfollow-Loop"].endswith("; step=1")
    assert msg.get_body(("plain",)).get_content().startswith("Hi Ann,")


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
    (tmp_path / "followup_2.txt.j2").write_text("Second note for {{ first_name }}.\n")
    templates = Templates(tmp_path)
    assert render_draft(facts(step=2), templates).text == "Second note for Ann.\n"
    shipped = Templates()
    for step, last in ((1, False), (3, False), (7, False), (11, True)):
        mine, theirs = (render_draft(facts(step=step, last_step=last), t)
                        for t in (templates, shipped))
        assert (mine.template, mine.text) == (theirs.template, theirs.text), step


def test_the_owners_general_template_stands_for_steps_they_wrote_none_for(
    tmp_path: Path,
) -> None:
    """Their folder is searched for the whole chain first: a followup.txt.j2 of their own
    is used rather than a shipped followup_1.txt.j2 they never saw."""
    (tmp_path / "followup.txt.j2").write_text("Any news, {{ first_name }}?\n")
    (tmp_path / "followup_3.txt.j2").write_text("Third, {{ first_name }}.\n")
    templates = Templates(tmp_path)
    assert render_draft(facts(step=1), templates).text == "Any news, Ann?\n"
    assert render_draft(facts(step=3), templates).text == "Third, Ann.\n"
    last = render_draft(facts(step=11, last_step=True), templates)
    assert (last.template, last.text) == ("followup.txt.j2", "Any news, Ann?\n")


def test_html_is_optional_and_escaped(tmp_path: Path) -> None:
    (tmp_path / "followup.txt.j2").write_text("Hi {{ first_name }}\n")
    (tmp_path / "followup.html.j2").write_text("<p>Hi {{ contact_name }}</p>\n")
    draft = render_draft(facts(contact_name="<script>x</script> Ann"), Templates(tmp_path))
    msg = parsed(build_message(draft, NOW))
    html = msg.get_body(("html",)).get_content()
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert msg.get_body(("plain",)).get_content().startswith("Hi")


def test_missing_templates_folder_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Templates(tmp_path / "nope")
