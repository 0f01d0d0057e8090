"""OAuth2 logins (auth = "oauth2" with token_cmd), end to end on loopback.

Dovecot's oauth2 passdb checks every token against the introspection endpoint of
a small authorization server (tests/oauth_server.py); the test SMTP server asks
the same one. A fixture script stands in for oama, pizauth or mutt_oauth2.py:
each run prints the next token of a list and is counted.
"""

from __future__ import annotations

import logging
import stat
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from inboxfollow.app.digest import mailer_for
from inboxfollow.config import Config, load_config
from inboxfollow.credentials import TokenCmd, redact, sasl_oauth
from inboxfollow.errors import ConfigError, InboxfollowError, MailServerError
from inboxfollow.outbox.digest import build_digest_message
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.sources.imap import ImapMailbox
from tests.dovecot import DovecotServer, OAuth2DovecotServer, new_account
from tests.oauth_server import OAuthServer
from tests.smtpserver import SmtpServer

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)

HELPER = """\
#!{python}
import pathlib, sys
folder = pathlib.Path(sys.argv[1])
tokens = (folder / "tokens").read_text().split()
runs = folder / "runs"
done = len(runs.read_text().splitlines()) if runs.exists() else 0
with runs.open("a") as log:
    log.write("run\\n")
if not tokens:
    sys.exit("no grant: run the helper's login first")
print(tokens[min(done, len(tokens) - 1)])
"""


class TokenHelper:
    """A stand-in for oama / pizauth: each run prints the next token (the last again)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)
        script = folder / "token-helper"
        script.write_text(HELPER.format(python=sys.executable))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        self.cmd = f"{script} {folder}"
        self.serve()

    def serve(self, *tokens: str) -> None:
        (self.folder / "tokens").write_text("\n".join(tokens) + "\n")
        (self.folder / "runs").unlink(missing_ok=True)

    @property
    def runs(self) -> int:
        runs = self.folder / "runs"
        return len(runs.read_text().splitlines()) if runs.exists() else 0


@pytest.fixture(scope="module")
def oauth() -> Iterator[OAuthServer]:
    server = OAuthServer.start()
    yield server
    server.stop()


def _dovecot(oauth: OAuthServer, mechanisms: str) -> Iterator[OAuth2DovecotServer]:
    server = OAuth2DovecotServer.start_oauth2(oauth.introspection_url, mechanisms)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def dovecot_oauth2(oauth: OAuthServer) -> Iterator[OAuth2DovecotServer]:
    """Offers both XOAUTH2 and OAUTHBEARER."""
    yield from _dovecot(oauth, "xoauth2 oauthbearer")


@pytest.fixture(scope="module")
def dovecot_xoauth2(oauth: OAuthServer) -> Iterator[OAuth2DovecotServer]:
    """Offers XOAUTH2 only, as Microsoft 365 does."""
    yield from _dovecot(oauth, "xoauth2")


@pytest.fixture
def helper(tmp_path: Path) -> TokenHelper:
    return TokenHelper(tmp_path)


def imap_config(tmp_path: Path, server: DovecotServer, user: str, cmd: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(f"""\
[owner]
name = "Dana Reyes"
addresses = ["{user}"]
[imap]
host = "{server.host}"
port = {server.port}
security = "starttls"
ca_file = "{server.ca_file}"
username = "{user}"
auth = "oauth2"
token_cmd = "{cmd}"
[store]
path = "store.json"
""")
    return load_config(path)


def owner_mailbox(config: Config) -> ImapMailbox:
    [mailbox] = open_mailboxes(config)
    assert isinstance(mailbox, ImapMailbox)
    return mailbox


def logins(server: OAuth2DovecotServer, user: str) -> list[str]:
    """The SASL mechanisms of the user's successful logins, from Dovecot's log."""
    marker = f"Login: user=<{user}>, method="
    return [line.split(marker, 1)[1].split(",", 1)[0]
            for line in server.log_text().splitlines() if marker in line]


# -- IMAP ----------------------------------------------------------------------


def test_oauthbearer_is_used_where_offered_and_the_token_is_fetched_for_every_connection(
    tmp_path: Path, oauth: OAuthServer, dovecot_oauth2: OAuth2DovecotServer, helper: TokenHelper,
) -> None:
    account = new_account(dovecot_oauth2)
    first, second = oauth.issue(account.username), oauth.issue(account.username)
    helper.serve(first, second)
    config = imap_config(tmp_path, dovecot_oauth2, account.username, helper.cmd)
    assert helper.runs == 0  # loading the config runs nothing
    mailbox = owner_mailbox(config)
    assert helper.runs == 0  # neither does opening the mailbox: it connects when used
    with mailbox:
        assert "Sent" in mailbox.folders().values()
    with mailbox:  # a second connection: a fresh token
        mailbox.status("INBOX")
    assert helper.runs == 2
    assert oauth.introspected[-2:] == [first, second]
    assert logins(dovecot_oauth2, account.username) == ["OAUTHBEARER", "OAUTHBEARER"]


def test_xoauth2_where_oauthbearer_is_not_offered(
    tmp_path: Path, oauth: OAuthServer, dovecot_xoauth2: OAuth2DovecotServer, helper: TokenHelper,
) -> None:
    account = new_account(dovecot_xoauth2)
    helper.serve(oauth.issue(account.username))
    with owner_mailbox(imap_config(tmp_path, dovecot_xoauth2, account.username,
                                   helper.cmd)) as mailbox:
        assert "Drafts" in mailbox.folders().values()
    assert logins(dovecot_xoauth2, account.username) == ["XOAUTH2"]


def test_a_refused_token_is_fetched_once_more_and_the_fresh_one_logs_in(
    tmp_path: Path, oauth: OAuthServer, dovecot_oauth2: OAuth2DovecotServer, helper: TokenHelper,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = new_account(dovecot_oauth2)
    stale, fresh = oauth.issue(account.username), oauth.issue(account.username)
    oauth.expire(stale)  # the helper's cached token expired a moment ago
    helper.serve(stale, fresh)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="imapclient")
    with owner_mailbox(imap_config(tmp_path, dovecot_oauth2, account.username,
                                   helper.cmd)) as mailbox:
        mailbox.status("INBOX")
    assert helper.runs == 2
    assert logins(dovecot_oauth2, account.username) == ["OAUTHBEARER"]
    assert_hidden(caplog.text, account.username, stale, fresh)


REFUSED = ["unknown", "expired", "revoked", "another user's"]


@pytest.mark.parametrize("case", REFUSED)
def test_a_bad_token_is_refused_with_one_line_that_names_token_cmd(
    tmp_path: Path, oauth: OAuthServer, dovecot_xoauth2: OAuth2DovecotServer, helper: TokenHelper,
    caplog: pytest.LogCaptureFixture, case: str,
) -> None:
    account, other = new_account(dovecot_xoauth2), new_account(dovecot_xoauth2)
    token = oauth.issue(other.username if case == "another user's" else account.username)
    if case == "unknown":
        token = "at-never-issued-" + token[3:]
    elif case == "expired":
        oauth.expire(token)
    elif case == "revoked":
        oauth.revoke(token)
    helper.serve(token)
    caplog.set_level(logging.DEBUG)
    mailbox = owner_mailbox(imap_config(tmp_path, dovecot_xoauth2, account.username,
                                        helper.cmd))
    with pytest.raises(MailServerError) as caught:
        mailbox.folders()
    mailbox.close()
    message = str(caught.value)
    assert "refused the OAuth2 access token" in message and "[imap].token_cmd" in message
    assert "\n" not in message
    assert helper.runs == 2  # fetched once more before giving up
    assert logins(dovecot_xoauth2, account.username) == []
    assert_hidden(message + caplog.text, account.username, token)


def test_a_failing_token_cmd_is_a_config_error_that_hides_its_output(
    tmp_path: Path, dovecot_oauth2: OAuth2DovecotServer, helper: TokenHelper,
) -> None:
    account = new_account(dovecot_oauth2)
    helper.serve()  # no tokens: the helper exits 1 with a message of its own
    mailbox = owner_mailbox(imap_config(tmp_path, dovecot_oauth2, account.username,
                                        helper.cmd))
    with pytest.raises(ConfigError) as caught:
        mailbox.folders()
    mailbox.close()
    assert "[imap].token_cmd exited 1 without an access token" in str(caught.value)
    assert "no grant" not in str(caught.value)


def test_the_capture_mailbox_logs_in_with_its_own_token_cmd(
    tmp_path: Path, oauth: OAuthServer, dovecot_oauth2: OAuth2DovecotServer, helper: TokenHelper,
) -> None:
    owner, capture = new_account(dovecot_oauth2), new_account(dovecot_oauth2, "capture")
    helper.serve(oauth.issue(owner.username))
    capture_helper = TokenHelper(tmp_path / "capture-helper")
    capture_helper.serve(oauth.issue(capture.username))
    path = tmp_path / "config.toml"
    path.write_text(imap_config(tmp_path, dovecot_oauth2, owner.username, helper.cmd)
                    .path.read_text() + f"""\
[capture]
address = "{capture.username}"
username = "{capture.username}"
auth = "oauth2"
token_cmd = "{capture_helper.cmd}"
""")
    config = load_config(path)
    assert config.capture is not None and isinstance(config.capture.secret, TokenCmd)
    for mailbox in open_mailboxes(config):
        with mailbox:
            mailbox.folders()
    assert (helper.runs, capture_helper.runs) == (1, 1)
    assert logins(dovecot_oauth2, capture.username) == ["OAUTHBEARER"]


def test_a_server_without_token_mechanisms_is_named_before_any_token_is_fetched(
    tmp_path: Path, dovecot: DovecotServer, helper: TokenHelper,
) -> None:
    account = new_account(dovecot)
    mailbox = owner_mailbox(imap_config(tmp_path, dovecot, account.username, helper.cmd))
    with pytest.raises(MailServerError, match="offers neither OAUTHBEARER nor XOAUTH2"):
        mailbox.folders()
    mailbox.close()
    assert helper.runs == 0


def test_a_password_login_still_works_on_the_same_server(
    dovecot_oauth2: OAuth2DovecotServer,
) -> None:
    account = new_account(dovecot_oauth2)
    account.client().logout()
    assert logins(dovecot_oauth2, account.username) == ["PLAIN"]


# -- SMTP, for the digest --------------------------------------------------------


def smtp_config(tmp_path: Path, server: SmtpServer, user: str, cmd: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(f"""\
[owner]
name = "Dana Reyes"
addresses = ["{user}"]
[digest]
delivery = "smtp"
[smtp]
host = "{server.host}"
port = {server.port}
security = "starttls"
ca_file = "{server.ca_file}"
username = "{user}"
auth = "oauth2"
token_cmd = "{cmd}"
[store]
path = "store.json"
""")
    return load_config(path)


def no_mailbox() -> ImapMailbox:
    raise AssertionError("delivery = smtp opens no mailbox")


def digest(user: str) -> bytes:
    return build_digest_message("Dana Reyes", user, user, "Follow-up digest", "text\n",
                                "<p>html</p>\n", NOW)


@pytest.mark.parametrize("oauthbearer", [False, True], ids=["xoauth2", "oauthbearer"])
def test_the_digest_goes_out_over_smtp_with_a_fresh_token_per_send(
    tmp_path: Path, cert_dir: Path, oauth: OAuthServer, helper: TokenHelper, oauthbearer: bool,
) -> None:
    user = "owner@example.com"
    helper.serve(oauth.issue(user), oauth.issue(user))
    with SmtpServer.start("starttls", cert_dir, oauth=oauth.owner_of,
                          oauthbearer=oauthbearer) as server:
        config = smtp_config(tmp_path, server, user, helper.cmd)
        mailer, close = mailer_for(config, no_mailbox)
        mailer.send(digest(user), user, [user])
        mailer.send(digest(user), user, [user])
        close()
    assert [(got.login, got.tls) for got in server.received] == [(user, True)] * 2
    mechanism = "OAUTHBEARER" if oauthbearer else "XOAUTH2"
    assert server.recorder.attempts == [mechanism] * 2  # type: ignore[attr-defined]
    assert helper.runs == 2


def test_smtp_fetches_a_fresh_token_after_a_refusal(
    tmp_path: Path, cert_dir: Path, oauth: OAuthServer, helper: TokenHelper,
) -> None:
    user = "owner@example.com"
    stale, fresh = oauth.issue(user), oauth.issue(user)
    oauth.expire(stale)
    helper.serve(stale, fresh)
    with SmtpServer.start("starttls", cert_dir, oauth=oauth.owner_of,
                          oauthbearer=False) as server:
        mailer, _ = mailer_for(smtp_config(tmp_path, server, user, helper.cmd), no_mailbox)
        mailer.send(digest(user), user, [user])
    assert [got.login for got in server.received] == [user]
    assert helper.runs == 2


@pytest.mark.parametrize("case", ["expired", "another user's"])
def test_smtp_refuses_a_bad_token_twice_and_says_check_token_cmd(
    tmp_path: Path, cert_dir: Path, oauth: OAuthServer, helper: TokenHelper, case: str,
) -> None:
    user = "owner@example.com"
    token = oauth.issue("someone@example.com" if case == "another user's" else user)
    if case == "expired":
        oauth.expire(token)
    helper.serve(token)
    with SmtpServer.start("starttls", cert_dir, oauth=oauth.owner_of,
                          oauthbearer=False) as server:
        mailer, _ = mailer_for(smtp_config(tmp_path, server, user, helper.cmd), no_mailbox)
        with pytest.raises(MailServerError) as caught:
            mailer.send(digest(user), user, [user])
    assert server.received == []
    assert helper.runs == 2
    message = str(caught.value)
    assert "refused the OAuth2 access token" in message and "[smtp].token_cmd" in message
    assert "\n" not in message
    assert_hidden(message, user, token)


# -- the pieces ------------------------------------------------------------------


def assert_hidden(text: str, user: str, *tokens: str) -> None:
    """None of the tokens, raw or in a SASL exchange's base64, is in `text`."""
    assert text, "nothing to look at"
    assert redact(text, tokens, user) == text


def test_redact_takes_out_tokens_raw_and_as_sasl_sends_them() -> None:
    import base64

    token, user = "at-SECRET-123", "owner@example.com"
    for mechanism in ("OAUTHBEARER", "XOAUTH2"):
        sent = base64.b64encode(sasl_oauth(mechanism, user, token).encode()).decode()
        text = f"error: {token} in {sent}"
        assert redact(text, [token], user) == "error: **REDACTED** in **REDACTED**"


def test_sasl_responses_are_those_of_rfc_7628_and_xoauth2() -> None:
    assert sasl_oauth("OAUTHBEARER", "a,b=c@x", "T") == "n,a=a=2Cb=3Dc@x,\1auth=Bearer T\1\1"
    assert sasl_oauth("XOAUTH2", "me@x", "T") == "user=me@x\1auth=Bearer T\1\1"


def test_token_cmd_prints_a_token_per_run(helper: TokenHelper) -> None:
    helper.serve("at-1", "at-2")
    command = TokenCmd("imap", helper.cmd)
    assert [command.fetch(), command.fetch(), command.fetch()] == ["at-1", "at-2", "at-2"]


def test_a_missing_token_cmd_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(InboxfollowError) as caught:
        TokenCmd("smtp", str(tmp_path / "no-such-helper")).fetch()
    assert "[smtp].token_cmd could not run" in str(caught.value)
