"""The messages log (store/log.py): appends, a torn last line, damage, compaction, and the
upgrade from schema 4's single JSON object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxfollow.errors import StoreError
from inboxfollow.model import Checkpoint, Location
from inboxfollow.store import SCHEMA_VERSION, open_store
from inboxfollow.store.files import log_path, messages_path
from inboxfollow.store.shape import backup_path
from tests.storefile import logged_messages
from tests.test_store import V1_STORE, record


def _split(path: Path) -> dict:
    return json.loads(path.read_text())["_split"]


def test_a_commit_appends_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>"), record("<b@x>", 2)], {})
        store.commit()
    inode, first = log_path(path).stat().st_ino, log_path(path).read_bytes()
    with open_store(path) as store:
        store.save_messages([record("<c@x>", 3)], {"<a@x>": [Location("owner", "Sent", 3, 9)]})
        store.commit()
    now = log_path(path).read_bytes()
    assert log_path(path).stat().st_ino == inode and now.startswith(first)  # appended
    assert _split(path)["size"] == len(now)
    with open_store(path, readonly=True) as store:
        assert [m["key"] for m in store.all_messages()] == ["<a@x>", "<b@x>", "<c@x>"]
        assert store.message("<a@x>")["locations"] == [["owner", "INBOX", 1, 1],
                                                      ["owner", "Sent", 3, 9]]


def test_an_unfinished_commit_is_lost_whole_and_cut_at_the_next(tmp_path: Path) -> None:
    """A crash after the append and before the store file: what lies past the length the
    store file counts (whole lines, then a torn one) is ignored, and cut off at the next
    commit; the next sync fetches those messages again, and no record is there twice."""
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>")], {})
        store.set_checkpoint(Checkpoint("owner", "INBOX", 1, 1))
        store.commit()
    committed = log_path(path).read_bytes()
    store_file = path.read_bytes()
    with open_store(path) as store:  # the crash: lines appended, store file not replaced
        store.save_messages([record("<b@x>", 2), record("<c@x>", 3)], {})
        store.set_checkpoint(Checkpoint("owner", "INBOX", 1, 3))
        store.commit()
    path.write_bytes(store_file)
    with log_path(path).open("ab") as log:
        log.write(b'{"k":"<d@x>","h":0,"d":{"key":"<d@')  # the torn last line
    with open_store(path) as store:
        assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 1, 1)
        assert [m["key"] for m in store.all_messages()] == ["<a@x>"]
        store.save_messages([record("<a@x>"), record("<b@x>", 2), record("<c@x>", 3)], {})
        store.set_checkpoint(Checkpoint("owner", "INBOX", 1, 3))  # the sync, again
        store.commit()
    text = log_path(path).read_bytes()
    assert text.startswith(committed) and b"<d@" not in text
    assert len(text.splitlines()) == 4  # the header and one line a message
    assert list(logged_messages(path)) == ["<a@x>", "<b@x>", "<c@x>"]


def test_a_bad_line_inside_the_committed_log_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>"), record("<b@x>", 2)], {})
        store.commit()
    lines = log_path(path).read_bytes().split(b"\n")
    lines[1] = b"x" * len(lines[1])
    log_path(path).write_bytes(b"\n".join(lines))
    with open_store(path) as store, pytest.raises(StoreError, match="damaged.*byte"):
        store.has_message("<a@x>")
    log_path(path).write_bytes(b"garbage\n")
    with open_store(path) as store, pytest.raises(StoreError, match="not the header"):
        store.all_messages()


def test_a_log_shorter_than_the_store_file_says_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>")], {})
        store.commit()
        store.save_messages([record("<b@x>", 2)], {})
        store.commit()
    log = log_path(path).read_bytes()
    log_path(path).write_bytes(log[: len(log) - 10])
    with open_store(path) as store, pytest.raises(StoreError, match="older than the store"):
        store.has_message("<a@x>")


def test_dead_lines_are_compacted_and_the_old_log_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    keys = [f"<m{i}@x>" for i in range(300)]
    with open_store(path) as store:
        store.save_messages([record(k, i) for i, k in enumerate(keys, 1)], {})
        store.commit()
    generation = _split(path)["generation"]
    for round_ in range(2, 5):  # each round supersedes every line
        with open_store(path) as store:
            seen = {k: [Location("owner", "Sent", 3, round_ * 1000 + i)]
                    for i, k in enumerate(keys)}
            store.save_messages([], seen)
            store.commit()
    split = _split(path)
    assert split["generation"] > generation and split["size"] == log_path(path).stat().st_size
    assert len(log_path(path).read_bytes().splitlines()) <= 2 * len(keys) + 1
    assert backup_path(log_path(path)).exists()
    assert oct(log_path(path).stat().st_mode & 0o777) == "0o600"
    with open_store(path, readonly=True) as store:
        messages = store.all_messages()
        assert [m["key"] for m in messages] == keys
        assert all(len(m["locations"]) == 4 for m in messages)


def test_a_removed_message_stays_removed(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with open_store(path) as store:
        store.save_messages([record("<a@x>"), record("<b@x>", 2)], {})
        store.commit()
    with open_store(path) as store:
        store.remove_messages(["<a@x>"])
        store.commit()
    with open_store(path) as store:
        assert not store.has_message("<a@x>") and store.has_message("<b@x>")
        assert [m["key"] for m in store.all_messages()] == ["<b@x>"]


def test_a_store_written_by_version_4_opens_and_writes_its_messages_as_a_log(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.json"
    v4 = json.loads(json.dumps(V1_STORE))
    v4["meta"]["1"]["schema_version"] = 4
    for doc in v4["messages"].values():
        doc["evidence"] = "headers"
    old = {"generation": 2, "messages": v4.pop("messages")}
    v4["_split"] = {"file": messages_path(path).name, "generation": 2, "count": 2}
    path.write_text(json.dumps(v4))
    messages_path(path).write_text(json.dumps(old))
    before = path.read_bytes()
    with open_store(path, readonly=True) as store:  # readable as it is, nothing written
        assert len(store.all_messages()) == 2
    assert path.read_bytes() == before and not log_path(path).exists()
    with open_store(path) as store:
        assert store.get_meta("schema_version") == SCHEMA_VERSION == 6
        assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 7, 1)
        store.commit()
    assert json.loads(path.read_text())["_split"]["format"] == "log"
    assert not messages_path(path).exists()
    assert json.loads(backup_path(messages_path(path)).read_text()) == old  # kept
    assert logged_messages(path) == {d["key"]: d for d in old["messages"].values()}
    with open_store(path) as store:
        assert store.replaceable("<ooo@acme.example>")
        assert not store.replaceable("<q@shop.example>")
        assert [m["key"] for m in store.all_messages()] == ["<q@shop.example>",
                                                            "<ooo@acme.example>"]
    assert oct(log_path(path).stat().st_mode & 0o777) == "0o600"


def test_a_reader_keeps_reading_its_log_while_a_writer_rewrites_it(tmp_path: Path) -> None:
    """A command that only reads (no lock) indexed the log; the daemon then compacts it
    (a new file under the same name): the reader's offsets still hold, in its file."""
    path = tmp_path / "s.json"
    keys = [f"<m{i}@x>" for i in range(300)]
    with open_store(path) as store:
        store.save_messages([record(k, i) for i, k in enumerate(keys, 1)], {})
        store.commit()
    with open_store(path, readonly=True) as reader:
        assert reader.has_message("<m7@x>")
        generation = _split(path)["generation"]
        while _split(path)["generation"] == generation:  # the writer, until it rewrites
            with open_store(path) as writer:
                writer.save_messages([], {k: [Location("owner", "Sent", 3, len(
                    writer.message(k)["locations"]))] for k in keys})
                writer.commit()
        assert reader.message("<m7@x>")["locations"] == [["owner", "INBOX", 1, 8]]
        assert [m["key"] for m in reader.all_messages()] == keys


def test_a_store_written_by_version_5_opens_with_no_mail_waiting_for_answers(
    tmp_path: Path,
) -> None:
    """Version 5 looked at new mail for answers in the step that saved it; version 6 keeps
    whether the daemon saved mail its answers job has not looked at yet."""
    from inboxfollow.store import ANSWERS_UNSEEN

    path = tmp_path / "s.json"
    with open_store(path) as store:  # the log and the checkpoints as version 5 wrote them
        store.save_messages([record("<a@x>"), record("<b@x>", 2)], {})
        store.set_checkpoint(Checkpoint("owner", "INBOX", 7, 2))
        store.commit()
    v5 = json.loads(path.read_text())
    v5["meta"]["1"]["schema_version"] = 5
    v5["meta"]["1"].pop(ANSWERS_UNSEEN, None)
    path.write_text(json.dumps(v5))
    log_before = log_path(path).read_bytes()
    with open_store(path, readonly=True) as store:  # readable as it is
        assert store.get_meta(ANSWERS_UNSEEN, False) is False
    with open_store(path) as store:
        assert store.get_meta("schema_version") == SCHEMA_VERSION == 6
        assert store.get_meta(ANSWERS_UNSEEN) is False
        assert [m["key"] for m in store.all_messages()] == ["<a@x>", "<b@x>"]
        assert store.checkpoint("owner", "INBOX") == Checkpoint("owner", "INBOX", 7, 2)
        store.commit()
    assert json.loads(path.read_text())["meta"]["1"]["schema_version"] == 6
    assert log_path(path).read_bytes() == log_before  # the messages are not rewritten
