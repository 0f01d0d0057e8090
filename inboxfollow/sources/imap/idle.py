"""Waiting for new mail in one folder with IMAP IDLE (RFC 2177), on a connection of its own.

`IdleWatch.run` selects the folder read-only (EXAMINE), enters IDLE and calls
`changed` whenever the server reports EXISTS, RECENT or EXPUNGE. It never reads
or writes anything else: whoever `changed` wakes does the sync.

- IDLE is renewed (DONE, then IDLE again) at least every `renew` seconds (29
  minutes: RFC 2177 lets a server drop a client idle for 30), and sooner when the
  server has been silent for `quiet` seconds: ending IDLE needs an answer within
  the socket timeout, so a connection that went silent is found out.
- The socket has TCP keepalive, so a peer that vanished is noticed by the kernel.
- A dropped connection is reopened by `ImapConnection` with its retry policy's
  backoff; when even that fails, the watch waits (doubling up to `MAX_PAUSE`) and
  starts over. At the first EXAMINE and after every reconnect `changed` is called
  once, for whatever arrived while nobody was listening.
- A server without IDLE: `run` returns False at once (the folder is polled).
"""

from __future__ import annotations

import logging
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from imapclient import IMAPClient

from inboxfollow.errors import InboxfollowError
from inboxfollow.sources.imap.connection import ImapConnection, ImapSettings

LOG = logging.getLogger(__name__)

RENEW = 29 * 60.0  # seconds: IDLE is never older than this
QUIET = 5 * 60.0  # seconds without a word from the server before IDLE is renewed early
CHECK = 1.0  # seconds between looks at the stop flag
FIRST_PAUSE = 5.0  # seconds to wait after the connection could not be reopened ...
MAX_PAUSE = 300.0  # ... doubling up to this
NEWS = {b"EXISTS", b"RECENT", b"EXPUNGE"}  # untagged responses that mean new or gone mail
KEEPALIVE = {"TCP_KEEPIDLE": 60, "TCP_KEEPINTVL": 15, "TCP_KEEPCNT": 4}  # ~2 min to notice


class IdleWatch:
    """One folder of one account, watched with IDLE until `stop` is set."""

    def __init__(self, settings: ImapSettings, name: str, folder: str,
                 changed: Callable[[], None], stop: threading.Event, *,
                 renew: float = RENEW, quiet: float = QUIET, check: float = CHECK) -> None:
        self.folder = folder
        self.changed = changed
        self.stop = stop
        self.renew, self.quiet, self.check = min(renew, RENEW), quiet, check
        self.sessions = 0  # IDLE sessions begun, for tests and the log
        self._conn = ImapConnection(settings, name, self._pause)
        self._open = False  # an IDLE session is under way (so a new one follows a drop)

    def run(self) -> bool:
        """Watch until `stop`; False at once when the server does not offer IDLE."""
        pause = FIRST_PAUSE
        try:
            while not self.stop.is_set():
                try:
                    if not self._conn.run(f"IDLE {self.folder}", self._session):
                        LOG.info("%s: the server has no IDLE; %s is polled",
                                 self._conn.name, self.folder)
                        return False
                    pause = FIRST_PAUSE
                except InboxfollowError as err:
                    LOG.warning("%s: watching %s failed: %s; trying again in %.0fs",
                                self._conn.name, self.folder, err, pause)
                    self._pause(pause)
                    pause = min(pause * 2, MAX_PAUSE)
        finally:
            self._conn.close()
        return True

    def _pause(self, seconds: float) -> None:
        self.stop.wait(seconds)

    def _session(self, client: IMAPClient) -> bool:
        """One IDLE, from EXAMINE to DONE; False when the server has no IDLE."""
        if not client.has_capability("IDLE"):
            return False
        keep_alive(client.socket())
        self._conn.select(client, self.folder, readonly=True)
        if self._open:  # the last session broke off
            LOG.info("%s: reconnected; watching %s again", self._conn.name, self.folder)
        if self._open or not self.sessions:  # what came while nobody listened
            self.changed()
        self._open = True
        self.sessions += 1
        news_before_idle(client)  # what EXAMINE said: not news
        client.idle()
        LOG.debug("%s: IDLE on %s", self._conn.name, self.folder)
        if news_before_idle(client):  # came with the answer to IDLE itself
            self.changed()
        self._wait(client)
        _, responses = client.idle_done()
        self._open = False
        if any(is_news(r) for r in responses):  # came while DONE was on its way
            self.changed()
        return True

    def _wait(self, client: IMAPClient) -> None:
        """Until the stop flag, the renewal time or a silence too long."""
        began = heard = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            if now - began >= self.renew or now - heard >= self.quiet:
                return
            if not readable(client.socket(), self.check):
                continue
            responses = client.idle_check(0.01)
            if not responses:
                return  # readable but no line: the end of the stream; DONE finds out
            heard = time.monotonic()
            if any(is_news(r) for r in responses):
                LOG.debug("%s: %s changed: %s", self._conn.name, self.folder, responses)
                self.changed()


def is_news(response: tuple[Any, ...]) -> bool:
    return len(response) >= 2 and response[1] in NEWS


def news_before_idle(client: IMAPClient) -> bool:
    """Untagged EXISTS, RECENT or EXPUNGE that imaplib kept aside while it waited for the
    continuation of IDLE (mail that came between two sessions); taken, so never seen twice."""
    kept = client._imap.untagged_responses
    return any([kept.pop(name, None) for name in ("EXISTS", "RECENT", "EXPUNGE")])


def readable(sock: socket.socket, timeout: float) -> bool:
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(timeout * 1000))


def keep_alive(sock: socket.socket) -> None:
    """TCP keepalive where the system has it: a vanished peer ends the connection."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        for option, value in KEEPALIVE.items():
            if hasattr(socket, option):
                sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    except OSError as err:
        LOG.debug("no TCP keepalive: %s", err)
