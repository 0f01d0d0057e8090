"""New mail is looked at for answers by a job of its own (issue 11, points 5 and 6): the
sync job saves the mail and lets the lock go; the answers job derives from a read-only
copy without it, then withdraws, so a command given meanwhile need not wait. Mail saved
by a daemon that stopped before looking at it is looked at after the next start."""

from __future__ import annotations

import json
import mailbox
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from inboxfollow.app import daemon_jobs, loops
from inboxfollow.app.daemon import Daemon
from inboxfollow.app.daemon_jobs import build_jobs, sync_job
from inboxfollow.config import Config, load_config
from inboxfollow.store import ANSWERS_UNSEEN, Store, StoreKeeper, open_store
from tests.mailgen import OWNER, message, ok, run_cli

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 9, tzinfo=BERLIN)


def demo_with_a_reply(tmp_path: Path) -> tuple[Config, dict[str, Any]]:
    """The demo (a Maildir, a store, pending drafts) and a reply to one pending draft's
    quote, delivered to INBOX after the demo's last sync."""
    folder = tmp_path / "demo"
    ok(run_cli("demo", "--dir", str(folder), now=NOW.isoformat()))
    config = load_config(folder / "inboxfollow.toml")
    quotes = json.loads(ok(run_cli("quotes", "--json", config=config.path,
                                   now=NOW.isoformat())))
    quote = next(q for q in quotes if q["draft_pending"])
    inbox = mailbox.Maildir(folder / "mail", create=False)
    inbox.add(message(("", quote["contact"]), [("Dana Reyes", OWNER)],
                      f"Re: {quote['subject']}", NOW - timedelta(minutes=30),
                      "<answer-1@customer.example>", "Yes, please go ahead.",
                      reply_to=quote["message_id"]))
    return config, quote


def pending_drafts(config: Config) -> list[str]:
    with open_store(config.store_path, readonly=True) as store:
        return [d["loop_id"] for d in store.drafts.all() if d["state"] == "pending"]


def test_the_answers_job_reads_no_message_under_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, quote = demo_with_a_reply(tmp_path)
    path = config.store_path
    seen: list[str] = []  # for each reading of every message: was the lock free?
    answering = [False]
    read, withdraw = Store.all_messages, daemon_jobs.withdraw_answered

    def reading(store: Store) -> list[dict[str, Any]]:
        try:
            with open_store(path, wait=0):
                seen.append("free")
        except Exception:  # noqa: BLE001 - the lock is held: by the daemon's job
            seen.append("held in answers" if answering[0] else "held")
        return read(store)

    def withdrawing(*args: Any) -> Any:
        answering[0] = True
        try:
            return withdraw(*args)
        finally:
            answering[0] = False

    monkeypatch.setattr(Store, "all_messages", reading)
    monkeypatch.setattr(daemon_jobs, "withdraw_answered", withdrawing)
    loops.forget_shared()
    daemon = Daemon(build_jobs(config), StoreKeeper(path).use, lambda: NOW)
    lines = daemon.run_due()
    assert lines[:2] == [lines[0], "answers: 1 draft(s) withdrawn"], lines
    assert lines[0].startswith("sync: 1 new")
    assert "free" in seen and "held in answers" not in seen, seen
    assert quote["id"] not in pending_drafts(config)
    with open_store(path, readonly=True) as store:
        assert store.get_meta(ANSWERS_UNSEEN) is False


def test_mail_saved_before_a_stop_is_looked_at_after_the_next_start(tmp_path: Path) -> None:
    config, quote = demo_with_a_reply(tmp_path)
    with open_store(config.store_path) as store:  # a daemon saves it, and stops there
        line = sync_job(config)(store, NOW, lambda: False)
        store.commit()
    assert line.startswith("1 new")
    assert quote["id"] in pending_drafts(config)
    with open_store(config.store_path, readonly=True) as store:
        assert store.get_meta(ANSWERS_UNSEEN) is True  # committed with the mail
    daemon = Daemon(build_jobs(config), StoreKeeper(config.store_path).use,
                    lambda: NOW + timedelta(minutes=1))
    assert "answers: 1 draft(s) withdrawn" in daemon.run_due()
    assert quote["id"] not in pending_drafts(config)
    assert daemon.run_due() == []  # looked at: not due again


def test_a_daemon_cycle_with_no_new_mail_does_not_look_for_answers(tmp_path: Path) -> None:
    config, _ = demo_with_a_reply(tmp_path)
    clock = [NOW]
    daemon = Daemon(build_jobs(config), StoreKeeper(config.store_path).use, lambda: clock[0])
    assert [line.split(":")[0] for line in daemon.run_due()][:2] == ["sync", "answers"]
    clock[0] += timedelta(minutes=20)  # past the poll interval: a quiet sync
    assert [line.split(":")[0] for line in daemon.run_due()] == ["sync"]


def test_saved_mail_is_marked_unseen_in_the_commit_that_saves_it(tmp_path: Path) -> None:
    """Whatever stops after a commit (a long pass commits every 1,000 messages), the mark
    is in the store with the mail; `sync`, which looks at answers itself, clears it."""
    config, quote = demo_with_a_reply(tmp_path)
    with open_store(config.store_path) as store:
        store.set_meta(ANSWERS_UNSEEN, False)
        store.commit()
        record = dict(store.all_messages()[0], key="<late@customer.example>",
                      message_id="<late@customer.example>")
        store.save_messages([record], {})
        store.commit()
    with open_store(config.store_path, readonly=True) as store:
        assert store.get_meta(ANSWERS_UNSEEN) is True
    ok(run_cli("sync", config=config.path, now=NOW.isoformat()))  # saves the reply
    with open_store(config.store_path, readonly=True) as store:
        assert store.get_meta(ANSWERS_UNSEEN) is False
    assert quote["id"] not in pending_drafts(config)
