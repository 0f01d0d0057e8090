"""Derived state kept beside the store (issue 11, point 1): a command reads a kept
derivation only when it equals a derivation from scratch, and a planted file runs
nothing."""

from __future__ import annotations

import os
import pickle
import random
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.app.derived_state import DerivedState, Kept, code_digest, state_folder
from inboxfollow.app.kept import KEPT
from inboxfollow.app.loops import TOUCHES, derive, kept_state, remembered, verify_kept
from inboxfollow.config import Config, load_config
from inboxfollow.rules.loops import derive_loops
from inboxfollow.store import open_store
from tests.mailgen import run_cli
from tests.test_derivation_properties import CONTACTS, NOW, Event, events, mailbox


def config_for(folder: Path, extra: str = "") -> Config:
    for box in ("", ".Sent", ".Drafts"):
        for sub in ("cur", "new", "tmp"):
            (folder / "mail" / box / sub).mkdir(parents=True, exist_ok=True)
    path = folder / "inboxfollow.toml"
    path.write_text('[owner]\nname = "Dana"\naddresses = ["dana@shop.example"]\n'
                    'timezone = "UTC"\n\n[maildir]\npath = "mail"\n\n'
                    '[capture]\naddress = "dana+crm@shop.example"\n\n'
                    f'[store]\npath = "state/inboxfollow.json"\n{extra}', encoding="utf-8")
    return load_config(path)


def from_scratch(config: Config, now: Any = NOW) -> Any:
    """What `derive` must give: the rules run on every stored message, nothing kept."""
    with open_store(config.store_path, readonly=True) as store:
        records = store.all_messages()
        from inboxfollow.app.loops import overrides_of, skipped_steps

        derivation = derive_loops(records, config.owner, now, overrides_of(store),
                                  config.quote_rules, config.quote_cadence, config.calendar,
                                  skipped_steps(store))
        pending = {d["loop_id"]: d["message_id"] for d in store.drafts.all()
                   if d["state"] == "pending"}
    for loop in derivation.loops:
        loop.pending_draft = pending.get(loop.id, "") if loop.status.value == "awaiting_reply" \
            else ""
        loop.judged = set()  # the derivation's bookkeeping: not kept
    derivation.effects = {}  # what each message did: `explain` derives it (explained=True)
    return derivation


def derived_now(config: Config, now: Any = NOW) -> tuple[Any, list[str]]:
    with open_store(config.store_path, readonly=True) as store:
        state = kept_state(store)
        before = list(state.hits)
        _, derivation = derive(store, config, now)
    return derivation, before


def read_from_kept(config: Config, now: Any = NOW) -> bool:
    """Whether `derive` in a new process-like run reads the kept result."""
    with open_store(config.store_path, readonly=True) as store:
        folder = state_folder(store.path)
        stamp = os.stat(folder / "loops.pickle").st_mtime_ns if folder.exists() else None
        derive(store, config, now)
        after = os.stat(folder / "loops.pickle").st_mtime_ns
    return stamp == after


@settings(max_examples=30, deadline=None)
@given(st.lists(events, min_size=1, max_size=20), st.randoms(use_true_random=False),
       st.integers(1, 4), st.lists(st.sampled_from(("stop", "won", "skip", "pend")), max_size=3))
def test_what_derive_gives_always_equals_a_derivation_from_scratch(
    history: list[Event], rnd: random.Random, syncs: int, commands: list[str],
) -> None:
    records = mailbox(history)
    rnd.shuffle(records)
    cuts = sorted(rnd.randint(0, len(records)) for _ in range(syncs - 1))
    batches = [records[a:b] for a, b in zip([0, *cuts], [*cuts, len(records)], strict=True)]
    with tempfile.TemporaryDirectory(prefix="inboxfollow-kept-") as folder:
        config = config_for(Path(folder))
        for n, batch in enumerate(batches):
            with open_store(config.store_path) as store:
                store.save_messages(batch, {})
                store.commit()
            check_kept(config)
            if n < len(commands):  # the mail the same, the owner's commands or drafts not
                with open_store(config.store_path) as store:
                    apply(store, commands[n], rnd)
                    store.commit()
                check_kept(config)


def check_kept(config: Config) -> None:
    with open_store(config.store_path, readonly=True) as store:
        scratch = {what.name: what.derive(store.all_messages(), what.inputs(store, config),
                                          config, NOW)[0] for what in KEPT}
    for _ in range(2):  # the first derives and keeps it, the second reads it
        with open_store(config.store_path, readonly=True) as store:
            _, derivation = derive(store, config, NOW)
            assert remembered(TOUCHES, store, config, NOW) == scratch["touches"]
            for what in KEPT:
                assert remembered(what, store, config, NOW) == scratch[what.name]
        assert derivation == from_scratch(config)
    assert read_from_kept(config)
    with open_store(config.store_path, readonly=True) as store:
        assert verify_kept(store, config, NOW, KEPT) == [
            (what.name, "same") for what in KEPT]


def apply(store: Any, command: str, rnd: random.Random) -> None:
    """An owner's command or a draft-table change: each is part of what loops derive from."""
    contact = rnd.choice(CONTACTS)[1]
    at = (NOW - timedelta(days=rnd.randint(1, 30))).isoformat()
    if command in ("stop", "won"):
        store.add_override(command, contact, at)
        return
    loop_id = f"<{rnd.randint(0, 20)}@gen>|{contact}"
    state = "skipped" if command == "skip" else "pending"
    store.drafts.insert({"loop_id": loop_id, "step": 1, "message_id": "<d@x>", "state": state,
                         "created_at": at, "closed_at": at, "contact": contact})


@pytest.fixture
def synced(tmp_path: Path) -> Config:
    config = config_for(tmp_path)
    history = [Event("quote", 0, -1, 0, False, False, 1, 0),
               Event("quote", 3, -1, 0, False, False, 5, 0),
               Event("reply", 0, -1, 1, False, False, 20, 0)]
    with open_store(config.store_path) as store:
        store.save_messages(mailbox(history), {})
        store.commit()
    return config


def test_a_second_command_reads_the_kept_loops_and_writes_nothing(synced: Config) -> None:
    first, _ = derived_now(synced)
    folder = state_folder(synced.store_path)
    (kept,) = folder.iterdir()
    assert kept.name == "loops.pickle" and kept.stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    before = kept.stat()
    with open_store(synced.store_path, readonly=True) as store:
        def unread() -> list[dict[str, Any]]:  # a kept result reads no message
            raise AssertionError("the messages were read")

        store.all_messages = unread  # type: ignore[method-assign]
        _, again = derive(store, synced, NOW + timedelta(days=3))  # a later now: it holds
    assert again == first
    after = kept.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_preview_before_the_latest_message_is_not_kept_for_another_time(
    synced: Config,
) -> None:
    derived_now(synced)
    early = NOW - timedelta(days=39, hours=12)  # after the first quote, before the reply
    _, then = derived_now(synced, early)
    assert then == [] and derive_now_loops(synced, early) == from_scratch(synced, early)
    assert derive_now_loops(synced, NOW) == from_scratch(synced, NOW)


def derive_now_loops(config: Config, now: Any) -> Any:
    return derived_now(config, now)[0]


def test_new_mail_a_command_and_a_config_change_each_derive_anew(synced: Config) -> None:
    derived_now(synced)
    with open_store(synced.store_path) as store:
        store.add_override("stop", CONTACTS[3][1], NOW.isoformat())
        store.commit()
    stopped = derive_now_loops(synced, NOW)
    assert stopped == from_scratch(synced) and "stopped" in [lp.status for lp in stopped.loops]
    other = config_for(synced.path.parent, '\n[quotes]\nmass_mailing = 3\n')
    with open_store(other.store_path, readonly=True) as store:
        state = kept_state(store)
        derive(store, other, NOW)
    assert "loops" not in state.hits  # a new config: not the kept result of the old one


def test_a_damaged_or_planted_file_is_never_run_and_is_derived_anew(
    synced: Config, caplog: pytest.LogCaptureFixture,
) -> None:
    first, _ = derived_now(synced)
    kept = state_folder(synced.store_path) / "loops.pickle"
    marker = synced.path.parent / "ran"

    class Planted:
        def __reduce__(self) -> tuple[Any, ...]:
            return os.system, (f"touch {marker}",)

    for bad in (pickle.dumps(Planted()), pickle.dumps(getattr), b"\x80\x05garbage",
                kept.read_bytes()[:100]):
        kept.write_bytes(bad)
        assert derive_now_loops(synced, NOW) == first
        assert not marker.exists()
    assert "unreadable" in caplog.text and "builtins.getattr is not derived state" in caplog.text


def test_a_store_changed_in_memory_keeps_nothing_for_it(synced: Config) -> None:
    first, _ = derived_now(synced)
    kept = state_folder(synced.store_path) / "loops.pickle"
    before = kept.stat().st_mtime_ns
    new = mailbox([Event("quote", 0, -1, 0, False, False, 1, 0),
                   Event("quote", 4, -1, 0, False, False, 1, 0)])[1:]
    with open_store(synced.store_path) as store:  # never committed
        store.save_messages([dict(new[0], key="<new@gen>", message_id="<new@gen>")], {})
        _, unsaved = derive(store, synced, NOW)
        store.add_override("stop", CONTACTS[0][1], NOW.isoformat())
    assert len(unsaved.loops) == len(first.loops) + 1
    assert kept.stat().st_mtime_ns == before  # no file holds that store
    assert derive_now_loops(synced, NOW) == first == from_scratch(synced)


def test_the_code_digest_names_this_source(tmp_path: Path) -> None:
    assert len(code_digest()) == 64 and code_digest() == code_digest()
    assert DerivedState(None).get("x", None, NOW, lambda: (1, None)) == 1
    state = DerivedState(tmp_path / "kept")
    kept = Kept(("k",), NOW, None, {"a": {1, 2}, "b": (NOW, NOW.date())})
    state.write("x", kept)
    assert state.read("x") == kept


def test_check_deep_proves_the_kept_loops_and_removes_ones_that_differ(synced: Config) -> None:
    when = NOW.isoformat()
    absent = run_cli("check", "--deep", config=synced.path, now=when)
    assert "ok: derived state 'loops' is not kept yet" in absent.stdout, absent.stdout
    derived_now(synced)
    same = run_cli("check", "--deep", config=synced.path, now=when)
    assert same.returncode == 0, same.stdout + same.stderr
    assert "ok: derived state 'loops' equals a derivation from every stored message\n" \
        "ok: derived state 'touches' is not kept yet\n" in same.stdout
    state = DerivedState(state_folder(synced.store_path))
    kept = state.read("loops")
    assert kept is not None
    kept.value.loops.pop()  # what a wrong kept result would look like
    state.write("loops", kept)
    differs = run_cli("check", "--deep", config=synced.path, now=when)
    assert differs.returncode == 1
    assert "problem: derived state 'loops' differed" in differs.stdout
    assert state.read("loops") is None  # removed: the next command derives it anew
    assert derive_now_loops(synced, NOW) == from_scratch(synced)


def test_the_daemon_keeps_the_derived_state_current_after_a_cycle_that_did_something(
    synced: Config,
) -> None:
    from inboxfollow.app.daemon import Daemon, Job
    from inboxfollow.app.daemon_jobs import keep_derived

    def new_mail(store: Any, now: Any, stop: Any) -> str:
        store.save_messages(mailbox([Event("quote", 4, -1, 0, False, False, 1, 0)]), {})
        return "1 new"

    clock = iter([NOW, NOW + timedelta(minutes=1)])
    daemon = Daemon([Job("sync", new_mail, every_minutes=15)],
                    lambda: open_store(synced.store_path), lambda: next(clock),
                    after_cycle=keep_derived(synced))
    assert daemon.run_due() == ["sync: 1 new"]
    from inboxfollow.app import loops as app_loops

    assert app_loops._shared is None  # the messages read for it are not held in between
    folder = state_folder(synced.store_path)
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert set(stamps) == {what.name + ".pickle" for what in KEPT}
    with open_store(synced.store_path, readonly=True) as store:  # each read as kept
        for what in KEPT:
            assert remembered(what, store, synced, NOW + timedelta(hours=1)) is not None
    assert daemon.run_due() == []  # nothing due: nothing derived, nothing written
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps
    assert derive_now_loops(synced, NOW) == from_scratch(synced)


def test_the_running_daemon_keeps_it_in_a_thread_so_the_next_reply_does_not_wait(
    synced: Config,
) -> None:
    import threading

    from inboxfollow.app.daemon import Daemon, Job

    release, started = threading.Event(), threading.Event()

    def slow_refresh(now: Any) -> None:  # a derivation from 100k messages, say
        started.set()
        release.wait(10)

    clock = iter([NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)])
    daemon = Daemon([Job("sync", lambda store, now, stop: "1 new", every_minutes=0)],
                    lambda: open_store(synced.store_path), lambda: next(clock),
                    after_cycle=slow_refresh, after_in_background=True)
    assert daemon.run_due() == ["sync: 1 new"]
    assert started.wait(5)
    assert daemon.run_due() == ["sync: 1 new"]  # the next cycle runs meanwhile
    release.set()
    assert daemon._after_thread is not None
    daemon._after_thread.join(5)
    assert not daemon._after_thread.is_alive()


def test_explain_derives_what_each_message_did_from_every_message(synced: Config) -> None:
    derived_now(synced)  # kept, without what only explain reads
    with open_store(synced.store_path, readonly=True) as store:
        _, kept = derive(store, synced, NOW)
        _, explained = derive(store, synced, NOW, explained=True)
        full = derive_loops(store.all_messages(), synced.owner, NOW)
    assert kept.effects == {} and explained.effects == full.effects != {}
    assert [lp.id for lp in explained.loops] == [lp.id for lp in kept.loops]
    assert [lp.judged for lp in explained.loops] == [lp.judged for lp in full.loops]


def test_one_command_reads_and_merges_the_stored_messages_once(
    synced: Config, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The digest derives the loops, contacts, questions, promises and the plans' mail:
    from one reading of the messages, their copies merged once, not once each."""
    from inboxfollow.app import loops as app_loops
    from inboxfollow.app.digest import compose
    from inboxfollow.store import Store

    app_loops.forget_shared()
    reads: list[int] = []
    merges: list[int] = []
    read, merge = Store.all_messages, app_loops.merge_copies
    monkeypatch.setattr(Store, "all_messages", lambda self: reads.append(1) or read(self))
    monkeypatch.setattr(app_loops, "merge_copies", lambda rs: merges.append(1) or merge(rs))
    with open_store(synced.store_path, readonly=True) as store:
        subject, *_ = compose(synced, store, NOW)
    assert subject and (len(reads), len(merges)) == (1, 1)
    kept = {p.name for p in state_folder(synced.store_path).iterdir()}
    assert {"loops.pickle", "contacts.pickle", "questions.pickle"} <= kept
    app_loops.forget_shared()
    with open_store(synced.store_path, readonly=True) as store:  # a second one reads none
        assert compose(synced, store, NOW)[0] == subject
    assert len(reads) == 1


def test_a_command_lets_go_of_the_messages_it_read_before_it_returns(synced: Config) -> None:
    """Left to the interpreter's exit, taking 100,000 records apart took seconds."""
    from inboxfollow.app import loops as app_loops
    from inboxfollow.cli import main

    folder = state_folder(synced.store_path)
    for kept in folder.iterdir() if folder.exists() else ():
        kept.unlink()  # cold: the command reads every message
    assert main(["--config", str(synced.path), "--now", NOW.isoformat(), "contacts"]) == 0
    assert app_loops._shared is None


def test_a_daemon_cycle_hands_what_it_read_back_to_the_system(
    synced: Config, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 100k an idle daemon kept 380 MB after one refresh; trimmed, about a quarter."""
    import platform

    import inboxfollow.app as app
    from inboxfollow.app.daemon import Daemon, Job
    from inboxfollow.app.daemon_jobs import keep_derived

    if platform.libc_ver()[0] == "glibc":
        assert app._malloc_trim() is not None  # the real one, where there is one
    trims: list[int] = []
    monkeypatch.setattr(app, "_malloc_trim", lambda: trims.append)

    def new_mail(store: Any, now: Any, stop: Any) -> str:
        store.save_messages(mailbox([Event("quote", 4, -1, 0, False, False, 1, 0)]), {})
        return "1 new"

    daemon = Daemon([Job("sync", new_mail, every_minutes=15)],
                    lambda: open_store(synced.store_path), lambda: NOW,
                    after_cycle=keep_derived(synced))
    assert daemon.run_due() == ["sync: 1 new"]
    assert trims == [0, 0]  # after the cycle, and after the refresh of the kept state


def test_only_the_same_store_object_shares_the_messages_it_read(synced: Config) -> None:
    """The daemon's refresh thread reads from a copy it closes when done: a cycle's own
    store, with the same messages, must not read through that copy."""
    from inboxfollow.app.loops import forget_shared, shared_messages

    forget_shared()
    with open_store(synced.store_path, readonly=True) as one, \
            open_store(synced.store_path, readonly=True) as two:
        first = shared_messages(one)
        assert shared_messages(one) is first and first.store is one
        other = shared_messages(two)
        assert other is not first and other.store is two
        assert list(other) == list(first)
    forget_shared()
