"""The IMAP adapter on two real servers: Dovecot, and Courier-IMAP (tests/courier.py).

Courier offers none of SPECIAL-USE, MULTIAPPEND, UIDPLUS or UNSELECT, names its
folders "INBOX.Sent" with "." as separator, refuses APPEND into a folder selected
read-only and quotes header names in FETCH responses. Each test here runs on both
servers and expects the same; the last one runs the whole quotes mailbox of
test_quotes_e2e through `sync` and `drafts` on both and compares what comes out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from inboxfollow.sources.imap import ImapMailbox, ImapSettings, RetryPolicy
from inboxfollow.sources.mailbox import DRAFTS, INBOX, SENT
from tests.dovecot import CuttingProxy, new_account
from tests.mailgen import (
    ME,
    Delivery,
    cli_env,
    crlf,
    deliver_all,
    message,
    ok,
    ok_json,
    run_cli,
    write_config,
)
from tests.test_quotes_e2e import EXPECTED, NOW
from tests.test_quotes_e2e import mailbox as quotes_mailbox

if TYPE_CHECKING:
    from tests.courier import CourierAccount

pytest_plugins = ("tests.courier",)
pytestmark = pytest.mark.dovecot

SERVERS = ["dovecot", "courier"]
ANN = ("Ann Buyer", "ann@acme.example")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@dataclass
class Server:
    """One account on one of the two servers, and how that server names folders."""

    kind: str  # "dovecot" or "courier"
    account: Any  # tests.dovecot.ImapAccount or tests.courier.CourierAccount

    def folder(self, *levels: str) -> str:
        if self.kind == "courier":
            return str(self.account.folder(*levels))  # "INBOX.Kunden.Müller & Söhne"
        return "/".join(levels)

    def mailbox(self, port: int = 0) -> ImapMailbox:
        a = self.account
        settings = ImapSettings(a.host, port or a.port, "none", a.username, a.password,
                                timeout=10, retry=RetryPolicy(connect_attempts=3))
        return ImapMailbox(settings, "owner", sleep=lambda seconds: None)

    def deliver(self, deliveries: list[Delivery]) -> None:
        """APPEND each, "Sent" and "INBOX" named as this server names them."""
        deliver_all(self.account, [Delivery(self.folder(d.folder), d.raw, d.date, d.flags)
                                   for d in deliveries])


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> Server:
    """A fresh account with INBOX, Sent and Drafts (flagged on Dovecot, named on Courier)."""
    if request.param == "dovecot":
        return Server("dovecot", request.getfixturevalue("imap_account"))
    return Server("courier", request.getfixturevalue("courier_account"))


@pytest.fixture(params=SERVERS)
def bare_server(request: pytest.FixtureRequest) -> Server:
    """A fresh account with INBOX alone: the test makes the other folders."""
    if request.param == "dovecot":
        dovecot = request.getfixturevalue("dovecot")
        return Server("dovecot", new_account(dovecot, "bare", sent_and_drafts=False))
    make = request.getfixturevalue("make_courier_account")
    return Server("courier", make("bare", folders=()))


def draft(n: int, tag: str = "any") -> bytes:
    return crlf(f"From: owner@example.com\nTo: ann@acme.example\nSubject: Re: Quote {n}\n"
                f"Message-ID: <{tag}-{n}@inboxfollow.example>\n"
                f"X-Inboxfollow-Loop: loop-{n}; step=1\n\nJust checking in, {n}.\n".encode())


# -- folders: by name, "." or "/" as separator, names outside ASCII ----------------------


def test_folders_found_by_name_and_planned_whatever_the_separator(bare_server: Server) -> None:
    f = bare_server.folder
    bare_server.account.create_folders(
        f("Gesendete Elemente"), f("Entwürfe"), f("Kunden"), f("Kunden", "Müller & Söhne"),
        f("Papierkorb"))
    with bare_server.mailbox() as box:
        capabilities = set(box.capabilities())
        roles = box.folders()
        read = box.folders_to_sync()
    if bare_server.kind == "courier":  # the fallbacks are what is under test there
        assert not capabilities & {"SPECIAL-USE", "MULTIAPPEND", "UIDPLUS", "UNSELECT"}
    assert roles == {INBOX: "INBOX", SENT: f("Gesendete Elemente"), DRAFTS: f("Entwürfe")}
    assert read == ["INBOX", f("Gesendete Elemente"), f("Kunden"), f("Kunden", "Müller & Söhne")]


def test_mail_in_a_folder_named_outside_ascii_is_read(bare_server: Server) -> None:
    folder = bare_server.folder("Kunden", "Müller & Söhne")
    bare_server.account.create_folders(folder)
    raw = message(ANN, [ME], "Re: Angebot", T0, "<r1@acme.example>", "Passt, danke.")
    uid = bare_server.account.deliver(folder, raw, ["\\Seen"], T0)
    with bare_server.mailbox() as box:
        status = box.status(folder)
        (fetched,) = [m for batch in box.fetch_headers(folder, 0) for m in batch]
        text = box.fetch_text(folder, [uid])
    assert status.messages == 1 and status.uidnext == uid + 1
    assert (fetched.location.folder, fetched.location.uid) == (folder, uid)
    assert fetched.internaldate == T0 and "\\Seen" in fetched.flags
    assert b"Subject: Re: Angebot" in fetched.raw
    assert text[uid].startswith(b"Passt, danke.")


# -- drafts: APPEND after a read-only look, found again by their Message-ID -----------------


def test_drafts_go_in_after_a_read_only_look_and_are_found_again(server: Server) -> None:
    drafts = server.folder("Drafts")
    header = "X-Inboxfollow-Loop"
    with server.mailbox() as box:
        assert box.message_ids_with_header(drafts, header) == {}  # EXAMINEs Drafts
        uids = box.append_many(drafts, [draft(n) for n in range(3)], ("\\Draft", "\\Seen"), T0)
        ours = box.message_ids_with_header(drafts, header)
        assert ours == {f"<any-{n}@inboxfollow.example>": [uid] for n, uid in enumerate(uids)}
        assert box.search_header(drafts, "Message-ID", "<any-1@inboxfollow.example>") == [uids[1]]
        assert box.fetch_message(drafts, uids[2]) == draft(2)
        box.delete(drafts, [uids[0]])
        (again,) = box.append_many(drafts, [draft(0)], ("\\Draft",), T0)  # after EXAMINE again
        assert box.append(drafts, draft(9), ("\\Draft",), T0) is not None
        ours = box.message_ids_with_header(drafts, header)
        stored = [m for batch in box.fetch_headers(drafts, 0) for m in batch]
    assert sorted(ours) == sorted(f"<any-{n}@inboxfollow.example>" for n in (0, 1, 2, 9))
    assert ours["<any-0@inboxfollow.example>"] == [again]
    assert len(stored) == 4 and all("\\Draft" in m.flags for m in stored)


def test_a_poll_on_one_long_connection_sees_mail_in_the_folder_it_read_last(
    server: Server,
) -> None:
    """STATUS on the selected folder may answer from the session's old view (Dovecot does):
    the mailbox leaves the folder first, so a daemon's poll never misses a new reply."""
    sent, drafts = server.folder("Sent"), server.folder("Drafts")
    server.deliver([Delivery("Sent", draft(1), T0)])
    with server.mailbox() as box:
        (first,) = [m for batch in box.fetch_headers(sent, 0) for m in batch]  # Sent selected
        before = box.status(sent)
        server.deliver([Delivery("Sent", draft(2), T0)])
        after = box.status(sent)
        assert (after.messages, after.uidnext) == (before.messages + 1, before.uidnext + 1)
        new = [m.location.uid for batch in box.fetch_headers(sent, first.location.uid)
               for m in batch]
        assert new == [before.uidnext]
        box.append(drafts, draft(3), ("\\Draft",), T0)
        box.delete(drafts, box.search_header(drafts, "Message-ID", "<any-3@inboxfollow.example>"))
        server.deliver([Delivery("Drafts", draft(4), T0)])  # Drafts was selected read-write
        assert box.status(drafts).messages == 1


def test_an_append_cut_off_is_retried_without_a_duplicate(server: Server) -> None:
    drafts = server.folder("Drafts")
    proxy = CuttingProxy(server.account.host, server.account.port)
    try:
        with server.mailbox(port=proxy.port) as box:
            box.message_ids_with_header(drafts, "X-Inboxfollow-Loop")  # Drafts read-only
            proxy.cut_after(1)  # the server stores them, the client never hears OK
            uids = box.append_many(drafts, [draft(n, "cut") for n in range(2)], ("\\Draft",))
            assert proxy.cuts == 1
            for n, uid in enumerate(uids):
                found = box.search_header(drafts, "Message-ID", f"<cut-{n}@inboxfollow.example>")
                assert found == [uid]
            assert box.status(drafts).messages == 2
    finally:
        proxy.close()


# -- acceptance: the same mailbox, the same contacts, loops and drafts --------------------


def run_all(server: Server, directory: Path) -> dict[str, Any]:
    """The quotes mailbox delivered, synced and drafted as the owner would, twice."""
    server.deliver([d for _, d in quotes_mailbox()])
    directory.mkdir()
    config = write_config(directory, server.account)
    env = cli_env(server.account)

    def cli(*args: str, now: str = NOW) -> str:
        return ok(run_cli(*args, config=config, env=env, now=now))

    result: dict[str, Any] = {"sync": cli("sync").splitlines()[0]}
    result["contacts"] = ok_json(run_cli("contacts", "--json", config=config, env=env, now=NOW))
    result["loops"] = ok_json(run_cli("quotes", "--status", "all", "--json", config=config,
                                      env=env, now=NOW))
    created = ok_json(run_cli("drafts", "--json", config=config, env=env, now=NOW))
    result["drafts"] = sorted((a["action"], a["contact"], a["step"], a["message_id"],
                               a["in_reply_to"], a["text"]) for a in created)
    later = (datetime.fromisoformat(NOW) + timedelta(hours=1)).isoformat()
    result["again"] = [cli("drafts").strip().splitlines()[-1],
                       cli("sync", now=later).splitlines()[0],
                       cli("drafts", now=later).strip().splitlines()[-1]]
    result["in_drafts"] = sorted(_message_ids(server, server.folder("Drafts")))
    return result


def _message_ids(server: Server, folder: str) -> list[str]:
    with server.mailbox() as box:
        return list(box.message_ids_with_header(folder, "Message-ID"))


def test_the_same_mailbox_gives_the_same_contacts_loops_and_drafts(
    imap_account: Any, courier_account: CourierAccount, tmp_path: Path
) -> None:
    dovecot = run_all(Server("dovecot", imap_account), tmp_path / "dovecot")
    courier = run_all(Server("courier", courier_account), tmp_path / "courier")
    for key in ("sync", "contacts", "loops", "drafts", "again", "in_drafts"):
        assert courier[key] == dovecot[key], (key, json.dumps(courier[key], indent=1)[:3000])
    loops = {lp["contact"]: lp["status"] for lp in courier["loops"]}
    assert loops == {contact: want[0] for contact, want in EXPECTED.items()}
    due = [d for d in courier["drafts"] if d[0] == "create"]
    assert len(due) >= 3 and courier["in_drafts"] == sorted(d[3] for d in due)
    assert courier["again"] == ["drafts: 0 created, 0 other action(s)",
                                courier["again"][1], "drafts: 0 created, 0 other action(s)"]
    assert courier["again"][1].startswith("sync: 0 new message(s)")
