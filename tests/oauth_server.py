"""A small OAuth2 authorization server on loopback: the token introspection endpoint
(RFC 7662) that Dovecot's oauth2 passdb and the test SMTP server ask, and the endpoints
`inboxfollow auth login` and the grant's refresh use.

`OAuthServer.start()` serves `POST /introspect` (form field `token`) on 127.0.0.1
and a free port. `issue(username)` makes a fresh access token for a user;
`expire(token)` and `revoke(token)` make it inactive. An active token answers
`{"active": true, "username": ...}`, anything else `{"active": false}`.
`introspected` lists the tokens asked about, in order.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "inboxfollow-test-client"  # the only client this server knows
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass
class Grant:
    username: str
    expires: float  # time.time() after which the token is inactive
    revoked: bool = False


@dataclass
class Pending:
    """An authorization code, or a device code, waiting for its token request."""

    username: str
    challenge: str = ""
    redirect_uri: str = ""
    script: list[str] = field(default_factory=list)  # device: the errors before approval


@dataclass
class OAuthServer:
    """Also the login endpoints: `GET /authorize` (a user who is always logged in:
    `user`; it redirects at once with a code, or access_denied when `deny`),
    `POST /device` (RFC 8628) and `POST /token` (authorization_code with PKCE S256,
    refresh_token, device_code). A device code answers `device_script`'s errors, one a
    poll, then approves. `rotate`: a refresh answers a new refresh token and retires the
    old one. `revoke_grants()` retires every refresh token. `token_requests`: the grant
    types asked for, in order."""

    httpd: ThreadingHTTPServer
    grants: dict[str, Grant] = field(default_factory=dict)
    introspected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    client_secret: str = ""  # when set, token requests must carry it
    user: str = ""
    deny: bool = False
    access_lifetime: float = 3600.0
    rotate: bool = False
    device_script: list[str] = field(default_factory=list)
    device_interval: int = 5
    device_lifetime: int = 900
    pending: dict[str, Pending] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh token -> user
    token_requests: list[str] = field(default_factory=list)

    @classmethod
    def start(cls) -> OAuthServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        server = cls(httpd)
        httpd.oauth = server  # type: ignore[attr-defined]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        return server

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def introspection_url(self) -> str:
        return f"{self.url}/introspect"

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

    def authorize(self, query: dict[str, str]) -> tuple[int, str]:
        """(302, where the browser goes next), or (400, why not)."""
        redirect = query.get("redirect_uri", "")
        if (query.get("client_id") != CLIENT_ID or query.get("response_type") != "code"
                or query.get("code_challenge_method") != "S256"
                or not query.get("code_challenge") or not query.get("state")
                or urlsplit(redirect).hostname not in ("127.0.0.1", "localhost")):
            return 400, "bad authorization request"
        answer = {"state": query["state"]}
        if self.deny:
            answer["error"] = "access_denied"
        else:
            answer["code"] = "code-" + secrets.token_urlsafe(16)
            with self.lock:
                self.pending[answer["code"]] = Pending(self.user, query["code_challenge"],
                                                       redirect)
        return 302, f"{redirect}?{urlencode(answer)}"

    def device_authorization(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if form.get("client_id") != CLIENT_ID:
            return 401, {"error": "invalid_client"}
        code = "dev-" + secrets.token_urlsafe(16)
        with self.lock:
            self.pending[code] = Pending(self.user, script=list(self.device_script))
        return 200, {"device_code": code, "user_code": "WDJB-MJHT",
                     "verification_uri": f"{self.url}/device-page",
                     "expires_in": self.device_lifetime, "interval": self.device_interval}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        grant = form.get("grant_type", "")
        with self.lock:
            self.token_requests.append(grant)
            if (form.get("client_id") != CLIENT_ID
                    or form.get("client_secret", "") != self.client_secret):
                return 401, {"error": "invalid_client"}
            if grant == DEVICE_GRANT:
                pending = self.pending.get(form.get("device_code", ""))
                if pending is not None and pending.script:
                    return 400, {"error": pending.script.pop(0)}
            user = self._user_of(grant, form)
            if user is None:
                return 400, {"error": "invalid_grant",
                             "error_description": "The grant has expired or was revoked.\n"
                             "Trace ID: 1234"}
            answer: dict[str, object] = {
                "token_type": "Bearer", "expires_in": int(self.access_lifetime)}
            if grant != "refresh_token" or self.rotate:
                answer["refresh_token"] = "rt-" + secrets.token_urlsafe(24)
                self.refresh_tokens[str(answer["refresh_token"])] = user
        answer["access_token"] = self.issue(user, self.access_lifetime)
        return 200, answer

    def _user_of(self, grant: str, form: dict[str, str]) -> str | None:
        """Whose grant the request proves (under the lock), or None."""
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            return self.refresh_tokens.pop(token, None) if self.rotate else (
                self.refresh_tokens.get(token))
        if grant == DEVICE_GRANT:
            pending = self.pending.pop(form.get("device_code", ""), None)
            return pending.username if pending else None
        if grant != "authorization_code":
            return None
        pending = self.pending.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest())
        if (pending is None or pending.redirect_uri != form.get("redirect_uri")
                or challenge.decode().rstrip("=") != pending.challenge):
            return None
        return pending.username

    def revoke_grants(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length") or 0)
        query = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        form = {key: values[0] for key, values in query.items()}
        server: OAuthServer = self.server.oauth  # type: ignore[attr-defined]
        if self.path == "/introspect":
            self._json(200, server.introspect(form.get("token", "")))
        elif self.path == "/token":
            self._json(*server.token(form))
        elif self.path == "/device":
            self._json(*server.device_authorization(form))
        else:
            self.send_error(404)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        if parts.path != "/authorize":
            self.send_error(404)
            return
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        status, where = self.server.oauth.authorize(query)  # type: ignore[attr-defined]
        self.send_response(status)
        self.send_header("Location" if status == 302 else "X-Refused", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json(self, status: int, answer: dict[str, object]) -> None:
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the tokens would be in the request lines of other endpoints."""
