"""Capture commands end to end on the real Dovecot: the owner's messages with +tags, then
`inboxfollow sync` and `drafts` as the owner runs them; loops, drafts, notes in INBOX."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from inboxfollow.app.capture_commands import cmd_commands, cmd_loops, cmd_promises
from inboxfollow.config import load_config
from tests.dovecot import ImapAccount
from tests.mailgen import (
    CAPTURE,
    CAPTURE_AUTH,
    CAPTURE_AUTHSERV,
    ME,
    Delivery,
    cli_env,
    deliver_all,
    message,
    ok,
    ok_json,
    run_cli,
    store_path,
    tagged,
    write_config,
)
from tests.storefile import store_tables

pytestmark = pytest.mark.dovecot

ANN = ("Ann Buyer", "ann@acme.example")
BEN = ("Ben Cole", "ben@cole-builders.example")
CARL = ("Carl Dietz", "carl@dietz.example")
DORA = ("Dora Ek", "dora@ek-design.example")
EVE = ("Eve Faure", "eve@faure.example")
SENT_AT = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)


def mid(name: str) -> str:
    return f"<{name}@reyes-joinery.example>"


def owner_mail() -> list[Delivery]:
    def sent(name: str, to: tuple[str, str], subject: str, tag: str, body: str) -> Delivery:
        raw = message(ME, [to], subject, SENT_AT, mid(name), body,
                      headers=[("Bcc", tagged(tag))])
        return Delivery("Sent", raw, SENT_AT)

    spoof = message(ME, [("", tagged("won"))], "Fwd: Offer", SENT_AT, mid("spoof"),
                    "won", headers=[("Delivered-To", tagged("won"))], reply_to=mid("eve-q"))
    return [
        sent("ann-r", ANN, "Table measurements", "3d", "Here are the measurements you asked for."),
        sent("ben-r", BEN, "Chair colours", "3d", "Which of the colours do you like?"),
        sent("carl-q", CARL, "Next steps", "quote", "Let us do it as discussed."),
        sent("dora-n", DORA, "Sizes", "bogus", "The sizes are in the attachment."),
        sent("eve-q", EVE, "Offer: oak desk", "won", "Our price for the oak desk is EUR 900."),
        Delivery("INBOX", message(BEN, [ME], "Re: Chair colours", SENT_AT + timedelta(hours=1),
                                  mid("ben-answer"), "The green one, please.",
                                  reply_to=mid("ben-r")), SENT_AT + timedelta(hours=1)),
        Delivery("INBOX", spoof, SENT_AT),
    ]


def inbox_notes(account: ImapAccount) -> list[email.message.EmailMessage]:
    client = account.client()
    try:
        client.select_folder("INBOX", readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
    finally:
        client.logout()
    found = [email.message_from_bytes(v[b"BODY[]"], policy=email.policy.default)
             for v in fetched.values()]
    return [m for m in found if str(m["Subject"]).startswith("inboxfollow:")]  # type: ignore


def drafts_to(account: ImapAccount) -> list[str]:
    client = account.client()
    try:
        client.select_folder("Drafts", readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[HEADER]"])
    finally:
        client.logout()
    return [str(email.message_from_bytes(v[b"BODY[HEADER]"], policy=email.policy.default)["To"])
            for v in fetched.values()]


def drafts_text(account: ImapAccount) -> list[str]:
    client = account.client()
    try:
        client.select_folder("Drafts", readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
    finally:
        client.logout()
    return [email.message_from_bytes(v[b"BODY[]"], policy=email.policy.default)
            .get_body(("plain",)).get_content() for v in fetched.values()]  # type: ignore


def test_tags_become_loops_drafts_and_one_note_each(
    imap_account: ImapAccount, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver_all(imap_account, owner_mail())
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    ok(run_cli("sync", config=config, env=env))
    notes = inbox_notes(imap_account)
    subjects = sorted(str(n["Subject"]) for n in notes)
    assert len([s for s in subjects if "+3d done" in s]) == 2, subjects
    assert any("+quote done: Next steps" in s for s in subjects), subjects
    assert any("+won done: Offer: oak desk" in s for s in subjects), subjects
    bogus = [n for n in notes if "+bogus not understood" in str(n["Subject"])]
    assert len(bogus) == 1 and "+quote, +noquote" in bogus[0].get_content()
    rejected = [n for n in notes if "not trusted" in str(n["Subject"])]
    assert len(rejected) == 1 and "Fwd: Offer" in rejected[0].get_content()
    assert all(n["To"] and ME[1] in str(n["To"]) for n in notes)  # never to anyone else
    # a second pass (and the notes it reads back) makes no second note
    ok(run_cli("sync", config=config, env=env))
    assert len(inbox_notes(imap_account)) == len(notes)

    loops = {lp["contact"]: lp for lp in ok_json(run_cli(
        "quotes", "--status", "all", "--json", config=config, env=env))}
    assert loops[ANN[1]]["kind"] == "reminder" and loops[ANN[1]]["status"] == "awaiting_reply"
    assert loops[BEN[1]]["status"] == "replied"  # an answer cancels the reminder
    assert loops[CARL[1]]["kind"] == "quote" and loops[CARL[1]]["status"] == "awaiting_reply"
    assert loops[EVE[1]]["status"] == "won"
    assert DORA[1] not in loops  # recorded, nothing else
    contacts = {c["email"] for c in ok_json(run_cli("contacts", "--json", config=config,
                                                    env=env))}
    assert DORA[1] in contacts  # the unknown tag lost nothing

    explained = ok(run_cli("explain", mid("ann-r"), config=config, env=env))
    assert "opens a reminder loop" in explained and "kind: reminder" in explained
    assert "capture: the owner's, its copy in the owner's Sent folder" in explained
    ctx = SimpleNamespace(args=SimpleNamespace(json=True), config=load_config(config),
                          now=datetime.now(UTC))
    assert cmd_commands(ctx) == 0
    listed = json.loads(capsys.readouterr().out)["commands"]
    assert sorted(tuple(c["tags"]) for c in listed) == [
        ("3d",), ("3d",), ("bogus",), ("quote",), ("won",)]
    ctx.args = SimpleNamespace(json=True, kind="reminder", status="all")
    assert cmd_loops(ctx) == 0
    assert {lp["contact"] for lp in json.loads(capsys.readouterr().out)} == {ANN[1], BEN[1]}

    later = (SENT_AT + timedelta(days=10)).isoformat()
    ok(run_cli("drafts", config=config, env=env, now=later))
    to = drafts_to(imap_account)
    assert any(ANN[1] in t for t in to), to  # the reminder's follow-up
    assert not any(BEN[1] in t for t in to), to
    assert not any(EVE[1] in t for t in to), to
    assert "I am following up on my message" in drafts_text(imap_account)[0]


def test_check_shows_the_authserv_ids_of_recent_capture_mail(
    imap_account: ImapAccount, tmp_path: Path
) -> None:
    phone = message(ME, [ANN], "From the phone", SENT_AT, mid("phone"), "Sent from my phone.",
                    headers=[("Delivered-To", CAPTURE), CAPTURE_AUTH])
    deliver_all(imap_account, [Delivery("INBOX", phone, SENT_AT)])
    config = write_config(tmp_path, imap_account)
    out = ok(run_cli("check", config=config, env=cli_env(imap_account)))
    assert f"authserv-ids on recent capture mail from you: {CAPTURE_AUTHSERV} (1)" in out
    assert "trusted_authserv_id is not set" not in out
    text = config.read_text().replace(f'trusted_authserv_id = ["{CAPTURE_AUTHSERV}"]\n', "")
    config.write_text(text)
    out = ok(run_cli("check", config=config, env=cli_env(imap_account)))
    assert f'proposed: [capture] trusted_authserv_id = ["{CAPTURE_AUTHSERV}"]' in out
    assert "warning: capture: [capture].trusted_authserv_id is not set" in out


def test_a_spoofed_capture_mail_is_set_aside_with_its_reason(
    imap_account: ImapAccount, tmp_path: Path
) -> None:
    spoof = message(ME, [ANN], "Quote: 500 chairs", SENT_AT, mid("spoof2"),
                    "Our price: EUR 90,000.",
                    headers=[("Delivered-To", tagged("quote")),
                             ("Authentication-Results", "mx.evil.example; dmarc=pass")])
    deliver_all(imap_account, [Delivery("INBOX", spoof, SENT_AT)])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    out = ok(run_cli("sync", config=config, env=env))
    assert "1 set aside" in out
    aside = store_tables(store_path(config))["set_aside"]
    (entry,) = aside.values()
    assert "not verified" in entry["reason"] and "mx.evil.example" in entry["reason"]
    assert ok_json(run_cli("quotes", "--status", "all", "--json", config=config, env=env)) == []


def test_a_promise_in_the_owners_mail_is_listed_and_explained(
    imap_account: ImapAccount, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = message(ME, [ANN], "Kitchen drawings", SENT_AT, mid("promise"),
                  "Thanks for the visit. I'll send you the drawings next week.")
    deliver_all(imap_account, [Delivery("Sent", raw, SENT_AT)])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    ok(run_cli("sync", config=config, env=env))
    ctx = SimpleNamespace(args=SimpleNamespace(json=True, all=False),
                          config=load_config(config), now=datetime.now(UTC))
    assert cmd_promises(ctx) == 0
    (promise,) = json.loads(capsys.readouterr().out)
    assert promise["contact"] == ANN[1] and promise["phrase"] == "next week"
    assert promise["status"] == "open"
    explained = ok(run_cli("explain", mid("promise"), config=config, env=env))
    assert "a promise: " in explained and "'next week' means" in explained
