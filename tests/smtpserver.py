"""A real SMTP server on loopback (aiosmtpd) for the delivery tests.

`SmtpServer.start(mode, cert_dir)` runs an aiosmtpd `Controller` on 127.0.0.1
and a free port, in one of three modes:

- "starttls": plain SMTP that offers STARTTLS (the 587 way);
- "ssl": implicit TLS from the first byte (the 465 way);
- "plain": plain SMTP *without* STARTTLS, to prove a client refuses it.

With `users`, it offers AUTH (only under TLS) and accepts those logins. With
`oauth` (a function from an access token to its user, or None when the token is not
active: `tests.oauth_server.OAuthServer.owner_of`), it offers XOAUTH2 (and OAUTHBEARER
unless `oauthbearer=False`) and accepts a token of the user who logs in. Every
message it receives is kept in `received`, with whether TLS and AUTH were used.
The certificate is the one `tests.dovecot.make_certificate` makes: self-signed,
for localhost and 127.0.0.1; its `cert.pem` is the CA file a client trusts.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.dovecot import HOST, free_port

MODES = ("starttls", "ssl", "plain")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    tls: bool
    login: str | None


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every message."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
        self.received.append(Received(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            content=envelope.original_content or envelope.content,
            tls=server.transport.get_extra_info("ssl_object") is not None,
            login=login,
        ))
        return "250 OK message accepted"


@dataclass
class Authenticator:
    users: dict[str, str]

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if self.users.get(login) == password:
                return AuthResult(success=True, auth_data=login.encode())
        return AuthResult(success=False, handled=False)


@dataclass
class OAuthRecorder(Recorder):
    """The handler of a server that also takes OAuth2 bearer tokens."""

    owner_of: Callable[[str], str | None] = lambda token: None
    attempts: list[str] = field(default_factory=list)  # the mechanisms tried, in order

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._bearer(server, args, "XOAUTH2")

    async def auth_OAUTHBEARER(self, server: Any, args: list[str]) -> AuthResult:  # noqa: N802
        return await self._bearer(server, args, "OAUTHBEARER")

    async def _bearer(self, server: Any, args: list[str], mechanism: str) -> AuthResult:
        self.attempts.append(mechanism)
        blob = base64.b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        fields = dict(part.split("=", 1) for part in blob.decode().split("\1") if "=" in part)
        user = fields.get("user", "")
        if mechanism == "OAUTHBEARER":  # gs2 header "n,a=user,"
            user = blob.decode().split(",")[1].removeprefix("a=")
        token = fields.get("auth", "").removeprefix("Bearer ")
        if user and self.owner_of(token) == user:
            return AuthResult(success=True, auth_data=user.encode())
        await server.challenge_auth('{"status":"401","schemes":"bearer"}')
        return AuthResult(success=False, handled=False)


def server_context(cert_dir: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert_dir / "cert.pem"), str(cert_dir / "key.pem"))
    return context


@dataclass
class SmtpServer:
    controller: Controller
    recorder: Recorder
    mode: str
    host: str
    port: int
    ca_file: str

    @property
    def received(self) -> list[Received]:
        return self.recorder.received

    @classmethod
    def start(cls, mode: str, cert_dir: Path, users: dict[str, str] | None = None,
              oauth: Callable[[str], str | None] | None = None,
              oauthbearer: bool = True) -> SmtpServer:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        recorder = OAuthRecorder(owner_of=oauth) if oauth else Recorder()
        port = free_port()
        kwargs: dict[str, Any] = {"server_hostname": "localhost", "ready_timeout": 10}
        if mode == "starttls":
            kwargs["tls_context"] = server_context(cert_dir)
        elif mode == "ssl":
            kwargs["ssl_context"] = server_context(cert_dir)
        if oauth and not oauthbearer:
            kwargs["auth_exclude_mechanism"] = ["OAUTHBEARER"]
        if users or oauth:
            # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; on implicit TLS
            # the whole connection is encrypted anyway
            kwargs |= {"authenticator": Authenticator(users or {}),
                       "auth_require_tls": mode != "ssl"}
        controller = Controller(recorder, hostname=HOST, port=port, **kwargs)
        controller.start()
        return cls(controller, recorder, mode, HOST, port, str(cert_dir / "cert.pem"))

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SmtpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
