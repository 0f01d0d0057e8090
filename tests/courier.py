"""A real Courier-IMAP on loopback: the second server of the IMAP compatibility tests.

Courier's Debian package conflicts with dovecot-imapd, so scripts/install-deps.sh
unpacks its .debs into `.venv/courier` (or $INBOXFOLLOW_COURIER_ROOT) and installs
nothing. `CourierServer` then plays couriertcpd: it listens on a loopback port per
account and runs one `imapd MAILDIR` per connection, pre-authenticated
(AUTHENTICATED=user), with the accepted socket as its stdin and stdout. No login, no
auth daemon, no config file: the server greets `* PREAUTH`, and whatever password a
config names is never sent.

What Courier 5 brings that Dovecot does not (as shipped, no IMAP_CAPABILITY set):
- it offers IMAP4rev1, ENABLE and UTF8=ACCEPT only: no SPECIAL-USE, MULTIAPPEND,
  UIDPLUS, UNSELECT or IDLE;
- folders are "INBOX." + name with "." as separator (a Maildir++ folder `.Sent`
  is `INBOX.Sent`), and non-ASCII names travel in modified UTF-7;
- APPEND into the folder selected with EXAMINE fails ("Current box is selected
  READ-ONLY"), and FETCH answers name header fields quoted:
  `BODY[HEADER.FIELDS ("MESSAGE-ID")]`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

ROOT = Path(__file__).resolve().parent.parent
COURIER_ROOT = Path(os.environ.get("INBOXFOLLOW_COURIER_ROOT", ROOT / ".venv" / "courier"))
IMAPD = COURIER_ROOT / "usr" / "bin" / "imapd"
GAM_SERVER = COURIER_ROOT / "usr" / "libexec" / "gam_server"
HOST = "127.0.0.1"
INSTALL_HINT = "run scripts/install-deps.sh (it unpacks Courier-IMAP's Debian packages there)"


def make_maildir(path: Path, folders: tuple[str, ...]) -> None:
    """A Maildir++ tree: INBOX, and `.NAME` for each of `folders` (ASCII names)."""
    for where in [path, *(path / f".{name}" for name in folders)]:
        for sub in ("cur", "new", "tmp"):
            (where / sub).mkdir(parents=True, exist_ok=True)
        if where != path:
            (where / "maildirfolder").touch()


@dataclass
class CourierAccount:
    """One Maildir behind its own loopback port, with helpers that act as the world does.

    Shaped like tests.dovecot.ImapAccount (host, port, username, password, client,
    deliver, create_folders), so mailgen's helpers take either."""

    server: CourierServer
    username: str
    password: str  # never asked for: the session is pre-authenticated
    maildir: Path
    port: int = 0

    @property
    def host(self) -> str:
        return HOST

    @staticmethod
    def folder(*levels: str) -> str:
        """A folder's name on Courier: "INBOX", else "INBOX." and the levels joined by "."."""
        if levels == ("INBOX",):
            return "INBOX"
        return ".".join(("INBOX", *levels))

    def client(self) -> IMAPClient:
        """A connected IMAPClient (PREAUTH: logged in already), for test set-up."""
        return IMAPClient(self.host, self.port, ssl=False, timeout=10)

    def deliver(
        self,
        folder: str,
        raw: bytes,
        flags: tuple[str, ...] | list[str] = (),
        date: datetime | None = None,
    ) -> int:
        """APPEND one message; returns its UID (Courier answers APPENDUID without UIDPLUS)."""
        client = self.client()
        try:
            response = client.append(folder, raw, flags=list(flags), msg_time=date)
        finally:
            client.logout()
        text = response.decode() if isinstance(response, bytes) else str(response)
        return int(text.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])

    def create_folders(self, *names: str) -> None:
        client = self.client()
        try:
            for name in names:
                client.create_folder(name)
        finally:
            client.logout()


@dataclass
class CourierServer:
    """Courier's imapd, one process per connection, on one loopback port per account."""

    root: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _listeners: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    def start(cls) -> CourierServer:
        if not IMAPD.exists():
            raise RuntimeError(f"{IMAPD} not found: {INSTALL_HINT}")
        return cls(root=Path(tempfile.mkdtemp(prefix="inboxfollow-courier-")))

    @property
    def log_path(self) -> Path:
        return self.root / "imapd.log"

    def new_account(
        self, prefix: str = "owner", folders: tuple[str, ...] = ("Sent", "Drafts")
    ) -> CourierAccount:
        """A fresh Maildir with INBOX and `folders` (INBOX.Sent, INBOX.Drafts by default)."""
        username = f"{prefix}-{next(self._serial)}-{os.getpid()}@example.com"
        maildir = self.root / "mail" / username
        make_maildir(maildir, folders)
        account = CourierAccount(self, username, f"{prefix}-secret", maildir)
        account.port = self._listen(account)
        return account

    def _listen(self, account: CourierAccount) -> int:
        listener = socket.create_server((HOST, 0))
        with self._lock:
            self._listeners.append(listener)
        threading.Thread(target=self._accept_loop, args=(listener, account), daemon=True,
                         name=f"courier {account.username}").start()  # fmt: skip
        return int(listener.getsockname()[1])

    def _accept_loop(self, listener: socket.socket, account: CourierAccount) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed by stop()
            with conn:
                self._run_imapd(conn, account)

    def _run_imapd(self, conn: socket.socket, account: CourierAccount) -> None:
        lib = COURIER_ROOT / "usr" / "lib"
        libs = [lib, *sorted(lib.glob("*-linux-gnu*"))]  # the multiarch folder: x86_64-linux-gnu
        env = {
            "PATH": "/usr/bin:/bin",
            "LD_LIBRARY_PATH": ":".join(map(str, libs)),
            "AUTHENTICATED": account.username,
            "GAMIN_DEBUG_SERVER": str(GAM_SERVER),  # where libgamin finds gam_server
            "HOME": str(account.maildir),
        }
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                [str(IMAPD), str(account.maildir)], stdin=conn, stdout=conn, stderr=log,
                env=env, cwd=account.maildir,
            )  # fmt: skip
        with self._lock:
            self.processes = [p for p in self.processes if p.poll() is None] + [process]
        threading.Thread(target=process.wait, daemon=True).start()  # no zombie left behind

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        with self._lock:
            listeners, self._listeners = self._listeners, []
            processes, self.processes = self.processes, []
        for listener in listeners:
            listener.close()
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


# -- fixtures (modules that use them: pytest_plugins = ("tests.courier",)) ---------------


@pytest.fixture(scope="session")
def courier() -> Iterator[CourierServer]:
    """One Courier for the whole session; it fails (never skips) when not unpacked."""
    if not IMAPD.exists():
        pytest.fail(f"Courier-IMAP is not unpacked ({IMAPD} missing): {INSTALL_HINT}", False)
    server = CourierServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def make_courier_account(courier: CourierServer) -> Callable[..., CourierAccount]:
    """Factory for fresh Courier accounts: make_courier_account("capture", folders=())."""
    return courier.new_account


@pytest.fixture
def courier_account(make_courier_account: Callable[..., CourierAccount]) -> CourierAccount:
    """A fresh, empty Courier mailbox (INBOX, INBOX.Sent, INBOX.Drafts) for this test only."""
    return make_courier_account("owner")
