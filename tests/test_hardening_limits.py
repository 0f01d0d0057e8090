"""Sane limits: a mass mailing is no quote (and `explain` says so), a Date far in the future
is clamped to the receipt, and messages without a Message-ID are keyed by what every copy
shares, never by where a copy lies."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inboxfollow.config import load_config
from inboxfollow.mail.parse import parse_message
from inboxfollow.mail.record import build_record, message_date, message_key
from inboxfollow.model import Classification, FetchedMessage, Kind, Location, Owner
from inboxfollow.rules.quotes import MASS_MAILING, QuoteRules, decide_quote
from tests.mailgen import OWNER, OWNER_NAME, message, ok, run_cli
from tests.test_cli_views import NOW, synced_sample

RECEIVED = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _quote(recipients: int) -> dict[str, object]:
    return {"subject": "Quote for the oak shelves", "text": "EUR 900", "attachments": [],
            "to": [["", f"p{i}@x.example"] for i in range(recipients - recipients // 2)],
            "cc": [["", f"c{i}@x.example"] for i in range(recipients // 2)]}


@pytest.mark.parametrize(("recipients", "limit", "is_quote"), [
    (1, MASS_MAILING, True), (10, MASS_MAILING, True), (11, MASS_MAILING, False),
    (5000, MASS_MAILING, False), (3, 2, False), (11, 20, True),
])
def test_a_quote_to_many_is_a_mass_mailing(recipients: int, limit: int, is_quote: bool) -> None:
    decision = decide_quote(_quote(recipients), QuoteRules.build(mass_mailing=limit))
    assert decision.is_quote is is_quote
    if not is_quote:
        assert "mass mailing" in decision.reason and str(recipients) in decision.reason


BASE = '[owner]\nname = "Me"\naddresses = ["me@x.example"]\n[maildir]\npath = "m"\n'


def test_the_limit_is_a_config_key(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(BASE + "[quotes]\nmass_mailing = 3\n")
    assert load_config(config).quote_rules.mass_mailing == 3
    config.write_text(BASE)
    assert load_config(config).quote_rules.mass_mailing == MASS_MAILING == 10


def test_explain_says_a_mass_mailing_is_no_quote(tmp_path: Path) -> None:
    config = synced_sample(tmp_path / "sample")
    sent = mailbox.Maildir(tmp_path / "sample" / "mail", create=False).get_folder("Sent")
    people = [(f"Customer {i}", f"c{i}@list.example") for i in range(12)]
    sent.add(message((OWNER_NAME, OWNER), people, "Quote: spring offer",
                     datetime.fromisoformat(NOW) - timedelta(days=2), "<mass@reyes.example>",
                     "Our price for shelves: EUR 900."))
    ok(run_cli("sync", config=config, now=NOW))
    out = ok(run_cli("explain", "<mass@reyes.example>", config=config, now=NOW))
    assert "mass mailing" in out and "12 recipients" in out, out
    assert "<mass@reyes.example>" not in ok(run_cli("quotes", "--status", "all", "--json",
                                                    config=config, now=NOW))


def _fetched(raw: bytes, internaldate: datetime | None, folder: str = "INBOX",
             uid: int = 1) -> FetchedMessage:
    return FetchedMessage(Location("owner", folder, 1, uid), raw, (), internaldate, len(raw), True)


def _raw(date: str, body: str = "Hello.", extra: str = "", message_id: str = "") -> bytes:
    head = (f"{extra}From: Ann <ann@x.example>\r\nTo: me@y.example\r\nSubject: Hi\r\n"
            f"Date: {date}\r\n")
    if message_id:
        head += f"Message-ID: {message_id}\r\n"
    return f"{head}\r\n{body}\r\n".encode()


@pytest.mark.parametrize(("date", "expected", "source"), [
    ("Mon, 1 Mar 2100 09:00:00 +0000", RECEIVED, "internaldate (Date in the future)"),
    ("Mon, 2 Mar 2026 10:00:00 +0000", RECEIVED, "internaldate (Date in the future)"),
    ("Mon, 2 Mar 2026 08:00:00 +0000", datetime(2026, 3, 2, 8, tzinfo=UTC), "header"),
    ("Sun, 1 Mar 2026 08:00:00 +0000", datetime(2026, 3, 1, 8, tzinfo=UTC), "header"),
])
def test_a_date_far_in_the_future_is_clamped_to_the_receipt(
    date: str, expected: datetime, source: str
) -> None:
    fetched = _fetched(_raw(date), RECEIVED)
    assert message_date(parse_message(fetched), fetched) == (expected, source)


def test_a_future_date_does_not_become_the_last_touch() -> None:
    fetched = _fetched(_raw("Mon, 1 Mar 2100 09:00:00 +0000"), RECEIVED)
    record = build_record(parse_message(fetched), Classification(Kind.HUMAN, "x"), fetched,
                          Owner("Me", frozenset({"me@y.example"})))
    assert record["date"] == RECEIVED.isoformat()


def test_the_future_limit_is_a_setting(tmp_path: Path) -> None:
    """[sync].future_hours (default 24): with 72, a Date two days ahead is kept."""
    fetched = _fetched(_raw("Tue, 3 Mar 2026 09:00:00 +0000"), RECEIVED)
    verdict = Classification(Kind.HUMAN, "x")
    owner = Owner("Me", frozenset({"me@y.example"}))
    assert build_record(parse_message(fetched), verdict, fetched, owner)["date"] == (
        RECEIVED.isoformat())
    config = tmp_path / "c.toml"
    config.write_text('[owner]\nname = "Me"\naddresses = ["me@y.example"]\n'
                      '[maildir]\npath = "mail"\n[sync]\nfuture_hours = 72\n')
    patient = load_config(config).owner
    assert patient.future_slack_hours == 72
    assert build_record(parse_message(fetched), verdict, fetched, patient)["date"] == (
        "2026-03-03T09:00:00+00:00")


def test_messages_without_message_id_keep_apart_and_copies_stay_one() -> None:
    date = "Mon, 2 Mar 2026 08:00:00 +0000"
    one = _fetched(_raw(date, "Please call me."), RECEIVED)
    copy = _fetched(_raw(date, "Please call me.", "Received: from a\r\nDelivered-To: b\r\n"),
                    RECEIVED + timedelta(hours=1), "Archive", 77)
    other = _fetched(_raw(date, "Thanks, no."), RECEIVED)
    keys = [message_key(parse_message(f)) for f in (one, copy, other)]
    assert keys[0] == keys[1] != keys[2]
    with_id = _fetched(_raw(date, message_id="<a@x>"), RECEIVED)
    assert message_key(parse_message(with_id)) == "<a@x>"
