"""Drafts end to end, against a real Dovecot and a real Maildir, with a real store file."""

from __future__ import annotations

import email
import email.policy
import imaplib
import mailbox as stdlib_mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from inboxfollow.app.drafter import Drafter, run_drafts
from inboxfollow.app.loops import derive
from inboxfollow.app.sync import sync
from inboxfollow.cli import main
from inboxfollow.config import Config, load_config
from inboxfollow.outbox.drafts import LOOP_HEADER
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.sources.mailbox import Mailbox
from inboxfollow.sources.maildir import MaildirMailbox
from inboxfollow.store import open_store
from tests.dovecot import ImapAccount

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
        uids = self.source.search_header("Drafts", "Message-ID", "inboxfollow")
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
    assert draft["Message-ID"].startswith("<inboxfollow.") and draft[LOOP_HEADER]
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
    assert "withdraw" in out and ANN in out, out
    assert world.drafts() == []  # gone before any draft run
    with open_store(world.config.store_path) as store:
        (record,) = store.drafts.all()
    assert record["state"] == "withdrawn"
    assert main(["--config", str(world.config.path), "--now", later, "sync"]) == 0
    assert "withdraw" not in capsys.readouterr().out  # a second sync has nothing to do


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
    assert second[LOOP_HEADER].endswith("step=2")


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
    assert parse(raw)[LOOP_HEADER].endswith("step=2")
