"""`inboxfollow auth login` and the grant it stores, end to end on loopback.

The authorization server is tests/oauth_server.py (authorize, device, token and
introspection endpoints); a thread plays the browser. After a login, the owner's
mailbox on Dovecot's oauth2 passdb and the digest over SMTP log in with access tokens
made from the stored grant.
"""

from __future__ import annotations

import argparse
import logging
import stat
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from inboxfollow.app.auth import add_auth_parser, default_flow, run_auth
from inboxfollow.app.check import run_checks
from inboxfollow.app.digest import mailer_for
from inboxfollow.config import Config, load_config
from inboxfollow.credentials import TokenCmd, redact
from inboxfollow.errors import ConfigError, InboxfollowError
from inboxfollow.oauth.client import OAuthSettings, settings_of
from inboxfollow.oauth.flows import device_login
from inboxfollow.oauth.grants import GRANTS_FILE, FileGrants, GrantSource, KeyringGrants
from inboxfollow.outbox.digest import build_digest_message
from tests.dovecot import DovecotServer, OAuth2DovecotServer, new_account
from tests.oauth_server import CLIENT_ID, OAuthServer
from tests.smtpserver import SmtpServer
from tests.test_oauth2 import _dovecot, logins

USER = "owner@example.com"


@pytest.fixture(scope="module")
def oauth_server() -> Iterator[OAuthServer]:
    server = OAuthServer.start()
    yield server
    server.stop()


@pytest.fixture
def oauth(oauth_server: OAuthServer) -> OAuthServer:
    """The module's server with this test's settings: approves at once, as USER."""
    server = oauth_server
    server.user, server.deny, server.rotate, server.client_secret = USER, False, False, ""
    server.access_lifetime, server.device_script = 3600.0, []
    server.device_interval, server.device_lifetime = 0, 900
    server.token_requests.clear()
    return server


@pytest.fixture(autouse=True)
def no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    """No browser opens during the tests: the test plays it."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


def oauth_section(server: OAuthServer, extra: str = "") -> str:
    return f"""\
[oauth]
provider = "custom"
client_id = "{CLIENT_ID}"
authorize_url = "{server.url}/authorize"
token_url = "{server.url}/token"
device_url = "{server.url}/device"
scopes = ["mail", "offline_access"]
{extra}"""


def write_config(tmp_path: Path, server: OAuthServer, imap: DovecotServer | None = None,
                 user: str = USER, extra: str = "") -> Path:
    host, port, ca = (imap.host, imap.port, imap.ca_file) if imap else ("127.0.0.1", 1, "")
    path = tmp_path / "config.toml"
    path.write_text(f"""\
[owner]
name = "Dana Reyes"
addresses = ["{user}"]
[imap]
host = "{host}"
port = {port}
security = "starttls"
ca_file = "{ca}"
username = "{user}"
auth = "oauth2"
[store]
path = "state/inboxfollow.json"
{oauth_section(server)}{extra}""")
    return path


def login_args(*flags: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_auth_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["auth", "login", *flags])


class Browser:
    """Plays the user's browser: GETs the authorize address `auth login` prints and
    follows the fixture's redirect to the loopback one (first, `first`: a forged one)."""

    def __init__(self, forged_state: bool = False) -> None:
        self.lines: list[str] = []
        self.statuses: list[int] = []
        self.forged_state = forged_state
        self.thread: threading.Thread | None = None

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        if line.startswith("http"):
            self.thread = threading.Thread(target=self._visit, args=(line,), daemon=True)
            self.thread.start()

    def _visit(self, url: str) -> None:
        if self.forged_state:
            redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
            self.statuses.append(self._get(f"{redirect}?code=forged&state=forged"))
        self.statuses.append(self._get(url))

    @staticmethod
    def _get(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as err:
            return err.code


def secrets_of(server: OAuthServer) -> list[str]:
    """Every access and refresh token the server ever issued."""
    return [*server.grants, *server.refresh_tokens]


def assert_hidden(text: str, *tokens: str) -> None:
    assert text and tokens
    assert redact(text, tokens, USER) == text


# -- the browser flow -------------------------------------------------------------


def test_the_browser_flow_stores_the_grant_with_mode_0600_and_shows_no_token(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    path = write_config(tmp_path, oauth)
    browser = Browser()
    assert run_auth(login_args("--browser"), path, browser) == 0
    url = next(line for line in browser.lines if line.startswith("http"))
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"][0].startswith("http://127.0.0.1:")
    assert query["scope"] == ["mail offline_access"]
    assert browser.statuses == [200]
    assert oauth.token_requests == ["authorization_code"]
    grants = tmp_path / "state" / GRANTS_FILE
    assert stat.S_IMODE(grants.stat().st_mode) == 0o600
    [refresh] = oauth.refresh_tokens
    assert FileGrants(grants).load(USER) == refresh
    assert [p.name for p in grants.parent.iterdir()] == [GRANTS_FILE]  # no temp file left
    assert f"the grant for {USER} is kept in {grants}" in "\n".join(browser.lines)
    assert_hidden("\n".join(browser.lines), *secrets_of(oauth))


def test_a_redirect_with_another_state_is_refused_and_the_real_one_taken(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    browser = Browser(forged_state=True)
    assert run_auth(login_args("--browser"), write_config(tmp_path, oauth), browser) == 0
    assert browser.statuses == [400, 200]
    assert oauth.token_requests == ["authorization_code"]  # the forged code never sent


def test_a_declined_login_in_the_browser_is_one_line_saying_to_try_again(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    oauth.deny = True
    with pytest.raises(ConfigError) as caught:
        run_auth(login_args("--browser"), write_config(tmp_path, oauth), Browser())
    assert "declined in the browser" in str(caught.value)
    assert "inboxfollow auth login" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / "state" / GRANTS_FILE).exists()


def test_a_client_secret_comes_from_its_command_and_is_never_shown(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    oauth.client_secret = "7766554433"
    lines: list[str] = []
    secret_cmd = f"client_secret_cmd = '{sys.executable} -c \"print(7766554433)\"'\n"
    path = write_config(tmp_path, oauth, extra=secret_cmd)
    assert run_auth(login_args("--device"), path, lines.append) == 0
    with pytest.raises(ConfigError, match="refused the device code: invalid_client"):
        run_auth(login_args("--device"), write_config(tmp_path, oauth), lines.append)
    assert_hidden("\n".join(lines), "7766554433")


# -- the device flow --------------------------------------------------------------


def settings(server: OAuthServer) -> OAuthSettings:
    body = {"provider": "custom", "client_id": CLIENT_ID, "client_secret_cmd": "",
            "tenant": "", "authorize_url": f"{server.url}/authorize",
            "token_url": f"{server.url}/token", "device_url": f"{server.url}/device",
            "scopes": ["mail"], "token_store": "file"}
    return settings_of(body)


def test_the_device_flow_polls_at_the_interval_and_slows_down_when_told(
    oauth: OAuthServer,
) -> None:
    oauth.device_interval = 2
    oauth.device_script = ["authorization_pending", "slow_down", "authorization_pending"]
    waits: list[float] = []
    lines: list[str] = []
    tokens = device_login(settings(oauth), lines.append, sleep=waits.append)
    assert waits == [2, 2, 7, 7]  # slow_down: 5 s more, for every later poll
    assert oauth.token_requests == ["urn:ietf:params:oauth:grant-type:device_code"] * 4
    assert lines[0] == f"on any device, open {oauth.url}/device-page and enter the code WDJB-MJHT"
    assert tokens.refresh_token in oauth.refresh_tokens
    assert oauth.owner_of(tokens.access_token) == USER


@pytest.mark.parametrize("script, expected", [
    (["authorization_pending", "access_denied"], "the login was declined"),
    (["expired_token"], "the code expired before the login was approved"),
    (["authorization_pending"] * 5, "the code expired before the login was approved"),
])
def test_a_denied_or_expired_device_code_is_one_line_saying_to_try_again(
    oauth: OAuthServer, script: list[str], expected: str,
) -> None:
    oauth.device_script, oauth.device_interval, oauth.device_lifetime = script, 5, 10
    waits: list[float] = []
    with pytest.raises(ConfigError) as caught:
        device_login(settings(oauth), lambda line: None, sleep=waits.append)
    assert expected in str(caught.value) and "inboxfollow auth login" in str(caught.value)
    assert sum(waits) <= 10


def test_the_device_flow_is_the_default_without_a_display() -> None:
    custom = OAuthSettings("custom", "id", token_url="https://t", device_url="https://d")
    assert default_flow(custom, {}, "linux") == "device"
    assert default_flow(custom, {"DISPLAY": ":0"}, "linux") == "browser"
    assert default_flow(custom, {"WAYLAND_DISPLAY": "wayland-0"}, "linux") == "browser"
    assert default_flow(custom, {}, "darwin") == "browser"
    google = OAuthSettings("google", "id", token_url="https://t", device_url="https://d")
    assert default_flow(google, {}, "linux") == "browser"  # no device flow for mail scopes


# -- the grant: refresh, rotation, revocation --------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def stored_grant(tmp_path: Path, server: OAuthServer) -> FileGrants:
    tokens = device_login(settings(server), lambda line: None, sleep=lambda s: None)
    store = FileGrants(tmp_path / GRANTS_FILE)
    store.save(USER, tokens.refresh_token)
    server.token_requests.clear()
    return store


def test_the_access_token_is_kept_in_memory_and_refreshed_a_minute_before_it_expires(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    oauth.access_lifetime = 300
    clock = Clock()
    source = GrantSource(settings(oauth), stored_grant(tmp_path, oauth), USER, "imap", clock)
    first = source()
    clock.now += 60
    assert source() == first  # 240 s left
    clock.now += 180
    second = source()  # 60 s left: refreshed
    assert second != first and oauth.owner_of(second) == USER
    assert oauth.token_requests == ["refresh_token"] * 2


def test_a_token_asked_for_again_at_once_is_a_fresh_one(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    """A connection asks once more right after the server refused the token."""
    clock = Clock()
    source = GrantSource(settings(oauth), stored_grant(tmp_path, oauth), USER, "imap", clock)
    refused = source()
    clock.now += 2
    assert source() != refused
    assert oauth.token_requests == ["refresh_token"] * 2


def test_a_rotated_refresh_token_replaces_the_stored_one(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    oauth.rotate = True
    store = stored_grant(tmp_path, oauth)
    old = store.load(USER)
    clock = Clock()
    source = GrantSource(settings(oauth), store, USER, "imap", clock)
    source()
    assert store.load(USER) != old and store.load(USER) in oauth.refresh_tokens
    assert old not in oauth.refresh_tokens
    clock.now += 3600
    assert oauth.owner_of(source()) == USER  # the new one refreshes in its turn
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600


def test_a_revoked_grant_is_one_line_that_names_auth_login(
    tmp_path: Path, oauth: OAuthServer, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = stored_grant(tmp_path, oauth)
    refresh = store.load(USER)
    oauth.revoke_grants()
    with pytest.raises(ConfigError) as caught:
        GrantSource(settings(oauth), store, USER, "smtp")()
    message = str(caught.value)
    assert message == (f"the OAuth2 grant for {USER} has expired or was revoked (run "
                       "`inboxfollow auth login --section smtp` to log in again)")
    assert_hidden(message + caplog.text, refresh)


def test_without_a_stored_grant_the_error_names_auth_login(tmp_path: Path) -> None:
    source = GrantSource(OAuthSettings("custom", "id", token_url="https://t"),
                         FileGrants(tmp_path / GRANTS_FILE), USER, "imap")
    with pytest.raises(ConfigError, match=r"no OAuth2 grant is stored for owner@example\.com"
                       r" .*run `inboxfollow auth login --section imap`"):
        source()


# -- the config -------------------------------------------------------------------


def test_auth_oauth2_without_token_cmd_takes_its_token_from_the_grant(
    tmp_path: Path, oauth: OAuthServer,
) -> None:
    config = load_config(write_config(tmp_path, oauth))
    assert config.imap is not None and isinstance(config.imap.secret, TokenCmd)
    assert config.imap.secret.cmd == "" and config.imap.secret.grant is not None
    assert oauth.token_requests == []  # loading the config asks nothing


@pytest.mark.parametrize("extra, expected", [
    ('token_url = "http://auth.example.com/token"', "[oauth].token_url 'http://auth.example"),
    ('token_url = "https://t"\ntoken_store = "vault"', "use one of: file, keyring"),
    ('token_url = "https://t"\nscope = "mail"', "unknown key [oauth].scope"),
])
def test_oauth_config_mistakes_name_the_key(
    tmp_path: Path, oauth: OAuthServer, extra: str, expected: str,
) -> None:
    path = tmp_path / "config.toml"
    section = oauth_section(oauth).replace(f'token_url = "{oauth.url}/token"\n', "")
    path.write_text(f'[owner]\nname = "x"\naddresses = ["{USER}"]\n{section}{extra}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in str(caught.value)


def test_the_presets_fill_in_the_endpoints_and_scopes() -> None:
    body = {"client_secret_cmd": "", "tenant": "common", "authorize_url": "",
            "token_url": "", "device_url": "", "scopes": [], "token_store": "file"}
    google = settings_of({**body, "provider": "google", "client_id": "mine"})
    assert google.scopes == ("https://mail.google.com/",)
    assert google.token_url == "https://oauth2.googleapis.com/token"
    microsoft = settings_of({**body, "provider": "microsoft", "client_id": "mine",
                             "tenant": "organizations"})
    assert microsoft.device_url == (
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode")
    assert "https://outlook.office.com/SMTP.Send" in microsoft.scopes
    assert "offline_access" in microsoft.scopes
    assert microsoft.redirect == "http://localhost:{port}"  # as Entra registers it
    with pytest.raises(ConfigError, match="needs \\[oauth\\].token_url"):
        settings_of({**body, "provider": "custom", "client_id": "mine"})


def test_the_keyring_is_opt_in_and_named_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed, whatever this machine has
    with pytest.raises(ConfigError, match=r"inboxfollow\[keyring\]"):
        KeyringGrants().save(USER, "rt-x")


# -- end to end: auth login, then check logs in to Dovecot ------------------------------


@pytest.fixture(scope="module")
def dovecot_oauth2(oauth_server: OAuthServer) -> Iterator[OAuth2DovecotServer]:
    yield from _dovecot(oauth_server, "xoauth2 oauthbearer")


@pytest.fixture(scope="module")
def dovecot_xoauth2(oauth_server: OAuthServer) -> Iterator[OAuth2DovecotServer]:
    yield from _dovecot(oauth_server, "xoauth2")


@pytest.mark.parametrize("mechanism", ["OAUTHBEARER", "XOAUTH2"])
def test_after_auth_login_check_logs_in_with_a_token_from_the_grant(
    tmp_path: Path, oauth: OAuthServer, request: pytest.FixtureRequest, mechanism: str,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    server: OAuth2DovecotServer = request.getfixturevalue(
        "dovecot_oauth2" if mechanism == "OAUTHBEARER" else "dovecot_xoauth2")
    account = new_account(server)
    oauth.user = account.username
    path = write_config(tmp_path, oauth, server, account.username)
    assert run_auth(login_args("--device"), path, print) == 0
    assert run_checks(load_config(path), print) == []
    assert logins(server, account.username) == [mechanism]
    assert oauth.token_requests[-1] == "refresh_token"
    out = capsys.readouterr()
    assert "ok: owner: reachable, login works" in out.out
    assert_hidden(out.out + out.err + caplog.text, *secrets_of(oauth))


def test_check_with_a_revoked_grant_says_to_log_in_again(
    tmp_path: Path, oauth: OAuthServer, dovecot_oauth2: OAuth2DovecotServer,
) -> None:
    account = new_account(dovecot_oauth2)
    oauth.user = account.username
    path = write_config(tmp_path, oauth, dovecot_oauth2, account.username)
    run_auth(login_args("--device"), path, lambda line: None)
    oauth.revoke_grants()
    lines: list[str] = []
    [problem] = run_checks(load_config(path), lines.append)
    assert "has expired or was revoked" in problem and "inboxfollow auth login" in problem
    assert logins(dovecot_oauth2, account.username) == []


def smtp_config(tmp_path: Path, oauth: OAuthServer, server: SmtpServer) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(f"""\
[owner]
name = "Dana Reyes"
addresses = ["{USER}"]
[digest]
delivery = "smtp"
[smtp]
host = "{server.host}"
port = {server.port}
security = "starttls"
ca_file = "{server.ca_file}"
username = "{USER}"
auth = "oauth2"
[store]
path = "state/inboxfollow.json"
{oauth_section(oauth)}""")
    return load_config(path)


def test_the_digest_goes_out_over_smtp_with_a_token_from_the_grant(
    tmp_path: Path, cert_dir: Path, oauth: OAuthServer,
) -> None:
    def no_mailbox() -> object:
        raise AssertionError("delivery = smtp opens no mailbox")

    with SmtpServer.start("starttls", cert_dir, oauth=oauth.owner_of,
                          oauthbearer=False) as server:
        config = smtp_config(tmp_path, oauth, server)
        lines: list[str] = []
        run_auth(login_args("--device", "--section", "smtp"), config.path, lines.append)
        mailer, close = mailer_for(config, no_mailbox)  # type: ignore[arg-type]
        message = build_digest_message("Dana Reyes", USER, USER, "Follow-up digest", "text\n",
                                       "<p>html</p>\n", datetime(2026, 3, 2, 8, tzinfo=UTC))
        mailer.send(message, USER, [USER])
        close()
    assert [(got.login, got.tls) for got in server.received] == [(USER, True)]
    assert server.recorder.attempts == ["XOAUTH2"]  # type: ignore[attr-defined]


def test_a_section_without_a_username_is_named(tmp_path: Path, oauth: OAuthServer) -> None:
    path = write_config(tmp_path, oauth)
    with pytest.raises(InboxfollowError, match=r"\[capture\]\.username is not set"):
        run_auth(login_args("--section", "capture"), path, print)
