"""A resync cannot grow the set-aside list; a capture mailbox that fails after the owner's
folders leaves the owner's progress committed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from inboxfollow.app.sync import sync
from inboxfollow.config import load_config
from inboxfollow.errors import MailServerError
from inboxfollow.model import FetchedMessage, Location
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.store import open_store, set_aside_entry
from tests.test_cli_views import synced_sample


def _entry(validity: int, uid: int, head: bytes, reason: str = "bad") -> dict[str, Any]:
    loc = Location("owner", "INBOX", validity, uid)
    raw = head + b"\r\n\r\nbody"
    return set_aside_entry(loc, reason, FetchedMessage(loc, raw, (), None, len(raw)))


def test_a_resync_does_not_grow_the_set_aside_list(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    heads = [b"Subject: one", b"Subject: two", b"Subject: three"]
    for validity in (7, 8, 9, 9):  # three UIDVALIDITY changes, then a pass over the same
        with open_store(path) as store:
            store.record_set_aside([_entry(validity, 10 + i, h) for i, h in enumerate(heads)])
            store.commit()
    with open_store(path) as store:
        entries = [dict(d) for d in store.set_aside.all()]
    assert len(entries) == 3
    assert {tuple(e["location"]) for e in entries} == {
        ("owner", "INBOX", 9, 10), ("owner", "INBOX", 9, 11), ("owner", "INBOX", 9, 12)}


def test_distinct_messages_and_copies_in_other_folders_stay_apart(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.json") as store:
        archived = _entry(7, 3, b"Subject: one")
        archived["location"][1] = "Archive"
        store.record_set_aside([_entry(7, 1, b"Subject: one"), _entry(7, 2, b"Subject: two"),
                                archived, _entry(7, 1, b"Subject: one")])
        assert len(store.set_aside.all()) == 3


class FailingCapture:
    """A capture mailbox whose server is down."""

    name = "capture"

    def __getattr__(self, name: str) -> Any:
        raise MailServerError("capture server went away")


def test_a_capture_failure_keeps_the_owners_progress(tmp_path: Path) -> None:
    config = load_config(synced_sample(tmp_path / "sample"))
    config.store_path.unlink()  # as if never synced
    for backup in config.store_path.parent.glob("*.json*"):
        backup.unlink()
    sources: list[Any] = [*open_mailboxes(config), FailingCapture()]
    with open_store(config.store_path) as store:
        with pytest.raises(MailServerError):
            sync(sources, store, config.owner)
    data = json.loads(config.store_path.read_text())
    assert {d["folder"] for d in data["checkpoints"].values()} >= {"INBOX", "Sent"}
    with open_store(config.store_path) as store:
        assert len(store.all_messages()) > 10
