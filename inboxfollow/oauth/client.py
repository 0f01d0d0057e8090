"""The OAuth2 client the user registered: the providers' endpoints, the [oauth] keys, and
the one kind of request the flows and the refresh make (a form POST that answers JSON).

The project ships no client id of its own and borrows none: `client_id` (and, where the
provider wants one, a secret printed by `client_secret_cmd`) come from the user's own
registration. Endpoints are https://, or http:// on loopback only (the test server).
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from inboxfollow.config_schema import is_loopback
from inboxfollow.credentials import redact, run_secret_command
from inboxfollow.errors import ConfigError, MailServerError

LOG = logging.getLogger(__name__)
TIMEOUT = 30.0  # seconds for one request to an endpoint
MICROSOFT = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"


@dataclass(frozen=True)
class Provider:
    """Where a provider's endpoints are and which scopes cover IMAP and SMTP."""

    title: str
    authorize_url: str = ""
    token_url: str = ""
    device_url: str = ""
    scopes: tuple[str, ...] = ()
    redirect: str = "http://127.0.0.1:{port}/"  # as the registration names it
    authorize_extra: tuple[tuple[str, str], ...] = ()  # more query fields for /authorize


PROVIDERS = {
    # Google gives a refresh token only with access_type=offline (and anew with consent).
    "google": Provider(
        "Google", "https://accounts.google.com/o/oauth2/v2/auth",
        "https://oauth2.googleapis.com/token", "https://oauth2.googleapis.com/device/code",
        ("https://mail.google.com/",),
        authorize_extra=(("access_type", "offline"), ("prompt", "consent")),
    ),
    # A public client registered with the redirect http://localhost (any port matches).
    "microsoft": Provider(
        "Microsoft", MICROSOFT + "/authorize", MICROSOFT + "/token", MICROSOFT + "/devicecode",
        ("https://outlook.office.com/IMAP.AccessAsUser.All",
         "https://outlook.office.com/SMTP.Send", "offline_access"),
        redirect="http://localhost:{port}",
    ),
    "custom": Provider("custom"),
}


@dataclass(frozen=True)
class OAuthSettings:
    """The [oauth] section, checked: one registered client and its endpoints."""

    provider: str
    client_id: str
    client_secret_cmd: str = ""
    authorize_url: str = ""
    token_url: str = ""
    device_url: str = ""
    scopes: tuple[str, ...] = ()
    redirect: str = "http://127.0.0.1:{port}/"  # the loopback redirect; the server's port
    authorize_extra: tuple[tuple[str, str], ...] = ()
    token_store: str = "file"  # "file" (mode 0600 in the state folder) or "keyring"

    def client_fields(self) -> dict[str, str]:
        """client_id, and client_secret when a command prints one (run now, never kept)."""
        fields = {"client_id": self.client_id}
        if self.client_secret_cmd:
            fields["client_secret"] = run_secret_command(
                "oauth", "client_secret_cmd", self.client_secret_cmd, "the client secret"
            ).strip()
        return fields


@dataclass(frozen=True)
class Tokens:
    """A token endpoint's good answer. Neither token is ever shown (repr hides them)."""

    access_token: str = field(repr=False)
    expires_in: float
    refresh_token: str = field(default="", repr=False)


def settings_of(body: dict[str, Any]) -> OAuthSettings:
    """The [oauth] section (schema-checked) as settings; a preset fills what is not set."""
    provider = body["provider"]
    preset = PROVIDERS[provider]
    if not body["client_id"].strip():
        raise ConfigError("[oauth].client_id is empty",
                          "register your own OAuth client (README: OAuth2 without a helper)")
    tenant = body["tenant"] or "common"
    urls = {key: _endpoint(key, body[key] or getattr(preset, key).format(tenant=tenant))
            for key in ("authorize_url", "token_url", "device_url")}
    if not urls["token_url"]:
        raise ConfigError(f'[oauth].provider = "{provider}" needs [oauth].token_url',
                          "set token_url, and authorize_url or device_url, from your provider")
    if not urls["authorize_url"] and not urls["device_url"]:
        raise ConfigError("[oauth] needs authorize_url or device_url",
                          "set the provider's authorization or device authorization endpoint")
    return OAuthSettings(
        provider=provider,
        client_id=body["client_id"].strip(),
        client_secret_cmd=body["client_secret_cmd"],
        scopes=tuple(body["scopes"]) or preset.scopes,
        redirect=preset.redirect,
        authorize_extra=preset.authorize_extra,
        token_store=body["token_store"],
        **urls,
    )


def _endpoint(key: str, url: str) -> str:
    if not url:
        return ""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname and (parts.scheme == "https" or (
            parts.scheme == "http" and is_loopback(parts.hostname))):
        return url
    raise ConfigError(f"[oauth].{key} {url!r} is not an https:// address",
                      "use the provider's https:// endpoint; http:// only on loopback")


def post_form(url: str, fields: dict[str, str]) -> dict[str, Any]:
    """POST `fields` as a form and return the JSON object answered, an OAuth2 error answer
    (HTTP 400 or 401 with {"error": ...}) included. TLS is verified (urllib's default)."""
    request = urllib.request.Request(
        url, urllib.parse.urlencode(fields).encode("ascii"),
        headers={"Accept": "application/json",
                 "Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as err:
        with err:
            body = err.read()
        if not body:
            raise MailServerError(f"{url} answered HTTP {err.code}", "check [oauth]") from err
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise MailServerError(f"cannot reach {url}: {reason}",
                              "check [oauth] and that this machine is online") from err
    try:
        answer = json.loads(body)
    except ValueError as err:
        raise MailServerError(f"{url} did not answer JSON", "check the [oauth] endpoints") from err
    if not isinstance(answer, dict):
        raise MailServerError(f"{url} did not answer a JSON object", "check the [oauth] endpoints")
    return answer


def describe(answer: dict[str, Any], *secrets: str) -> str:
    """An OAuth2 error answer in one short line: the code and its description's first line."""
    lines = str(answer.get("error_description") or "").splitlines()
    text = str(answer.get("error") or "unknown_error") + (f": {lines[0][:160]}" if lines else "")
    return redact(text, secrets)


def tokens_of(answer: dict[str, Any], url: str) -> Tokens:
    token, refresh = answer.get("access_token"), answer.get("refresh_token") or ""
    if not isinstance(token, str) or not token or not isinstance(refresh, str):
        raise MailServerError(f"{url} answered without an access token", "check [oauth].token_url")
    try:
        expires = float(answer.get("expires_in", 3600))
    except (TypeError, ValueError):
        expires = 3600.0
    return Tokens(token, expires, refresh)
