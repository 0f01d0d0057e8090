"""One IMAP login: settings, TLS with certificate checks, login, and retries after a drop.

`ImapConnection` connects lazily and runs each operation on a live connection.
How patiently is the settings' `RetryPolicy` (transport.py): a connection that
cannot be opened is tried `connect_attempts` times; a dropped or timed-out one is
reopened and the operation retried up to `reconnects` times, with capped
exponential backoff. Errors leave it as `MailServerError` or `ConfigError`.
"""

from __future__ import annotations

import imaplib
import logging
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from inboxfollow.config_schema import is_loopback
from inboxfollow.credentials import redact
from inboxfollow.errors import ConfigError, InboxfollowError, MailServerError
from inboxfollow.sources.imap.fetch import text
from inboxfollow.sources.imap.folders import ROLES
from inboxfollow.sources.imap.transport import (
    PATIENT,
    NameTimeout,
    RetryPolicy,
    connect_client,
)

LOG = logging.getLogger(__name__)

T = TypeVar("T")

SECURITY_MODES = ("ssl", "starttls", "none")
# TLS errors that mean the connection dropped, not that TLS cannot work.
SSL_DROPS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


@dataclass(frozen=True)
class ImapSettings:
    """How to reach and log in to one IMAP account. Plain values, checked on creation."""

    host: str
    port: int = 993  # 0: 993 for ssl, 143 otherwise
    security: str = "ssl"  # "ssl" (implicit TLS), "starttls", or "none" (loopback only)
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    folder_overrides: Mapping[str, str] = field(default_factory=dict)  # role -> folder name
    retry: RetryPolicy = PATIENT  # interactive commands pass transport.INTERACTIVE
    ca_file: str | None = None
    # auth = "oauth2": prints a fresh access token; called anew for every login
    token_source: Callable[[], str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ConfigError(
                f"unknown IMAP security {self.security!r}",
                "set security to one of: " + ", ".join(SECURITY_MODES),
            )
        if self.security == "none" and not is_loopback(self.host):
            raise ConfigError(
                f"security = none would send the password to {self.host} unencrypted",
                "use security = ssl (port 993) or starttls (port 143); "
                "none is only allowed for a server on this machine",
            )
        unknown = sorted(set(self.folder_overrides) - set(ROLES))
        if unknown:
            raise ConfigError(
                f"unknown folder role(s) in folder overrides: {', '.join(unknown)}",
                "folder overrides may name: " + ", ".join(ROLES),
            )
        if self.timeout <= 0:
            raise ConfigError("IMAP timeout must be > 0", "check [imap] timeout")


class ImapConnection:
    """The connection of one `ImapMailbox`. Creating one never touches the network."""

    def __init__(
        self, settings: ImapSettings, name: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings
        self.name = name  # the mailbox's label, for messages: "owner" or "capture"
        self._sleep = sleep
        self._client: IMAPClient | None = None
        # run first by every operation on a connection: reads the answer still owed to
        # a command sent ahead (the mailbox's next header FETCH) before another is sent
        self.before: Callable[[IMAPClient], None] | None = None
        self._selected: tuple[str, bool] | None = None  # (folder, readonly)
        self.uidvalidity = 0  # of the selected folder
        self._tokens: list[str] = []  # the latest access tokens, only to redact them

    def select(self, client: IMAPClient, folder: str, readonly: bool) -> None:
        if self._selected == (folder, readonly):
            return
        info = client.select_folder(folder, readonly=readonly)
        self.uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        self._selected = (folder, readonly)

    def forget_selection(self) -> None:
        """The next `select` selects again (and so reads UIDVALIDITY as of now)."""
        self._selected = None

    def ready_to_append(self, client: IMAPClient, folder: str) -> None:
        """Leave `folder` if it is selected read-only: Courier refuses an APPEND into the
        folder selected with EXAMINE ("Current box is selected READ-ONLY")."""
        if self._selected == (folder, True):
            self.leave(client, folder)

    def leave(self, client: IMAPClient, folder: str) -> None:
        """Leave `folder` if it is selected. A server answers STATUS on the selected folder
        from the session's own view (RFC 3501 6.3.10 advises against it): Dovecot then
        misses mail delivered since, so a poll on a long-lived connection would not see a
        reply until the next reconnect. Nothing is expunged on the way out."""
        if self._selected is None or self._selected[0] != folder:
            return
        if client.has_capability("UNSELECT"):
            client.unselect_folder()
        else:
            if not self._selected[1]:
                client.select_folder(folder, readonly=True)
            client.close_folder()  # after EXAMINE, CLOSE removes nothing (RFC 3501 6.4.2)
        self._selected = None

    def close(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is None:
            return
        try:
            client.logout()
        except Exception as err:  # the connection may be gone already
            LOG.debug("%s: logout failed quietly: %s", self.name, err)
            shutdown(client)

    def run(self, what: str, operation: Callable[[IMAPClient], T]) -> T:
        """Run `operation` on a live connection; reconnect and retry after a drop."""
        policy = self.settings.retry
        retry = 0
        while True:
            try:
                client = self._connection()
                if self.before is not None:
                    self.before(client)
                return operation(client)
            except InboxfollowError:
                raise
            except Exception as err:
                if not is_transient(err):
                    raise self._translate(what, err) from err
                self._drop()
                retry += 1
                if retry > policy.reconnects:
                    raise self._unreachable(what, err, retry) from err
                delay = policy.delay(retry)
                LOG.warning(
                    "%s: %s failed (%s); reconnecting in %.1fs (retry %d of %d)",
                    self.name, what, self.redact(text(err)), delay, retry, policy.reconnects,
                )  # fmt: skip
                self._sleep(delay)

    def _connection(self) -> IMAPClient:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self) -> IMAPClient:
        """A new connection, tried `connect_attempts` times while the failure may pass."""
        policy = self.settings.retry
        attempt = 1
        while True:
            try:
                return self._open()
            except InboxfollowError:
                raise
            except Exception as err:
                if not is_transient(err):
                    raise
                if attempt >= policy.connect_attempts:
                    raise self._unreachable("connect", err, attempt) from err
                LOG.info("%s: cannot connect to %s (%s); trying again in %.2fs (%d of %d)",
                         self.name, self.settings.host, self.redact(text(err)),
                         policy.delay(attempt), attempt + 1, policy.connect_attempts)
                self._sleep(policy.delay(attempt))
                attempt += 1

    def _open(self) -> IMAPClient:
        s = self.settings
        context = self._ssl_context() if s.security != "none" else None
        LOG.debug("%s: connecting to %s:%s (%s)", self.name, s.host, s.port, s.security)
        port = s.port or (993 if s.security == "ssl" else 143)  # 0: the usual port
        client = connect_client(s.host, port, s.retry, tls=s.security == "ssl",
                                context=context, timeout=s.timeout)
        client.normalise_times = False
        if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
            # imapclient sets imaplib's debug level to 5 so that its logger can show the
            # protocol; imaplib then formats a message (with the repr of the data) for
            # every line, about a tenth of a large FETCH. Only when nobody would see it.
            client._imap.debug = 0
        try:
            if preauthenticated(client):
                self._preauth(client)
            else:
                if s.security == "starttls":
                    self._starttls(client, context)
                self._login(client)
        except BaseException:
            shutdown(client)
            raise
        return client

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.settings.ca_file:
            try:
                context.load_verify_locations(cafile=self.settings.ca_file)
            except (OSError, ssl.SSLError) as err:
                raise ConfigError(
                    f"cannot load CA certificates from {self.settings.ca_file}: {err}",
                    "check [imap] ca_file",
                ) from err
        return context

    def _starttls(self, client: IMAPClient, context: ssl.SSLContext | None) -> None:
        if not client.has_capability("STARTTLS"):
            raise MailServerError(
                f"{self.settings.host}:{self.settings.port} does not offer STARTTLS; "
                "refusing to log in without encryption",
                "check [imap] security and port (security = ssl with port 993 is the usual choice)",
            )
        client.starttls(context)

    def _preauth(self, client: IMAPClient) -> None:
        """The server greeted PREAUTH (an IMAP server run over a pipe or tunnel, such as
        Courier's imapd): logged in already, no LOGIN. STARTTLS is no longer possible."""
        if self.settings.security == "starttls":
            raise MailServerError(
                f"{self.settings.host}:{self.settings.port} greeted PREAUTH, so STARTTLS "
                "cannot be started; refusing an unencrypted session",
                "check [imap] security and port (security = ssl with port 993 is the usual "
                "choice)",
            )
        LOG.debug("%s: the server greeted PREAUTH: logged in already", self.name)

    def _login(self, client: IMAPClient) -> None:
        s = self.settings
        if s.token_source is not None:
            self._oauth_login(client, s.token_source)
            return
        try:
            if s.password.isascii():
                client.login(s.username, s.password)
            else:  # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8
                client.plain_login(s.username, s.password)
        except LoginError as err:
            dropped = err.__context__
            if isinstance(dropped, (imaplib.IMAP4.abort, OSError)):
                raise dropped from err  # the connection broke mid-LOGIN: retried, not refused
            raise MailServerError(
                f"{s.host} refused the login of {s.username!r}: {self.redact(text(err))}",
                f"check [{self._section}] username and password_env / password_cmd "
                "in the config file",
            ) from err
        LOG.debug("%s: logged in to %s as %s", self.name, s.host, s.username)

    def _oauth_login(self, client: IMAPClient, fetch: Callable[[], str]) -> None:
        """OAUTHBEARER (RFC 7628) where offered, else XOAUTH2; after a refusal the token
        is fetched once more (it may have expired in between) before giving up."""
        s = self.settings
        mechanism = "OAUTHBEARER" if client.has_capability("AUTH=OAUTHBEARER") else "XOAUTH2"
        if mechanism == "XOAUTH2" and not client.has_capability("AUTH=XOAUTH2"):
            raise MailServerError(
                f"{s.host} offers neither OAUTHBEARER nor XOAUTH2 to log in with a token",
                f'check [{self._section}].host, or use auth = "password" for this server',
            )
        for attempt in (1, 2):
            token = fetch()
            self._tokens = [token, *self._tokens][:2]
            try:
                if mechanism == "OAUTHBEARER":
                    client.oauthbearer_login(s.username, token)
                else:
                    client.oauth2_login(s.username, token)
            except LoginError as err:
                dropped = err.__context__
                if isinstance(dropped, (imaplib.IMAP4.abort, OSError)):
                    raise dropped from err  # the connection broke mid-login: retried
                if attempt == 2:
                    raise self._token_refused(mechanism, err) from err
                LOG.info("%s: %s refused the access token; fetching a fresh one",
                         self.name, s.host)
                continue
            LOG.debug("%s: logged in to %s as %s (%s)", self.name, s.host, s.username,
                      mechanism)
            return

    def _token_refused(self, mechanism: str, err: LoginError) -> MailServerError:
        s, section = self.settings, self._section
        return MailServerError(
            f"{s.host} refused the OAuth2 access token for {s.username!r} ({mechanism}), "
            f"twice: {self.redact(text(err))}",
            f"the token has expired, was revoked or is another account's: check "
            f"[{section}].token_cmd (run it by hand) or run `inboxfollow auth login "
            f"--section {section}` (logged in as [{section}].username)",
        )

    def _drop(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is not None:
            shutdown(client)

    def _translate(self, what: str, err: BaseException) -> MailServerError:
        s = self.settings
        if isinstance(err, ssl.SSLCertVerificationError):
            return MailServerError(
                f"the TLS certificate of {s.host} could not be verified: {err.verify_message}",
                "check [imap] host, or set [imap] ca_file to the CA "
                "certificate that signed the server's certificate",
            )
        if isinstance(err, ssl.SSLError):
            return MailServerError(
                f"TLS with {s.host}:{s.port} failed: {err}",
                "check [imap] port and security (ssl usually means port 993, starttls port 143)",
            )
        if isinstance(err, socket.gaierror):
            return MailServerError(
                f"cannot resolve the IMAP host {s.host!r}: {err}",
                "check [imap] host",
            )
        return MailServerError(
            f"{self.name}: {what} failed on {s.host}: {self.redact(text(err))}",
            "check the folder name ([imap] sent_folder, drafts_folder) and the [imap] settings",
        )

    def _unreachable(self, what: str, err: BaseException, attempts: int) -> MailServerError:
        s = self.settings
        tries = f"{attempts} attempt(s)"
        if isinstance(err, NameTimeout | socket.gaierror):
            return MailServerError(
                f"{self.name}: cannot resolve the IMAP host {s.host!r} ({tries}): {err}",
                "check [imap] host, and that this machine is online and its DNS works",
            )
        if isinstance(err, ConnectionRefusedError):
            return MailServerError(
                f"{self.name}: {s.host}:{s.port} refused the connection ({tries})",
                "check [imap] host and port (993 for security = ssl, 143 for starttls), "
                "and that the server is up",
            )
        return MailServerError(
            f"{self.name}: {what} on {s.host}:{s.port} failed after {tries}: "
            f"{self.redact(text(err))}",
            "check [imap] host, port and security, and that the server is up",
        )

    @property
    def _section(self) -> str:
        """The config section holding this mailbox's login."""
        return "capture" if self.name == "capture" else "imap"

    def redact(self, text: str) -> str:
        """`text` without the password or an access token, raw or as SASL sent them."""
        return redact(text, [self.settings.password, *self._tokens], self.settings.username)


def preauthenticated(client: IMAPClient) -> bool:
    """The server's greeting was PREAUTH (RFC 3501 7.1.4): no login needed, or possible."""
    welcome = client.welcome if isinstance(client.welcome, bytes) else b""
    return welcome.upper().startswith(b"* PREAUTH")


def is_transient(err: BaseException) -> bool:
    """Worth a reconnect: a dropped or timed-out connection, or a name server that did not
    answer; not an unknown host, a refusal of the login or a bad certificate."""
    if isinstance(err, socket.gaierror):
        return err.errno == socket.EAI_AGAIN  # "temporary failure in name resolution"
    if isinstance(err, ssl.SSLCertVerificationError):
        return False
    if isinstance(err, ssl.SSLError) and not isinstance(err, SSL_DROPS):
        return False  # a TLS handshake that cannot work: wrong port or security
    return isinstance(err, imaplib.IMAP4.abort | OSError | EOFError)


def shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception as err:
        LOG.debug("connection shutdown: %s", err)
