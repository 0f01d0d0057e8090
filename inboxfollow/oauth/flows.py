"""The two ways `inboxfollow auth login` gets a grant.

- The authorization-code flow with PKCE (RFC 7636, S256) on a loopback redirect: a
  one-shot HTTP server on 127.0.0.1 takes the browser's redirect, checks `state`, and
  the code is exchanged with the verifier.
- The device-code flow (RFC 8628): the user opens a page on any device and types a
  code; the token endpoint is polled at the interval the server asks for.

Both return the token endpoint's answer; neither prints a token or the code.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
import urllib.parse
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from inboxfollow.errors import ConfigError
from inboxfollow.oauth.client import OAuthSettings, Tokens, describe, post_form, tokens_of

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
AGAIN = "run `inboxfollow auth login` again"
Out = Callable[[str], None]


def pkce_pair() -> tuple[str, str]:
    """A code verifier (86 characters of A-Z a-z 0-9 - _) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def authorize_url(settings: OAuthSettings, redirect_uri: str, state: str, challenge: str) -> str:
    query = {"response_type": "code", "client_id": settings.client_id,
             "redirect_uri": redirect_uri, "scope": " ".join(settings.scopes), "state": state,
             "code_challenge": challenge, "code_challenge_method": "S256",
             **dict(settings.authorize_extra)}
    joint = "&" if "?" in settings.authorize_url else "?"
    return settings.authorize_url + joint + urllib.parse.urlencode(query)


class _OneShot(HTTPServer):
    """Takes redirects until one carries the expected `state` with a code or an error."""

    def __init__(self, port: int, state: str) -> None:
        super().__init__(("127.0.0.1", port), _Redirect)
        self.state = state
        self.code = ""
        self.failure = ""


class _Redirect(BaseHTTPRequestHandler):
    timeout = 5.0  # a browser's idle preconnection must not hold the one-shot server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        server = self.server
        assert isinstance(server, _OneShot)
        parts = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
        if parts.path != "/" or query.get("state") != server.state:
            self._page(400, "This is not the answer inboxfollow is waiting for.")
            return
        if query.get("code"):
            server.code = query["code"]
            self._page(200, "inboxfollow is logged in. You can close this page.")
            return
        server.failure = (query.get("error") or "no code in the redirect")[:80]
        self._page(200, f"The login did not succeed ({html.escape(server.failure)}). "
                   "See the terminal.")

    def _page(self, status: int, text: str) -> None:
        body = f"<!doctype html><title>inboxfollow</title><p>{text}</p>\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the request line carries the authorization code."""


def browser_login(settings: OAuthSettings, out: Out, open_browser: bool, port: int = 0,
                  timeout: float = 300.0) -> Tokens:
    """The authorization-code flow with PKCE; `port` 0 takes any free one."""
    if not settings.authorize_url:
        raise ConfigError("[oauth] has no authorize_url for the browser flow",
                          "set [oauth].authorize_url, or use `inboxfollow auth login --device`")
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    with _OneShot(port, state) as server:
        redirect = settings.redirect.format(port=server.server_address[1])
        url = authorize_url(settings, redirect, state, challenge)
        out("open this address in a browser on this machine and log in:")
        out(url)
        if open_browser:
            webbrowser.open(url)
        code = _wait_for_code(server, timeout)
    answer = post_form(settings.token_url, {
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
        "code_verifier": verifier, **settings.client_fields()})
    if answer.get("error"):
        raise ConfigError(f"the token endpoint refused the authorization code: "
                          f"{describe(answer, code, verifier)}", AGAIN)
    return tokens_of(answer, settings.token_url)


def _wait_for_code(server: _OneShot, timeout: float) -> str:
    server.timeout = 1.0  # handle_request returns each second to look at the clock
    deadline = time.monotonic() + timeout
    while not server.code and not server.failure:
        if time.monotonic() > deadline:
            raise ConfigError(f"no login came back from the browser within {timeout:.0f} s",
                              AGAIN)
        server.handle_request()
    if server.failure:
        declined = server.failure == "access_denied"
        raise ConfigError("the login was declined in the browser" if declined
                          else f"the provider answered the login with {server.failure!r}", AGAIN)
    return server.code


def device_login(settings: OAuthSettings, out: Out,
                 sleep: Callable[[float], None] = time.sleep) -> Tokens:
    """The device-code flow of RFC 8628; `sleep` waits between polls."""
    if not settings.device_url:
        raise ConfigError("[oauth] has no device_url for the device flow",
                          "set [oauth].device_url, or use `inboxfollow auth login --browser`")
    answer = post_form(settings.device_url, {"client_id": settings.client_id,
                                             "scope": " ".join(settings.scopes)})
    if answer.get("error"):
        hint = ("Google allows the device flow only for a few scopes, not for mail: use "
                "--browser" if settings.provider == "google" else "check [oauth]")
        raise ConfigError(f"the device authorization endpoint refused: {describe(answer)}", hint)
    try:
        device_code, user_code = str(answer["device_code"]), str(answer["user_code"])
        page = str(answer.get("verification_uri") or answer["verification_url"])
    except KeyError as err:
        raise ConfigError(f"{settings.device_url} answered without {err}",
                          "check [oauth].device_url") from err
    out(f"on any device, open {page} and enter the code {user_code}")
    if answer.get("verification_uri_complete"):
        out(f"(or open {answer['verification_uri_complete']})")
    fields = {"grant_type": DEVICE_GRANT, "device_code": device_code,
              **settings.client_fields()}
    return _poll(settings, fields, answer, sleep, device_code)


def _poll(settings: OAuthSettings, fields: dict[str, str], device: dict[str, Any],
          sleep: Callable[[float], None], device_code: str) -> Tokens:
    """Poll until approved, refused, or the code's lifetime is spent (counted in waits of
    at least a second, so a server that asks for no wait still gets a bounded number)."""
    interval = _seconds(device, "interval", 5.0)
    lifetime = _seconds(device, "expires_in", 900.0)
    waited = 0.0
    while waited < lifetime:
        sleep(interval)
        waited += max(interval, 1.0)
        answer = post_form(settings.token_url, fields)
        error = answer.get("error")
        if not error:
            return tokens_of(answer, settings.token_url)
        if error == "slow_down":
            interval += 5.0  # RFC 8628 3.5: and so for every later poll
        elif error == "access_denied":
            raise ConfigError("the login was declined on the verification page", AGAIN)
        elif error == "expired_token":
            break
        elif error != "authorization_pending":
            raise ConfigError(f"the token endpoint refused the device code: "
                              f"{describe(answer, device_code)}", AGAIN)
    raise ConfigError("the code expired before the login was approved", AGAIN)


def _seconds(answer: dict[str, Any], key: str, default: float) -> float:
    try:
        return max(float(answer.get(key, default)), 0.0)
    except (TypeError, ValueError):
        return default
