"""Reaching an IMAP server: how patiently, name resolution within a time bound, the socket.

`RetryPolicy` says how often a connection is tried and how long to wait between
tries: an interactive command gives up after two quick tries (`INTERACTIVE`), the
daemon keeps trying with backoff (`PATIENT`). `resolve` bounds name resolution by
its own timeout (the C resolver alone may take half a minute when no name server
answers), and `connect_client` connects an `IMAPClient` to the addresses found,
keeping the host name for TLS (SNI and the certificate check).
"""

from __future__ import annotations

import imaplib
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any

from imapclient import IMAPClient

from inboxfollow.errors import ConfigError

# (family, type, proto, canonname, sockaddr), as socket.getaddrinfo gives them
Address = tuple[Any, ...]


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, a connection is tried. Plain values."""

    connect_attempts: int = 6  # tries to open a connection: refused, unreachable, no DNS answer
    reconnects: int = 5  # retries of one operation after its connection dropped
    first_delay: float = 0.5  # seconds before the first retry, doubled for each next one ...
    max_delay: float = 8.0  # ... up to this
    resolve_timeout: float = 10.0  # seconds one name resolution may take

    def __post_init__(self) -> None:
        if self.connect_attempts < 1 or self.reconnects < 0:
            raise ConfigError("a retry policy needs connect_attempts >= 1 and reconnects >= 0")
        if self.first_delay < 0 or self.max_delay < 0 or self.resolve_timeout <= 0:
            raise ConfigError("a retry policy's delays must be >= 0 and resolve_timeout > 0")

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...): capped exponential backoff."""
        return min(self.first_delay * 2.0 ** min(max(retry - 1, 0), 32), self.max_delay)


# The daemon's jobs: a server that restarts or a network that comes back is waited for
# (about 15 s of backoff; the daemon itself runs a failed job again later).
PATIENT = RetryPolicy()
# A command someone waits for: a refused connection or an unknown host ends it at once
# (one quick retry for a server that is just restarting), with the error and its fix;
# a name server that does not answer, within 2 s (0.75 + 0.25 + 0.75).
INTERACTIVE = RetryPolicy(
    connect_attempts=2, reconnects=3, first_delay=0.25, max_delay=1.0, resolve_timeout=0.75
)


class NameTimeout(OSError):
    """The name server did not answer in time."""


def resolve(host: str, port: int, timeout: float) -> list[Address]:
    """The addresses of `host`, in the resolver's order, within `timeout` seconds.

    Raises socket.gaierror when the name has no address, NameTimeout when no answer
    came in time (the lookup goes on in a daemon thread that nobody waits for)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        sockaddr = (host, port, 0, 0) if ip.version == 6 else (host, port)
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]
    found: list[list[Address]] = []
    failed: list[OSError] = []

    def lookup() -> None:
        try:
            found.append(list(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
        except OSError as err:
            failed.append(err)

    worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if failed:
        raise failed[0]
    if not found:
        raise NameTimeout(f"no answer from the name server for {host!r} within {timeout:g} s")
    return found[0]


def connect_socket(addresses: list[Address], timeout: float | None) -> socket.socket:
    """A TCP connection to the first of `addresses` that accepts one."""
    error: OSError = OSError("the host has no address")
    for family, kind, proto, _, sockaddr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as err:
            error = err
            sock.close()
    raise error


class _Plain(imaplib.IMAP4):
    """imaplib's IMAP4 on a connection to addresses resolved beforehand."""

    def __init__(self, addresses: list[Address], host: str, port: int,
                 timeout: float | None) -> None:
        self._addresses = addresses
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return connect_socket(self._addresses, timeout)


class _Tls(_Plain):
    """Implicit TLS (port 993), the certificate checked against the host name."""

    def __init__(self, addresses: list[Address], host: str, port: int, timeout: float | None,
                 context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__(addresses, host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        return self._context.wrap_socket(super()._create_socket(timeout),
                                         server_hostname=self.host)


class _ResolvedClient(IMAPClient):  # type: ignore[misc]
    """IMAPClient whose one transport factory connects to the resolved addresses."""

    def __init__(self, addresses: list[Address], host: str, port: int, *, tls: bool,
                 context: ssl.SSLContext | None, timeout: float) -> None:
        self._addresses = addresses
        super().__init__(host, port, ssl=tls, ssl_context=context, timeout=timeout)

    def _create_IMAP4(self) -> imaplib.IMAP4:  # noqa: N802 (imapclient's name)
        timeout = getattr(self._timeout, "connect", None)
        if self.ssl:
            context = self.ssl_context or ssl.create_default_context()
            return _Tls(self._addresses, self.host, self.port, timeout, context)
        return _Plain(self._addresses, self.host, self.port, timeout)


def connect_client(host: str, port: int, policy: RetryPolicy, *, tls: bool,
                   context: ssl.SSLContext | None, timeout: float) -> IMAPClient:
    """An IMAPClient connected to `host`, with implicit TLS when `tls`; name resolution
    bounded by the policy's resolve_timeout."""
    addresses = resolve(host, port, policy.resolve_timeout)
    return _ResolvedClient(addresses, host, port, tls=tls, context=context, timeout=timeout)
