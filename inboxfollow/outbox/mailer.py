"""Deliver a finished message to the owner: over SMTP, or by APPEND into their INBOX.

`SmtpMailer` checks the server's certificate, refuses to fall back to plain
text when STARTTLS is missing, and allows no encryption only on loopback.
`ImapAppendMailer` puts the message into a mailbox folder, unread, through any
object with the `Mailbox.append` method (an `ImapMailbox` or a `MaildirMailbox`).
Every library error becomes a `MailServerError` that never holds the password or a
token. With a `token_source` (auth = "oauth2") it logs in with OAUTHBEARER or XOAUTH2.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, overload

from inboxfollow.config_schema import is_loopback
from inboxfollow.credentials import redact, sasl_oauth
from inboxfollow.errors import ConfigError, InboxfollowError, MailServerError

LOG = logging.getLogger(__name__)

SMTP_SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class Mailer(Protocol):
    """Whatever delivers a finished message."""

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None: ...


class Appender(Protocol):
    def append(
        self, folder: str, raw: bytes, flags: Sequence[str] = (), date: datetime | None = None
    ) -> int | None: ...


class SmtpMailer:
    """Send through an SMTP server. Creating one never touches the network."""

    def __init__(
        self,
        host: str,
        port: int = 0,
        security: str = "starttls",
        username: str = "",
        password: str = "",
        timeout: float = 30.0,
        ca_file: str = "",
        token_source: Callable[[], str] | None = None,  # auth = "oauth2": anew per login
    ) -> None:
        if security not in SMTP_SECURITY:
            raise ConfigError(f"[smtp].security is {security!r}", "use starttls, ssl or none")
        if security == "none" and not is_loopback(host):
            raise ConfigError(
                f'[smtp].security = "none" is refused for {host}: mail would cross the '
                "network in clear",
                'use "starttls" (port 587) or "ssl" (port 465)',
            )
        self.host = host
        self.port = port or DEFAULT_PORTS[security]
        self.security = security
        self.username = username
        self._password = password
        self.timeout = timeout
        self.ca_file = ca_file
        self._token_source = token_source
        self._tokens: list[str] = []  # the latest access tokens, only to redact them

    def __repr__(self) -> str:
        return f"SmtpMailer({self.host!r}, {self.port}, {self.security!r}, {self.username!r})"

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        where = f"{self.host}:{self.port} ({self.security})"
        try:
            with self._connect() as smtp:
                self._secure(smtp)
                self._login(smtp)
                refused = smtp.sendmail(sender, recipients, raw)
        except InboxfollowError:
            raise
        except (smtplib.SMTPException, OSError) as err:
            raise self._translate(where, err) from err
        if refused:
            raise MailServerError(
                f"{where} refused recipient(s) {', '.join(sorted(refused))}", "check [digest].to"
            )
        LOG.info("sent %d bytes to %s via %s", len(raw), ", ".join(recipients), where)

    # -- steps ---------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            try:
                context.load_verify_locations(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as err:
                raise ConfigError(
                    f"cannot load CA certificates from {self.ca_file}: {err}",
                    "check [smtp].ca_file",
                ) from err
        return context

    def _connect(self) -> smtplib.SMTP:
        LOG.debug("connecting to %s:%s (%s)", self.host, self.port, self.security)
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _secure(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.security != "starttls":
            return
        if not smtp.has_extn("starttls"):
            raise MailServerError(
                f"{self.host}:{self.port} does not offer STARTTLS; refusing to send without "
                "encryption",
                "check [smtp].port and security (starttls on 587, or ssl on 465)",
            )
        smtp.starttls(context=self._context())
        smtp.ehlo()

    def _login(self, smtp: smtplib.SMTP) -> None:
        if not self.username:
            return
        if self._token_source is not None:
            self._oauth_login(smtp, self._token_source)
            return
        if self._password.isascii():
            smtp.login(self.username, self._password)
            return
        # smtplib encodes AUTH as ASCII; AUTH PLAIN carries UTF-8 (RFC 4616)
        token = f"\0{self.username}\0{self._password}".encode()
        code, _ = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(token).decode("ascii"))
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, b"authentication failed")

    def _oauth_login(self, smtp: smtplib.SMTP, fetch: Callable[[], str]) -> None:
        """OAUTHBEARER (RFC 7628) where offered, else XOAUTH2; after a refusal the token
        is fetched once more before giving up."""
        offered = smtp.esmtp_features.get("auth", "").upper().split()
        mechanism = "OAUTHBEARER" if "OAUTHBEARER" in offered else "XOAUTH2"
        for attempt in (1, 2):
            token = fetch()
            self._tokens = [token, *self._tokens][:2]
            try:
                smtp.auth(mechanism, _Responder(sasl_oauth(mechanism, self.username, token)))
                return
            except smtplib.SMTPAuthenticationError:
                if attempt == 2:
                    raise
                LOG.info("%s refused the access token; fetching a fresh one", self.host)

    # -- errors --------------------------------------------------------------

    def _translate(self, where: str, err: BaseException) -> MailServerError:
        if isinstance(err, ssl.SSLCertVerificationError):
            return MailServerError(
                f"the TLS certificate of {self.host} could not be verified: {err.verify_message}",
                "check [smtp].host, or set [smtp].ca_file to the CA certificate that signed "
                "the server's certificate",
            )
        if isinstance(err, ssl.SSLError):
            return MailServerError(
                f"TLS with {where} failed: {self._redact(str(err))}",
                "check [smtp].port and security (starttls on 587, ssl on 465)",
            )
        if isinstance(err, smtplib.SMTPAuthenticationError) and self._token_source:
            return MailServerError(
                f"{where} refused the OAuth2 access token for {self.username!r}, twice: "
                f"{self._reply(err)}",
                "the token has expired, was revoked or is another account's: check "
                "[smtp].token_cmd (run it by hand) or run `inboxfollow auth login --section "
                "smtp` (logged in as [smtp].username)",
            )
        if isinstance(err, smtplib.SMTPAuthenticationError):
            return MailServerError(
                f"{where} refused the login of {self.username!r}: {self._reply(err)}",
                "check [smtp].username and password_env / password_cmd",
            )
        if isinstance(err, smtplib.SMTPResponseException):
            return MailServerError(f"{where} answered {self._reply(err)}", "check [smtp]")
        if isinstance(err, socket.gaierror):
            return MailServerError(f"cannot resolve the SMTP host {self.host!r}",
                                   "check [smtp].host")
        return MailServerError(
            f"sending via {where} failed: {type(err).__name__}: {self._redact(str(err))}",
            "check [smtp].host, port and security, and that the server is up",
        )

    def _reply(self, err: smtplib.SMTPResponseException) -> str:
        text = err.smtp_error
        message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return self._redact(f"{err.smtp_code} {message}")

    def _redact(self, text: str) -> str:
        return redact(text, [self._password, *self._tokens], self.username)


class _Responder:
    """The SASL client: the response first (or to an empty challenge), then an empty
    line to the server's error challenge (RFC 7628 3.2.3; XOAUTH2 does the same)."""

    def __init__(self, response: str) -> None:
        self._response = response

    @overload
    def __call__(self, challenge: None = None, /) -> str | None: ...
    @overload
    def __call__(self, challenge: bytes, /) -> str: ...
    def __call__(self, challenge: bytes | None = None, /) -> str | None:
        return "" if challenge else self._response


class ImapAppendMailer:
    """'Deliver' by APPEND into a folder of the owner's mailbox, unread.

    Works with any object that has `append(folder, raw, flags, date)`, so a
    Maildir source takes the digest into its INBOX too.
    """

    def __init__(self, mailbox: Appender, folder: str = "INBOX") -> None:
        self.mailbox = mailbox
        self.folder = folder

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        self.mailbox.append(self.folder, raw, (), None)
        LOG.info("appended %d bytes to %s", len(raw), self.folder)
