"""The digest and the checklist: their sections from constructed mail, the HTML parsed, the
plain text against golden files, and delivery end to end. (Rendered in a real browser:
tests/test_digest_browser.py.)

The golden files are tests/golden/*.txt; after a deliberate change to the text templates,
rewrite them with `INBOXFOLLOW_REGEN_GOLDEN=1 .venv/bin/python -m pytest tests/test_digest.py`
and read the diff before committing it.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.app.daemon_jobs import digest_job
from inboxfollow.app.digest import digest_command, send_digest
from inboxfollow.config import load_config
from inboxfollow.errors import ConfigError
from inboxfollow.model import Owner
from inboxfollow.outbox.digest import build_digest_message, render_checklist, render_digest
from inboxfollow.rules.digest import (
    ChecklistData,
    DigestData,
    build_checklist,
    build_digest,
    shares,
    touch_chart,
)
from inboxfollow.rules.digest_sections import Row, Section, SectionBuilder
from inboxfollow.rules.loops import Derivation, Override, Status, derive_loops
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.store import Store, open_store
from tests.dovecot import ImapAccount
from tests.smtpserver import SmtpServer

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 4, 15, 10, tzinfo=UTC)  # a Wednesday, 12:00 in Berlin
GOLDEN = Path(__file__).parent / "golden"
NASTY_NAME = "<script>alert(1)</script>"
NASTY_SUBJECT = "Quote {{ 7*7 }} <b>shelves</b>"
OWNER = Owner("Dana {{ 7*7 }}", frozenset({"dana@shop.example"}), "")
ME = ["Dana", "dana@shop.example"]
ANN = [NASTY_NAME, "ann@acme.example"]
BEN = ["Ben Ray", "ben@bolt.example"]
CAT = ["Cat Ng", "cat@cork.example"]
DAN = ["Dan Fox", "dan@dent.example"]
EVE = ["Eve Ode", "eve@elm.example"]
FAY = ["Fay Roth", "fay@fern.example"]
GUS = ["Gus Kim", "gus@gale.example"]
HAL = ["Hal Lund", "hal@hive.example"]
IVY = ["Ivy Moss", "ivy@iris.example"]
JO = ["Jo Park", "jo@jade.example"]
DAEMON = ["", "mailer-daemon@mx.example"]


def msg(key: str, sender: list[str], to: list[list[str]], days_ago: float, subject: str,
        kind: str = "human", refs: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {
        "key": f"<{key}@x>", "message_id": f"<{key}@x>", "sender": sender, "to": to, "cc": [],
        "date": (NOW - timedelta(days=days_ago)).isoformat(),
        "direction": "out" if sender == ME else "in", "kind": kind, "reason": f"test {kind}",
        "subject": subject, "text": "", "attachments": [], "in_reply_to": list(refs[-1:]),
        "references": list(refs), "headers": {}, "bounce_text": "", "locations": [], **extra,
    }


def exhausted(key: str, person: list[str], first: int) -> list[dict[str, Any]]:
    """A quote and its eleven follow-ups, unanswered: the cadence ran out."""
    quote = msg(key, ME, [person], first, "Quote: fence")
    return [quote] + [msg(f"{key}{n}", ME, [person], first - 8 * n, "Re: Quote: fence",
                          refs=(quote["key"],)) for n in range(1, 12)]


# Ann: a quote 6 days old ($4,250), no answer, a draft pending: overdue 2 days. Jo: a quote
# 12 days old, overdue 8 days, no draft yet. Fay: a quote 1 day old in euros (its file name),
# next follow-up later. Ivy: the same, no amount. Ben: answered 2 days ago after his 2nd
# follow-up and waits for Dana's answer. Cat: answered 58 days ago on the 1st touch, quiet
# since. Dan: the quote bounced. Eve: an exchange 44 days ago, no quote: quiet. Gus: twelve
# touches and no answer (exhausted); Hal: a quote Dana stopped. Neither is "quiet".
RECORDS = [
    msg("qa", ME, [ANN], 6, NASTY_SUBJECT, text="Hi,\nthe shelves.\nTotal: $4,250.00\n"),
    msg("qj", ME, [JO], 12, "Estimate: roof repair", text="Total: $980.00"),
    msg("qf", ME, [FAY], 1, "Angebot Küche", attachments=["Angebot_2026-041_3480EUR.pdf"]),
    msg("qi", ME, [IVY], 1, "Quote: garden shed"),
    msg("qb", ME, [BEN], 20, "Quote: oak table", text="Total: £1,200"),
    msg("fb1", ME, [BEN], 15, "Re: Quote: oak table", refs=("<qb@x>",)),
    msg("fb2", ME, [BEN], 10, "Re: Quote: oak table", refs=("<qb@x>",)),
    msg("rb", BEN, [ME], 2, "Re: Quote: oak table", refs=("<qb@x>",),
        text="Looks good. Could you deliver it before May?"),
    msg("qc", ME, [CAT], 60, "Quote: chairs"),
    msg("rc", CAT, [ME], 58, "Re: Quote: chairs", refs=("<qc@x>",)),
    msg("qd", ME, [DAN], 3, "Quote: desk"),
    msg("bd", DAEMON, [ME], 2.9, "Undeliverable", kind="bounce", refs=("<qd@x>",),
        bounce_text="Final-Recipient: rfc822; dan@dent.example\n"
                    "Diagnostic-Code: smtp; 550 5.1.1 user unknown"),
    msg("e1", EVE, [ME], 45, "hello"),
    msg("e2", ME, [EVE], 44, "Re: hello"),
    *exhausted("qg", GUS, 200),
    msg("qh", ME, [HAL], 90, "Quote: gate"),
]
OVERRIDES = [Override("stop", "hal@hive.example", NOW - timedelta(days=80))]
ANN_LOOP = "<qa@x>|ann@acme.example"
DRAFTS = [
    {"loop_id": ANN_LOOP, "step": 1, "state": "pending", "message_id": "<d1@x>",
     "created_at": (NOW - timedelta(days=1)).isoformat(), "contact": "ann@acme.example"},
    {"loop_id": "<qb@x>|ben@bolt.example", "step": 1, "state": "sent", "message_id": "<d2@x>",
     "created_at": (NOW - timedelta(days=16)).isoformat(), "contact": "ben@bolt.example"},
]


def derivation() -> Derivation:
    return derive_loops(RECORDS, OWNER, NOW, OVERRIDES)


def digest() -> DigestData:
    return build_digest(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ)


def checklist() -> ChecklistData:
    return build_checklist(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ)


def rows_of(sections: list[Section]) -> dict[str, list[str]]:
    return {s.id: [row.address for row in s.rows] for s in sections}


class Page(HTMLParser):
    """Headings by id, the action lines, the rows of each section, and the chart's bars."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: dict[str, str] = {}
        self.actions: list[str] = []
        self.rows: dict[str, list[str]] = {}  # section id -> each row's text
        self.keys: list[str] = []
        self.bars: dict[int, int] = {}  # touch -> width in %
        self._text: list[str] | None = None  # where text goes now
        self._section = ""
        self._row_depth = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        assert tag not in ("script", "img", "link", "iframe"), tag
        if tag == "h2":
            self.headings[a.get("id", "")] = ""
            self._text = [a.get("id", ""), "heading"]
        elif tag == "p" and a.get("class") == "action":
            self.actions.append("")
            self._text = ["", "action"]
        elif tag == "div" and a.get("class") == "row":
            self._section = a["data-section"]
            self.rows.setdefault(self._section, []).append("")
            self.keys.append(a["data-key"])
            self._row_depth = 1
        elif tag == "div" and self._row_depth:
            self._row_depth += 1
        elif tag == "div" and a.get("class") == "bar":
            width = re.search(r"(?:^|;)\s*width:\s*(\d+)%", a["style"])
            assert width, a
            self.bars[len(self.bars) + 1] = int(width.group(1))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "p"):
            self._text = None
        elif tag == "div" and self._row_depth:
            self._row_depth -= 1

    def handle_data(self, data: str) -> None:
        def join(before: str) -> str:
            return " ".join((before + " " + data.replace("\xa0", " ")).split())

        if self._text and self._text[1] == "heading":
            self.headings[self._text[0]] = join(self.headings[self._text[0]])
        elif self._text and self._text[1] == "action":
            self.actions[-1] = join(self.actions[-1])
        elif self._row_depth:
            self.rows[self._section][-1] = join(self.rows[self._section][-1])


# ---- the pure part: sections -----------------------------------------------------------


def test_action_first_then_one_row_per_open_loop_overdue_first() -> None:
    data = digest()
    assert data.actions == [
        "1 follow-up is waiting in Drafts: open Drafts and send it",
        "1 follow-up is due with no draft yet: run `inboxfollow drafts`, or write it yourself",
        "1 person is waiting for your answer",
        "1 quote bounced: fix the address and send again",
    ]
    assert rows_of(data.sections) == {
        "send": ["jo@jade.example", "ann@acme.example"],  # 8 days overdue, then 2
        "waiting": ["ben@bolt.example"],
        "bounces": ["dan@dent.example"],
        "open": ["fay@fern.example", "ivy@iris.example"],
        "answered": ["ben@bolt.example"],
        "quiet": ["eve@elm.example", "cat@cork.example"],
    }
    [jo, ann] = data.sections[0].rows
    assert (jo.state, jo.alert, jo.facts[:2]) == (
        "due", "overdue 8 days", ("follow-up 1 of 11", "no draft yet"))
    assert (ann.state, ann.amount, ann.line) == ("draft", "$4,250", (
        "overdue 2 days · follow-up 1 of 11 · in Drafts since Tue 14 Apr · quote sent Thu 9 Apr"))
    keys = [row.key for section in data.sections for row in section.rows]
    assert len(keys) == len(set(keys))  # never twice
    assert data.subject == ("Follow-up digest Wednesday 15 April 2026: 2 to send, "
                            "4 open quote(s), 1 answered this week")


def test_amounts_and_the_pipeline_per_currency() -> None:
    data = digest()
    amounts = {row.address: row.amount for s in data.sections for row in s.rows}
    assert amounts["fay@fern.example"] == "€3,480"  # from the attachment's file name
    assert amounts["ivy@iris.example"] == ""
    assert data.pipeline == ["$5,230", "€3,480"] and (data.priced, data.open_quotes) == (3, 4)


def test_steps_are_numbered_as_everywhere_else() -> None:
    data = build_digest(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ, followups=5)
    answered = next(s for s in data.sections if s.id == "answered")
    assert answered.rows[0].facts == ("answered Mon 13 Apr", "after follow-up 2 of 5")
    later = next(s for s in data.sections if s.id == "open")
    assert later.rows[0].facts[:2] == ("next: follow-up 1 of 5", "due Thu 16 Apr")


def test_exhausted_and_stopped_loops_are_not_quiet_contacts() -> None:
    loops = {lp.contact: lp.status for lp in derivation().loops}
    assert loops["gus@gale.example"] is Status.EXHAUSTED
    assert loops["hal@hive.example"] is Status.STOPPED
    quiet = rows_of(digest().sections)["quiet"]
    assert "gus@gale.example" not in quiet and "hal@hive.example" not in quiet
    assert "cat@cork.example" in quiet  # she answered: worth a check-in


def test_the_builder_lists_a_key_once_and_plugs_in_later_kinds() -> None:
    row = Row("k1", "Ann", "ann@acme.example")
    builder = SectionBuilder()
    builder.add("a", "First", [row, Row("k2", "Ben", "ben@bolt.example")],
                lambda rows: [f"{len(rows)} in the first"])
    builder.add("b", "Second", [row], lambda rows: [f"{len(rows)} in the second"],
                empty="none left")
    builder.add("c", "Optional", [row], optional=True)
    builder.add("d", "Limited", [Row(f"x{n}", "X", "x@x.example") for n in range(5)], limit=2)
    assert [(s.id, len(s.rows), s.more, s.count) for s in builder.sections] == [
        ("a", 2, 0, 2), ("b", 0, 0, 0), ("d", 2, 3, 5)]
    assert builder.actions() == ["2 in the first"]


def test_customers_have_a_slot_in_both_mails() -> None:
    customers = [Row("contact:kim@kiln.example", "Kim", "kim@kiln.example",
                     facts=("bought Mon 30 Mar",)),
                 Row("contact:lee@loom.example", "Lee", "lee@loom.example")]
    data = build_digest(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ, customers=customers)
    assert "2 customers to check in with" in data.actions
    assert rows_of(data.sections)["customers"] == ["kim@kiln.example", "lee@loom.example"]
    check = build_checklist(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ, customers=customers)
    assert "2 customers to check in with" in check.actions
    assert "customers" not in rows_of(digest().sections)  # no such loops: no empty section


def test_answers_after_the_fourth_touch_share_one_bar_as_in_the_seeds() -> None:
    chart = touch_chart([1, 5, 12, 40])
    assert [b.count for b in chart.bars] == [1, 0, 0, 0, 3]
    assert [b.label for b in chart.bars] == ["1st", "2nd", "3rd", "4th", "5th+"]
    assert [b.seed for b in chart.bars] == [2, 3, 5, 10, 80]


@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=300))
def test_chart_percentages_always_sum_to_100(touches: list[int]) -> None:
    chart = touch_chart(touches)
    assert sum(b.percent for b in chart.bars) == 100
    assert sum(b.count for b in chart.bars) == len(touches) == chart.total
    for bar in chart.bars:
        assert abs(bar.percent - bar.count * 100 / len(touches)) < 1
    assert chart.early_percent + chart.later_percent == 100


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=15), min_size=1, max_size=60))
def test_chart_bar_widths_in_the_html_sum_to_100(touches: list[int]) -> None:
    data = DigestData("Dana", "today", "now", 7, 30, chart=touch_chart(touches))
    page = Page(render_digest(data)[2])
    assert len(page.bars) == 5
    assert abs(sum(page.bars.values()) - 100) <= 1


def test_shares_of_nothing_are_zero() -> None:
    assert shares([0, 0, 0]) == [0, 0, 0]
    assert sum(bar.percent for bar in touch_chart([]).bars) == 0


# ---- the HTML, parsed; the text against golden files -----------------------------------


def test_the_html_says_what_to_do_first_and_lists_each_loop_once() -> None:
    subject, _, html = render_digest(digest())
    page = Page(html)
    assert page.actions == digest().actions
    assert page.headings == {
        "send": "Send now (2)", "waiting": "Waiting for your answer (1)",
        "bounces": "Bounces to fix (1)", "open": "Open quotes, next follow-up later (2)",
        "answered": "Answered this week (1)", "quiet": "Contacts gone quiet (2)",
        "by-touch": "Replies by touch number (2)"}
    assert len(page.keys) == len(set(page.keys)) == 9
    assert page.rows["send"][1] == (
        f"{NASTY_NAME} · $4,250 {NASTY_SUBJECT} overdue 2 days · follow-up 1 of 11 · "
        "in Drafts since Tue 14 Apr · quote sent Thu 9 Apr ann@acme.example")
    assert page.bars == {1: 50, 2: 0, 3: 50, 4: 0, 5: 0}
    assert "$5,230 · €3,480</b> (3 of 4 open quotes name an amount)" in html
    assert subject == digest().subject


def test_the_html_is_inlined_one_column_with_a_dark_scheme() -> None:
    _, _, html = render_digest(digest())
    assert re.search(r'<div class="page" style="[^"]*max-width: 600px', html)
    assert "@media (prefers-color-scheme: dark)" in html  # kept in <style>
    assert html.count("<style") == 1 and "<table" in html  # only the chart is a table
    assert '<meta name="color-scheme" content="light dark">' in html


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("INBOXFOLLOW_REGEN_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path} differs: after a deliberate change, INBOXFOLLOW_REGEN_GOLDEN=1 rewrites it")


def test_the_digest_text_part_matches_its_golden_file() -> None:
    golden("digest.txt", render_digest(digest())[1])


def test_the_checklist_text_part_matches_its_golden_file() -> None:
    golden("checklist.txt", render_checklist(checklist())[1])


def test_the_text_part_says_what_the_html_says() -> None:
    for _, text, html in (render_digest(digest()), render_checklist(checklist())):
        page = Page(html)
        for line in page.actions:
            assert f"* {line}\n" in text
        for title in page.headings.values():
            assert f"\n{title.upper()}\n" in text
        for address in re.findall(r"[\w.]+@[\w.]+example", html):
            assert address in text


def test_values_from_mail_are_data_never_templates_nor_markup() -> None:
    _, text, html = render_digest(digest())
    assert "49" not in text.replace("2026-04", "") and "{{ 7*7 }}" in text
    assert "<script>" not in html and "<b>shelves" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Quote {{ 7*7 }} &lt;b&gt;shelves&lt;/b&gt;" in html
    assert "Dana {{ 7*7 }}" in html


def test_the_message_is_multipart_alternative_with_safe_headers() -> None:
    subject, text, html = render_digest(digest())
    raw = build_digest_message("Dana\r\nBcc: evil@example.com", "dana@shop.example",
                               "dana@shop.example", subject + "\r\nBcc: evil@example.com",
                               text, html, NOW)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == [  # type: ignore[attr-defined]
        "text/plain", "text/html"]
    assert message["Bcc"] is None and "evil" not in str(message["To"])
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Inboxfollow-Digest"] == "digest"
    assert message["Date"] == "Wed, 15 Apr 2026 10:00:00 +0000"
    body = message.get_body(preferencelist=("html",))
    content = body.get_content().replace("\r\n", "\n")  # type: ignore[union-attr]
    assert content == html


# ---- the daily checklist ------------------------------------------------------------


def test_the_checklist_follows_the_digests_rules() -> None:
    data = checklist()
    assert rows_of(data.sections) == {
        "send": ["jo@jade.example", "ann@acme.example"], "waiting": ["ben@bolt.example"],
        "quiet": ["eve@elm.example", "cat@cork.example"]}
    assert data.actions == digest().actions[:3]
    subject, text, html = render_checklist(data)
    assert subject == "Today's follow-ups Wednesday 15 April 2026: 2 due, 1 to answer, 2 to call"
    assert f"[ ] {NASTY_NAME} <ann@acme.example>, $4,250" in text
    page = Page(html)
    assert set(page.headings) == {"send", "waiting", "quiet"} and "<script>" not in html
    assert html.count("&#9744;") + html.count("\u2610") == 5  # a box on every row


def test_a_follow_up_is_due_on_its_local_day_not_before() -> None:
    # Ann's quote went out on Thursday the 9th: her 1st follow-up is due Monday the 13th,
    # 08:30 in Berlin; on that day's morning it is on the checklist already
    def due_at(moment: datetime) -> list[str]:
        records = [r for r in RECORDS if r["date"] <= moment.isoformat()]
        loops = derive_loops(records, OWNER, moment)
        return rows_of(build_checklist(records, loops, [], OWNER, moment, TZ).sections)["send"]

    assert "ann@acme.example" not in due_at(datetime(2026, 4, 12, 21, 59, tzinfo=UTC))
    assert "ann@acme.example" in due_at(datetime(2026, 4, 12, 22, 0, tzinfo=UTC))  # 00:00 local


# ---- the owner's templates ----------------------------------------------------------


def test_an_owner_template_replaces_the_shipped_one_of_its_name(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("{{ sections|length }} sections, {{ owner_name }}\n")
    subject, text, html = render_digest(digest(), tmp_path)
    assert text == "6 sections, Dana {{ 7*7 }}\n"
    assert (subject, html) == (render_digest(digest())[0], render_digest(digest())[2])
    # the shipped checklist extends the digest's layout: the owner's layout shapes it too
    data = checklist()
    assert render_checklist(data, tmp_path)[1] == "3 sections, Dana {{ 7*7 }}\n"
    assert render_checklist(data, tmp_path)[2] == render_checklist(data)[2]


def test_a_broken_owner_template_names_its_file_and_the_variable(tmp_path: Path) -> None:
    (tmp_path / "checklist.html.j2").write_text("<p>{{ dew|length }}</p>\n")
    data = checklist()
    with pytest.raises(ConfigError) as err:
        render_checklist(data, tmp_path)
    message = str(err.value)
    assert str(tmp_path / "checklist.html.j2") in message and "'dew' is undefined" in message
    assert "known variables:" in message and "sections" in message


# ---- config -----------------------------------------------------------------------------


BASE = "[owner]\nname = 'Dana'\naddresses = ['dana@shop.example']\ntimezone = 'Europe/Berlin'\n"


def config_at(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "inboxfollow.toml"
    path.write_text(BASE + text, encoding="utf-8")
    return load_config(path)


def test_digest_defaults(tmp_path: Path) -> None:
    config = config_at(tmp_path, "")
    assert config.digest.to == "dana@shop.example" and config.digest.delivery == "imap"
    assert config.digest.weekday == 0 and config.digest.send_time.hour == 8
    assert config.digest.quiet_days == 30 and not config.digest.daily_checklist
    assert config.smtp is None


def test_smtp_port_follows_security(tmp_path: Path) -> None:
    config = config_at(tmp_path, "[smtp]\nhost = 'smtp.example.com'\nsecurity = 'ssl'\n")
    assert config.smtp.port == 465 and config.smtp.secret is None
    config = config_at(tmp_path, "[smtp]\nhost = 'smtp.example.com'\nusername = 'u'\n"
                                 "password_env = 'P'\n")
    assert config.smtp.port == 587 and config.smtp.security == "starttls"


@pytest.mark.parametrize(("text", "wanted"), [
    ("[digest]\ndelivery = 'smtp'\n", "needs an [smtp] section"),
    ("[digest]\ndelivery = 'sendmail'\n", "[digest].delivery"),
    ("[digest]\nweekday = 'someday'\n", "[digest].weekday"),
    ("[digest]\ntime = 'noon'\n", "[digest].time"),
    ("[digest]\nquiet_days = 0\n", "[digest].quiet_days must be above zero"),
    ("[digest]\ndaily_checklist = 'yes'\n", "[digest].daily_checklist must be bool"),
    ("[digest]\nto = 'nobody'\n", "[digest].to"),
    ("[digest]\ncolour = 'red'\n", "unknown key [digest].colour"),
    ("[smtp]\nport = 25\n", "[smtp].host is missing"),
    ("[smtp]\nhost = 'smtp.example.com'\nsecurity = 'none'\n", "refused for smtp.example.com"),
    ("[smtp]\nhost = 'h'\nusername = 'u'\n", "[smtp] has no password source"),
    ("[smtp]\nhost = 'h'\nusername = 'u'\npassword = 'x'\n", "unknown key [smtp].password"),
    ("[smtp]\nhost = 'h'\npassword_env = 'P'\n", "no username"),
    ("[smtp]\nhost = 'h'\nport = 70000\n", "[smtp].port 70000"),
])
def test_digest_and_smtp_mistakes_name_the_key(tmp_path: Path, text: str, wanted: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config_at(tmp_path, text)
    assert wanted in str(caught.value)


# ---- end to end: the store, the config, a real server --------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "state" / "inboxfollow.json") as opened:
        opened.save_messages(RECORDS, {})
        for record in DRAFTS:
            opened.drafts.insert(record)
        yield opened


def test_digest_send_over_smtp_starttls(
    tmp_path: Path, cert_dir: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "s3cret")
    with SmtpServer.start("starttls", cert_dir, {"dana": "s3cret"}) as server:
        config = config_at(tmp_path, f"[digest]\ndelivery = 'smtp'\n[smtp]\nhost = '127.0.0.1'\n"
                                     f"port = {server.port}\nusername = 'dana'\n"
                                     f"password_env = 'TEST_SMTP_PASSWORD'\n"
                                     f"ca_file = '{server.ca_file}'\n")
        line = digest_command(config, store, None, NOW, preview=None, send=True)
        [got] = server.received
    assert line.startswith("digest sent to dana@shop.example by SMTP: 1 follow-up is waiting in "
                           "Drafts: open Drafts and send it; ")
    assert got.tls and got.login == "dana" and got.rcpt_tos == ["dana@shop.example"]
    message = email.message_from_bytes(got.content, policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    page = Page(html)
    assert {"send", "waiting", "by-touch"} <= set(page.headings) and len(page.bars) == 5


def test_digest_preview_writes_html_and_sends_nothing(
    tmp_path: Path, store: Store
) -> None:
    config = config_at(tmp_path, "")
    target = tmp_path / "out" / "digest.html"
    line = digest_command(config, store, None, NOW, preview=target, send=False)
    assert line.startswith(f"digest preview written to {target}")
    assert "send" in Page(target.read_text(encoding="utf-8")).headings
    line = digest_command(config, store, None, NOW, preview=None, send=False, checklist=True)
    assert "nothing sent" in line and "1 follow-up is waiting in Drafts" in line


def test_digest_send_by_imap_append(
    tmp_path: Path, store: Store, imap_account: ImapAccount
) -> None:
    settings = ImapSettings(host=imap_account.host, port=imap_account.port, security="starttls",
                            username=imap_account.username, password=imap_account.password,
                            timeout=10, ca_file=imap_account.ca_file)
    config = config_at(tmp_path, "")
    line = send_digest(config, store, NOW, lambda: ImapMailbox(settings), checklist=True)
    assert line.startswith("checklist sent to dana@shop.example by APPEND to INBOX")
    client = imap_account.client()
    try:
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["UNSEEN"])
        data = client.fetch(uids, [b"BODY.PEEK[]"])
    finally:
        client.logout()
    [raw] = [item[b"BODY[]"] for item in data.values()]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["X-Inboxfollow-Digest"] == "checklist"
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert {"send", "waiting", "quiet"} <= set(Page(html).headings)


# ---- the daemon's job -----------------------------------------------------------------------


def test_the_daemon_job_appends_to_the_configured_imap_inbox(
    tmp_path: Path, store: Store, imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_IMAP_PASSWORD", imap_account.password)
    config = config_at(tmp_path, f"[imap]\nhost = '{imap_account.host}'\n"
                                 f"port = {imap_account.port}\nsecurity = 'starttls'\n"
                                 f"username = '{imap_account.username}'\n"
                                 f"password_env = 'TEST_IMAP_PASSWORD'\n"
                                 f"ca_file = '{imap_account.ca_file}'\n")
    line = digest_job(config)(store, NOW, lambda: False)
    assert line.startswith("digest sent to dana@shop.example by APPEND to INBOX")
    assert imap_account.status("INBOX")["messages"] == 1
    saturday = NOW + timedelta(days=3)
    line = digest_job(config, checklist=True)(store, saturday, lambda: False)
    assert line == "not sent: a weekend day or holiday"
    assert imap_account.status("INBOX")["messages"] == 1
