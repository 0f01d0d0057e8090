"""Delivery of the digest against the real thing: aiosmtpd on loopback, Dovecot by APPEND."""

from __future__ import annotations

import email
import email.policy
import imaplib
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inboxfollow.errors import ConfigError, MailServerError
from inboxfollow.outbox.digest import build_digest_message
from inboxfollow.outbox.mailer import ImapAppendMailer, SmtpMailer
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from tests.dovecot import ImapAccount
from tests.smtpserver import SmtpServer

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
OWNER = "owner@example.com"
USERS = {"owner@example.com": "smtp-secret-Ωmega"}


def digest_bytes(subject: str = "Follow-up digest") -> bytes:
    return build_digest_message("Dana Reyes", OWNER, OWNER, subject, "text part\n",
                                "<p>html part</p>\n", NOW)


@pytest.fixture
def smtp_starttls(cert_dir: Path) -> Iterator[SmtpServer]:
    with SmtpServer.start("starttls", cert_dir, USERS) as server:
        yield server


@pytest.fixture
def smtp_ssl(cert_dir: Path) -> Iterator[SmtpServer]:
    with SmtpServer.start("ssl", cert_dir, USERS) as server:
        yield server


@pytest.fixture
def smtp_plain(cert_dir: Path) -> Iterator[SmtpServer]:
    with SmtpServer.start("plain", cert_dir) as server:
        yield server


def mailer(server: SmtpServer, security: str, **kw: str) -> SmtpMailer:
    values = {"username": OWNER, "password": USERS[OWNER], "ca_file": server.ca_file} | kw
    return SmtpMailer(server.host, server.port, security, timeout=10, **values)


def test_starttls_with_a_checked_certificate_delivers_both_parts(
    smtp_starttls: SmtpServer,
) -> None:
    mailer(smtp_starttls, "starttls").send(digest_bytes(), OWNER, [OWNER])
    [got] = smtp_starttls.received
    assert got.tls and got.login == OWNER
    assert got.mail_from == OWNER and got.rcpt_tos == [OWNER]
    message = email.message_from_bytes(got.content, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]  # type: ignore[attr-defined]
    assert kinds == ["text/plain", "text/html"]
    assert message["Auto-Submitted"] == "auto-generated"


def test_starttls_missing_fails_rather_than_falls_back(smtp_plain: SmtpServer) -> None:
    with pytest.raises(MailServerError, match="does not offer STARTTLS") as caught:
        mailer(smtp_plain, "starttls").send(digest_bytes(), OWNER, [OWNER])
    assert smtp_plain.received == []
    assert USERS[OWNER] not in str(caught.value)


def test_implicit_tls_delivers(smtp_ssl: SmtpServer) -> None:
    mailer(smtp_ssl, "ssl").send(digest_bytes(), OWNER, [OWNER])
    [got] = smtp_ssl.received
    assert got.tls and got.login == OWNER


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_an_untrusted_certificate_fails(
    security: str, smtp_starttls: SmtpServer, smtp_ssl: SmtpServer
) -> None:
    server = smtp_starttls if security == "starttls" else smtp_ssl
    with pytest.raises(MailServerError, match="certificate of 127.0.0.1 could not be verified"):
        mailer(server, security, ca_file="").send(digest_bytes(), OWNER, [OWNER])
    assert server.received == []


def test_a_certificate_for_another_host_fails(tmp_path: Path) -> None:
    """The chain is trusted, but the certificate names another host: check_hostname holds."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem"),
         "-subj", "/CN=other.example", "-addext", "subjectAltName=DNS:other.example"],
        check=True, capture_output=True,
    )  # fmt: skip
    with SmtpServer.start("ssl", tmp_path) as server:
        with pytest.raises(MailServerError, match="could not be verified"):
            mailer(server, "ssl").send(digest_bytes(), OWNER, [OWNER])
        assert server.received == []


def test_a_wrong_password_is_refused_without_showing_it(smtp_starttls: SmtpServer) -> None:
    with pytest.raises(MailServerError, match="refused the login") as caught:
        mailer(smtp_starttls, "starttls", password="wrong-password-123").send(
            digest_bytes(), OWNER, [OWNER])
    assert "wrong-password-123" not in str(caught.value)
    assert smtp_starttls.received == []


def test_no_login_when_no_username(smtp_plain: SmtpServer) -> None:
    SmtpMailer(smtp_plain.host, smtp_plain.port, "none", timeout=10).send(
        digest_bytes(), OWNER, [OWNER])
    [got] = smtp_plain.received
    assert not got.tls and got.login is None


def test_no_encryption_is_refused_off_loopback() -> None:
    with pytest.raises(ConfigError, match="refused for smtp.example.com"):
        SmtpMailer("smtp.example.com", 25, "none")


def test_a_closed_port_is_a_mail_server_error() -> None:
    from tests.dovecot import free_port

    with pytest.raises(MailServerError, match="sending via 127.0.0.1"):
        SmtpMailer("127.0.0.1", free_port(), "none", timeout=5).send(digest_bytes(), OWNER, [OWNER])


def test_the_password_is_not_in_repr() -> None:
    assert "hunter2" not in repr(SmtpMailer("127.0.0.1", 25, "none", "me", "hunter2"))


# ---- IMAP APPEND into the owner's INBOX ------------------------------------------


def test_imap_append_puts_the_digest_unread_into_inbox(imap_account: ImapAccount) -> None:
    settings = ImapSettings(host=imap_account.host, port=imap_account.port, security="starttls",
                            username=imap_account.username, password=imap_account.password,
                            timeout=10, ca_file=imap_account.ca_file)
    raw = digest_bytes("Follow-up digest <b>{{ 7*7 }}</b>")
    with ImapMailbox(settings) as mailbox:
        ImapAppendMailer(mailbox).send(raw, OWNER, [OWNER])

    client = imaplib.IMAP4(imap_account.host, imap_account.port, timeout=10)
    try:
        client.login(imap_account.username, imap_account.password)
        client.select("INBOX", readonly=True)
        _, unseen = client.search(None, "UNSEEN")
        assert unseen[0].split() == [b"1"]
        _, data = client.fetch("1", "(BODY.PEEK[])")
    finally:
        client.logout()
    fetched = data[0][1]  # type: ignore[index]
    assert isinstance(fetched, bytes)
    message = email.message_from_bytes(fetched, policy=email.policy.default)
    assert message["Subject"] == "Follow-up digest <b>{{ 7*7 }}</b>"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(preferencelist=("html",))
    assert html is not None and "html part" in html.get_content()  # type: ignore[attr-defined]
