"""The store is a real JSON file: atomic, owned by one process, versioned."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from inboxfollow.errors import StoreError, StoreLockedError
from inboxfollow.model import Checkpoint, Location
from inboxfollow.store import SCHEMA_VERSION, open_store
from inboxfollow.store.files import log_path, messages_path
from tests.storefile import logged_messages


def record(key: str, uid: int = 1) -> dict:
    return {"key": key, "subject": "s", "locations": [["owner", "INBOX", 1, uid]]}


def test_nothing_reaches_the_file_before_commit(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>")], {})
        assert not path.exists()
        store.commit()
    data = json.loads(path.read_text())
    assert list(logged_messages(path)) == ["<a@x>"]
    assert data["meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert "messages" not in data and data["_split"]["format"] == "log"
    assert data["_split"]["size"] == log_path(path).stat().st_size
    for written in (path, log_path(path)):
        assert oct(written.stat().st_mode & 0o777) == "0o600"


def test_uncommitted_changes_are_lost_whole(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>")], {})
        store.set_checkpoint(Checkpoint("owner", "INBOX", 7, 1))
        store.commit()
        store.save_messages([record("<b@x>", 2)], {})
        store.set_checkpoint(Checkpoint("owner", "INBOX", 7, 2))
    with open_store(path) as store:
        assert [m["key"] for m in store.all_messages()] == ["<a@x>"]
        assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 7, 1)


def test_a_message_is_stored_once_with_every_location(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.json") as store:
        store.save_messages([record("<a@x>")], {})
        sent = Location("owner", "Sent", 3, 9)
        store.save_messages([], {"<a@x>": [sent, sent]})
        (message,) = store.all_messages()
        assert message["locations"] == [["owner", "INBOX", 1, 1], ["owner", "Sent", 3, 9]]
        store.forget_locations("owner", "Sent", keep_uidvalidity=4)
        assert store.message("<a@x>")["locations"] == [["owner", "INBOX", 1, 1]]


def _hold(path: str, ready: multiprocessing.Event, release: multiprocessing.Event) -> None:
    with open_store(Path(path)):
        ready.set()
        release.wait(10)


def test_second_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    ready, release = multiprocessing.Event(), multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold, args=(str(path), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(StoreLockedError, match=f"pid {holder.pid}"):
            with open_store(path, wait=0.3):
                pass
    finally:
        release.set()
        holder.join(10)
    with open_store(path):  # free again once the owner is gone
        pass


def test_corrupt_file_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"messages": {"1": ')
    with pytest.raises(StoreError, match="not valid JSON"):
        with open_store(path):
            pass
    assert path.read_text() == '{"messages": {"1": '


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"meta": {"1": {"schema_version": SCHEMA_VERSION + 1}}}))
    with pytest.raises(StoreError, match="upgrade inboxfollow"):
        with open_store(path):
            pass


# A store as version 1 wrote it: message records without "evidence".
V1_STORE = {
    "meta": {"1": {"schema_version": 1, "digest_last_sent": "2026-03-02T09:00:00+01:00"}},
    "messages": {
        "1": {"key": "<q@shop.example>", "message_id": "<q@shop.example>",
              "subject": "Quote: oak shelves", "sender": ["Dana", "dana@shop.example"],
              "to": [["Ann", "ann@acme.example"]], "cc": [], "date": "2026-03-02T09:00:00+00:00",
              "date_source": "header", "direction": "out", "kind": "human",
              "reason": "no automatic or list signal", "in_reply_to": [], "references": [],
              "attachments": [], "content_types": ["text/plain"], "text": "EUR 900",
              "bounce_text": "", "headers": {}, "defects": [], "size": 900,
              "locations": [["owner", "Sent", 7, 1]]},
        "2": {"key": "<ooo@acme.example>", "message_id": "<ooo@acme.example>",
              "subject": "Automatic reply: Quote", "sender": ["Ann", "ann@acme.example"],
              "to": [["Dana", "dana@shop.example"]], "cc": [],
              "date": "2026-03-02T10:00:00+00:00", "date_source": "header", "direction": "in",
              "kind": "auto_reply", "reason": "auto-reply subject", "in_reply_to": [],
              "references": [], "attachments": [], "content_types": ["text/plain"], "text": "",
              "bounce_text": "", "headers": {}, "defects": [], "size": 700,
              "locations": [["owner", "INBOX", 7, 1]]},
    },
    "checkpoints": {"1": {"mailbox": "owner", "folder": "INBOX", "uidvalidity": 7,
                          "last_uid": 1}},
    "drafts": {}, "overrides": {}, "set_aside": {},
}


def test_a_store_written_by_version_1_opens_and_upgrades(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(V1_STORE))
    with open_store(path) as store:
        assert store.get_meta("schema_version") == SCHEMA_VERSION == 6
        assert {r["key"]: r["evidence"] for r in store.all_messages()} == {
            "<q@shop.example>": "headers", "<ooo@acme.example>": "headers"}
        assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 7, 1)
        assert store.get_meta("digest_last_sent") == "2026-03-02T09:00:00+01:00"
        assert store.replaceable("<ooo@acme.example>")
        store.commit()
    data = json.loads(path.read_text())
    assert data["meta"]["1"]["schema_version"] == 6
    messages = logged_messages(path)
    assert all(doc["evidence"] == "headers" for doc in messages.values())
    with open_store(path, readonly=True) as store:  # and opens as it is from then on
        assert len(store.all_messages()) == 2


def test_failed_write_leaves_old_file_and_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>")], {})
        store.commit()
        before = path.read_text(), log_path(path).read_text()
        store.set_meta("x", 1)
        os.chmod(tmp_path, 0o500)
        try:
            if os.geteuid() == 0:  # root ignores directory permissions; simulate a full disk
                store._storage.read()["meta"]["1"]["bad"] = object()
            with pytest.raises((StoreError, TypeError)):
                store.commit()
        finally:
            os.chmod(tmp_path, 0o700)
    assert (path.read_text(), log_path(path).read_text()) == before
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_the_daemons_keeper_reloads_only_when_the_file_changed(tmp_path: Path) -> None:
    from inboxfollow.store import StoreKeeper

    path = tmp_path / "s.json"
    keeper = StoreKeeper(path)
    with keeper.use() as first:
        first.save_messages([record("<a@x>")], {})
        first.commit()
    with keeper.use() as again:
        assert again is first  # nothing changed on disk: no reload
    with open_store(path) as other:  # another process (a CLI command) writes in between
        other.add_override("stop", "ann@x", "2026-03-01T00:00:00+00:00")
        other.commit()
    with keeper.use() as reloaded:
        assert reloaded is not first and reloaded.overrides()[0]["target"] == "ann@x"
    with pytest.raises(RuntimeError), keeper.use() as broken:
        broken.save_messages([record("<b@x>")], {})
        raise RuntimeError("job failed half way")
    with keeper.use() as fresh:  # the half-done change is not kept
        assert fresh is not broken and not fresh.has_message("<b@x>")


def test_a_store_written_by_version_2_opens_and_splits(tmp_path: Path) -> None:
    """Version 2 kept the messages in the store file: read there, moved out at the first
    commit, and the store file is small from then on."""
    path = tmp_path / "s.json"
    v2 = json.loads(json.dumps(V1_STORE))
    v2["meta"]["1"]["schema_version"] = 2
    for doc in v2["messages"].values():
        doc["evidence"] = "wording" if doc["kind"] != "human" else "headers"
    path.write_text(json.dumps(v2))
    with open_store(path, readonly=True) as store:  # readable as it is, nothing written
        assert len(store.all_messages()) == 2
    assert not messages_path(path).exists()
    with open_store(path) as store:
        assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 7, 1)
        store.commit()
    data = json.loads(path.read_text())
    assert "messages" not in data and data["meta"]["1"]["schema_version"] == 6
    with open_store(path) as store:
        assert {r["key"]: r["evidence"] for r in store.all_messages()} == {
            "<q@shop.example>": "headers", "<ooo@acme.example>": "wording"}
        assert store.replaceable("<ooo@acme.example>")


def test_a_poll_reads_the_small_file_only(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record(f"<m{i}@x>", i) for i in range(1, 50)], {})
        store.set_checkpoint(Checkpoint("owner", "INBOX", 7, 49))
        store.commit()
    log_path(path).chmod(0o000)  # any read of the messages would fail (not as root)
    try:
        with open_store(path) as store:
            assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 7, 49)
            store.set_checkpoint(Checkpoint("owner", "INBOX", 7, 49))
            store.commit()
            assert not store._log.loaded
    finally:
        log_path(path).chmod(0o600)
    with open_store(path) as store:
        store.set_checkpoint(Checkpoint("owner", "INBOX", 7, 50))
        store.commit()  # a checkpoint alone leaves the messages file as it was
        assert not store._log.loaded
    with open_store(path) as store:
        assert len(store.all_messages()) == 49


def test_a_missing_messages_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>")], {})
        store.commit()
    log_path(path).rename(tmp_path / "elsewhere.json")
    with open_store(path) as store:
        assert store.checkpoint("owner", "INBOX") is None  # what needs no message works
        with pytest.raises(StoreError, match="s.messages.jsonl, which is missing"):
            store.has_message("<a@x>")


def _release_after(path: str, ready: multiprocessing.Event, delay: float) -> None:
    import time

    with open_store(Path(path)):
        ready.set()
        time.sleep(delay)


def test_a_writer_waits_for_the_lock(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.json"
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_release_after, args=(str(path), ready, 1.5))
    holder.start()
    try:
        assert ready.wait(10)
        with open_store(path, wait=20) as store:  # given while the other holds it: not lost
            store.add_override("stop", "ann@acme.example", "2026-03-02T09:00:00+00:00")
            store.commit()
    finally:
        holder.join(10)
    assert f"waiting for pid {holder.pid}" in capfd.readouterr().err
    with open_store(path, readonly=True) as store:
        assert [o["target"] for o in store.overrides()] == ["ann@acme.example"]
    lock = path.with_name(path.name + ".lock")
    assert oct(lock.stat().st_mode & 0o777) == "0o600"


def test_a_store_written_by_version_3_rekeys_messages_without_a_message_id(
    tmp_path: Path,
) -> None:
    """Version 3 keyed a message without a Message-ID without its text: such records are
    dropped and their folder read again from the first of them; the others stay."""
    path = tmp_path / "s.json"
    v3 = json.loads(json.dumps(V1_STORE))
    v3["meta"]["1"]["schema_version"] = 3
    for doc in v3["messages"].values():
        doc["evidence"] = "headers"
    v3["messages"]["3"] = dict(v3["messages"]["2"], key="sha1:0123", message_id="",
                               locations=[["owner", "INBOX", 7, 5], ["owner", "Sent", 7, 1]])
    v3["checkpoints"]["1"]["last_uid"] = 9
    v3["checkpoints"]["2"] = {"mailbox": "owner", "folder": "Sent", "uidvalidity": 7,
                              "last_uid": 3}
    v3["checkpoints"]["3"] = {"mailbox": "owner", "folder": "Archive", "uidvalidity": 7,
                              "last_uid": 8}
    messages = {"generation": 1, "messages": v3.pop("messages")}
    v3["_split"] = {"file": messages_path(path).name, "generation": 1, "count": 3}
    path.write_text(json.dumps(v3))
    messages_path(path).write_text(json.dumps(messages))
    with open_store(path) as store:
        assert store.get_meta("schema_version") == 6
        assert sorted(r["key"] for r in store.all_messages()) == [
            "<ooo@acme.example>", "<q@shop.example>"]
        assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 7, 4)
        assert store.checkpoint("owner", "Sent") == Checkpoint("owner", "Sent", 7, 0)
        assert store.checkpoint("owner", "Archive") == Checkpoint("owner", "Archive", 7, 8)
        store.commit()
    with open_store(path, readonly=True) as store:
        assert len(store.all_messages()) == 2
