"""kill -9 while drafting, one APPEND at a time and with MULTIAPPEND: after a rerun every
due follow-up is in Drafts exactly once (0 lost, 0 duplicated). The kills during a sync are
in tests/test_sync_imap.py (killed mid-fetch, by the clock, again and again)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.dovecot import CuttingProxy, DovecotServer, ImapAccount
from tests.mailgen import (
    OWNER,
    OWNER_NAME,
    ROOT,
    Delivery,
    cli_env,
    deliver_all,
    message,
    ok,
    run_cli,
    write_config,
)

QUOTED = datetime.fromisoformat("2026-03-02T09:00:00+01:00")
NOW = "2026-03-20T09:00:00+01:00"  # every quote's first follow-up is due
QUOTES = 8

# `inboxfollow drafts`, one APPEND per draft ("one": a server without MULTIAPPEND) or as
# the server offers ("multi": Dovecot offers MULTIAPPEND)
LAUNCH = """
import sys
from inboxfollow.sources.imap.mailbox import ImapMailbox
if sys.argv[1] == "one":
    def append_many(self, folder, raws, flags=(), date=None):
        return [self.append(folder, raw, flags, date) for raw in raws]
    ImapMailbox.append_many = append_many
from inboxfollow.cli import main
sys.exit(main(sys.argv[2:]))
"""


class AppendKiller(CuttingProxy):
    """SIGKILLs `victim` at the `kill_at`-th APPEND: as the client sends it ("sent": the
    server never has it), or as the server's answer comes back, before the client reads it
    ("stored") or once it has ("answered")."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.victim: subprocess.Popen[str] | None = None
        self.kill_at, self.when = 0, ""
        self.appends = self.answers = 0

    def _kill(self) -> None:
        victim, self.victim = self.victim, None
        if victim is not None:
            victim.send_signal(signal.SIGKILL)

    def _heard(self, data: bytes) -> bytes:
        self.appends += data.count(b" APPEND ")
        if self.when == "sent" and self.victim is not None and self.appends >= self.kill_at:
            self._kill()
            return b""
        return data

    def _spend(self, data: bytes) -> tuple[bytes, bool]:
        self.answers += data.count(b"[APPENDUID ")
        due = self.victim is not None and self.answers >= self.kill_at
        if due and self.when == "stored":
            self._kill()
            return b"", True
        result = super()._spend(data)
        if due and self.when == "answered":
            self._kill()
        return result


@pytest.fixture(scope="module")
def killer(dovecot: DovecotServer) -> Iterator[AppendKiller]:
    proxy = AppendKiller(dovecot.host, dovecot.port)
    try:
        yield proxy
    finally:
        proxy.close()


def _quotes() -> list[Delivery]:
    out = []
    for n in range(QUOTES):
        when = QUOTED + timedelta(minutes=n)
        raw = message((OWNER_NAME, OWNER), [(f"Client {n}", f"client{n}@c{n}.example")],
                      f"Quote {n}: oak shelves", when, f"<quote-{n}@reyes.example>",
                      f"Our price for the shelves: EUR {900 + n}.")
        out.append(Delivery("Sent", raw, when))
    return out


def _drafts(account: ImapAccount) -> Counter[str]:
    client = account.client()
    try:
        client.select_folder("Drafts", readonly=True)
        uids = client.search(["ALL"])
        data = client.fetch(uids, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
    finally:
        client.logout()
    return Counter(v[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].decode().split(":", 1)[1].strip()
                   for v in data.values())


KILLS = [("sent", 1), ("stored", 1), ("answered", 1), ("stored", 3), ("answered", 6)]
# MULTIAPPEND sends every draft in one command: only the first command can be cut.
CASES = [("one", w, a) for w, a in KILLS] + [("multi", w, a) for w, a in KILLS if a == 1]


@pytest.mark.parametrize(("mode", "when", "at"), CASES)
def test_killed_while_drafting_then_rerun_loses_and_doubles_nothing(
    make_imap_account: Callable[..., ImapAccount], killer: AppendKiller, tmp_path: Path,
    mode: str, when: str, at: int,
) -> None:
    account = make_imap_account("kd")
    client = account.client()
    client.create_folder("Drafts")
    client.logout()
    deliver_all(account, _quotes())
    config = write_config(tmp_path, account, port=killer.port)
    env = cli_env(account)
    ok(run_cli("sync", config=config, env=env, now=NOW))
    killer.kill_at, killer.when = killer.answers + at, when
    if when == "sent":
        killer.kill_at = killer.appends + at
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, mode, "--config", str(config), "--now", NOW, "drafts"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killer.victim = process
    process.communicate(timeout=60)
    killer.victim = None
    assert process.returncode == -signal.SIGKILL, (process.returncode, process.stderr)
    ok(run_cli("drafts", config=config, env=env, now=NOW))
    drafts = _drafts(account)
    assert len(drafts) == QUOTES and set(drafts.values()) == {1}, drafts
    again = ok(run_cli("drafts", config=config, env=env, now=NOW))
    assert _drafts(account) == drafts, again
