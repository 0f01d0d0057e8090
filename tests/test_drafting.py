"""Drafts end to end, against a real Dovecot and a real Maildir, with a real store file."""

from __future__ import annotations

import email
import email.policy
import imaplib
import mailbox as stdlib_mailbox
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from inboxfollow.app.drafter import DraftAction, Drafter, run_drafts
from inboxfollow.app.loops import derive
from inboxfollow.app.sync import sync
from inboxfollow.cli import main
from inboxfollow.config import Config, load_config
from inboxfollow.errors import ConfigError
from inboxfollow.outbox.drafts import draft_message_id, legacy_message_id
from inboxfollow.rules.loops import Loop
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.sources.mailbox import Mailbox
from inboxfollow.sources.maildir import MaildirMailbox
from inboxfollow.store import open_store
from tests.dovecot import ImapAccount
from tests.smtpserver import SmtpServer

QUOTE_AT = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday; 2bd later is Wednesday
NOW = datetime(2026, 3, 5, 10, tzinfo=UTC)
OWNER = "dana@shop.example"
ANN = "ann@acme.example"
QUOTE_ID = "<quote-1@shop.example>"


def message(sender: str, to: str, subject: str, when: datetime, message_id: str,
            reply_to: str = "", body: str = "Hello") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id
    if reply_to:
        msg["In-Reply-To"] = msg["References"] = reply_to
    msg.set_content(body)
    return msg.as_bytes()


QUOTE = message(f"Dana Reyes <{OWNER}>", f"Ann Lee <{ANN}>", "Quote: oak shelves", QUOTE_AT,
                QUOTE_ID, body="Our price is EUR 2,400.")


@dataclass
class World:
    """One mail source as the owner's mail client sees it, plus the config for it."""

    kind: str
    config: Config
    source: Mailbox
    account: ImapAccount | None = None
    root: Path | None = None

    def deliver(self, folder: str, raw: bytes) -> None:
        if self.account is not None:
            self.account.deliver(folder, raw)
            return
        assert self.root is not None
        box = stdlib_mailbox.Maildir(self.root)
        target = box if folder == "INBOX" else box.get_folder(folder)
        target.add(raw)

    def drafts(self) -> list[tuple[int, bytes, tuple[str, ...]]]:
        """Every message in Drafts as an independent reader sees it (imaplib / mailbox)."""
        if self.account is not None:
            return _imaplib_drafts(self.account)
        assert self.root is not None
        folder = stdlib_mailbox.Maildir(self.root).get_folder("Drafts")
        return [(i, bytes(m), tuple(m.get_flags())) for i, m in enumerate(folder)]

    def delete_drafts(self) -> None:
        uids = self.source.search_header("Drafts", "Message-ID", "@shop.example")
        self.source.delete("Drafts", uids)

    def sync(self) -> None:
        with open_store(self.config.store_path) as store:
            sync([self.source], store, self.config.owner)

    def drafts_run(self, now: datetime, dry_run: bool = False) -> list[str]:
        with open_store(self.config.store_path) as store:
            actions = run_drafts(self.config, store, self.source, now, dry_run)
        return [a.action for a in actions]

    def loop(self, now: datetime) -> Any:
        with open_store(self.config.store_path) as store:
            (loop,) = derive(store, self.config, now)[1].loops
        return loop


def _imaplib_drafts(account: ImapAccount) -> list[tuple[int, bytes, tuple[str, ...]]]:
    conn = imaplib.IMAP4(account.host, account.port)
    try:
        conn.login(account.username, account.password)
        conn.select("Drafts", readonly=True)
        _, data = conn.uid("SEARCH", "ALL")
        found = []
        for uid in data[0].split():
            _, parts = conn.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
            flags = imaplib.ParseFlags(parts[0][0])
            found.append((int(uid), parts[0][1], tuple(f.decode() for f in flags)))
        return found
    finally:
        conn.logout()


CONFIG = """
[owner]
name = "Dana Reyes"
addresses = ["{owner}"]
timezone = "Europe/Berlin"
signature = "Dana Reyes, Reyes Joinery"
{source}
[store]
path = "state.json"
"""


@pytest.fixture(params=["maildir", "imap"])
def world(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    if request.param == "maildir":
        root = tmp_path / "mail"
        box = stdlib_mailbox.Maildir(root, create=True)
        box.add_folder("Sent")
        box.add_folder("Drafts")
        source_text = '[maildir]\npath = "mail"\n'
        account = None
    else:
        root = None
        account = request.getfixturevalue("imap_account")
        monkeypatch.setenv("IF_TEST_PASSWORD", account.password)
        source_text = (f'[imap]\nhost = "127.0.0.1"\nport = {account.port}\nsecurity = "none"\n'
                       f'username = "{account.username}"\npassword_env = "IF_TEST_PASSWORD"\n')
    path = tmp_path / "inboxfollow.toml"
    path.write_text(CONFIG.format(owner=OWNER, source=source_text))
    config = load_config(path)
    if account is not None:
        source: Mailbox = ImapMailbox(
            ImapSettings("127.0.0.1", account.port, "none", account.username, account.password),
            "owner",
        )
    else:
        source = MaildirMailbox("owner", root)  # type: ignore[arg-type]
    world = World(request.param, config, source, account, root)
    world.deliver("Sent", QUOTE)
    world.sync()
    yield world
    source.close()


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_a_due_draft_lands_in_drafts_threaded_flagged_and_only_once(world: World) -> None:
    assert world.drafts_run(NOW) == ["create"]
    ((_, raw, flags),) = world.drafts()
    assert "\\Draft" in flags or "D" in flags
    draft = parse(raw)
    assert draft["From"].addresses[0].addr_spec == OWNER
    assert draft["To"].addresses[0].addr_spec == ANN
    assert draft["To"].addresses[0].display_name == "Ann Lee"
    assert draft["Subject"] == "Re: Quote: oak shelves"
    assert draft["In-Reply-To"] == QUOTE_ID
    assert QUOTE_ID in draft["References"]
    # nothing in it says where it came from: the contact sees an ordinary reply
    assert draft["Message-ID"] == draft_message_id(f"{QUOTE_ID}|{ANN}", 1, "shop.example")
    assert "inboxfollow" not in raw.decode().lower()
    assert not [k for k in draft.keys() if k.lower().startswith("x-")]
    assert "Hi Ann," in draft.get_body(("plain",)).get_content()
    loop = world.loop(NOW)  # the quotes table says the step's draft is waiting
    assert loop.pending_draft == draft["Message-ID"]
    assert loop.as_json(UTC)["draft_pending"] == draft["Message-ID"]
    assert draft.defects == [] and not any(p.defects for p in draft.walk())
    # a rerun, even much later, creates nothing more for this step
    assert world.drafts_run(NOW) == []
    assert world.drafts_run(NOW + timedelta(hours=20)) == []
    assert len(world.drafts()) == 1


def test_dry_run_shows_the_same_plan_and_touches_nothing(world: World) -> None:
    state = world.config.store_path.read_bytes()
    assert world.drafts_run(NOW, dry_run=True) == ["create"]
    assert world.drafts() == []
    assert world.config.store_path.read_bytes() == state
    assert world.drafts_run(NOW) == ["create"]


def test_a_crash_after_append_makes_no_second_draft(world: World) -> None:
    with open_store(world.config.store_path) as store:
        (action,) = run_drafts(world.config, store, world.source, NOW, dry_run=True)
        # the process dies right after APPEND: the store never hears of the draft
        world.source.append("Drafts", action.draft.to_bytes(NOW), ("\\Draft", "\\Seen"), NOW)
    assert world.drafts_run(NOW) == ["adopt"]
    assert len(world.drafts()) == 1
    assert world.drafts_run(NOW) == []


def test_a_crash_between_the_appends_and_the_store_write_makes_no_second_draft(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def killed(self: Drafter) -> None:
        raise KeyboardInterrupt("killed after the drafts reached the mailbox")

    with monkeypatch.context() as patched:
        patched.setattr(Drafter, "save", killed)
        with pytest.raises(KeyboardInterrupt):
            world.drafts_run(NOW)
    assert len(world.drafts()) == 1  # in Drafts, and the store never heard of it
    assert world.drafts_run(NOW) == ["adopt"]
    assert len(world.drafts()) == 1
    assert world.drafts_run(NOW) == []


def test_a_reply_withdraws_the_unedited_draft(world: World) -> None:
    world.drafts_run(NOW)
    world.deliver("INBOX", message(ANN, OWNER, "Re: Quote: oak shelves", NOW + timedelta(hours=1),
                                   "<reply@acme.example>", QUOTE_ID, "Yes please!"))
    world.sync()
    later = NOW + timedelta(hours=2)
    assert world.drafts_run(later) == ["withdraw"]
    assert world.drafts() == []
    loop = world.loop(later)
    assert loop.status.value == "replied" and loop.as_json(UTC)["draft_pending"] is None


def test_the_sync_that_sees_the_answer_withdraws_the_draft(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.drafts_run(NOW)
    assert len(world.drafts()) == 1
    world.deliver("INBOX", message(ANN, OWNER, "Re: Quote: oak shelves", NOW + timedelta(hours=1),
                                   "<reply@acme.example>", QUOTE_ID, "Yes please!"))
    later = (NOW + timedelta(hours=2)).isoformat()
    assert main(["--config", str(world.config.path), "--now", later, "sync"]) == 0
    out = capsys.readouterr().out
    assert f"withdrew the draft of follow-up 1 of 11 for {ANN}" in out, out
    assert world.drafts() == []  # gone before any draft run
    with open_store(world.config.store_path) as store:
        (record,) = store.drafts.all()
    assert record["state"] == "withdrawn"
    assert main(["--config", str(world.config.path), "--now", later, "sync"]) == 0
    assert "withdrew" not in capsys.readouterr().out  # a second sync has nothing to do


def test_an_edited_draft_is_left_alone(world: World) -> None:
    world.drafts_run(NOW)
    ((_, raw, _),) = world.drafts()
    edited = parse(raw)
    edited.set_content("Hi Ann, I can also offer walnut. Dana")
    world.delete_drafts()
    world.deliver("Drafts", edited.as_bytes())
    world.deliver("INBOX", message(ANN, OWNER, "Re: Quote", NOW + timedelta(hours=1),
                                   "<reply@acme.example>", QUOTE_ID))
    world.sync()
    assert world.drafts_run(NOW + timedelta(hours=2)) == ["leave"]
    assert len(world.drafts()) == 1


def test_sending_the_draft_with_a_new_message_id_advances_the_step(world: World) -> None:
    world.drafts_run(NOW)
    ((_, raw, _),) = world.drafts()
    sent = parse(raw)
    sent_at = NOW + timedelta(hours=3)
    sent.replace_header("Message-ID", "<gmail-rewrote-this@mail.gmail.com>")
    sent.replace_header("Date", format_datetime(sent_at))
    world.delete_drafts()  # the client removes the draft when it sends it
    world.deliver("Sent", sent.as_bytes())
    world.sync()
    loop = world.loop(sent_at)
    assert (loop.touches, loop.status.value) == (2, "awaiting_reply")
    assert loop.next_due.date().isoformat() == "2026-03-10"  # Thu + 3bd = Tue
    assert world.drafts_run(sent_at) == ["sent"]
    assert world.drafts_run(loop.next_due) == ["create"]
    ((_, raw, _),) = world.drafts()
    second = parse(raw)
    assert second["In-Reply-To"] == "<gmail-rewrote-this@mail.gmail.com>"
    assert second["Message-ID"] == draft_message_id(loop.id, 2, "shop.example")


def test_a_deleted_draft_is_a_skipped_step(world: World) -> None:
    world.drafts_run(NOW)
    world.delete_drafts()
    noticed = NOW + timedelta(days=1)  # Friday
    assert world.drafts_run(noticed) == ["skipped"]
    loop = world.loop(noticed)
    assert (loop.touches, loop.steps_done) == (1, 2)
    assert loop.next_due.date().isoformat() == "2026-03-11"  # Fri + 3bd, timed from the skip
    assert world.drafts_run(noticed) == []
    assert world.drafts_run(loop.next_due) == ["create"]
    ((_, raw, _),) = world.drafts()
    assert parse(raw)["Message-ID"] == draft_message_id(loop.id, 2, "shop.example")


JONAS, BEN = "jonas.weber@kueche.example", "ben@kueche.example"
GERMAN_QUOTE_ID = "<angebot-7@shop.example>"


def german_quote() -> bytes:
    """A quote To Jonas, Cc Ben, in German, as Apple Mail writes it."""
    msg = EmailMessage()
    msg["From"] = f"Dana Reyes <{OWNER}>"
    msg["To"] = f'"Weber, Jonas" <{JONAS}>'
    msg["Cc"] = f"Ben Ortiz <{BEN}>"
    msg["Subject"] = "AW: Angebot für Ihre Einbauküche"
    msg["Date"] = format_datetime(QUOTE_AT)
    msg["Message-ID"] = GERMAN_QUOTE_ID
    msg.set_content("Guten Tag Herr Weber,\n\nanbei wie besprochen unser Angebot für die "
                    "Einbauküche. Der Preis liegt bei 8.400 EUR inklusive Montage.\n\n"
                    "Bei Fragen melden Sie sich gerne.\n\nViele Grüße\nDana Reyes\n\n"
                    "> Am 27.02.2026 um 09:12 schrieb Jonas Weber <jonas.weber@kueche.example>:\n"
                    "> Können Sie uns ein Angebot schicken?\n")
    return msg.as_bytes()


def test_a_german_quote_to_two_people_gets_one_german_draft_to_both(world: World) -> None:

    world.deliver("Sent", german_quote())
    world.sync()
    assert world.drafts_run(NOW) == ["create", "create"]  # the oak shelves quote, and this
    (raw,) = [r for _, r, _ in world.drafts() if GERMAN_QUOTE_ID.encode() in r]
    draft = parse(raw)
    assert draft["Subject"] == "Re: Angebot für Ihre Einbauküche"
    assert [a.addr_spec for a in draft["To"].addresses] == [JONAS]
    assert [a.addr_spec for a in draft["Cc"].addresses] == [BEN]
    assert draft["Date"].endswith("+0100")  # the owner's zone, Europe/Berlin
    text = draft.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Guten Tag Jonas Weber,\n\nSie haben am 2. März mein Angebot für Ihre "
                           "Einbauküche bekommen")
    assert "Viele Grüße\nDana Reyes, Reyes Joinery\n" in text
    assert "Am 2. März 2026 um 11:00 schrieb Dana Reyes <dana@shop.example>:\n" in text
    assert "> anbei wie besprochen" in text and "Können Sie uns" not in text


def test_a_draft_with_the_old_message_id_is_adopted(world: World) -> None:
    with open_store(world.config.store_path) as store:
        (action,) = run_drafts(world.config, store, world.source, NOW, dry_run=True)
    old = parse(action.draft.to_bytes(NOW))
    loop_id = f"{QUOTE_ID}|{ANN}"
    old.replace_header("Message-ID", legacy_message_id(loop_id, 1, "shop.example"))
    old["X-Inboxfollow-Loop"] = "abc; step=1"  # as an earlier version made it
    world.source.append("Drafts", old.as_bytes(), ("\\Draft", "\\Seen"), NOW)
    assert world.drafts_run(NOW) == ["adopt"]
    with open_store(world.config.store_path) as store:
        (record,) = store.drafts.all()
    assert record["message_id"] == legacy_message_id(loop_id, 1, "shop.example")
    assert world.drafts_run(NOW) == [] and len(world.drafts()) == 1


def test_the_dry_run_says_what_it_would_do_in_plain_words(world: World) -> None:
    with open_store(world.config.store_path) as store:
        (action,) = run_drafts(world.config, store, world.source, NOW, dry_run=True)
    tz = world.config.timezone
    assert action.report(tz, dry_run=True).startswith(
        f"would create follow-up 1 of 11 for {ANN} (quote 'Quote: oak shelves'): "
        "'Re: Quote: oak shelves' from quote/en/1.txt.j2; due 2026-03-04 08:30")
    assert action.report(tz).startswith("created follow-up 1 of 11 for")
    assert action.as_json(tz)["followup"] == "follow-up 1 of 11"


def test_the_owner_sets_a_contacts_language_in_the_config(world: World) -> None:
    path = world.config.path
    path.write_text(path.read_text() + '\n[drafts]\nlanguage = "auto"\n\n[drafts.languages]\n'
                    f'"{ANN}" = "fr"\n')
    config = load_config(path)
    with open_store(config.store_path) as store:
        (action,) = run_drafts(config, store, world.source, NOW, dry_run=True)
    assert action.draft.template == "quote/fr/1.txt.j2"
    assert action.draft.text.startswith("Bonjour Ann Lee,\n\nJe voulais simplement m'assurer "
                                        "que mon devis « oak shelves » du 2 mars")
    assert "Le 2 mars 2026 à 11:00, Dana Reyes <dana@shop.example> a écrit :\n" in (
        action.draft.text)


@pytest.mark.parametrize(
    ("extra", "message"),
    [(f'\n[drafts.languages]\n"{ANN}" = "klingon"\n', f'[drafts.languages] "{ANN}"'),
     ('\n[drafts]\nlanguages = "de"\n', "[drafts].languages must be dict"),
     ('\n[drafts]\nlanguage = "nl"\n', "[drafts].language is 'nl'")],
)
def test_a_wrong_language_setting_names_its_key(world: World, extra: str, message: str) -> None:
    path = world.config.path
    path.write_text(path.read_text() + extra)
    with pytest.raises(ConfigError) as err:
        config = load_config(path)
        with open_store(config.store_path) as store:
            run_drafts(config, store, world.source, NOW, dry_run=True)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("action", "done", "would"),
    [
        ("create", "created follow-up 2 of 11 for ann@acme.example (quote 'Quote: oak shelves'):",
         "would create follow-up 2 of 11 for ann@acme.example (quote 'Quote: oak shelves'):"),
        ("adopt", "adopted the draft of follow-up 2 of 11 for ann@acme.example",
         "would adopt the draft of follow-up 2 of 11 for ann@acme.example"),
        ("withdraw", "withdrew the draft of follow-up 2 of 11 for",
         "would withdraw the draft of follow-up 2 of 11 for"),
        ("leave", "left the draft of follow-up 2 of 11 for ann@acme.example (quote 'Quote: oak "
                  "shelves') in Drafts; why", "would leave the draft of follow-up 2 of 11"),
        ("sent", "recorded follow-up 2 of 11 for ann@acme.example (quote 'Quote: oak shelves') "
                 "as sent; why", "would record follow-up 2 of 11 for"),
        ("skipped", "recorded follow-up 2 of 11 for", "would record follow-up 2 of 11 for"),
        ("withdrawn", "recorded the draft of follow-up 2 of 11", "would record the draft of"),
    ],
)
def test_every_action_reports_in_plain_words_done_or_not(action: str, done: str,
                                                         would: str) -> None:
    quote = {"key": QUOTE_ID, "subject": "Quote: oak shelves", "message_id": QUOTE_ID,
             "date": QUOTE_AT.isoformat()}
    item = DraftAction(action, Loop(ANN, "Ann Lee", quote, ""), 2, "why", total=11)
    assert item.report(UTC).startswith(done)
    assert item.report(UTC, dry_run=True).startswith(would)
    assert item.report(UTC).endswith("; why") and "step" not in item.report(UTC)


NEOMUTT_RC = """set smtp_url = "smtp://127.0.0.1:{port}"
set ssl_starttls = no
set ssl_force_tls = no
set from = "{owner}"
set use_from = yes
set copy = no
set record = ""
set folder = "{folder}"
"""


@pytest.mark.parametrize("world", ["maildir"], indirect=True)  # one source is enough here
def test_what_neomutt_sends_from_the_draft_carries_nothing_of_ours(
    world: World, cert_dir: Path, tmp_path: Path
) -> None:
    """The owner sends the draft from neomutt through a real SMTP server: the contact gets
    an ordinary reply. (neomutt keeps a draft's Message-ID and every X- header it finds,
    which is why drafts carry no header of ours and an opaque Message-ID.)"""
    assert shutil.which("neomutt"), "neomutt is not installed: run scripts/install-deps.sh"
    world.delete_drafts()
    world.deliver("Sent", german_quote())
    world.sync()
    world.drafts_run(NOW)
    (raw,) = [r for _, r, _ in world.drafts() if GERMAN_QUOTE_ID.encode() in r]
    draft_file = tmp_path / "draft.eml"
    draft_file.write_bytes(raw)
    with SmtpServer.start("plain", cert_dir) as server:
        rc = tmp_path / "muttrc"
        rc.write_text(NEOMUTT_RC.format(port=server.port, owner=OWNER, folder=tmp_path))
        done = subprocess.run(["neomutt", "-n", "-F", str(rc), "-H", str(draft_file)],
                              input=b"\n", capture_output=True, timeout=60, check=False,
                              env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        (received,) = server.received
    sent = parse(received.content)
    assert "inboxfollow" not in received.content.decode("utf-8", "replace").lower()
    assert not [k for k in sent.keys() if k.lower().startswith("x-")]
    assert sent["Message-ID"] == parse(raw)["Message-ID"]
    assert sent["In-Reply-To"] == GERMAN_QUOTE_ID
    assert sorted(received.rcpt_tos) == sorted([JONAS, BEN])
    assert "Guten Tag Jonas Weber," in sent.get_body(("plain",)).get_content()
