"""A real Dovecot on loopback for the adapter tests, and a proxy that cuts connections.

`DovecotServer` writes a throwaway config into a temporary directory, makes a
self-signed certificate with `openssl`, runs `dovecot -F` and stops it again.
It listens on three ports:

- `port` on 127.0.0.1: plain IMAP offering STARTTLS;
- `ssl_port` on 127.0.0.1: implicit TLS (IMAPS), certificate in `ca_file`;
- `port` on 127.0.0.2 (`no_starttls_host`): plain IMAP *without* STARTTLS
  (a `local` block turns TLS off for that address).

Every account gets INBOX, Sent (\\Sent) and Drafts (\\Drafts); `new_account(...,
sent_and_drafts=False)` makes one with INBOX alone. Folders named in `SPECIAL_USE`
(a Gmail-like "[Gmail]/All Mail" flagged \\All, trash and junk under odd names) carry
their flag in any account that creates them.

`CuttingProxy` sits in front of a port and drops every connection on demand
or after a number of bytes from the server, to test reconnects.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
HOST = "127.0.0.1"
NO_STARTTLS_HOST = "127.0.0.2"
INSTALL_HINT = "run scripts/install-deps.sh (it installs dovecot-imapd and openssl)"

CONFIG = """\
protocols = imap
listen = {host}, {no_starttls_host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
mail_plugins =
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # no auth penalty: after a wrong-password test, anvil would delay logins by seconds
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
local {no_starttls_host} {{
  ssl = no
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  # Flagged only in the accounts that create them (see `ImapAccount.create_folders`):
  # a Gmail-like All Mail with its views, and trash, junk and archive under odd names.
{special_use}
}}
"""
# name -> SPECIAL-USE flag, for folders a test creates; no account has them unless it does.
SPECIAL_USE = {
    "[Gmail]/All Mail": "\\All",
    "[Gmail]/Starred": "\\Flagged",
    "[Gmail]/Important": "\\Important",
    "[Gmail]/Bin": "\\Trash",
    "[Gmail]/Spam": "\\Junk",
    "Rubbish": "\\Trash",
    "Unwanted": "\\Junk",
    "Archive": "\\Archive",
}
# passdb fields for an account without the automatic Sent and Drafts folders
PLAIN_NAMESPACE = (
    "userdb_namespace/inbox/mailbox/Sent/auto=no userdb_namespace/inbox/mailbox/Drafts/auto=no"
)


def special_use_config() -> str:
    blocks = (f'  mailbox "{name}" {{\n    special_use = {flag}\n  }}'
              for name, flag in SPECIAL_USE.items())
    return "\n".join(blocks)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _accounts() -> dict[str, str]:
    """Who runs what: as root, login and mail processes must not be root."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return {
            "internal_user": me.pw_name,
            "internal_group": _group_name(me.pw_gid),
            "login_user": me.pw_name,
            "mail_uid": str(me.pw_uid),
            "mail_gid": str(me.pw_gid),
        }
    internal = _first_user("dovecot", "nobody")
    login = _first_user("dovenull", "nobody")
    mail = pwd.getpwnam("nobody")
    return {
        "internal_user": internal.pw_name,
        "internal_group": _group_name(internal.pw_gid),
        "login_user": login.pw_name,
        "mail_uid": str(mail.pw_uid),
        "mail_gid": str(mail.pw_gid),
    }


def _first_user(*names: str) -> pwd.struct_passwd:
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(f"none of the users {names} exists; {INSTALL_HINT}")


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name


def make_certificate(directory: Path) -> None:
    if shutil.which("openssl") is None:
        raise RuntimeError(f"openssl is not installed; {INSTALL_HINT}")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(directory / "key.pem"), "-out", str(directory / "cert.pem"),
            "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


@dataclass
class DovecotServer:
    """One Dovecot process with its config, users and mail under `root`."""

    root: Path
    host: str = HOST
    no_starttls_host: str = NO_STARTTLS_HOST
    port: int = 0
    ssl_port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def ca_file(self) -> str:
        return str(self.root / "cert.pem")

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @classmethod
    def start(cls) -> DovecotServer:
        if not os.path.exists(DOVECOT):
            raise RuntimeError(f"{DOVECOT} not found: {INSTALL_HINT}")
        # Not pytest's tmp_path: its parents are 0700, and Dovecot's login and
        # mail processes (other users when running as root) must get through.
        root = Path(tempfile.mkdtemp(prefix="inboxfollow-dovecot-"))
        root.chmod(0o755)
        server = cls(root=root, port=free_port(), ssl_port=free_port())
        server._write_files()
        server._run()
        return server

    def _write_files(self) -> None:
        make_certificate(self.root)
        accounts = _accounts()
        for name in ("mail", "home"):
            path = self.root / name
            path.mkdir()
            os.chown(path, int(accounts["mail_uid"]), int(accounts["mail_gid"]))
        (self.root / "users").mkdir()
        self.add_user("owner@example.com", "owner-secret")
        self.add_user("capture@example.com", "capture-secret")
        self.config_path.write_text(
            CONFIG.format(
                root=self.root,
                host=self.host,
                no_starttls_host=self.no_starttls_host,
                port=self.port,
                ssl_port=self.ssl_port,
                special_use=special_use_config(),
                **accounts,
            )
        )

    def _run(self) -> None:
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_port(self.host, self.port)
            wait_for_port(self.host, self.ssl_port)
            wait_for_port(self.no_starttls_host, self.port)
        except OSError as err:
            self.stop(keep_files=True)
            raise RuntimeError(f"dovecot did not start:\n{self.log_text()}") from err

    def log_text(self) -> str:
        parts = []
        if self.process is not None and self.process.stdout is not None:
            if self.process.poll() is not None:
                parts.append(self.process.stdout.read().decode(errors="replace"))
        log = self.root / "dovecot.log"
        if log.exists():
            parts.append(log.read_text(errors="replace"))
        return "\n".join(parts)

    def stop(self, keep_files: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not keep_files:
            shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self, username: str, password: str, fields: str = "") -> None:
        """One passwd-file per user: Dovecot reads a new path at once (an edited file
        may be re-read only a second later). `fields`: passdb extra fields."""
        line = f"{username}:{{PLAIN}}{password}::::::{fields}\n"
        (self.root / "users" / username).write_text(line)

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(
            [DOVEADM, "-c", str(self.config_path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"doveadm {' '.join(args)} failed: {done.stderr}")
        return done.stdout


_serial = itertools.count(1)


@dataclass
class ImapAccount:
    """A fresh user on the test Dovecot, with helpers that act as the world does."""

    server: DovecotServer
    username: str
    password: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def ssl_port(self) -> int:
        return self.server.ssl_port

    @property
    def ca_file(self) -> str:
        return self.server.ca_file

    def client(self) -> IMAPClient:
        """A logged-in IMAPClient on the plain port (loopback), for test set-up."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.login(self.username, self.password)
        return client

    def deliver(
        self,
        folder: str,
        raw: bytes,
        flags: tuple[str, ...] | list[str] = (),
        date: datetime | None = None,
    ) -> int:
        """APPEND one message; returns its UID."""
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

    def status(self, folder: str) -> dict[str, int]:
        out = self.server.doveadm(
            "mailbox", "status", "-u", self.username, "uidvalidity uidnext messages", folder
        )
        return {k: int(v) for k, v in (pair.split("=") for pair in out.split()[1:])}

    def uidvalidity_bump(self, folder: str) -> int:
        """Give `folder` a new UIDVALIDITY, keeping its messages; returns the new value."""
        new = self.status(folder)["uidvalidity"] + 1
        self.server.doveadm(
            "mailbox", "update", "-u", self.username, "--uid-validity", str(new), folder
        )
        return new


def new_account(
    server: DovecotServer, prefix: str = "owner", *, sent_and_drafts: bool = True
) -> ImapAccount:
    """A fresh user; without `sent_and_drafts`, its INBOX is its only folder at first."""
    username = f"{prefix}-{next(_serial)}-{os.getpid()}@example.com"
    password = f"{prefix}-secret"
    server.add_user(username, password, "" if sent_and_drafts else PLAIN_NAMESPACE)
    return ImapAccount(server=server, username=username, password=password)


class CuttingProxy:
    """A TCP proxy on loopback that drops connections when told to.

    `cut()` drops every open connection now. `cut_after(n)` drops them once the
    server has sent `n` more bytes through the proxy (the client receives exactly
    `n`), then stops cutting. New connections are accepted again at once.
    `connections`, `cuts` and `bytes_from_server` count what happened.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server((HOST, 0))
        self.host = HOST
        self.port = self._listener.getsockname()[1]
        self.connections = 0  # accepted so far
        self.cuts = 0  # connections dropped on purpose
        self.bytes_from_server = 0  # passed on to clients so far
        self._lock = threading.Lock()
        self._open: list[tuple[socket.socket, socket.socket]] = []
        self._budget: int | None = None
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            pairs, self._open = self._open, []
            self.cuts += len(pairs)
        for pair in pairs:
            _close_pair(pair)

    def cut_after(self, nbytes: int) -> None:
        with self._lock:
            self._budget = nbytes

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self.cut()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                downstream.close()
                continue
            pair = (downstream, upstream)
            with self._lock:
                self._open.append(pair)
                self.connections += 1
            threading.Thread(target=self._pump, args=(downstream, upstream, pair, False),
                             daemon=True).start()  # fmt: skip
            threading.Thread(target=self._pump, args=(upstream, downstream, pair, True),
                             daemon=True).start()  # fmt: skip

    def _pump(self, src: socket.socket, dst: socket.socket, pair: tuple, from_server: bool) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._forget(pair)
                return
            data, cut = self._spend(data) if from_server else (self._heard(data), False)
            try:
                if data:
                    dst.sendall(data)
            except OSError:
                cut = True
            if cut:
                self.cut()
                return

    def _heard(self, data: bytes) -> bytes:
        """Bytes on their way from the client to the server; subclasses may record them."""
        return data

    def _spend(self, data: bytes) -> tuple[bytes, bool]:
        with self._lock:
            cut = self._budget is not None and len(data) >= self._budget
            if cut:
                data, self._budget = data[: self._budget], None
            elif self._budget is not None:
                self._budget -= len(data)
            self.bytes_from_server += len(data)
            return data, cut

    def _forget(self, pair: tuple[socket.socket, socket.socket]) -> None:
        with self._lock:
            if pair in self._open:
                self._open.remove(pair)
        _close_pair(pair)


def _close_pair(pair: tuple[socket.socket, socket.socket]) -> None:
    for sock in pair:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


OAUTH2_PASSDB = """\
auth_mechanisms = plain login {mechanisms}
passdb {{
  driver = oauth2
  mechanisms = {mechanisms}
  args = {root}/dovecot-oauth2.conf.ext
}}
passdb {{
  driver = passwd-file
  mechanisms = plain login
"""
OAUTH2_CONF = """\
introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
"""


@dataclass
class OAuth2DovecotServer(DovecotServer):
    """The same Dovecot, but XOAUTH2 and OAUTHBEARER logins are checked by its oauth2
    passdb, which POSTs each token to `introspection_url` (tests/oauth_server.py);
    plain logins still use the users' passwords. `mechanisms`: the SASL mechanisms for
    tokens it offers ("xoauth2" alone plays a server without OAUTHBEARER)."""

    introspection_url: str = ""
    mechanisms: str = "xoauth2 oauthbearer"

    @classmethod
    def start_oauth2(
        cls, introspection_url: str, mechanisms: str = "xoauth2 oauthbearer"
    ) -> OAuth2DovecotServer:
        if not os.path.exists(DOVECOT):
            raise RuntimeError(f"{DOVECOT} not found: {INSTALL_HINT}")
        root = Path(tempfile.mkdtemp(prefix="inboxfollow-dovecot-oauth2-"))
        root.chmod(0o755)
        server = cls(root=root, port=free_port(), ssl_port=free_port(),
                     introspection_url=introspection_url, mechanisms=mechanisms)
        server._write_files()
        server._run()
        return server

    def _write_files(self) -> None:
        super()._write_files()
        (self.root / "dovecot-oauth2.conf.ext").write_text(
            OAUTH2_CONF.format(url=self.introspection_url))
        plain = "passdb {\n  driver = passwd-file\n"
        config = self.config_path.read_text()
        self.config_path.write_text(config.replace(plain, OAUTH2_PASSDB.format(root=self.root,
                                                                     mechanisms=self.mechanisms)))
