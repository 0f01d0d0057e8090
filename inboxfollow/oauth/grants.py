"""The grants `inboxfollow auth login` stores, and the access tokens made from them.

A grant is a refresh token, one per login name (IMAP and SMTP of one account share
it). It is kept in `oauth-grants.json` in the state folder, created with mode 0600
and replaced atomically, or (token_store = "keyring", opt-in) in the system keyring
when the `keyring` package is installed. Access tokens live in memory only.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from inboxfollow.errors import ConfigError, MailServerError, StoreError
from inboxfollow.oauth.client import OAuthSettings, describe, post_form, settings_of, tokens_of

LOG = logging.getLogger(__name__)
GRANTS_FILE = "oauth-grants.json"
KEYRING_SERVICE = "inboxfollow"
REFRESH_MARGIN = 60.0  # seconds: a token this close to its expiry is refreshed first
# A token asked for again this soon went to a login that was refused (connections ask
# once more at once after a refusal), or to a second connection opened in the same
# moment: either way it is refreshed, never handed out twice in a row.
RETRY_WINDOW = 30.0


class GrantStore(Protocol):
    """Where refresh tokens are kept, by login name."""

    @property
    def where(self) -> str:
        """Where, in words: a file name, or the system keyring."""
        ...

    def load(self, username: str) -> str:
        """The refresh token, or "" when none is stored."""
        ...

    def save(self, username: str, refresh_token: str) -> None: ...


@dataclass(frozen=True)
class FileGrants:
    """One JSON file, mode 0600: {"version": 1, "grants": {username: {"refresh_token"}}}."""

    path: Path

    @property
    def where(self) -> str:
        return str(self.path)

    def load(self, username: str) -> str:
        return str(self._read().get(username, {}).get("refresh_token", ""))

    def save(self, username: str, refresh_token: str) -> None:
        grants = self._read()
        grants[username] = {"refresh_token": refresh_token}
        text = json.dumps({"version": 1, "grants": grants}, indent=2, sort_keys=True)
        write_private(self.path, text + "\n")

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            grants = data["grants"]
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise StoreError(f"cannot read {self.path}: {err.strerror}") from err
        except (ValueError, KeyError, TypeError) as err:
            raise StoreError(f"{self.path} is not a grants file",
                             "remove it and run `inboxfollow auth login`") from err
        if not isinstance(grants, dict):
            raise StoreError(f"{self.path} is not a grants file",
                             "remove it and run `inboxfollow auth login`")
        return grants


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only: a temp file created with mode
    0600, fsynced, then moved over `path`. A reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.unlink(missing_ok=True)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as err:
        temp.unlink(missing_ok=True)
        raise StoreError(f"cannot write {path}: {err.strerror}",
                         "check that the state folder is writable") from err


@dataclass(frozen=True)
class KeyringGrants:
    """The system keyring (service "inboxfollow"), through the optional `keyring` package."""

    @property
    def where(self) -> str:
        return "the system keyring"

    def load(self, username: str) -> str:
        return str(self._call("get_password", username) or "")

    def save(self, username: str, refresh_token: str) -> None:
        self._call("set_password", username, refresh_token)

    def _call(self, name: str, *args: str) -> Any:
        try:
            import keyring
        except ImportError as err:
            raise ConfigError('[oauth].token_store = "keyring" needs the keyring package',
                              "pip install 'inboxfollow[keyring]', or use token_store = "
                              '"file"') from err
        try:
            return getattr(keyring, name)(KEYRING_SERVICE, *args)
        except Exception as err:  # each keyring backend raises its own
            raise StoreError(f"the system keyring failed: {type(err).__name__}",
                             'unlock it, or use [oauth].token_store = "file"') from err


def store_of(settings: OAuthSettings, state_dir: Path) -> GrantStore:
    if settings.token_store == "keyring":
        return KeyringGrants()
    return FileGrants(state_dir / GRANTS_FILE)


class GrantSource:
    """Fresh access tokens for one login name from its stored grant; called for every
    login, like a token_cmd. A rotated refresh token replaces the stored one."""

    def __init__(self, settings: OAuthSettings, store: GrantStore, username: str,
                 section: str, clock: Callable[[], float] = time.time) -> None:
        self.settings, self.store, self.username = settings, store, username
        self.section = section  # named in the advice to log in again
        self._clock = clock
        self._lock = threading.Lock()
        self._token, self._expires, self._handed = "", 0.0, float("-inf")

    def __call__(self) -> str:
        with self._lock:
            now = self._clock()
            fresh = now < self._expires - REFRESH_MARGIN
            if not (self._token and fresh and now - self._handed >= RETRY_WINDOW):
                self._token, self._expires = self._refresh(now)
            self._handed = now
            return self._token

    def _refresh(self, now: float) -> tuple[str, float]:
        again = f"run `inboxfollow auth login --section {self.section}`"
        refresh = self.store.load(self.username)
        if not refresh:
            raise ConfigError(f"no OAuth2 grant is stored for {self.username} "
                              f"({self.store.where})", again)
        url = self.settings.token_url
        answer = post_form(url, {"grant_type": "refresh_token", "refresh_token": refresh,
                                 **self.settings.client_fields()})
        if answer.get("error") == "invalid_grant":
            raise ConfigError(f"the OAuth2 grant for {self.username} has expired or was "
                              "revoked", f"{again} to log in again")
        if answer.get("error"):
            raise MailServerError(f"{url} refused to refresh the grant for {self.username}: "
                                  f"{describe(answer, refresh)}", "check [oauth]")
        tokens = tokens_of(answer, url)
        if tokens.refresh_token and tokens.refresh_token != refresh:
            self.store.save(self.username, tokens.refresh_token)
            LOG.debug("%s: the provider rotated the refresh token; stored the new one",
                      self.username)
        LOG.debug("%s: new access token, valid %.0f s", self.username, tokens.expires_in)
        return tokens.access_token, now + tokens.expires_in


@dataclass
class OAuthGrants:
    """The [oauth] client and its store; one `GrantSource` per login name."""

    settings: OAuthSettings
    store: GrantStore
    _sources: dict[str, GrantSource] = field(default_factory=dict)

    def source(self, section: str, username: str) -> Callable[[], str]:
        if username not in self._sources:
            self._sources[username] = GrantSource(self.settings, self.store, username, section)
        return self._sources[username]


def grants_of(body: dict[str, Any] | None, state_dir: Path) -> OAuthGrants | None:
    """The [oauth] section's grants (kept in `state_dir`), or None without [oauth]."""
    if body is None:
        return None
    settings = settings_of(body)
    return OAuthGrants(settings, store_of(settings, state_dir))
