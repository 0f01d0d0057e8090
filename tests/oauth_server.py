"""A small OAuth2 authorization server on loopback: the token introspection endpoint
(RFC 7662) that Dovecot's oauth2 passdb and the test SMTP server ask.

`OAuthServer.start()` serves `POST /introspect` (form field `token`) on 127.0.0.1
and a free port. `issue(username)` makes a fresh access token for a user;
`expire(token)` and `revoke(token)` make it inactive. An active token answers
`{"active": true, "username": ...}`, anything else `{"active": false}`.
`introspected` lists the tokens asked about, in order.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class Grant:
    username: str
    expires: float  # time.time() after which the token is inactive
    revoked: bool = False


@dataclass
class OAuthServer:
    httpd: ThreadingHTTPServer
    grants: dict[str, Grant] = field(default_factory=dict)
    introspected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def start(cls) -> OAuthServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        server = cls(httpd)
        httpd.oauth = server  # type: ignore[attr-defined]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return server

    @property
    def introspection_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/introspect"

    def issue(self, username: str, lifetime: float = 3600.0) -> str:
        token = "at-" + secrets.token_urlsafe(24)
        with self.lock:
            self.grants[token] = Grant(username, time.time() + lifetime)
        return token

    def expire(self, token: str) -> None:
        with self.lock:
            self.grants[token].expires = 0.0

    def revoke(self, token: str) -> None:
        with self.lock:
            self.grants[token].revoked = True

    def introspect(self, token: str) -> dict[str, object]:
        with self.lock:
            self.introspected.append(token)
            grant = self.grants.get(token)
            if grant is None or grant.revoked or grant.expires < time.time():
                return {"active": False}
            return {"active": True, "username": grant.username, "token_type": "Bearer",
                    "exp": int(grant.expires)}

    def owner_of(self, token: str) -> str | None:
        """The user an active token belongs to (for the test SMTP server), else None."""
        answer = self.introspect(token)
        return str(answer["username"]) if answer["active"] else None

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        if self.path != "/introspect":
            self.send_error(404)
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        token = form.get("token", [""])[0]
        body = json.dumps(self.server.oauth.introspect(token)).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the tokens would be in the request lines of other endpoints."""
