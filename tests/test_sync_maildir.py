"""Sync over a real Maildir tree into a real store file."""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from inboxfollow.app import sync as sync_module
from inboxfollow.app.demo import (
    CAPTURE,
    CAPTURE_AUTH,
    CAPTURE_AUTHSERV,
    OWNER,
    SAMPLES,
    build_sample_mailbox,
)
from inboxfollow.app.sync import sync
from inboxfollow.errors import ConfigError
from inboxfollow.model import FetchedMessage
from inboxfollow.rules.capture_trust import CaptureOwner
from inboxfollow.rules.contacts import all_touches
from inboxfollow.rules.loops import derive_loops
from inboxfollow.sources.folder_plan import FolderChoice
from inboxfollow.sources.maildir import MaildirMailbox
from inboxfollow.store import open_store

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
DEMO_OWNER = CaptureOwner(OWNER[0], frozenset({OWNER[1]}), CAPTURE,
                          trusted_authserv_ids=(CAPTURE_AUTHSERV,))


def snapshot(path: Path) -> dict:
    with open_store(path) as store:
        return {
            m["key"]: (m["kind"], m["direction"], sorted(map(tuple, m["locations"])))
            for m in store.all_messages()
        } | {"checkpoints": sorted(
            (c["folder"], c["last_uid"]) for c in store._checkpoints.all()
        )}


@pytest.fixture()
def maildir(tmp_path: Path) -> Path:
    build_sample_mailbox(tmp_path / "mail", NOW)
    return tmp_path / "mail"


def test_first_sync_records_every_message_once(maildir: Path, tmp_path: Path) -> None:
    with open_store(tmp_path / "s.json") as store:
        summary = sync([MaildirMailbox("owner", maildir)], store, DEMO_OWNER)
        records = store.all_messages()
    assert summary.new == len(SAMPLES) and summary.set_aside == 0
    kinds = {r["subject"]: r["kind"] for r in records}
    assert kinds["Automatic reply: Proposal: built-in wardrobe"] == "auto_reply"
    assert kinds["Undelivered Mail Returned to Sender"] == "bounce"
    assert kinds["This week in timber prices"] == "list"
    assert kinds["Oak samples"] == "human"
    outbound_to_priya = [t for t in all_touches(records, DEMO_OWNER)
                         if t.contact == "priya@lakeside-cafe.example"]
    assert len(outbound_to_priya) == 2  # the Sent quote and the BCC-only message


def test_second_sync_changes_nothing_and_a_new_message_is_picked_up(
    maildir: Path, tmp_path: Path
) -> None:
    source = MaildirMailbox("owner", maildir)
    with open_store(tmp_path / "s.json") as store:
        sync([source], store, DEMO_OWNER)
        again = sync([source], store, DEMO_OWNER)
        assert (again.new, again.duplicates) == (0, 0)
        assert not store.dirty
    # the same message as a BCC copy in INBOX and a copy in Sent is one message
    sent = (maildir / ".Sent" / "cur")
    first = sorted(sent.iterdir())[0]
    (maildir / "new" / "9999999999.M1P1.host").write_bytes(first.read_bytes())
    with open_store(tmp_path / "s.json") as store:
        third = sync([source], store, DEMO_OWNER)
        assert (third.new, third.duplicates) == (0, 1)
        assert len(store.all_messages()) == len(SAMPLES)


class CrashingMailbox(MaildirMailbox):
    """Dies after a number of batches, as a killed process would."""

    def __init__(self, path: Path, after_batches: int) -> None:
        super().__init__("owner", path)
        self.left = after_batches

    def fetch_headers(
        self, folder: str, after_uid: int, batch_size: int = 500
    ) -> Iterator[list[FetchedMessage]]:
        for batch in super().fetch_headers(folder, after_uid, batch_size):
            if self.left == 0:
                raise KeyboardInterrupt("killed")
            self.left -= 1
            yield batch


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "worker"])
@pytest.mark.parametrize("crash_after", range(7))  # the sample makes 7 batches of 2
def test_crash_anywhere_then_rerun_equals_one_clean_run(
    maildir: Path, tmp_path: Path, crash_after: int, parallel: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sync_module, "COMMIT_EVERY", 2)
    monkeypatch.setattr(sync_module, "PARALLEL_FROM", 1 if parallel else 10**9)
    clean = tmp_path / "clean.json"
    with open_store(clean) as store:
        sync([MaildirMailbox("owner", maildir)], store, DEMO_OWNER, batch_size=2)
    crashed = tmp_path / "crashed.json"
    with pytest.raises(KeyboardInterrupt), open_store(crashed) as store:
        sync([CrashingMailbox(maildir, crash_after)], store, DEMO_OWNER, batch_size=2)
    with open_store(crashed) as store:
        sync([MaildirMailbox("owner", maildir)], store, DEMO_OWNER, batch_size=2)
    assert snapshot(crashed) == snapshot(clean)


def _mail(sender: str, to: str, subject: str, extra: str = "") -> bytes:
    return (f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n"
            f"Message-ID: <{abs(hash(subject))}@t.example>\n{extra}\nHello\n").encode()


@pytest.mark.parametrize(
    ("sender", "to", "extra", "recorded"),
    [
        # a BCC copy: the owner's only when the capture provider vouches (capture trust rule)
        (OWNER[1], "ann@acme.example",
         f"Delivered-To: {CAPTURE}\nAuthentication-Results: {CAPTURE_AUTH}\n", True),
        (OWNER[1], "ann@acme.example", f"Delivered-To: {CAPTURE}\n", False),
        ("ann@acme.example", OWNER[1], "", True),  # ordinary mail to the owner
        ("spammer@evil.example", CAPTURE, "", False),  # a stranger writes to the capture address
        (OWNER[1], CAPTURE, "Authentication-Results: mx.example; dmarc=fail\n", False),  # forged
        ("ann@acme.example", f"{OWNER[1]}, {CAPTURE}", "", True),  # also to the owner directly
    ],
)
def test_mail_to_the_capture_address_is_trusted_only_from_the_owner(
    tmp_path: Path, sender: str, to: str, extra: str, recorded: bool
) -> None:
    build_sample_mailbox(tmp_path / "mail", NOW)
    (tmp_path / "mail" / "new" / "9999999999.M1P1.host").write_bytes(
        _mail(sender, to, f"probe {sender} {to}", extra))
    with open_store(tmp_path / "s.json") as store:
        summary = sync([MaildirMailbox("owner", tmp_path / "mail")], store, DEMO_OWNER)
        subjects = {m["subject"] for m in store.all_messages()}
        aside = store.set_aside.all()
    assert (f"probe {sender} {to}" in subjects) is recorded
    assert summary.set_aside == (0 if recorded else 1)
    if not recorded:
        assert "capture address" in aside[0]["reason"]


def test_judging_in_a_worker_process_stores_exactly_what_judging_here_does(
    maildir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = tmp_path / "here.json", tmp_path / "there.json"
    with open_store(here) as store:
        sync([MaildirMailbox("owner", maildir)], store, DEMO_OWNER, batch_size=3)
    monkeypatch.setattr(sync_module, "PARALLEL_FROM", 1)
    with open_store(there) as store:
        summary = sync([MaildirMailbox("owner", maildir)], store, DEMO_OWNER, batch_size=3)
    assert summary.new == len(SAMPLES)
    with open_store(here) as a, open_store(there) as b:
        assert a.all_messages() == b.all_messages()


# Run in a process of its own: the test process has other threads (servers, proxies),
# and the choice between forking and spawning the worker depends on that.
PASS_WITH_WORKERS = """
import concurrent.futures, json, sys, threading
from pathlib import Path
from inboxfollow.app import sync as sync_module
from inboxfollow.sources.maildir import MaildirMailbox
from inboxfollow.store import open_store
from tests.test_sync_maildir import DEMO_OWNER

maildir, store_path, other_thread = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
sync_module.PARALLEL_FROM = 1  # INBOX and Sent are both "long"
started = []

class Counted(concurrent.futures.ProcessPoolExecutor):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        started.append(self)

concurrent.futures.ProcessPoolExecutor = Counted
release = threading.Event()
if other_thread:  # as the daemon's IDLE watchers run beside its passes
    threading.Thread(target=release.wait, name="idle-watcher").start()
try:
    with open_store(store_path) as store:
        summary = sync_module.sync([MaildirMailbox("owner", maildir)], store, DEMO_OWNER,
                                   batch_size=3)
        folders = sorted({c["folder"] for c in store._checkpoints.all()})
finally:
    release.set()
print(json.dumps({"new": summary.new, "folders": folders,
                  "methods": [pool._mp_context.get_start_method() for pool in started],
                  "shut_down": [pool._shutdown_thread for pool in started]}))
"""


def _pass_with_workers(maildir: Path, store: Path, other_thread: bool) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", PASS_WITH_WORKERS, str(maildir), str(store),
                           "1" if other_thread else "0"], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_a_pass_starts_one_worker_for_all_its_long_folders(maildir: Path, tmp_path: Path) -> None:
    result = _pass_with_workers(maildir, tmp_path / "s.json", other_thread=False)
    assert result["new"] == len(SAMPLES) and {"INBOX", "Sent"} <= set(result["folders"])
    # kept from INBOX to Sent (starting one costs), shut down after the pass, and forked
    # from a process with no other thread: the judging code is loaded already
    assert result["methods"] == ["fork"] and result["shut_down"] == [True]


def test_a_process_with_other_threads_spawns_its_worker(maildir: Path, tmp_path: Path) -> None:
    """A fork could copy a lock another thread holds: beside the daemon's IDLE watchers the
    worker is spawned, and stores exactly what a forked one does."""
    forked, spawned = tmp_path / "forked.json", tmp_path / "spawned.json"
    assert _pass_with_workers(maildir, forked, other_thread=False)["methods"] == ["fork"]
    assert _pass_with_workers(maildir, spawned, other_thread=True)["methods"] == ["spawn"]
    with open_store(forked) as a, open_store(spawned) as b:
        assert a.all_messages() == b.all_messages()


class RecordingMailbox(MaildirMailbox):
    """Notes the order of the folder listing and the status checks."""

    def __init__(self, path: Path) -> None:
        super().__init__("owner", path)
        self.calls: list[str] = []

    def folders(self) -> dict[str, str]:
        self.calls.append("LIST")
        return super().folders()

    def folders_to_sync(self) -> list[str]:
        self.calls.append("LIST")
        return super().folders_to_sync()

    def status(self, folder: str):  # type: ignore[no-untyped-def]
        self.calls.append(f"STATUS {folder}")
        return super().status(folder)


def test_a_poll_checks_inbox_before_listing_folders(maildir: Path, tmp_path: Path) -> None:
    # Dovecot answers STATUS INBOX by reading the whole folder once a session has listed
    source = RecordingMailbox(maildir)
    with open_store(tmp_path / "s.json") as store:
        sync([source], store, DEMO_OWNER)
        source.calls.clear()
        sync([source], store, DEMO_OWNER)
    assert source.calls == ["STATUS INBOX", "LIST", "STATUS Sent"]


def test_a_long_pass_gives_its_frozen_objects_back(
    maildir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    monkeypatch.setattr(sync_module, "PARALLEL_FROM", 1)  # a "long" pass, with its worker
    frozen = []
    real_freeze = gc.freeze

    def freeze() -> None:
        real_freeze()
        frozen.append(gc.get_freeze_count())

    monkeypatch.setattr(sync_module.gc, "freeze", freeze)
    with open_store(tmp_path / "s.json") as store:
        summary = sync([MaildirMailbox("owner", maildir)], store, DEMO_OWNER, batch_size=4)
    assert summary.new == len(SAMPLES) and frozen and min(frozen) > 0  # froze after batches
    assert gc.get_freeze_count() == 0  # and nothing stays frozen after the pass


# -- every folder that can hold a reply (issue 10) ----------------------------------------

ME = OWNER[1]


def _deliver(root: Path, folder: str, raw: bytes, flags: str = "S") -> None:
    box = mailbox.Maildir(root, create=True)
    target = box if folder == "INBOX" else (
        box.get_folder(folder) if folder in box.list_folders() else box.add_folder(folder))
    message = mailbox.MaildirMessage(raw)
    message.set_subdir("cur")
    message.set_flags(flags)
    target.add(message)


def _folders(root: Path, *names: str) -> None:
    box = mailbox.Maildir(root, create=True)
    for name in names:
        box.add_folder(name)


def _loop_status(store_path: Path, contact: str) -> tuple[str, int]:
    with open_store(store_path) as store:
        records = store.all_messages()
    (loop,) = [lp for lp in derive_loops(records, DEMO_OWNER, NOW).loops if lp.contact == contact]
    return loop.status.value, loop.touches


def test_maildir_reads_every_folder_but_trash_junk_and_drafts(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    # as Dovecot and offlineimap keep them on disk: names in modified UTF-7
    _folders(root, "Gesendete Elemente", "Entw&APw-rfe", "Papierkorb", "Papierkorb.2025", "Spam",
             "Archiv", "Kunden.Acme")
    source = MaildirMailbox("owner", root)
    assert source.folders() == {"inbox": "INBOX", "sent": "Gesendete Elemente",
                                "drafts": "Entw&APw-rfe"}
    assert source.folders_to_sync() == ["INBOX", "Gesendete Elemente", "Archiv", "Kunden.Acme"]
    only = MaildirMailbox("owner", root, choice=FolderChoice(("Kunden.*",), ("Archiv",)))
    assert only.folders_to_sync() == ["INBOX", "Gesendete Elemente", "Kunden.Acme"]


def test_maildir_without_a_sent_folder_is_a_config_error(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    _folders(root, "Ausgang", "Drafts")
    with pytest.raises(ConfigError) as caught:
        MaildirMailbox("owner", root).folders_to_sync()
    assert "[maildir].sent_folder" in str(caught.value) and "'Ausgang'" in str(caught.value)
    assert MaildirMailbox("owner", root, "Ausgang").folders_to_sync() == ["INBOX", "Ausgang"]
    with pytest.raises(ConfigError, match=r"\[maildir\]\.sent_folder to one of: Ausgang"):
        MaildirMailbox("owner", root, "Gesendet").folders()


def test_maildir_flags_read_as_imap_flags(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    _folders(root, "Sent")
    _deliver(root, "INBOX", _mail("ann@acme.example", ME, "flags"), flags="DFRS")
    (message,) = [m for b in MaildirMailbox("owner", root).fetch_headers("INBOX", 0) for m in b]
    assert message.flags == ("\\Answered", "\\Draft", "\\Flagged", "\\Seen")


def test_a_reply_filed_into_a_customer_folder_closes_the_loop(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    _folders(root, "Sent", "Drafts", "Trash", "Kunden.Acme")
    quote = (f"From: {ME}\nTo: ann@acme.example\nSubject: Quote: 40 chairs\n"
             "Date: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <q1@reyes.example>\n\n"
             "Our price: EUR 4,000 total.\n").encode()
    answer = ("From: ann@acme.example\nTo: " + ME + "\nSubject: Re: Quote: 40 chairs\n"
              "Date: Tue, 3 Mar 2026 10:00:00 +0000\nMessage-ID: <re-q1@acme.example>\n"
              "In-Reply-To: <q1@reyes.example>\n\nThanks, we take them.\n").encode()
    _deliver(root, "Sent", quote)
    _deliver(root, "Trash", answer)  # a deleted copy is no answer
    with open_store(tmp_path / "s.json") as store:
        summary = sync([MaildirMailbox("owner", root)], store, DEMO_OWNER)
    assert (summary.new, summary.folders) == (1, 3)  # INBOX, Sent, Kunden.Acme
    assert _loop_status(tmp_path / "s.json", "ann@acme.example") == ("awaiting_reply", 1)
    _deliver(root, "Kunden.Acme", answer)
    with open_store(tmp_path / "s.json") as store:
        summary = sync([MaildirMailbox("owner", root)], store, DEMO_OWNER)
    assert summary.new == 1
    assert _loop_status(tmp_path / "s.json", "ann@acme.example")[0] == "replied"


def test_a_draft_kept_in_a_normal_folder_is_no_touch(tmp_path: Path) -> None:
    root = tmp_path / "mail"
    _folders(root, "Sent", "Drafts", "Kunden.Acme")
    _deliver(root, "Sent", (f"From: {ME}\nTo: ann@acme.example\nSubject: Quote: 40 chairs\n"
                            "Date: Mon, 2 Mar 2026 10:00:00 +0000\nMessage-ID: <q1@reyes.example>"
                            "\n\nOur price: EUR 4,000 total.\n").encode())
    _deliver(root, "Kunden.Acme", (f"From: {ME}\nTo: ann@acme.example\nSubject: Re: Quote\n"
                                   "Date: Thu, 5 Mar 2026 10:00:00 +0000\nMessage-ID: <d@r.example>"
                                   "\nIn-Reply-To: <q1@reyes.example>\n\nAny news?\n").encode(),
             flags="DS")
    with open_store(tmp_path / "s.json") as store:
        summary = sync([MaildirMailbox("owner", root)], store, DEMO_OWNER)
    assert summary.new == 1
    assert _loop_status(tmp_path / "s.json", "ann@acme.example") == ("awaiting_reply", 1)
