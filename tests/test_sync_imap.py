"""Foundation: `inboxfollow sync` and friends against a real Dovecot, run as a user runs them.

Every test writes its own config file, runs `python -m inboxfollow` as a subprocess with the
password in an environment variable, and reads the real store file it leaves behind.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.dovecot import CuttingProxy, DovecotServer, ImapAccount, new_account
from tests.mailgen import (
    CAPTURE,
    CAPTURE_AUTH,
    ME,
    Delivery,
    cli_env,
    crlf,
    deliver_all,
    message,
    ok,
    ok_json,
    run_cli,
    snapshot,
    store_path,
    write_config,
)
from tests.storefile import store_tables

pytestmark = pytest.mark.dovecot

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday, 10:00 in Berlin
NOW = "2026-03-10T09:00:00+01:00"
ANN = ("Ann Buyer", "Ann.Buyer@Acme.Example")  # mixed case on purpose
BEN = ("Ben Ray", "ben@acme.example")
GAIL = ("Gail Moss", "gail@gmail.com")
NEWS = ("Timber Weekly", "news@timber-weekly.example")


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def basic_mailbox() -> list[Delivery]:
    """Two contacts with mail both ways, plus mail that is no touch (list, auto-reply)."""
    return [
        Delivery("INBOX", message(ANN, [ME], "Chairs?", at(0), "<ann-1@acme.example>",
                                  "What would 40 chairs cost?"), at(0)),
        Delivery("Sent", message(ME, [ANN], "Re: Chairs?", at(1), "<dana-1@reyes.example>",
                                 "Let me measure first.", reply_to="<ann-1@acme.example>"), at(1)),
        Delivery("INBOX", message(GAIL, [ME], "Table", at(2), "<gail-1@gmail.com>",
                                  "Do you make tables?"), at(2)),
        Delivery("Sent", message(ME, [GAIL], "Re: Table", at(3), "<dana-2@reyes.example>",
                                 "Yes we do.", reply_to="<gail-1@gmail.com>"), at(3)),
        Delivery("INBOX", message(NEWS, [ME], "This week in timber", at(3.5),
                                  "<news-1@timber-weekly.example>", "Oak is up.",
                                  headers=[("List-Id", "<weekly.timber-weekly.example>")]),
                 at(3.5)),
        Delivery("INBOX", message(ANN, [ME], "Automatic reply: Re: Chairs?", at(1.1),
                                  "<ann-ooo@acme.example>", "I am out of the office.",
                                  reply_to="<dana-1@reyes.example>",
                                  headers=[("Auto-Submitted", "auto-replied")]), at(1.1)),
    ]


def messages_of(config: Path) -> list[dict]:
    data = store_tables(store_path(config))
    return list(data["messages"].values())


def set_aside_of(config: Path) -> list[dict]:
    data = store_tables(store_path(config))
    return list(data.get("set_aside", {}).values())


def sync_line(config: Path, env: dict[str, str]) -> str:
    out = ok(run_cli("sync", config=config, env=env)).strip()
    assert out.startswith("sync: "), out
    return out


def new_count(line: str) -> int:
    match = re.search(r"sync: (\d+) new", line)
    assert match, line
    return int(match.group(1))


class RecordingProxy(CuttingProxy):
    """A CuttingProxy that also keeps every byte the client sends (the IMAP commands)."""

    def __init__(self, host: str, port: int) -> None:
        self.sent = bytearray()
        super().__init__(host, port)

    def _heard(self, data: bytes) -> bytes:
        with self._lock:
            self.sent += data
        return data

    def commands(self) -> list[str]:
        """Each command line as `VERB args` (tag dropped, upper-cased verb)."""
        lines = bytes(self.sent).decode("utf-8", "replace").splitlines()
        out = []
        for line in lines:
            parts = line.split(" ", 1)
            if len(parts) == 2:
                out.append(parts[1])
        return out

    def reset(self) -> None:
        with self._lock:
            self.sent = bytearray()


@pytest.fixture
def recording_proxy(dovecot: DovecotServer) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(dovecot.host, dovecot.port)
    try:
        yield proxy
    finally:
        proxy.close()


# -- first sync --------------------------------------------------------------------


def test_first_sync_records_contacts_and_history(imap_account: ImapAccount, tmp_path: Path) -> None:
    deliver_all(imap_account, basic_mailbox())
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    line = sync_line(config, env)
    assert new_count(line) == 6 and "0 set aside" in line and "2 folder(s)" in line

    contacts = ok_json(run_cli("contacts", "--json", config=config, env=env))
    by_email = {c["email"]: c for c in contacts}
    assert set(by_email) == {"ann.buyer@acme.example", "gail@gmail.com"}  # no list, no robot
    ann, gail = by_email["ann.buyer@acme.example"], by_email["gail@gmail.com"]
    assert (ann["name"], ann["org"]) == ("Ann Buyer", "acme.example")
    assert (gail["name"], gail["org"]) == ("Gail Moss", "")  # free mail: no organisation
    # the auto-reply is no touch
    assert (ann["touches"], ann["touches_in"], ann["touches_out"]) == (2, 1, 1)
    assert (gail["touches"], gail["touches_in"], gail["touches_out"]) == (2, 1, 1)
    # ISO 8601 with the owner's offset (Europe/Berlin is +01:00 in March)
    assert ann["last_touch"] == "2026-03-03T10:00:00+01:00"
    assert ann["first_touch"] == "2026-03-02T10:00:00+01:00"
    assert gail["last_touch"] == "2026-03-05T10:00:00+01:00"
    for contact in contacts:
        assert datetime.fromisoformat(contact["last_touch"]).utcoffset() == timedelta(hours=1)
    assert [c["email"] for c in contacts] == ["gail@gmail.com", "ann.buyer@acme.example"]

    # history: oldest first; the contact may be typed in any case
    history = ok_json(run_cli("history", "ANN.BUYER@acme.example", "--json", config=config,
                              env=env))
    assert [(h["direction"], h["subject"], h["message_id"]) for h in history] == [
        ("in", "Chairs?", "<ann-1@acme.example>"),
        ("out", "Re: Chairs?", "<dana-1@reyes.example>"),
    ]
    assert history[0]["date"] == "2026-03-02T10:00:00+01:00"
    text = ok(run_cli("history", "gail@gmail.com", config=config, env=env))
    assert text.index("Table") < text.index("Re: Table")


def test_incremental_sync_fetches_only_what_is_new(
    imap_account: ImapAccount, tmp_path: Path, recording_proxy: RecordingProxy
) -> None:
    deliver_all(imap_account, basic_mailbox())
    config = write_config(tmp_path, imap_account, port=recording_proxy.port)
    env = cli_env(imap_account)
    assert new_count(sync_line(config, env)) == 6
    store = store_path(config)
    before = (store.stat().st_mtime_ns, store.read_bytes())

    # a poll with nothing new: STATUS only, no SELECT/EXAMINE, no FETCH, the store untouched
    recording_proxy.reset()
    time.sleep(0.01)
    line = sync_line(config, env)
    assert line.startswith("sync: 0 new message(s), 0 already known, 0 set aside")
    commands = [c.upper() for c in recording_proxy.commands()]
    assert any(c.startswith("STATUS") for c in commands), commands
    assert not any("FETCH" in c or c.startswith(("SELECT", "EXAMINE")) for c in commands), commands
    # one STATUS per folder (INBOX first, before the listing) and one LIST, nothing more
    work = [c.split(" ", 1)[0] for c in commands if c.startswith(("STATUS", "LIST"))]
    assert work == ["STATUS", "LIST", "STATUS"], commands
    assert (store.stat().st_mtime_ns, store.read_bytes()) == before

    # three more messages: only those are fetched
    inbox_before = imap_account.status("INBOX")["uidnext"]
    sent_before = imap_account.status("Sent")["uidnext"]
    deliver_all(imap_account, [
        Delivery("INBOX", message(BEN, [ME], "Benches", at(5), "<ben-1@acme.example>"), at(5)),
        Delivery("INBOX", message(GAIL, [ME], "Re: Table", at(5.5), "<gail-2@gmail.com>",
                                  reply_to="<dana-2@reyes.example>"), at(5.5)),
        Delivery("Sent", message(ME, [BEN], "Re: Benches", at(6), "<dana-3@reyes.example>",
                                 reply_to="<ben-1@acme.example>"), at(6)),
    ])
    recording_proxy.reset()
    assert new_count(sync_line(config, env)) == 3
    fetched_uids: set[tuple[str, int]] = set()
    selected = ""
    for command in recording_proxy.commands():
        upper = command.upper()
        if upper.startswith(("SELECT", "EXAMINE")):
            selected = command.split(" ", 1)[1].strip('"')
        elif upper.startswith("UID FETCH"):
            uid_set = command.split()[2]
            for piece in uid_set.split(","):
                low, _, high = piece.partition(":")
                for uid in range(int(low), int(high or low) + 1):
                    fetched_uids.add((selected, uid))
    assert {(f, u) for f, u in fetched_uids} == {
        ("INBOX", inbox_before), ("INBOX", inbox_before + 1), ("Sent", sent_before)
    }, recording_proxy.commands()
    assert len(messages_of(config)) == 9
    ben = {c["email"]: c for c in ok_json(run_cli("contacts", "--json", config=config,
                                                   env=env))}["ben@acme.example"]
    assert (ben["touches_in"], ben["touches_out"]) == (1, 1)


def test_uidvalidity_change_resyncs_without_duplicates(
    imap_account: ImapAccount, tmp_path: Path
) -> None:
    deliver_all(imap_account, basic_mailbox())
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    sync_line(config, env)
    before = snapshot(store_path(config))
    new_validity = imap_account.uidvalidity_bump("INBOX")

    line = sync_line(config, env)
    assert new_count(line) == 0 and "resynced" in line and "INBOX" in line, line
    assert "4 already known" in line, line  # the four INBOX messages, read again
    after = snapshot(store_path(config))
    assert after["messages"].keys() == before["messages"].keys()
    for key, (kind, direction, locations) in after["messages"].items():
        assert (kind, direction) == before["messages"][key][:2]
        assert len(locations) == 1, (key, locations)
        mailbox, folder, validity, _uid = locations[0]
        if folder == "INBOX":
            assert validity == new_validity
    assert ("owner", "INBOX", new_validity, 4) in after["checkpoints"]
    # and the next poll is quiet again
    line = sync_line(config, env)
    assert new_count(line) == 0 and "resynced" not in line and "0 already known" in line


def forty_messages() -> list[Delivery]:
    out = []
    for i in range(40):
        person = (f"P {i}", f"p{i}@firm{i % 5}.example")
        sender, to, folder = (ME, [person], "Sent") if i % 3 == 0 else (person, [ME], "INBOX")
        raw = message(sender, to, f"Message {i}", at(i / 10), f"<m{i}@test.example>", f"Body {i}")
        out.append(Delivery(folder, raw, at(i / 10)))
    return out


def assert_each_once(config: Path, count: int) -> None:
    records = messages_of(config)
    assert sorted(r["key"] for r in records) == sorted(f"<m{i}@test.example>" for i in range(count))
    for record in records:
        assert len(record["locations"]) == 1, record["locations"]


@pytest.mark.parametrize("cut_after", [2500, 5000, 7000, 9000, 12000, 14000, 16000, 18000, 20000])
def test_connection_dropped_mid_sync(
    imap_account: ImapAccount, tmp_path: Path, imap_proxy: CuttingProxy, cut_after: int
) -> None:
    deliver_all(imap_account, forty_messages())
    config = write_config(tmp_path, imap_account, port=imap_proxy.port, batch_size=4)
    env = cli_env(imap_account)
    imap_proxy.cut_after(cut_after)
    line = sync_line(config, env)
    assert imap_proxy.cuts == 1 and imap_proxy.connections == 2
    assert new_count(line) == 40 and "0 already known" in line, line
    assert_each_once(config, 40)
    assert new_count(sync_line(config, env)) == 0


def bytes_before_login(host: str, port: int) -> int:
    """What the server sends before the LOGIN response: the greeting and CAPABILITY."""
    with socket.create_connection((host, port), timeout=5) as sock:
        data = b""
        while not data.endswith(b"\r\n"):
            data += sock.recv(4096)
        sock.sendall(b"a CAPABILITY\r\n")
        while b"\r\na OK" not in data or not data.endswith(b"\r\n"):
            data += sock.recv(4096)
        return len(data)


def test_connection_dropped_during_login_is_retried(
    imap_account: ImapAccount, tmp_path: Path, imap_proxy: CuttingProxy
) -> None:
    """The server took the password, then the line dropped inside its OK: that is no refusal."""
    deliver_all(imap_account, forty_messages())
    config = write_config(tmp_path, imap_account, port=imap_proxy.port, batch_size=4)
    env = cli_env(imap_account)
    imap_proxy.cut_after(bytes_before_login(imap_account.host, imap_account.port) + 10)
    done = run_cli("sync", config=config, env=env)
    assert imap_proxy.cuts == 1
    assert done.returncode == 0, done.stderr
    assert new_count(done.stdout) == 40
    assert_each_once(config, 40)


# -- kill -9 at any moment, then rerun ---------------------------------------------------

BIG = 600


def big_mailbox() -> list[Delivery]:
    out = []
    for i in range(BIG):
        person = (f"Person {i % 37}", f"person{i % 37}@company{i % 11}.example")
        if i % 4 == 0:
            raw = message(ME, [person], f"Quote {i}" if i % 8 == 0 else f"Note {i}", at(i / 100),
                          f"<big-{i}@test.example>", f"Price EUR {i},00 total.")
            folder = "Sent"
        else:
            raw = message(person, [ME], f"Question {i}", at(i / 100), f"<big-{i}@test.example>",
                          "Line of text.\n" * 20)
            folder = "INBOX"
        out.append(Delivery(folder, raw, at(i / 100)))
    # a BCC copy of a Sent message in INBOX, and a message without Message-ID
    out.append(Delivery("INBOX", message(ME, [("Person 0", "person0@company0.example")],
                                         "Quote 0", at(0), "<big-0@test.example>",
                                         "Price EUR 0,00 total."), at(0)))
    out.append(Delivery("INBOX", message(GAIL, [ME], "no id", at(1), None), at(1)))
    return out


class KillingProxy(CuttingProxy):
    """A proxy that SIGKILLs a process once the server has sent it `kill_at` bytes."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.victim: subprocess.Popen[str] | None = None
        self.kill_at = 0

    def _spend(self, data: bytes) -> tuple[bytes, bool]:
        result = super()._spend(data)
        victim = self.victim
        if victim is not None and self.bytes_from_server >= self.kill_at:
            self.victim = None
            victim.send_signal(signal.SIGKILL)
        return result


@pytest.fixture(scope="module")
def big_account(dovecot: DovecotServer) -> ImapAccount:
    account = new_account(dovecot, "big")
    deliver_all(account, big_mailbox())
    return account


@pytest.fixture(scope="module")
def killing_proxy(dovecot: DovecotServer) -> Iterator[KillingProxy]:
    proxy = KillingProxy(dovecot.host, dovecot.port)
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def clean_run(
    big_account: ImapAccount, killing_proxy: KillingProxy,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict, int]:
    """The store one uninterrupted sync leaves, and how many bytes the server sent for it."""
    config = write_config(tmp_path_factory.mktemp("clean"), big_account, batch_size=50,
                          port=killing_proxy.port)
    before = killing_proxy.bytes_from_server
    line = sync_line(config, cli_env(big_account))
    assert new_count(line) == BIG + 1 and "1 already known" in line, line
    return snapshot(store_path(config)), killing_proxy.bytes_from_server - before


def start_sync(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "inboxfollow", "--config", str(config), "sync"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def kill_after(process: subprocess.Popen[str], seconds: float) -> bool:
    """SIGKILL after `seconds` unless it ended first; True when it died of the signal."""
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    return process.returncode == -signal.SIGKILL


def assert_readable(config: Path) -> None:
    """Whatever a kill leaves behind is a whole JSON store, or no store yet."""
    if store_path(config).exists():
        store_tables(store_path(config))


@pytest.mark.parametrize("fraction", [0.03, 0.4, 0.8, 0.99])
def test_killed_mid_fetch_then_rerun_equals_one_clean_run(
    big_account: ImapAccount, killing_proxy: KillingProxy, clean_run: tuple[dict, int],
    tmp_path: Path, fraction: float,
) -> None:
    """SIGKILL once the server has sent `fraction` of what a whole sync takes."""
    expected, total = clean_run
    config = write_config(tmp_path, big_account, batch_size=50, port=killing_proxy.port)
    env = cli_env(big_account)
    process = start_sync(config, env)
    killing_proxy.kill_at = killing_proxy.bytes_from_server + int(total * fraction)
    killing_proxy.victim = process
    process.communicate(timeout=60)
    killing_proxy.victim = None
    assert process.returncode == -signal.SIGKILL, process.returncode
    assert_readable(config)
    sync_line(config, env)
    assert snapshot(store_path(config)) == expected
    assert new_count(sync_line(config, env)) == 0


@pytest.mark.parametrize("seconds", [0.25, 0.4, 0.55])
def test_killed_after_some_time_then_rerun_equals_one_clean_run(
    big_account: ImapAccount, clean_run: tuple[dict, int], tmp_path: Path, seconds: float
) -> None:
    """SIGKILL by the clock: before, during or after the fetch, or while writing the store."""
    config = write_config(tmp_path, big_account, batch_size=50)
    env = cli_env(big_account)
    kill_after(start_sync(config, env), seconds)
    assert_readable(config)
    sync_line(config, env)
    assert snapshot(store_path(config)) == clean_run[0]


def test_killed_again_and_again_then_rerun_equals_one_clean_run(
    big_account: ImapAccount, killing_proxy: KillingProxy, clean_run: tuple[dict, int],
    tmp_path: Path,
) -> None:
    """One store, four runs killed at different points, then one run to the end."""
    expected, total = clean_run
    config = write_config(tmp_path, big_account, batch_size=50, port=killing_proxy.port)
    env = cli_env(big_account)
    for fraction in (0.1, 0.5, 0.8, 0.97):
        process = start_sync(config, env)
        killing_proxy.kill_at = killing_proxy.bytes_from_server + int(total * fraction)
        killing_proxy.victim = process
        process.communicate(timeout=60)
        killing_proxy.victim = None
        assert process.returncode == -signal.SIGKILL
        assert_readable(config)
    sync_line(config, env)
    assert snapshot(store_path(config)) == expected
    assert new_count(sync_line(config, env)) == 0


def test_killed_during_an_incremental_sync(
    make_imap_account: Callable[..., ImapAccount], killing_proxy: KillingProxy, tmp_path: Path
) -> None:
    """Half the mail synced and stored, the other half arrives, the next sync is killed."""
    account = make_imap_account("half")
    mail = big_mailbox()
    first, later = mail[:150], mail[150:200] + mail[BIG:]  # + the BCC copy and the id-less one
    deliver_all(account, first)
    config = write_config(tmp_path, account, batch_size=50, port=killing_proxy.port)
    reference = write_config(tmp_path, account, batch_size=50, name="reference.toml")
    reference.write_text(reference.read_text().replace("state/inboxfollow.json",
                                                       "reference/inboxfollow.json"))
    env = cli_env(account)
    sync_line(config, env)
    deliver_all(account, later)
    sync_line(reference, env)  # a clean run over everything, for comparison
    process = start_sync(config, env)
    killing_proxy.kill_at = killing_proxy.bytes_from_server + 15000
    killing_proxy.victim = process
    process.communicate(timeout=60)
    killing_proxy.victim = None
    assert process.returncode == -signal.SIGKILL
    line = sync_line(config, env)
    assert new_count(line) == len(later) - 1, line  # the BCC copy is known already
    expected = snapshot(reference.parent / "reference" / "inboxfollow.json")
    assert snapshot(store_path(config)) == expected


# -- one message, several copies ------------------------------------------------------


def test_bcc_copy_and_sent_copy_are_one_message(imap_account: ImapAccount, tmp_path: Path) -> None:
    quote = message(ME, [ANN], "Quote: 40 chairs", at(1), "<q-bcc@reyes.example>",
                    "Our price: EUR 4,000.", cc=[BEN])
    sent_copy = quote.replace(b"Subject:", f"Bcc: {CAPTURE}\r\nSubject:".encode(), 1)
    bcc_copy = f"Delivered-To: {CAPTURE}\r\n".encode() + quote
    deliver_all(imap_account, [
        Delivery("INBOX", bcc_copy, at(1)),
        Delivery("Sent", sent_copy, at(1)),
    ])
    config = write_config(tmp_path, imap_account)
    env = cli_env(imap_account)
    line = sync_line(config, env)
    assert new_count(line) == 1 and "1 already known" in line, line
    (record,) = messages_of(config)
    assert sorted(loc[1] for loc in record["locations"]) == ["INBOX", "Sent"]
    assert record["direction"] == "out"
    contacts = {c["email"]: c for c in ok_json(run_cli("contacts", "--json", config=config,
                                                        env=env))}
    assert set(contacts) == {"ann.buyer@acme.example", "ben@acme.example"}  # not the capture
    for contact in contacts.values():
        assert (contact["touches"], contact["touches_out"]) == (1, 1)


def test_separate_capture_mailbox_dedupes(
    imap_account: ImapAccount, make_imap_account: Callable[..., ImapAccount], tmp_path: Path
) -> None:
    capture = make_imap_account("capture")
    quote = message(ME, [ANN], "Quote: 40 chairs", at(1), "<q-cap@reyes.example>",
                    "Our price: EUR 4,000.")
    from_phone = message(ME, [GAIL], "Table measurements", at(2), "<phone@reyes.example>",
                         "Sent from my phone.")
    deliver_all(imap_account, [Delivery("Sent", quote, at(1))])
    deliver_all(capture, [
        Delivery("INBOX", f"Delivered-To: {CAPTURE}\r\n".encode() + quote, at(1)),
        # sent from the phone, in no Sent folder: the provider's Authentication-Results vouch
        Delivery("INBOX", f"Delivered-To: {CAPTURE}\r\n{': '.join(CAPTURE_AUTH)}\r\n".encode()
                 + from_phone, at(2)),
    ])
    config = write_config(tmp_path, imap_account, capture=capture)
    env = cli_env(imap_account, capture)
    line = sync_line(config, env)
    assert new_count(line) == 2 and "1 already known" in line and "4 folder(s)" in line, line
    records = {r["key"]: r for r in messages_of(config)}
    assert sorted(map(tuple, records["<q-cap@reyes.example>"]["locations"])) == [
        ("capture", "INBOX", capture.status("INBOX")["uidvalidity"], 1),
        ("owner", "Sent", imap_account.status("Sent")["uidvalidity"], 1),
    ]
    assert [loc[0] for loc in records["<phone@reyes.example>"]["locations"]] == ["capture"]
    contacts = {c["email"]: c for c in ok_json(run_cli("contacts", "--json", config=config,
                                                        env=env))}
    assert {e: c["touches_out"] for e, c in contacts.items()} == {
        "ann.buyer@acme.example": 1, "gail@gmail.com": 1}
    checkpoints = snapshot(store_path(config))["checkpoints"]
    assert {(c[0], c[1]) for c in checkpoints} >= {("capture", "INBOX"), ("owner", "Sent")}
    # the same BCC copy delivered again to the capture box is still one message
    deliver_all(capture, [Delivery("INBOX", f"Delivered-To: {CAPTURE}\r\n".encode() + quote,
                                   at(1))])
    line = sync_line(config, env)
    assert new_count(line) == 0 and "1 already known" in line, line
    assert len(messages_of(config)) == 2


# -- malformed mail never stops a sync ----------------------------------------------------

MALFORMED = {
    "no-date": b"""\
From: Ann Buyer <ann@acme.example>
To: dana@reyes-joinery.example
Subject: no date here
Message-ID: <nodate@acme.example>

Hello without a date.
""",
    "no-message-id": b"""\
From: Gail Moss <gail@gmail.com>
To: dana@reyes-joinery.example
Subject: no id here
Date: Tue, 03 Mar 2026 09:00:00 +0000

Hello without an id.
""",
    "broken-mime": b"""\
From: Ben Ray <ben@acme.example>
To: dana@reyes-joinery.example
Subject: broken mime
Date: Tue, 03 Mar 2026 10:00:00 +0000
Message-ID: <brokenmime@acme.example>
MIME-Version: 1.0
Content-Type: multipart/mixed

--nothing
Content-Type: text/plain

no boundary parameter and no end
""",
    "unterminated-multipart": b"""\
From: Ben Ray <ben@acme.example>
To: dana@reyes-joinery.example
Subject: unterminated
Date: Tue, 03 Mar 2026 11:00:00 +0000
Message-ID: <unterminated@acme.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="XX"

--XX
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

!!!not base64!!!
--XX
Content-Type: text/html; charset=utf-8
""",
    "bad-charsets": b"""\
From: =?x-no-such-charset?B?QW5uYQ==?= <anna@charset.example>
To: dana@reyes-joinery.example
Subject: =?utf-8?B?broken====?= and =?iso-8859-1?Q?Gr=FC=DFe?=
Date: Tue, 03 Mar 2026 12:00:00 +0000
Message-ID: <charsets@charset.example>
MIME-Version: 1.0
Content-Type: text/plain; charset=unknown-8bit
Content-Transfer-Encoding: quoted-printable

caf=E9 =ZZ =
""",
    "bare-8bit-headers": (
        "From: J\u00fcrgen M\u00fcller <juergen@werkstatt.example>\n"
        "To: dana@reyes-joinery.example\n"
        "Subject: Angebot f\u00fcr K\u00fcche\n"
        "Date: Tue, 03 Mar 2026 13:00:00 +0000\n"
        "Message-ID: <eightbit@werkstatt.example>\n\n"
        "K\u00fcche bitte.\n"
    ).encode("utf-8"),
    "latin1-headers": (
        "From: Fran\u00e7ois <francois@atelier.example>\n"
        "To: dana@reyes-joinery.example\n"
        "Subject: Devis \u00e9tag\u00e8re\n"
        "Date: Tue, 03 Mar 2026 14:00:00 +0000\n"
        "Message-ID: <latin1@atelier.example>\n\n"
        "\u00c9tag\u00e8re.\n"
    ).encode("latin-1"),
    "bad-date-and-garbage": b"""\
From: nobody
To: ,,,@@@
Subject:
Date: the day after tomorrow
Message-ID: <<<weird>>>
In-Reply-To: not an id
Content-Type: text/plain; charset="

x
""",
    "headers-only": b"From: Ann Buyer <ann@acme.example>\nSubject: no body at all\n",
}


def test_malformed_mail_never_stops_a_sync(imap_account: ImapAccount, tmp_path: Path) -> None:
    internal = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)
    deliveries = [Delivery("INBOX", crlf(raw), internal) for raw in MALFORMED.values()]
    # one good message after all of them: the sync must get past the bad ones
    deliveries.append(Delivery("INBOX", message(ANN, [ME], "all fine", at(4),
                                                "<fine@acme.example>"), at(4)))
    deliver_all(imap_account, deliveries)
    config = write_config(tmp_path, imap_account, batch_size=3)
    env = cli_env(imap_account)
    line = sync_line(config, env)
    records = messages_of(config)
    aside = set_aside_of(config)
    # every message is either recorded or set aside with a reason, never lost
    assert len(records) + len(aside) == len(deliveries), (line, records, aside)
    assert all(entry["reason"] for entry in aside)
    assert f"{len(records)} new" in line and f"{len(aside)} set aside" in line
    uids = sorted([loc[3] for r in records for loc in r["locations"]]
                  + [e["location"][3] for e in aside])
    assert uids == list(range(1, len(deliveries) + 1))

    by_key = {r["key"]: r for r in records}
    nodate = by_key["<nodate@acme.example>"]
    assert nodate["date_source"] == "internaldate"
    assert datetime.fromisoformat(nodate["date"]) == internal
    no_id = [r for r in records if r["subject"] == "no id here"]
    assert len(no_id) == 1 and no_id[0]["key"].startswith("sha1:") and no_id[0]["message_id"] == ""
    assert "<fine@acme.example>" in by_key
    eightbit = by_key["<eightbit@werkstatt.example>"]
    assert "K" in eightbit["subject"] and eightbit["sender"][1] == "juergen@werkstatt.example"
    assert by_key["<latin1@atelier.example>"]["sender"][1] == "francois@atelier.example"
    assert by_key["<charsets@charset.example>"]["sender"][1] == "anna@charset.example"
    # contacts and quotes still work over such a store
    ok(run_cli("contacts", "--json", config=config, env=env))
    ok(run_cli("quotes", "--status", "all", "--json", config=config, env=env, now=NOW))
    # and rerunning does not pick them up twice
    assert new_count(sync_line(config, env)) == 0
    assert len(messages_of(config)) == len(records)


# -- check, login and config errors ----------------------------------------------------


def test_check_reports_folders_and_capabilities(imap_account: ImapAccount, tmp_path: Path) -> None:
    config = write_config(tmp_path, imap_account)
    out = ok(run_cli("check", config=config, env=cli_env(imap_account)))
    assert "ok: config" in out
    assert "ok: owner: reachable, login works" in out
    assert "ok: owner: sent folder is 'Sent'" in out
    assert "ok: owner: drafts folder is 'Drafts'" in out
    caps = next(ln for ln in out.splitlines() if "server capabilities" in ln)
    assert "IMAP4REV1" in caps.upper() and "SPECIAL-USE" in caps.upper()
    assert out.strip().splitlines()[-1] == "all checks passed"
    assert imap_account.password not in out


def test_check_with_capture_mailbox(
    imap_account: ImapAccount, make_imap_account: Callable[..., ImapAccount], tmp_path: Path
) -> None:
    capture = make_imap_account("capture")
    config = write_config(tmp_path, imap_account, capture=capture)
    out = ok(run_cli("check", config=config, env=cli_env(imap_account, capture)))
    assert "ok: capture: reachable, login works" in out
    assert "ok: owner: sent folder is 'Sent'" in out


@pytest.mark.parametrize("command", ["sync", "check"])
def test_wrong_password_is_one_line_and_exit_1(
    imap_account: ImapAccount, tmp_path: Path, command: str
) -> None:
    config = write_config(tmp_path, imap_account)
    wrong = "Wr0ng-Secret-4711"
    started = time.monotonic()
    done = run_cli(command, config=config, env=cli_env(password=wrong))
    assert time.monotonic() - started < 10  # no endless retries on a refused login
    assert done.returncode == 1, (done.stdout, done.stderr)
    everything = done.stdout + done.stderr
    assert wrong not in everything and imap_account.password not in everything
    assert "Traceback" not in everything
    if command == "sync":
        assert done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert done.stderr.startswith("inboxfollow: error:")
        assert "login" in done.stderr.lower()
    else:
        assert "problem" in done.stdout and "login" in done.stdout.lower()
    assert not store_path(config).exists() or messages_of(config) == []


def config_error_cases(account: ImapAccount, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = write_config(tmp_path, account).read_text()
    cases = {
        "missing file": (tmp_path / "nowhere.toml", "not found"),
    }

    def variant(name: str, text: str, expect: str) -> None:
        path = tmp_path / f"{name.replace(' ', '-')}.toml"
        path.write_text(text)
        cases[name] = (path, expect)

    variant("not toml", good + "\n[imap\n", "not valid TOML")
    variant("unknown key", good.replace("[imap]\n", "[imap]\ncolour = 3\n"), "colour")
    variant("wrong type", good.replace(f"port = {account.port}", 'port = "143"'), "port")
    variant("security none off loopback",
            good.replace('host = "127.0.0.1"', 'host = "mail.example.com"'), "none")
    variant("password env not set",
            good.replace("INBOXFOLLOW_TEST_PASSWORD", "INBOXFOLLOW_NOT_SET_ANYWHERE"),
            "INBOXFOLLOW_NOT_SET_ANYWHERE")
    variant("no owner", good.replace("[owner]", "[ownr]"), "ownr")
    variant("zero batch", good + "\n[sync]\nbatch_size = 0\n", "batch_size")
    return cases


def test_config_errors_exit_2_with_one_line(imap_account: ImapAccount, tmp_path: Path) -> None:
    env = cli_env(imap_account)
    also = {"unknown key": ("check", "contacts"), "not toml": ("contacts",),
            "missing file": ("check",), "security none off loopback": ("contacts",)}
    # (a password variable that is not set: `contacts` reads only the store and needs none;
    # `check` lists it as a problem and exits 1)
    for name, (path, expect) in config_error_cases(imap_account, tmp_path).items():
        for command in ("sync", *also.get(name, ())):
            done = run_cli(command, config=path, env=env)
            where = f"{name} / {command}: {done.stdout!r} {done.stderr!r}"
            assert done.returncode == 2, where
            assert done.stdout == "" or command == "check", where
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("inboxfollow: error:"), where
            assert expect in lines[0], where
            assert imap_account.password not in done.stdout + done.stderr


def test_a_worker_process_over_imap_stores_what_judging_here_does(
    make_imap_account: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The long-first-sync path (judging in a worker process) on real server data."""
    from inboxfollow.app import sync as sync_module
    from inboxfollow.model import Owner
    from inboxfollow.sources.imap import ImapMailbox, ImapSettings
    from inboxfollow.store import open_store

    account = make_imap_account("worker")
    deliveries = basic_mailbox() + [
        Delivery("INBOX", crlf(raw), datetime(2026, 3, 4, 9, tzinfo=UTC))
        for raw in MALFORMED.values()
    ]
    deliver_all(account, deliveries)
    owner = Owner("Dana", frozenset({"dana@reyes-joinery.example"}))
    stores = {}
    for parallel in (False, True):
        monkeypatch.setattr(sync_module, "PARALLEL_FROM", 1 if parallel else 10**9)
        path = tmp_path / f"store-{parallel}.json"
        box = ImapMailbox(ImapSettings("127.0.0.1", account.port, "none", account.username,
                                       account.password), "owner")
        with open_store(path) as store:
            summary = sync_module.sync([box], store, owner, batch_size=4)
            stores[parallel] = (store.all_messages(), store.set_aside.all())
        box.close()
        assert summary.new + summary.set_aside == len(deliveries)
    assert stores[True] == stores[False]
