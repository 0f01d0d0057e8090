"""The digest: its sections from constructed mail, its HTML parsed, its delivery end to end."""

from __future__ import annotations

import email
import email.policy
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
    DigestData,
    build_checklist,
    build_digest,
    shares,
    touch_chart,
)
from inboxfollow.rules.loops import Derivation, derive_loops
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.store import Store, open_store
from tests.dovecot import ImapAccount
from tests.smtpserver import SmtpServer

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 4, 15, 10, tzinfo=UTC)  # a Wednesday, 12:00 in Berlin
NASTY_NAME = "<script>alert(1)</script>"
NASTY_SUBJECT = "Quote {{ 7*7 }} <b>shelves</b>"
OWNER = Owner("Dana {{ 7*7 }}", frozenset({"dana@shop.example"}), "")
ME = ["Dana", "dana@shop.example"]
ANN = [NASTY_NAME, "ann@acme.example"]
BEN = ["Ben Ray", "ben@bolt.example"]
CAT = ["Cat Ng", "cat@cork.example"]
DAN = ["Dan Fox", "dan@dent.example"]
EVE = ["Eve Ode", "eve@elm.example"]
DAEMON = ["", "mailer-daemon@mx.example"]
SECTIONS = ("awaiting", "drafts", "answered", "bounces", "quiet", "by-touch")


def msg(key: str, sender: list[str], to: list[list[str]], days_ago: float, subject: str,
        kind: str = "human", refs: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {
        "key": f"<{key}@x>", "message_id": f"<{key}@x>", "sender": sender, "to": to, "cc": [],
        "date": (NOW - timedelta(days=days_ago)).isoformat(),
        "direction": "out" if sender == ME else "in", "kind": kind, "reason": f"test {kind}",
        "subject": subject, "text": "", "attachments": [], "in_reply_to": list(refs[-1:]),
        "references": list(refs), "headers": {}, "bounce_text": "", "locations": [], **extra,
    }


# Ann: a quote 6 days old, no answer, a draft pending. Ben: answered 2 days ago on the 3rd
# touch. Cat: answered 58 days ago on the 1st touch, quiet since. Dan: the quote bounced.
# Eve: an exchange 44 days ago, no quote: quiet.
RECORDS = [
    msg("qa", ME, [ANN], 6, NASTY_SUBJECT),
    msg("qb", ME, [BEN], 20, "Quote: oak table"),
    msg("fb1", ME, [BEN], 15, "Re: Quote: oak table", refs=("<qb@x>",)),
    msg("fb2", ME, [BEN], 10, "Re: Quote: oak table", refs=("<qb@x>",)),
    msg("rb", BEN, [ME], 2, "Re: Quote: oak table", refs=("<qb@x>",)),
    msg("qc", ME, [CAT], 60, "Quote: chairs"),
    msg("rc", CAT, [ME], 58, "Re: Quote: chairs", refs=("<qc@x>",)),
    msg("qd", ME, [DAN], 3, "Quote: desk"),
    msg("bd", DAEMON, [ME], 2.9, "Undeliverable", kind="bounce", refs=("<qd@x>",),
        bounce_text="Final-Recipient: rfc822; dan@dent.example\n"
                    "Diagnostic-Code: smtp; 550 5.1.1 user unknown"),
    msg("e1", EVE, [ME], 45, "hello"),
    msg("e2", ME, [EVE], 44, "Re: hello"),
]
ANN_LOOP = "<qa@x>|ann@acme.example"
DRAFTS = [
    {"loop_id": ANN_LOOP, "step": 1, "state": "pending", "message_id": "<d1@x>",
     "created_at": (NOW - timedelta(days=1)).isoformat(), "contact": "ann@acme.example"},
    {"loop_id": "<qb@x>|ben@bolt.example", "step": 1, "state": "sent", "message_id": "<d2@x>",
     "created_at": (NOW - timedelta(days=16)).isoformat(), "contact": "ben@bolt.example"},
]


def derivation() -> Derivation:
    return derive_loops(RECORDS, OWNER, NOW)


def digest() -> DigestData:
    return build_digest(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ)


class Page(HTMLParser):
    """Headings by id, section tables as rows of cell texts, and the chart's bars."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.bars: dict[int, int] = {}  # touch -> width in %
        self.bar_cells: dict[int, int] = {}  # touch -> how many coloured cells
        self._heading: str | None = None
        self._section: str | None = None
        self._section_depth = 0
        self._depth = 0
        self._touch: int | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "h2":
            self._heading = a.get("id", "")
            self.headings[self._heading] = ""
        elif tag == "table":
            self._depth += 1
            if "data-section" in a:
                self._section, self._section_depth = a["data-section"], self._depth
                self.tables[self._section] = []
        elif tag == "tr" and self._section and self._depth == self._section_depth:
            self.tables[self._section].append([])
            self._touch = int(a["data-touch"]) if "data-touch" in a else None
            if self._touch is not None:
                self.bars[self._touch], self.bar_cells[self._touch] = 0, 0
        elif tag in ("td", "th") and self._section and self._depth == self._section_depth:
            self.tables[self._section][-1].append("")
        elif tag == "td" and a.get("class") == "bar" and self._touch is not None:
            width = re.fullmatch(r"width:(\d+)%;.*", a["style"])
            assert width and a["width"] == f"{width.group(1)}%", a
            self.bars[self._touch] = int(width.group(1))
            self.bar_cells[self._touch] += 1
        assert tag not in ("script", "img", "link", "style", "iframe"), tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._heading = None
        elif tag == "table":
            if self._depth == self._section_depth:
                self._section = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self.headings[self._heading] += data
        if self._section and self.tables[self._section] and self.tables[self._section][-1]:
            row = self.tables[self._section][-1]
            row[-1] = " ".join((row[-1] + " " + data.replace("\xa0", " ")).split())

    def rows(self, section: str) -> list[list[str]]:
        return self.tables[section][1:]  # without the heading row


# ---- the pure part ------------------------------------------------------------


def test_every_section_is_built_from_the_mail() -> None:
    data = digest()
    assert [(r.contact, r.touches, r.age_days, r.due_now) for r in data.awaiting] == [
        ("ann@acme.example", 1, 6, True)]
    assert [(r.contact, r.contact_number) for r in data.drafts] == [("ann@acme.example", 2)]
    assert [(r.contact, r.touch, r.answered_on) for r in data.answered] == [
        ("ben@bolt.example", 3, "2026-04-13")]
    assert [(r.contact, r.reason) for r in data.bounces] == [
        ("dan@dent.example", "smtp; 550 5.1.1 user unknown")]
    assert [(r.contact, r.days) for r in data.quiet] == [
        ("eve@elm.example", 44), ("cat@cork.example", 58)]
    assert data.chart is not None and data.chart.total == 2
    assert [b.count for b in data.chart.bars] == [1, 0, 1] + [0] * 9


def test_quiet_days_is_a_parameter_and_a_limit_applies() -> None:
    data = build_digest(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ, quiet_days=50,
                        quiet_limit=1)
    assert [r.contact for r in data.quiet] == ["cat@cork.example"] and data.quiet_more == 0
    data = build_digest(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ, quiet_limit=1)
    assert [r.contact for r in data.quiet] == ["eve@elm.example"] and data.quiet_more == 1


def test_answers_after_more_than_twelve_touches_count_as_the_twelfth() -> None:
    chart = touch_chart([1, 12, 13, 40])
    assert [b.count for b in chart.bars][-1] == 3 and chart.bars[-1].label == "12th+"
    assert [b.label for b in chart.bars[:4]] == ["1st", "2nd", "3rd", "4th"]
    assert [b.seed for b in chart.bars] == [2, 3, 5, 10] + [None] * 8


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
    assert len(page.bars) == 12
    assert abs(sum(page.bars.values()) - 100) <= 1


def test_shares_of_nothing_are_zero() -> None:
    assert shares([0, 0, 0]) == [0, 0, 0]
    assert sum(touch_chart([]).bars[i].percent for i in range(12)) == 0


# ---- the HTML, parsed ---------------------------------------------------------------


def test_the_html_has_every_section_with_its_rows() -> None:
    subject, _, html = render_digest(digest())
    page = Page(html)
    assert set(SECTIONS) <= set(page.headings)
    assert page.headings["awaiting"] == "Quotes awaiting a reply (1)"
    assert page.headings["drafts"] == "Drafts waiting for review (1)"
    assert page.headings["answered"] == "Who answered this week (1)"
    assert page.headings["bounces"] == "Bounces to fix (1)"
    assert page.headings["quiet"] == "Contacts gone quiet (2)"
    assert page.headings["by-touch"] == "Replies by touch number (2)"
    [ann] = page.rows("awaiting")
    assert ann[0] == f"{NASTY_NAME} ann@acme.example" and ann[1].startswith(NASTY_SUBJECT)
    assert ann[2:4] == ["6", "1"] and ann[4].endswith("(due now)")
    assert page.rows("drafts") == [[f"{NASTY_NAME} ann@acme.example", NASTY_SUBJECT, "2",
                                    "2026-04-14"]]
    assert page.rows("answered") == [["Ben Ray ben@bolt.example", "Quote: oak table",
                                      "2026-04-13", "3"]]
    assert page.rows("bounces") == [["Dan Fox dan@dent.example", "Quote: desk", "2026-04-12",
                                     "smtp; 550 5.1.1 user unknown"]]
    assert [row[:3] for row in page.rows("quiet")] == [
        ["Eve Ode eve@elm.example", "2026-03-02", "44"],
        ["Cat Ng cat@cork.example", "2026-02-16", "58"]]
    assert subject == ("Follow-up digest Wednesday 15 April 2026: 1 open quote(s), 1 due, "
                       "1 answered this week")


def test_the_chart_has_twelve_bars_with_widths_and_the_seed_figures() -> None:
    page = Page(render_digest(digest())[2])
    assert page.bars == {1: 50, 2: 0, 3: 50, **{n: 0 for n in range(4, 13)}}
    assert page.bar_cells == {n: 1 if n in (1, 3) else 0 for n in range(1, 13)}
    rows = page.rows("chart")
    assert [row[0] for row in rows] == ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th",
                                        "9th", "10th", "11th", "12th+"]
    assert [row[2] for row in rows] == ["1 (50%)", "0 (0%)", "1 (50%)"] + ["0 (0%)"] * 9
    assert [row[3] for row in rows[:5]] == ["2%", "3%", "5%", "10%", "80% on the 5th to 12th"]
    assert all(len(row) == 3 for row in rows[5:])  # the 80% cell spans the 5th to 12th


def test_the_text_part_holds_the_same_facts() -> None:
    _, text, _ = render_digest(digest())
    for fact in ("QUOTES AWAITING A REPLY (1)", f'{NASTY_NAME} <ann@acme.example>: '
                 f'"{NASTY_SUBJECT}"', "DRAFTS WAITING FOR REVIEW (1)", "contact 2",
                 "WHO ANSWERED THIS WEEK (1)", "after 3 touch(es)", "BOUNCES TO FIX (1)",
                 "550 5.1.1 user unknown", "CONTACTS GONE QUIET (no touch in 30 days: 2)",
                 "eve@elm.example", "cat@cork.example", "REPLIES BY TOUCH NUMBER",
                 "seeds: 2%", "seeds: 10%", "seeds: 80% on the 5th to 12th", "Dana {{ 7*7 }}"):
        assert fact in text, fact
    first = next(line for line in text.splitlines() if line.startswith("1st"))
    assert "#" * 12 in first and "50%" in first


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


def test_the_checklist_holds_every_prompt_due_today() -> None:
    data = build_checklist(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ)
    assert [(i.contact, i.contact_number, i.draft_ready) for i in data.due] == [
        ("ann@acme.example", 2, True)]
    assert [(i.contact, i.subject) for i in data.replies] == [
        ("ben@bolt.example", "Re: Quote: oak table")]
    assert [r.contact for r in data.quiet] == ["eve@elm.example", "cat@cork.example"]
    subject, text, html = render_checklist(data)
    assert subject.startswith("Today's follow-ups Wednesday 15 April 2026: 1 due")
    assert "[ ] <script>alert(1)</script> <ann@acme.example>" in text
    assert "review and send the draft in Drafts" in text
    page = Page(html)
    assert {"due", "replies", "quiet"} <= set(page.headings)
    assert "<script>" not in html


def test_a_follow_up_is_due_on_its_local_day_not_before() -> None:
    # Ann's quote went out on Thursday the 9th: the 2nd contact is due Monday the 13th,
    # 08:30 in Berlin; on that day's morning it is on the checklist already
    def due_at(moment: datetime) -> list[str]:
        records = [r for r in RECORDS if r["date"] <= moment.isoformat()]
        loops = derive_loops(records, OWNER, moment)
        return [i.contact for i in build_checklist(records, loops, [], OWNER, moment, TZ).due]

    assert "ann@acme.example" not in due_at(datetime(2026, 4, 12, 21, 59, tzinfo=UTC))
    assert "ann@acme.example" in due_at(datetime(2026, 4, 12, 22, 0, tzinfo=UTC))  # 00:00 local


# ---- the owner's templates ----------------------------------------------------------


def test_an_owner_template_replaces_the_shipped_one_of_its_name_only(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("{{ awaiting|length }} open, {{ owner_name }}\n")
    subject, text, html = render_digest(digest(), tmp_path)
    assert text == "1 open, Dana {{ 7*7 }}\n"
    assert (subject, html) == (render_digest(digest())[0], render_digest(digest())[2])
    data = build_checklist(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ)
    assert render_checklist(data, tmp_path) == render_checklist(data)  # none of theirs


def test_a_broken_owner_template_names_its_file_and_the_variable(tmp_path: Path) -> None:
    (tmp_path / "checklist.html.j2").write_text("<p>{{ dew|length }}</p>\n")
    data = build_checklist(RECORDS, derivation(), DRAFTS, OWNER, NOW, TZ)
    with pytest.raises(ConfigError) as err:
        render_checklist(data, tmp_path)
    message = str(err.value)
    assert str(tmp_path / "checklist.html.j2") in message and "'dew' is undefined" in message
    assert "known variables:" in message and "due" in message


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
    assert line.startswith("digest sent to dana@shop.example by SMTP: 1 open quote(s), 1 due")
    assert got.tls and got.login == "dana" and got.rcpt_tos == ["dana@shop.example"]
    message = email.message_from_bytes(got.content, policy=email.policy.default)
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    page = Page(html)
    assert set(SECTIONS) <= set(page.headings) and len(page.bars) == 12


def test_digest_preview_writes_html_and_sends_nothing(
    tmp_path: Path, store: Store
) -> None:
    config = config_at(tmp_path, "")
    target = tmp_path / "out" / "digest.html"
    line = digest_command(config, store, None, NOW, preview=target, send=False)
    assert line.startswith(f"digest preview written to {target}")
    assert set(SECTIONS) <= set(Page(target.read_text(encoding="utf-8")).headings)
    line = digest_command(config, store, None, NOW, preview=None, send=False, checklist=True)
    assert "nothing sent" in line and "1 follow-up(s) due" in line


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
    assert {"due", "replies", "quiet"} <= set(Page(html).headings)


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
