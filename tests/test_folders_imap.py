"""Every folder that can hold a reply is read: against a real Dovecot, run as a user runs it.

Folders with localized names and no SPECIAL-USE flag (as Exchange lists them), a
Gmail-like "[Gmail]/All Mail" flagged \\All, replies filed away from INBOX, an account
without a Sent folder, and what a no-change poll costs with many folders.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inboxfollow.errors import ConfigError
from inboxfollow.sources.folder_plan import FolderChoice
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.sources.mailbox import DRAFTS, INBOX, SENT
from tests.dovecot import DovecotServer, ImapAccount, new_account
from tests.mailgen import (
    ME,
    Delivery,
    cli_env,
    deliver_all,
    message,
    ok,
    ok_json,
    run_cli,
    store_path,
    write_config,
)
from tests.storefile import store_tables
from tests.test_sync_imap import RecordingProxy, recording_proxy  # noqa: F401 (a fixture)

pytestmark = pytest.mark.dovecot

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
NOW = "2026-03-10T09:00:00+01:00"
ANN = ("Ann Buyer", "ann@acme.example")
BEN = ("Ben Ray", "ben@bauhof.example")


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def box(account: ImapAccount, choice: FolderChoice | None = None,
        overrides: dict[str, str] | None = None) -> ImapMailbox:
    settings = ImapSettings(account.host, account.port, "none", account.username,
                            account.password, timeout=5.0, folder_overrides=overrides or {})
    return ImapMailbox(settings, "owner", choice=choice)


def plain_account(dovecot: DovecotServer) -> ImapAccount:
    """An account with INBOX alone at first: no Sent, no Drafts, no flags."""
    return new_account(dovecot, "plain", sent_and_drafts=False)


def quote(to: tuple[str, str] = ANN, tag: str = "q1") -> bytes:
    return message(ME, [to], "Quote: 40 chairs", at(0), f"<{tag}@reyes.example>",
                   "Our price: EUR 4,000 total.")


def reply(sender: tuple[str, str] = ANN, tag: str = "q1", day: float = 1) -> bytes:
    return message(sender, [ME], "Re: Quote: 40 chairs", at(day), f"<re-{tag}@acme.example>",
                   "Thanks, we take them.", reply_to=f"<{tag}@reyes.example>")


def loops(config: Path, env: dict[str, str]) -> dict[str, dict]:
    found = ok_json(run_cli("quotes", "--status", "all", "--json", config=config, env=env,
                            now=NOW))
    return {loop["contact"]: loop for loop in found}


def records(config: Path) -> dict[str, dict]:
    data = store_tables(store_path(config))
    return {r["key"]: r for r in data["messages"].values()}


# -- the adapter: roles and the folders a sync reads ------------------------------------


def test_localized_folders_without_flags(dovecot: DovecotServer) -> None:
    account = plain_account(dovecot)
    account.create_folders("Gesendete Elemente", "Entwürfe", "Gelöschte Elemente",
                           "Gelöschte Elemente/2025", "Junk-E-Mail", "Postausgang", "Archiv",
                           "Kunden/Acme", "Rubbish", "Unwanted")
    with box(account) as mailbox:
        roles = mailbox.folders()
        read = mailbox.folders_to_sync()
    assert roles == {INBOX: "INBOX", SENT: "Gesendete Elemente", DRAFTS: "Entwürfe"}
    # "Kunden" is \Noselect (Dovecot made it as a level of "Kunden/Acme"); "Rubbish" and
    # "Unwanted" are flagged \Trash and \Junk, whatever their names say
    assert read == ["INBOX", "Gesendete Elemente", "Archiv", "Kunden/Acme"]


def test_gmail_like_all_mail_is_read_instead_of_the_labels(imap_account: ImapAccount) -> None:
    imap_account.create_folders("[Gmail]/All Mail", "[Gmail]/Starred", "[Gmail]/Important",
                                "[Gmail]/Bin", "[Gmail]/Spam", "Kunden", "Archive")
    with box(imap_account) as mailbox:
        assert mailbox.folders_to_sync() == ["INBOX", "Sent", "[Gmail]/All Mail"]
    with box(imap_account, FolderChoice(include=("Kunden", "[Gmail]/*"))) as mailbox:
        assert mailbox.folders_to_sync() == ["INBOX", "Sent", "[Gmail]/All Mail", "Kunden"]
    with box(imap_account, FolderChoice(exclude=("[Gmail]/All Mail",))) as mailbox:
        assert mailbox.folders_to_sync() == ["INBOX", "Sent"]


def test_no_sent_folder_is_a_config_error_unless_it_needs_none(dovecot: DovecotServer) -> None:
    account = plain_account(dovecot)
    account.create_folders("Archiv", "Ausgang")
    with box(account) as mailbox:
        assert SENT not in mailbox.folders()  # the roles alone never fail
        with pytest.raises(ConfigError) as caught:
            mailbox.folders_to_sync()
    assert "[imap].sent_folder" in str(caught.value) and "'Ausgang'" in str(caught.value)
    with box(account, FolderChoice(needs_sent=False)) as mailbox:
        assert mailbox.folders_to_sync() == ["INBOX", "Archiv", "Ausgang"]
    with box(account, overrides={SENT: "Ausgang"}) as mailbox:
        assert mailbox.folders_to_sync() == ["INBOX", "Ausgang", "Archiv"]


# -- replies filed away from INBOX still count -------------------------------------------


def test_replies_moved_out_of_inbox_close_their_loops(
    imap_account: ImapAccount, tmp_path: Path
) -> None:
    imap_account.create_folders("Archive", "Kunden/Bauhof")
    deliver_all(imap_account, [
        Delivery("Sent", quote(ANN, "q1"), at(0)),
        Delivery("Sent", quote(BEN, "q2"), at(0)),
        Delivery("Archive", reply(ANN, "q1"), at(1)),  # the owner archived it
    ])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    line = ok(run_cli("sync", config=config, env=env))
    assert "4 folder(s)" in line, line  # INBOX, Sent, Archive, Kunden/Bauhof
    found = loops(config, env)
    assert found["ann@acme.example"]["status"] == "replied"
    assert found["ben@bauhof.example"]["status"] == "awaiting_reply"
    # a server rule files Ben's answer into a customer folder: the next poll sees it
    deliver_all(imap_account, [Delivery("Kunden/Bauhof", reply(BEN, "q2", 2), at(2))])
    line = ok(run_cli("sync", config=config, env=env))
    assert line.startswith("sync: 1 new"), line
    assert loops(config, env)["ben@bauhof.example"]["status"] == "replied"
    checkpoints = store_tables(store_path(config))["checkpoints"].values()
    assert {c["folder"] for c in checkpoints} == {"INBOX", "Sent", "Archive", "Kunden/Bauhof"}


def test_trash_junk_and_drafts_are_not_read(imap_account: ImapAccount, tmp_path: Path) -> None:
    imap_account.create_folders("Trash", "Junk", "Rubbish")
    deliver_all(imap_account, [
        Delivery("Sent", quote(ANN, "q1"), at(0)),
        Delivery("Trash", reply(ANN, "q1"), at(1)),  # deleted: no answer after all
        Delivery("Junk", reply(BEN, "q1"), at(1)),
        Delivery("Rubbish", message(BEN, [ME], "hello", at(1), "<b@x>"), at(1)),
        Delivery("Drafts", message(ME, [BEN], "draft", at(1), "<d@x>"), at(1)),
    ])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    assert ok(run_cli("sync", config=config, env=env)).startswith("sync: 1 new")
    assert loops(config, env)["ann@acme.example"]["status"] == "awaiting_reply"


def test_gmail_like_all_mail_counts_each_message_once(
    imap_account: ImapAccount, tmp_path: Path
) -> None:
    """Gmail keeps one message under several labels: All Mail holds each once."""
    imap_account.create_folders("[Gmail]/All Mail", "[Gmail]/Starred", "Kunden")
    q1, answer = quote(ANN, "q1"), reply(ANN, "q1")
    deliver_all(imap_account, [
        Delivery("Sent", q1, at(0)), Delivery("[Gmail]/All Mail", q1, at(0)),
        # archived (not in INBOX), labelled "Kunden" and starred
        Delivery("[Gmail]/All Mail", answer, at(1)), Delivery("Kunden", answer, at(1)),
        Delivery("[Gmail]/Starred", answer, at(1)),
    ])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    line = ok(run_cli("sync", config=config, env=env))
    assert line.startswith("sync: 2 new message(s), 1 already known"), line
    assert "3 folder(s)" in line, line
    stored = records(config)
    assert sorted(loc[1] for loc in stored["<re-q1@acme.example>"]["locations"]) == [
        "[Gmail]/All Mail"]
    assert sorted(loc[1] for loc in stored["<q1@reyes.example>"]["locations"]) == [
        "Sent", "[Gmail]/All Mail"]
    assert loops(config, env)["ann@acme.example"]["status"] == "replied"
    contacts = {c["email"]: c for c in ok_json(run_cli("contacts", "--json", config=config,
                                                        env=env))}
    assert (contacts["ann@acme.example"]["touches_in"],
            contacts["ann@acme.example"]["touches_out"]) == (1, 1)


@pytest.mark.parametrize("folder", ["Kunden", "[Gmail]/All Mail"])
def test_a_draft_in_any_folder_is_no_touch(
    imap_account: ImapAccount, tmp_path: Path, folder: str
) -> None:
    """A follow-up the owner saved but never sent, in a normal folder, or in Gmail's All
    Mail (which holds every draft, inboxfollow's own too)."""
    imap_account.create_folders(folder)
    unsent = message(ME, [ANN], "Re: Quote: 40 chairs", at(3), "<unsent@reyes.example>",
                     "Any news?", reply_to="<q1@reyes.example>")
    deliver_all(imap_account, [
        Delivery("Sent", quote(ANN, "q1"), at(0)),
        Delivery(folder, unsent, at(3), ("\\Draft", "\\Seen")),
    ])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    line = ok(run_cli("sync", config=config, env=env))
    assert "3 folder(s)" in line and line.strip().endswith("1 draft(s) skipped"), line
    assert set(records(config)) == {"<q1@reyes.example>"}
    assert loops(config, env)["ann@acme.example"]["touches"] == 1
    # once sent, the same message is a touch (its Sent copy has no \\Draft)
    deliver_all(imap_account, [Delivery("Sent", unsent, at(4))])
    assert ok(run_cli("sync", config=config, env=env)).startswith("sync: 1 new")
    assert loops(config, env)["ann@acme.example"]["touches"] == 2


# -- no Sent folder: the user is told, with exit code 2 ------------------------------------


def test_sync_without_a_sent_folder_exits_2_naming_the_key(
    dovecot: DovecotServer, tmp_path: Path
) -> None:
    account = plain_account(dovecot)
    account.create_folders("Archiv", "Ausgang", "Entwürfe")
    config = write_config(tmp_path, account)
    env = cli_env(account)
    done = run_cli("sync", config=config, env=env)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("inboxfollow: error: no Sent folder found on the owner's mailbox")
    assert "[imap].sent_folder" in line and "'Archiv'" in line and "'Ausgang'" in line
    assert account.password not in done.stderr
    # `check` says the same, as a problem
    done = run_cli("check", config=config, env=env)
    assert done.returncode == 1 and "problem: owner: no Sent folder found" in done.stdout
    # naming the folder is the fix
    fixed = write_config(tmp_path, account, name="fixed.toml")
    fixed.write_text(fixed.read_text().replace("[imap]\n", '[imap]\nsent_folder = "Ausgang"\n'))
    assert ok(run_cli("sync", config=fixed, env=env)).startswith("sync: 0 new")
    out = ok(run_cli("check", config=fixed, env=env))
    assert "ok: owner: sent folder is 'Ausgang'" in out
    assert "ok: owner: sync reads 3 folder(s): 'INBOX', 'Ausgang', 'Archiv'" in out


def test_the_capture_mailbox_needs_no_sent_folder(
    imap_account: ImapAccount, dovecot: DovecotServer, tmp_path: Path
) -> None:
    capture = new_account(dovecot, "capture", sent_and_drafts=False)
    config = write_config(tmp_path, imap_account, capture=capture)
    config.write_text(config.read_text().replace("[imap]\n", '[imap]\nsent_folder = "Sent"\n'))
    env = cli_env(imap_account, capture)
    line = ok(run_cli("sync", config=config, env=env))
    assert "3 folder(s)" in line, line  # owner INBOX and Sent, capture INBOX
    out = ok(run_cli("check", config=config, env=env))
    assert "ok: capture: sync reads 1 folder(s): 'INBOX'" in out
    assert out.strip().splitlines()[-1] == "all checks passed"


# -- a no-change poll: one LIST, one STATUS per folder, nothing else ------------------------


def test_a_no_change_poll_is_one_list_and_one_status_per_folder(
    imap_account: ImapAccount, tmp_path: Path, recording_proxy: RecordingProxy  # noqa: F811
) -> None:
    folders = ["Archive", "Kunden/Acme", "Kunden/Bauhof", "Projekte", "Trash", "Junk"]
    imap_account.create_folders(*folders)
    deliver_all(imap_account, [Delivery("Sent", quote(ANN, "q1"), at(0)),
                               Delivery("Kunden/Acme", reply(ANN, "q1"), at(1))])
    config = write_config(tmp_path, imap_account, port=recording_proxy.port)
    env = cli_env(imap_account)
    ok(run_cli("sync", config=config, env=env))
    recording_proxy.reset()
    started = time.monotonic()
    line = ok(run_cli("sync", config=config, env=env))
    elapsed = time.monotonic() - started
    assert line.startswith("sync: 0 new message(s), 0 already known"), line
    verbs = [c.split(" ", 1)[0].upper() for c in recording_proxy.commands()]
    work = [v for v in verbs if v not in ("CAPABILITY", "LOGIN", "AUTHENTICATE", "LOGOUT",
                                          "ID", "ENABLE", "NOOP")]
    statuses = [c.split(" ", 1)[1] for c in recording_proxy.commands()
                if c.upper().startswith("STATUS")]
    assert work == ["STATUS", "LIST"] + ["STATUS"] * 5, recording_proxy.commands()
    assert [s.split(" (")[0].strip('"') for s in statuses] == [
        "INBOX", "Sent", "Archive", "Kunden/Acme", "Kunden/Bauhof", "Projekte"]
    assert elapsed < 30
