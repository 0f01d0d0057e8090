"""Courier-IMAP's own ways, each shown on the wire first, then met by the adapter.

The server is the real one from Debian's packages, started by tests/courier.py:
pre-authenticated, no SPECIAL-USE, MULTIAPPEND, UIDPLUS or UNSELECT, "INBOX." folders.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from imapclient.exceptions import IMAPClientError

from inboxfollow.errors import MailServerError
from inboxfollow.sources.imap import INTERACTIVE, ImapMailbox, ImapSettings
from inboxfollow.sources.mailbox import DRAFTS, SENT
from tests.dovecot import CuttingProxy
from tests.mailgen import (
    ME,
    Delivery,
    cli_env,
    crlf,
    deliver_all,
    message,
    ok,
    run_cli,
    store_path,
    write_config,
)
from tests.storefile import store_tables
from tests.test_sync_imap import RecordingProxy

if TYPE_CHECKING:
    from tests.courier import CourierAccount

pytest_plugins = ("tests.courier",)

DRAFT = crlf(b"From: owner@example.com\nTo: ann@acme.example\nSubject: Re: Quote\n"
             b"Message-ID: <courier-1@inboxfollow.example>\nX-Inboxfollow-Loop: l1; step=1\n\n"
             b"Any news?\n")


def mailbox(account: CourierAccount, port: int = 0, **changes: object) -> ImapMailbox:
    values: dict[str, object] = {
        "host": account.host, "port": port or account.port, "security": "none",
        "username": account.username, "password": "never-sent-4711", "timeout": 10.0,
        "retry": INTERACTIVE,
    }
    values.update(changes)
    return ImapMailbox(ImapSettings(**values), "owner")  # type: ignore[arg-type]


def test_the_session_is_preauthenticated_and_no_password_is_sent(
    courier_account: CourierAccount,
) -> None:
    proxy = RecordingProxy(courier_account.host, courier_account.port)
    try:
        with mailbox(courier_account, port=proxy.port) as box:
            roles = box.folders()
            capabilities = box.capabilities()
    finally:
        proxy.close()
    assert (roles[SENT], roles[DRAFTS]) == ("INBOX.Sent", "INBOX.Drafts")  # by name
    assert capabilities == ["IMAP4REV1", "ENABLE", "UTF8=ACCEPT"]
    verbs = {command.split(" ", 1)[0].upper() for command in proxy.commands()}
    assert not verbs & {"LOGIN", "AUTHENTICATE"}, proxy.commands()
    assert b"never-sent-4711" not in proxy.sent


def test_starttls_is_refused_after_a_preauth_greeting(courier_account: CourierAccount) -> None:
    """STARTTLS is only possible before authentication: a PREAUTH greeting on a connection
    meant to be encrypted is refused, never carried on in the clear."""
    with mailbox(courier_account, security="starttls") as box:
        with pytest.raises(MailServerError, match="PREAUTH") as caught:
            box.folders()
    assert "security" in str(caught.value)


def test_append_into_the_examined_folder_is_refused_and_the_adapter_leaves_it_first(
    courier_account: CourierAccount,
) -> None:
    client = courier_account.client()
    try:
        client.select_folder("INBOX.Drafts", readonly=True)
        with pytest.raises(IMAPClientError, match="READ-ONLY"):
            client.append("INBOX.Drafts", DRAFT)
    finally:
        client.logout()
    with mailbox(courier_account) as box:
        assert box.message_ids_with_header("INBOX.Drafts", "X-Inboxfollow-Loop") == {}
        uid = box.append("INBOX.Drafts", DRAFT, ("\\Draft",))
        assert box.message_ids_with_header("INBOX.Drafts", "X-Inboxfollow-Loop") == {
            "<courier-1@inboxfollow.example>": [uid]}
        # a folder selected read-write is left as it is
        box.delete("INBOX.Drafts", [uid])
        assert box.append("INBOX.Drafts", DRAFT, ("\\Draft",)) is not None


def test_header_names_come_back_quoted_and_are_read(courier_account: CourierAccount) -> None:
    uid = courier_account.deliver("INBOX.Drafts", DRAFT, ["\\Draft"])
    client = courier_account.client()
    try:
        client.select_folder("INBOX.Drafts", readonly=True)
        data = client.fetch([uid], [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])[uid]
    finally:
        client.logout()
    assert [key for key in data if key.startswith(b"BODY")] == [
        b'BODY[HEADER.FIELDS ("MESSAGE-ID")]']
    with mailbox(courier_account) as box:
        found = box.message_ids_with_header("INBOX.Drafts", "X-Inboxfollow-Loop")
    assert found == {"<courier-1@inboxfollow.example>": [uid]}


def test_check_and_sync_find_the_folders_by_name(
    courier_account: CourierAccount, tmp_path: Path
) -> None:
    courier_account.create_folders("INBOX.Archiv", "INBOX.Werbung")
    config = write_config(tmp_path, courier_account)
    config.write_text(config.read_text().replace(
        "[imap]\n", '[imap]\nfolders_exclude = ["*.Werbung"]\n'))
    env = cli_env(courier_account)
    lines = ok(run_cli("check", config=config, env=env)).strip().splitlines()
    assert "ok: owner: sent folder is 'INBOX.Sent'" in lines
    assert "ok: owner: drafts folder is 'INBOX.Drafts'" in lines
    assert "ok: owner: sync reads 3 folder(s): 'INBOX', 'INBOX.Sent', 'INBOX.Archiv'" in lines
    capabilities = next(line for line in lines if line.startswith("ok: owner: server capab"))
    assert "SPECIAL-USE" not in capabilities and "MULTIAPPEND" not in capabilities
    assert lines[-1] == "all checks passed"
    line = ok(run_cli("sync", config=config, env=env))
    assert line.startswith("sync: 0 new") and "3 folder(s)" in line, line


def test_folder_names_outside_ascii_travel_in_modified_utf7(
    make_courier_account: Callable[..., CourierAccount],
) -> None:
    account = make_courier_account("owner", folders=("Sent",))
    account.create_folders("INBOX.Entwürfe")
    proxy = RecordingProxy(account.host, account.port)
    try:
        with mailbox(account, port=proxy.port) as box:
            assert box.folders()[DRAFTS] == "INBOX.Entwürfe"  # the Drafts name, decoded
            box.append("INBOX.Entwürfe", DRAFT, ("\\Draft",))
            assert box.status("INBOX.Entwürfe").messages == 1
    finally:
        proxy.close()
    assert b'"INBOX.Entw&APw-rfe"' in proxy.sent and "ü".encode() not in proxy.sent


class NoAppendUid(CuttingProxy):
    """A server without UIDPLUS as Courier would be if it did not answer APPENDUID anyway."""

    stripped = 0

    def _spend(self, data: bytes) -> tuple[bytes, bool]:
        data, cut = super()._spend(data)
        data, count = re.subn(rb"\[APPENDUID [0-9:, ]+\] ?", b"", data)
        self.stripped += count
        return data, cut


def test_drafts_are_made_once_when_the_server_tells_no_uids(
    courier_account: CourierAccount, tmp_path: Path
) -> None:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    quote = message(ME, [("Ann Buyer", "ann@acme.example")], "Quote: 40 chairs", at,
                    "<q-nouid@reyes.example>", "Our price is EUR 2,400.")
    deliver_all(courier_account, [Delivery("INBOX.Sent", quote, at)])
    proxy = NoAppendUid(courier_account.host, courier_account.port)
    try:
        config = write_config(tmp_path, courier_account, port=proxy.port)
        env, now = cli_env(courier_account), "2026-03-10T09:00:00+01:00"
        ok(run_cli("sync", config=config, env=env, now=now))
        first = ok(run_cli("drafts", config=config, env=env, now=now))
        again = ok(run_cli("drafts", config=config, env=env, now=now))
    finally:
        proxy.close()
    assert proxy.stripped == 1
    assert first.strip().splitlines()[-1] == "drafts: 1 created, 0 other action(s)"
    assert again.strip().splitlines()[-1] == "drafts: 0 created, 0 other action(s)"
    (record,) = store_tables(store_path(config))["drafts"].values()
    assert record["uid"] is None and record["state"] == "pending"
