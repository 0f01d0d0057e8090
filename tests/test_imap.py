"""ImapMailbox against a real Dovecot on loopback (see tests/dovecot.py); no mocks."""

from __future__ import annotations

import base64
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from imapclient.response_types import BodyData

from inboxfollow.cli import main
from inboxfollow.config import load_config
from inboxfollow.errors import ConfigError, MailServerError
from inboxfollow.model import Part
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.sources.imap import (
    INTERACTIVE,
    PATIENT,
    ImapMailbox,
    ImapSettings,
    RetryPolicy,
    transport,
)
from inboxfollow.sources.imap.bodystructure import parts_from_bodystructure, parts_of
from inboxfollow.sources.imap.fetch import fetch_item
from inboxfollow.sources.mailbox import DRAFTS, INBOX, SENT
from tests.dovecot import CuttingProxy, DovecotServer, ImapAccount, free_port, new_account
from tests.mailgen import (
    ME,
    Delivery,
    cli_env,
    deliver_all,
    message,
    ok,
    run_cli,
    write_config,
)

pytestmark = pytest.mark.dovecot

PLAIN = b"""\
From: Ann Buyer <ann@acme.example>
To: owner@example.com
Subject: Can you quote 40 chairs?
Message-ID: <q1@acme.example>
Date: Mon, 02 Mar 2026 09:00:00 +0100

Hello, what would 40 chairs cost?
"""

REPORT = b"""\
From: MAILER-DAEMON@example.com
To: owner@example.com
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn1@example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.
--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; gone@acme.example
Action: failed
Status: 5.1.1
--B1
Content-Type: text/rfc822-headers

Subject: Quote
--B1--
"""

CALENDAR = b"""\
From: Ann Buyer <ann@acme.example>
To: owner@example.com
Subject: Invitation: site visit
Message-ID: <cal1@acme.example>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="C1"

--C1
Content-Type: text/plain; charset=utf-8

Site visit on Friday.
--C1
Content-Type: text/calendar; method=REQUEST; charset=utf-8

BEGIN:VCALENDAR
METHOD:REQUEST
END:VCALENDAR
--C1--
"""


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def with_attachment(name_header: str, disposition: str, payload: bytes) -> bytes:
    body = base64.encodebytes(payload).decode()
    return crlf(
        (
            "From: owner@example.com\n"
            "To: ann@acme.example\n"
            "Subject: Your quote\n"
            "Message-ID: <quote1@example.com>\n"
            "MIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="M1"\n'
            "\n--M1\n"
            "Content-Type: text/plain; charset=utf-8\n\n"
            "Please find our quote attached.\n"
            "--M1\n"
            f"Content-Type: application/pdf; {name_header}\n"
            f"Content-Disposition: {disposition}\n"
            "Content-Transfer-Encoding: base64\n\n"
            f"{body}"
            "--M1--\n"
        ).encode()
    )


def settings(account: ImapAccount, **changes: object) -> ImapSettings:
    values: dict[str, object] = {
        "host": account.host,
        "port": account.port,
        "security": "none",
        "username": account.username,
        "password": account.password,
        "timeout": 5.0,
        "retry": RetryPolicy(connect_attempts=3, reconnects=3),
    }
    values.update(changes)
    return ImapSettings(**values)  # type: ignore[arg-type]


def mailbox(account: ImapAccount, **changes: object) -> ImapMailbox:
    return ImapMailbox(settings(account, **changes), "owner", sleep=lambda seconds: None)


def fetch_all(box: ImapMailbox, folder: str, after_uid: int = 0, batch_size: int = 500) -> list:
    return [m for batch in box.fetch_headers(folder, after_uid, batch_size) for m in batch]


def numbered(n: int) -> bytes:
    return crlf(
        f"From: c{n}@acme.example\nTo: owner@example.com\nSubject: message {n}\n"
        f"Message-ID: <m{n}@acme.example>\n\nbody {n}\n".encode()
    )


# -- construction and settings -------------------------------------------------


def test_constructor_does_not_connect() -> None:
    box = ImapMailbox(ImapSettings("127.0.0.1", free_port(), "none", "u", "p"), "capture")
    assert box.name == "capture"
    box.close()  # nothing to close, nothing raised


@pytest.mark.parametrize("host", ["imap.example.com", "10.0.0.1", "::2"])
def test_security_none_refused_for_a_remote_host(host: str) -> None:
    with pytest.raises(ConfigError, match="unencrypted"):
        ImapSettings(host, 143, "none", "u", "p")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.3.4.5", "::1", "localhost"])
def test_security_none_allowed_on_loopback(host: str) -> None:
    assert ImapSettings(host, 143, "none", "u", "p").security == "none"


def test_settings_reject_unknown_security_and_roles_and_hide_the_password() -> None:
    with pytest.raises(ConfigError):
        ImapSettings("imap.example.com", 993, "tls", "u", "p")
    with pytest.raises(ConfigError, match="trash"):
        ImapSettings("imap.example.com", folder_overrides={"trash": "Bin"})
    assert "hunter2" not in repr(ImapSettings("imap.example.com", password="hunter2"))


# -- reading -------------------------------------------------------------------


def test_first_fetch_returns_every_message_with_headers_parts_and_date(
    imap_account: ImapAccount,
) -> None:
    date = datetime(2026, 3, 2, 9, 0, 5, tzinfo=timezone(timedelta(hours=1)))
    uids = [
        imap_account.deliver("INBOX", crlf(PLAIN), flags=["\\Seen"], date=date),
        imap_account.deliver("INBOX", crlf(REPORT)),
        imap_account.deliver("INBOX", crlf(CALENDAR)),
    ]
    with mailbox(imap_account) as box:
        messages = fetch_all(box, "INBOX")
        status = box.status("INBOX")

    assert [m.location.uid for m in messages] == uids
    first, report, calendar = messages
    assert first.location.mailbox == "owner" and first.location.folder == "INBOX"
    assert first.location.uidvalidity == status.uidvalidity
    assert b"Subject: Can you quote 40 chairs?" in first.raw
    assert b"40 chairs cost" not in first.raw  # header block only
    assert first.raw.endswith(b"\r\n\r\n")
    assert first.internaldate == date and first.internaldate.tzinfo is not None
    assert first.flags == ("\\Seen",)
    assert first.has_text is False
    assert first.size == len(crlf(PLAIN))
    assert parts_of(first) == (Part("text/plain", size=35, params=(("charset", "us-ascii"),)),)

    report_parts, calendar_parts = parts_of(report), parts_of(calendar)
    types = [p.content_type for p in report_parts]
    assert types == ["multipart/report", "text/plain", "message/delivery-status",
                     "text/rfc822-headers"]  # fmt: skip
    assert ("report-type", "delivery-status") in report_parts[0].params
    assert calendar_parts[2].content_type == "text/calendar"
    assert ("method", "request") in calendar_parts[2].params


def test_incremental_fetch_returns_only_new_messages(imap_account: ImapAccount) -> None:
    old = [imap_account.deliver("INBOX", numbered(n)) for n in range(3)]
    with mailbox(imap_account) as box:
        assert [m.location.uid for m in fetch_all(box, "INBOX")] == old
        # "UID n:*" matches the highest UID even when it is below n: nothing new here.
        assert fetch_all(box, "INBOX", after_uid=old[-1]) == []
        assert fetch_all(box, "INBOX", after_uid=old[-1] + 50) == []
        new = imap_account.deliver("INBOX", numbered(3))
        assert [m.location.uid for m in fetch_all(box, "INBOX", after_uid=old[-1])] == [new]
        assert [m.location.uid for m in fetch_all(box, "INBOX", after_uid=old[0])] == old[1:] + [
            new
        ]


def test_batches_are_in_uid_order_and_bounded(imap_account: ImapAccount) -> None:
    uids = [imap_account.deliver("INBOX", numbered(n)) for n in range(7)]
    with mailbox(imap_account) as box:
        batches = list(box.fetch_headers("INBOX", 0, batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [m.location.uid for b in batches for m in b] == uids


def test_a_pass_with_text_and_other_commands_between_batches_reads_the_same(
    imap_account: ImapAccount,
) -> None:
    """After a batch's text, the next header FETCH goes out at once (the server prepares
    it while the sync judges); whatever command comes next reads its answer first, so
    the batches and texts are those of a plain pass, and nothing else is mixed in."""
    uids = [imap_account.deliver("INBOX", numbered(n)) for n in range(11)]
    imap_account.deliver("Sent", numbered(99))
    with mailbox(imap_account) as box:
        plain = [[(m.location.uid, m.raw) for m in b]
                 for b in box.fetch_headers("INBOX", 0, batch_size=3)]
    seen: list[list[tuple[int, bytes]]] = []
    texts: dict[int, bytes] = {}
    with mailbox(imap_account) as box:
        for number, batch in enumerate(box.fetch_headers("INBOX", 0, batch_size=3)):
            seen.append([(m.location.uid, m.raw) for m in batch])
            texts |= box.fetch_text("INBOX", [m.location.uid for m in batch])  # sends ahead
            if number == 1:  # another command while the next FETCH is owed
                assert box.status("Sent").messages == 1
            if number == 2:  # and a second text, as for mail judged again with its text
                assert box.fetch_text("INBOX", [uids[0]]) == {uids[0]: b"body 0\r\n"}
        assert box.status("INBOX").messages == 11  # after the pass: nothing left owed
        imap = box._conn._client._imap  # type: ignore[union-attr]
        assert not imap.tagged_commands and "FETCH" not in imap.untagged_responses  # no stray
    assert seen == plain and [u for b in seen for u, _ in b] == uids
    assert texts == {uid: f"body {n}\r\n".encode() for n, uid in enumerate(uids)}


def test_status_follows_the_folder_and_uidvalidity_bump(imap_account: ImapAccount) -> None:
    with mailbox(imap_account) as box:
        empty = box.status("INBOX")
        assert (empty.messages, empty.uidnext) == (0, 1)
        imap_account.deliver("INBOX", numbered(1))
        imap_account.deliver("INBOX", numbered(2))
        two = box.status("INBOX")
        assert (two.messages, two.uidnext, two.uidvalidity) == (2, 3, empty.uidvalidity)

        new_validity = imap_account.uidvalidity_bump("INBOX")
        bumped = box.status("INBOX")
        assert bumped.uidvalidity == new_validity != empty.uidvalidity
        messages = fetch_all(box, "INBOX")
        assert {m.location.uidvalidity for m in messages} == {new_validity}
        assert len(messages) == 2


def test_fetch_text_returns_at_most_limit_bytes(imap_account: ImapAccount) -> None:
    body = "".join(f"line {n:05d} of a long quote\r\n" for n in range(1000)).encode()
    long_uid = imap_account.deliver("INBOX", crlf(b"Subject: long\n\n") + body)
    short_uid = imap_account.deliver("INBOX", crlf(PLAIN))
    with mailbox(imap_account) as box:
        texts = box.fetch_text("INBOX", [long_uid, short_uid], limit=100)
        assert box.fetch_text("INBOX", []) == {}
    assert texts[long_uid] == body[:100]
    assert texts[short_uid] == b"Hello, what would 40 chairs cost?\r\n"


def test_a_large_attachment_is_described_not_downloaded(
    imap_account: ImapAccount, imap_proxy: CuttingProxy
) -> None:
    payload = bytes(range(256)) * 1200  # 300 KB
    raw = with_attachment(
        'name="=?UTF-8?Q?Angebot_=E2=82=AC.pdf?="',
        "attachment; filename*0*=UTF-8''Angebot%20%E2%82; filename*1*=%AC.pdf",
        payload,
    )
    uid = imap_account.deliver("Sent", raw)
    with mailbox(imap_account, host=imap_proxy.host, port=imap_proxy.port) as box:
        box.connect()
        before = imap_proxy.bytes_from_server
        (message,) = fetch_all(box, "Sent")
        transferred = imap_proxy.bytes_from_server - before

    assert message.location.uid == uid
    assert message.size == len(raw) > 300_000
    assert transferred < 5_000
    pdf = parts_of(message)[2]
    assert pdf.content_type == "application/pdf"
    assert pdf.filename == "Angebot €.pdf"
    assert pdf.disposition == "attachment"
    assert 400_000 < pdf.size < 430_000  # base64 of 300 KB, with line breaks
    assert ("name", "Angebot €.pdf") in pdf.params


def test_attachment_name_from_content_type_when_no_disposition(imap_account: ImapAccount) -> None:
    raw = with_attachment('name="quote 17.pdf"', "inline", b"%PDF-1.4 tiny")
    imap_account.deliver("INBOX", raw)
    with mailbox(imap_account) as box:
        (message,) = fetch_all(box, "INBOX")
    assert parts_of(message)[2].filename == "quote 17.pdf"
    assert parts_of(message)[2].disposition == "inline"


# -- folders and capabilities --------------------------------------------------


def test_folders_found_by_special_use(imap_account: ImapAccount) -> None:
    with mailbox(imap_account) as box:
        assert box.folders() == {INBOX: "INBOX", SENT: "Sent", DRAFTS: "Drafts"}
        capabilities = box.capabilities()
    assert "IMAP4REV1" in capabilities and "SPECIAL-USE" in capabilities


def test_folder_override_wins_and_must_exist(imap_account: ImapAccount) -> None:
    client = imap_account.client()
    client.create_folder("Gesendet")
    client.logout()
    with mailbox(imap_account, folder_overrides={SENT: "Gesendet"}) as box:
        assert box.folders()[SENT] == "Gesendet"
        assert box.folders()[DRAFTS] == "Drafts"
    with mailbox(imap_account, folder_overrides={DRAFTS: "Entwürfe"}) as box:
        with pytest.raises(ConfigError, match="Entwürfe"):
            box.folders()


def test_missing_folder_is_a_mail_server_error(imap_account: ImapAccount) -> None:
    with mailbox(imap_account) as box:
        with pytest.raises(MailServerError, match="Nowhere"):
            fetch_all(box, "Nowhere")
        assert box.status("INBOX").messages == 0  # the connection is still good


# -- security and login ---------------------------------------------------------


def test_ssl_with_the_ca_file_succeeds(imap_account: ImapAccount) -> None:
    port = imap_account.ssl_port
    with mailbox(imap_account, security="ssl", port=port, ca_file=imap_account.ca_file) as box:
        assert box.status("INBOX").messages == 0


def test_ssl_without_the_ca_file_fails_verification(imap_account: ImapAccount) -> None:
    with mailbox(imap_account, security="ssl", port=imap_account.ssl_port) as box:
        with pytest.raises(MailServerError, match="certificate") as caught:
            box.status("INBOX")
    assert "ca_file" in str(caught.value)


def test_starttls_with_the_ca_file_succeeds(imap_account: ImapAccount) -> None:
    with mailbox(imap_account, security="starttls", ca_file=imap_account.ca_file) as box:
        assert box.folders()[INBOX] == "INBOX"


def test_starttls_without_the_ca_file_fails_verification(imap_account: ImapAccount) -> None:
    with mailbox(imap_account, security="starttls") as box:
        with pytest.raises(MailServerError, match="certificate"):
            box.status("INBOX")


def test_starttls_refused_when_the_server_does_not_offer_it(imap_account: ImapAccount) -> None:
    host = imap_account.server.no_starttls_host
    box = mailbox(imap_account, security="starttls", host=host, ca_file=imap_account.ca_file)
    with pytest.raises(MailServerError, match="STARTTLS"):
        box.status("INBOX")


def test_plain_connection_on_loopback_works(imap_account: ImapAccount) -> None:
    with mailbox(imap_account, security="none") as box:
        assert box.status("INBOX").messages == 0


def test_wrong_password_names_the_keys_and_never_the_password(
    imap_account: ImapAccount, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # imapclient logs every command at DEBUG
    wrong = "Wr0ng-pa55word"
    with mailbox(imap_account, password=wrong) as box:
        with pytest.raises(MailServerError) as caught:
            box.status("INBOX")
    message = str(caught.value)
    assert "password" in message and "username" in message
    assert wrong not in message
    assert wrong not in repr(caught.value.__cause__)
    assert wrong not in caplog.text


def test_debug_logging_never_shows_the_password(
    imap_account: ImapAccount, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with mailbox(imap_account) as box:
        box.status("INBOX")
    assert "LOGIN" in caplog.text  # the command is logged, redacted
    assert imap_account.password not in caplog.text


# -- dropped connections ----------------------------------------------------------


def test_a_cut_between_batches_is_retried_without_loss_or_repeat(
    imap_account: ImapAccount, imap_proxy: CuttingProxy
) -> None:
    uids = [imap_account.deliver("INBOX", numbered(n)) for n in range(12)]
    seen = []
    with mailbox(imap_account, host=imap_proxy.host, port=imap_proxy.port) as box:
        for batch in box.fetch_headers("INBOX", 0, batch_size=4):
            seen += [m.location.uid for m in batch]
            imap_proxy.cut()
    assert seen == uids
    assert imap_proxy.connections >= 3


def test_a_cut_in_the_middle_of_a_response_is_retried(
    imap_account: ImapAccount, imap_proxy: CuttingProxy
) -> None:
    uids = [imap_account.deliver("INBOX", numbered(n)) for n in range(30)]
    seen = []
    with mailbox(imap_account, host=imap_proxy.host, port=imap_proxy.port) as box:
        batches = box.fetch_headers("INBOX", 0, batch_size=10)
        seen += [m.location.uid for m in next(batches)]
        imap_proxy.cut_after(700)  # well inside the next FETCH response
        for batch in batches:
            seen += [m.location.uid for m in batch]
    assert seen == uids
    assert imap_proxy.cuts == 1


def test_status_survives_a_dropped_connection(
    imap_account: ImapAccount, imap_proxy: CuttingProxy
) -> None:
    with mailbox(imap_account, host=imap_proxy.host, port=imap_proxy.port) as box:
        first = box.status("INBOX")
        imap_proxy.cut()
        assert box.status("INBOX") == first
    assert imap_proxy.connections == 2


def test_retries_back_off_and_then_give_up(imap_account: ImapAccount) -> None:
    delays: list[float] = []
    port = free_port()  # nobody listens here
    patient = RetryPolicy(connect_attempts=7)
    box = ImapMailbox(settings(imap_account, port=port, retry=patient), "owner",
                      sleep=delays.append)
    with pytest.raises(MailServerError, match="7 attempt") as caught:
        box.status("INBOX")
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)
    assert "port" in str(caught.value)


# -- writing drafts ----------------------------------------------------------------


def test_append_search_and_delete(imap_account: ImapAccount) -> None:
    draft = crlf(
        b"From: owner@example.com\nTo: ann@acme.example\nSubject: Re: Your quote\n"
        b"Message-ID: <draft-1@inboxfollow.example>\nIn-Reply-To: <quote1@example.com>\n\n"
        b"Just checking in.\n"
    )
    date = datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
    with mailbox(imap_account) as box:
        uid = box.append("Drafts", draft, flags=["\\Draft"], date=date)
        assert uid is not None
        assert box.search_header("Drafts", "Message-ID", "<draft-1@inboxfollow.example>") == [uid]
        assert box.search_header("Drafts", "Message-ID", "<other@x>") == []
        (message,) = fetch_all(box, "Drafts")
        assert message.location.uid == uid
        assert "\\Draft" in message.flags
        assert message.internaldate == date
        box.delete("Drafts", [uid])
        assert box.search_header("Drafts", "Message-ID", "<draft-1@inboxfollow.example>") == []
        assert box.status("Drafts").messages == 0
        box.delete("Drafts", [])


# -- BODYSTRUCTURE conversion (pure) ---------------------------------------------


@pytest.mark.parametrize(
    "structure",
    [
        (b"text",),
        (None, None, None),
        ([(b"text", b"plain")], b"mixed"),
        ("not", "a", "structure"),
        42,
    ],
)
def test_malformed_bodystructure_gives_empty_parts(structure: object) -> None:
    assert parts_from_bodystructure(structure) == ()


def test_rfc2231_pieces_are_joined_when_the_server_does_not() -> None:
    structure = BodyData(
        (
            b"application", b"pdf", (b"NAME", b"x.pdf"), None, None, b"base64", 10, None,
            (b"ATTACHMENT", (b"filename*0*", b"utf-8''Gr%C3%BC", b"filename*1", b"sse.pdf")),
            None, None,
        )
    )  # fmt: skip
    (part,) = parts_from_bodystructure(structure)
    assert part == Part("application/pdf", "Grüsse.pdf", "attachment", 10, (("name", "x.pdf"),))


def test_append_retried_after_a_cut_does_not_duplicate(
    imap_account: ImapAccount, imap_proxy: CuttingProxy
) -> None:
    draft = crlf(b"Subject: Re: Your quote\nMessage-ID: <draft-2@inboxfollow.example>\n\nHi\n")
    with mailbox(imap_account, host=imap_proxy.host, port=imap_proxy.port) as box:
        box.connect()
        imap_proxy.cut_after(1)  # the server stores it, the client never hears OK
        uid = box.append("Drafts", draft, flags=["\\Draft"])
        assert box.search_header("Drafts", "Message-ID", "<draft-2@inboxfollow.example>") == [uid]
    assert imap_proxy.cuts == 1


def _drafts(count: int, tag: str) -> list[bytes]:
    return [crlf(f"Subject: Re: Quote {i}\nMessage-ID: <{tag}-{i}@inboxfollow.example>\n\n"
                 f"Hi {i}\n".encode()) for i in range(count)]


def test_append_many_sends_multiappend_in_order(imap_account: ImapAccount) -> None:
    drafts = _drafts(7, "many")
    date = datetime(2026, 3, 4, 8, 30, tzinfo=UTC)
    with mailbox(imap_account) as box:
        assert "MULTIAPPEND" in box.capabilities()  # Dovecot offers it: the path under test
        # commands of 3, 3 and 1
        with patch("inboxfollow.sources.imap.mailbox.MULTIAPPEND_COUNT", 3):
            uids = box.append_many("Drafts", drafts, flags=["\\Draft", "\\Seen"], date=date)
        assert len(uids) == 7 and uids == sorted(uids)
        for i, uid in enumerate(uids):
            assert box.search_header("Drafts", "Message-ID", f"<many-{i}@inboxfollow.example>") \
                == [uid]
        stored = fetch_all(box, "Drafts")
        assert [m.location.uid for m in stored] == uids
        assert all({"\\Draft", "\\Seen"} <= set(m.flags) and m.internaldate == date
                   for m in stored)
        assert box.append_many("Drafts", []) == []


def test_append_many_retried_after_a_cut_does_not_duplicate(
    imap_account: ImapAccount, imap_proxy: CuttingProxy
) -> None:
    drafts = _drafts(4, "cut")
    with mailbox(imap_account, host=imap_proxy.host, port=imap_proxy.port) as box:
        box.connect()
        box.capabilities()
        imap_proxy.cut_after(1)  # the server stores them all, the client never hears OK
        uids = box.append_many("Drafts", drafts, flags=["\\Draft"])
        assert imap_proxy.cuts == 1
        for i, uid in enumerate(uids):
            assert box.search_header("Drafts", "Message-ID", f"<cut-{i}@inboxfollow.example>") \
                == [uid]
        assert box.status("Drafts").messages == 4


def test_ssl_against_a_plain_port_fails_at_once(imap_account: ImapAccount) -> None:
    delays: list[float] = []
    box = ImapMailbox(settings(imap_account, security="ssl"), "owner", sleep=delays.append)
    with pytest.raises(MailServerError, match="security"):
        box.status("INBOX")
    assert delays == []


# -- FETCH items under any spelling of their name (pure) ----------------------------------


@pytest.mark.parametrize(("key", "asked"), [
    (b"BODY[HEADER.FIELDS (MESSAGE-ID)]", b"BODY[HEADER.FIELDS (MESSAGE-ID)]"),  # Dovecot
    (b'BODY[HEADER.FIELDS ("MESSAGE-ID")]', b"BODY[HEADER.FIELDS (MESSAGE-ID)]"),  # Courier
    (b'body[header.fields ("Message-ID" "X-Loop")]', b"BODY[HEADER.FIELDS (MESSAGE-ID X-LOOP)]"),
    (b"BODY[HEADER.FIELDS(MESSAGE-ID)]", b"BODY[HEADER.FIELDS (MESSAGE-ID)]"),
    (b"BODY[]", b"BODY[]"),
    (b"BODY[HEADER]", b"BODY[HEADER]"),
])  # fmt: skip
def test_a_fetch_item_is_found_however_the_server_spells_it(key: bytes, asked: bytes) -> None:
    assert fetch_item({b"SEQ": 1, key: b"Message-ID: <a@b>\r\n\r\n"}, asked) == (
        b"Message-ID: <a@b>\r\n\r\n")


@pytest.mark.parametrize("asked", [b"BODY[HEADER.FIELDS (DATE)]", b"BODY[TEXT]", b"FLAGS"])
def test_another_fetch_item_is_not_taken_for_the_one_asked(asked: bytes) -> None:
    data = {b'BODY[HEADER.FIELDS ("MESSAGE-ID")]': b"x", b"BODY[]": b"y"}
    assert fetch_item(data, asked) is None


# -- failing fast: interactive commands give up at once; the daemon waits ------------------


def test_retry_policies_back_off_and_bound_the_attempts() -> None:
    assert [PATIENT.delay(n) for n in range(1, 8)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert PATIENT.delay(10_000) == 8.0
    assert (INTERACTIVE.connect_attempts, INTERACTIVE.delay(1)) == (2, 0.25)
    assert INTERACTIVE.resolve_timeout < PATIENT.resolve_timeout
    assert PATIENT.connect_attempts > INTERACTIVE.connect_attempts
    for wrong in ({"connect_attempts": 0}, {"reconnects": -1}, {"resolve_timeout": 0}):
        with pytest.raises(ConfigError):
            RetryPolicy(**wrong)  # type: ignore[arg-type]


def unreachable(host: str, port: int, policy: RetryPolicy, delays: list[float],
                security: str = "none") -> ImapMailbox:
    settings = ImapSettings(host, port, security, "u", "p", timeout=5, retry=policy)
    return ImapMailbox(settings, "owner", sleep=delays.append)


def test_a_refused_connection_ends_an_interactive_command_after_two_attempts() -> None:
    delays: list[float] = []
    box = unreachable("127.0.0.1", free_port(), INTERACTIVE, delays)
    with pytest.raises(MailServerError) as caught:
        box.folders()
    assert delays == [0.25]
    text = str(caught.value)
    assert "refused the connection (2 attempt(s))" in text
    assert "check [imap] host and port" in text and "server is up" in text
    assert isinstance(caught.value.__cause__, ConnectionRefusedError)


def test_the_daemon_waits_with_backoff_for_a_server_that_is_down() -> None:
    delays: list[float] = []
    with pytest.raises(MailServerError, match="6 attempt"):
        unreachable("127.0.0.1", free_port(), PATIENT, delays).status("INBOX")
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_an_unknown_host_ends_at_once_naming_the_key() -> None:
    delays: list[float] = []
    box = unreachable("mail.nowhere.invalid", 993, INTERACTIVE, delays, security="ssl")
    with pytest.raises(MailServerError) as caught:
        box.folders()
    assert "cannot resolve the IMAP host 'mail.nowhere.invalid'" in str(caught.value)
    assert "check [imap] host" in str(caught.value)
    assert len(delays) <= 1  # a retry only where the resolver said "try again" (no DNS at all)


def test_name_resolution_is_bounded_by_its_own_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def no_answer(*args: Any, **kwargs: Any) -> Any:  # a name server that never answers
        release.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(transport.socket, "getaddrinfo", no_answer)
    try:
        with pytest.raises(transport.NameTimeout, match="within 0.05 s"):
            transport.resolve("mail.example.com", 993, 0.05)
        delays: list[float] = []
        policy = RetryPolicy(connect_attempts=2, resolve_timeout=0.05)
        box = unreachable("mail.example.com", 993, policy, delays, security="ssl")
        with pytest.raises(MailServerError) as caught:
            box.folders()
    finally:
        release.set()
    assert delays == [0.5]  # no answer may be a passing trouble: tried again, then given up
    assert "cannot resolve the IMAP host 'mail.example.com' (2 attempt(s))" in str(caught.value)
    assert "DNS" in str(caught.value)


def test_an_ip_address_is_not_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport.socket, "getaddrinfo", None)  # would fail if called
    assert transport.resolve("127.0.0.1", 143, 1.0)[0][4] == ("127.0.0.1", 143)
    assert transport.resolve("::1", 143, 1.0)[0][4][:2] == ("::1", 143)


def broken_config(account: ImapAccount, tmp_path: Path, where: str) -> Path:
    """The account's config, its store synced with one due quote, then the server taken away:
    a closed loopback port, or a host under .invalid (which never resolves)."""
    quote = message(ME, [("Ann Buyer", "ann@acme.example")], "Quote: 40 chairs",
                    datetime(2026, 3, 2, 9, tzinfo=UTC), "<q@reyes.example>", "EUR 2,400.")
    deliver_all(account, [Delivery("Sent", quote, datetime(2026, 3, 2, 9, tzinfo=UTC))])
    config = write_config(tmp_path, account)
    ok(run_cli("sync", config=config, env=cli_env(account)))
    text = config.read_text()
    if where == "closed port":
        text = text.replace(f"port = {account.port}", f"port = {free_port()}")
    else:
        text = text.replace(f'host = "{account.host}"', 'host = "mail.nowhere.invalid"')
        text = text.replace('security = "none"', 'security = "ssl"')
        text = text.replace(f"port = {account.port}", "port = 993")
    config.write_text(text)
    return config


@pytest.mark.parametrize("where", ["closed port", "unknown host"])
def test_interactive_commands_fail_fast_with_one_line_that_says_the_fix(
    imap_account: ImapAccount, tmp_path: Path, where: str
) -> None:
    config = broken_config(imap_account, tmp_path, where)
    env = cli_env(imap_account)
    for command in ("check", "sync", "drafts"):
        done = run_cli(command, config=config, env=env, now="2026-03-10T09:00:00+01:00")
        assert done.returncode == 1, (command, done.stdout, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        if command == "check":
            problem = [ln for ln in done.stdout.splitlines() if ln.startswith("problem:")]
            assert len(problem) == 1 and "check [imap] host" in problem[0], done.stdout
            assert problem[0].startswith("problem: owner: ") and "owner: owner:" not in problem[0]
            continue
        assert done.stdout == "", (command, done.stdout)
        (line,) = done.stderr.strip().splitlines()
        assert line.startswith("inboxfollow: error: owner: ") or where == "unknown host", line
        assert "check [imap] host" in line, line
        assert ("refused the connection" if where == "closed port" else
                "cannot resolve the IMAP host 'mail.nowhere.invalid'") in line, line


def test_an_interactive_command_tries_a_refused_connection_twice_only(
    imap_account: ImapAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = broken_config(imap_account, tmp_path, "closed port")
    monkeypatch.setenv("INBOXFOLLOW_TEST_PASSWORD", imap_account.password)
    tries: list[object] = []
    real = transport.connect_socket

    def counted(addresses: Any, timeout: float | None) -> socket.socket:
        tries.append(addresses)
        return real(addresses, timeout)

    monkeypatch.setattr(transport, "connect_socket", counted)
    for command in ("sync", "drafts"):
        tries.clear()
        assert main(["--config", str(config), "--now", "2026-03-10T09:00:00+01:00",
                     command]) == 1
        assert len(tries) == 2, command
        assert "refused the connection (2 attempt(s))" in capsys.readouterr().err


def test_the_daemon_and_the_commands_open_mailboxes_with_their_own_patience(
    imap_account: ImapAccount, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INBOXFOLLOW_TEST_PASSWORD", imap_account.password)
    config = load_config(write_config(tmp_path, imap_account))
    (interactive,) = open_mailboxes(config)
    (patient,) = open_mailboxes(config, retry=PATIENT)
    assert isinstance(interactive, ImapMailbox) and isinstance(patient, ImapMailbox)
    assert (interactive.settings.retry, patient.settings.retry) == (INTERACTIVE, PATIENT)


# -- the capture mailbox: its own folder settings, never asked for Sent or Drafts ----------


def test_the_capture_mailbox_reads_by_its_own_folder_settings(
    imap_account: ImapAccount, dovecot: DovecotServer, tmp_path: Path
) -> None:
    imap_account.create_folders("Archiv")
    capture = new_account(dovecot, "capture", sent_and_drafts=False)
    capture.create_folders("Archiv", "Werbung")
    config = write_config(tmp_path, imap_account, capture=capture)
    text = config.read_text().replace("[imap]\n", '[imap]\nfolders_exclude = ["Archiv"]\n')
    config.write_text(text.replace("[store]\n", "folders_include = ['Archiv']\n\n[store]\n"))
    env = cli_env(imap_account, capture)
    lines = ok(run_cli("check", config=config, env=env)).strip().splitlines()
    assert "ok: owner: sync reads 2 folder(s): 'INBOX', 'Sent'" in lines
    assert "ok: capture: sync reads 2 folder(s): 'INBOX', 'Archiv'" in lines
    assert [ln for ln in lines if ln.startswith("ok: capture:")] == [
        "ok: capture: reachable, login works",
        "ok: capture: sync reads 2 folder(s): 'INBOX', 'Archiv'",
        next(ln for ln in lines if ln.startswith("ok: capture: server capabilities")),
    ]  # no Sent, no Drafts asked for
    assert lines[-1] == "all checks passed"
    line = ok(run_cli("sync", config=config, env=env))
    assert "4 folder(s)" in line, line

