"""Notes on capture commands on Maildir sources: once each, whatever runs again."""

from __future__ import annotations

import mailbox
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from inboxfollow.app.capture import process_commands
from inboxfollow.app.demo import (
    CAPTURE,
    CAPTURE_AUTH,
    CAPTURE_AUTHSERV,
    OWNER,
    build_sample_mailbox,
)
from inboxfollow.app.sync import sync
from inboxfollow.rules.capture_trust import CaptureOwner
from inboxfollow.sources.folder_plan import FolderChoice
from inboxfollow.sources.maildir import MaildirMailbox
from inboxfollow.store import open_store

NOW = datetime.now(UTC).replace(microsecond=0)
DANA = CaptureOwner(OWNER[0], frozenset({OWNER[1]}), CAPTURE,
                    trusted_authserv_ids=(CAPTURE_AUTHSERV,))


def _capture_copy(root: Path, delivered: str) -> None:
    msg = EmailMessage()
    msg["From"] = f"Dana <{OWNER[1]}>"
    msg["To"] = "ann@acme.example"
    msg["Subject"] = "From the phone"
    msg["Date"] = format_datetime(NOW - timedelta(hours=1))
    msg["Message-ID"] = "<phone-9@reyes-joinery.example>"
    if delivered:
        msg["Delivered-To"] = delivered
    msg["Authentication-Results"] = CAPTURE_AUTH
    msg.set_content("Sent from my phone.")
    mailbox.Maildir(root, create=True).add(msg)


def _notes(root: Path) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.Maildir(root)
            if str(m["Subject"]).startswith("inboxfollow:")]


def _sync(owner_root: Path, capture_root: Path, store_file: Path) -> None:
    with open_store(store_file) as store:
        capture = MaildirMailbox("capture", capture_root,
                                 choice=FolderChoice((), (), needs_sent=False))
        sync([MaildirMailbox("owner", owner_root), capture], store, DANA)


def test_a_capture_copy_showing_no_address_gets_one_note(tmp_path: Path) -> None:
    build_sample_mailbox(tmp_path / "mail", NOW)
    _capture_copy(tmp_path / "capture", "")
    _sync(tmp_path / "mail", tmp_path / "capture", tmp_path / "s.json")
    assert [n for n in _notes(tmp_path / "mail") if "no tag could be seen" in n] == [
        "inboxfollow: no tag could be seen: From the phone"]
    _sync(tmp_path / "mail", tmp_path / "capture", tmp_path / "s.json")
    assert len(_notes(tmp_path / "mail")) == 1


def test_a_tagged_capture_copy_is_carried_out_and_noted_once(tmp_path: Path) -> None:
    build_sample_mailbox(tmp_path / "mail", NOW)
    local, _, domain = CAPTURE.partition("@")
    _capture_copy(tmp_path / "capture", f"{local}+3d@{domain}")
    _sync(tmp_path / "mail", tmp_path / "capture", tmp_path / "s.json")
    assert [n for n in _notes(tmp_path / "mail") if "+3d done" in n] == [
        "inboxfollow: +3d done: From the phone"]
    with open_store(tmp_path / "s.json") as store:
        assert [o["action"] for o in store.overrides()] == ["remind"]
        # a crash after the note was appended, before the store learnt of it: no second note
        done = store.get_meta("capture_commands")
        store.set_meta("capture_commands", {})
        assert process_commands(store, DANA, [MaildirMailbox("owner", tmp_path / "mail")]) == 1
        assert len(done) == 1
    assert len(_notes(tmp_path / "mail")) == 1
