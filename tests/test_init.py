"""`inboxfollow init` as a user runs it, against the test Dovecot: plain, TLS and OAuth2."""

from __future__ import annotations

import argparse
import stat
import tomllib
from pathlib import Path

import pytest

from inboxfollow.app.init import gather, render
from inboxfollow.app.presets import PRESETS, preset_for_address
from inboxfollow.cli import build_parser
from inboxfollow.errors import ConfigError
from tests.dovecot import ImapAccount, OAuth2DovecotServer, new_account
from tests.mailgen import PASSWORD_ENV, cli_env, ok, run_cli
from tests.oauth_server import OAuthServer
from tests.test_oauth2 import TokenHelper, dovecot_oauth2, helper, oauth  # noqa: F401

OWNER = "dana.reyes@example.com"


def init(config: Path, *flags: str, env: dict[str, str]) -> str:
    out = ok(run_cli("init", "--address", OWNER, "--config", str(config), "--timezone",
                     "Europe/Berlin", *flags, env=env,
                     cwd=next(p for p in config.parents if p.exists())))
    return out


def assert_private_and_secret_free(config: Path, *secrets: str) -> str:
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    text = config.read_text(encoding="utf-8")
    for secret in secrets:
        assert secret not in text
    return text


def test_gmail_preset_with_flags_over_it_writes_a_config_that_check_accepts(
    tmp_path: Path, imap_account: ImapAccount,
) -> None:
    imap_account.create_folders("Archive", "Rubbish")
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nHello.\r\n"
    for folder in ("Archive", "Rubbish"):
        imap_account.deliver(folder, raw)
    config = tmp_path / "conf" / "config.toml"
    out = init(config, "--provider", "gmail", "--host", "127.0.0.1",
               "--port", str(imap_account.port), "--security", "none",
               "--username", imap_account.username, "--password-env", PASSWORD_ENV,
               env=cli_env(imap_account))
    assert "provider: Gmail" in out and "all checks passed" in out
    assert "found: Sent 'Sent', Drafts 'Drafts', 3 folder(s) to read" in out
    assert "'Archive'" in out and "Rubbish" not in out  # an archive, never the trash
    text = assert_private_and_secret_free(config, imap_account.password)
    data = tomllib.loads(text)
    assert data["owner"] == {"name": "Dana Reyes", "addresses": [OWNER],
                             "timezone": "Europe/Berlin", "signature": ""}
    assert data["imap"]["host"] == "127.0.0.1" and data["imap"]["auth"] == "password"
    assert data["imap"]["sent_folder"] == "Sent" and data["imap"]["drafts_folder"] == "Drafts"
    assert "capture" not in data and "# [capture]" in text  # off until set
    assert "all checks passed" in ok(run_cli("check", config=config, env=cli_env(imap_account)))


def test_tls_with_a_private_ca_file(tmp_path: Path, imap_account: ImapAccount) -> None:
    config = tmp_path / "config.toml"
    ca_file = imap_account.server.ca_file
    for security, port in (("ssl", imap_account.ssl_port), ("starttls", imap_account.port)):
        out = init(config, "--provider", "fastmail", "--host", "127.0.0.1", "--port", str(port),
                   "--security", security, "--ca-file", ca_file, "--force",
                   "--username", imap_account.username,
                   env=cli_env() | {"INBOXFOLLOW_PASSWORD": imap_account.password})
        assert "all checks passed" in out
        data = tomllib.loads(config.read_text(encoding="utf-8"))
        assert data["imap"]["security"] == security and data["imap"]["ca_file"] == ca_file
        assert data["imap"]["password_env"] == "INBOXFOLLOW_PASSWORD"


def test_oauth2_through_token_cmd(
    tmp_path: Path, oauth: OAuthServer, dovecot_oauth2: OAuth2DovecotServer,  # noqa: F811
    helper: TokenHelper,  # noqa: F811
) -> None:
    account = new_account(dovecot_oauth2)
    tokens = [oauth.issue(account.username) for _ in range(3)]
    helper.serve(*tokens)
    config = tmp_path / "config.toml"
    out = init(config, "--provider", "microsoft", "--host", dovecot_oauth2.host,
               "--port", str(dovecot_oauth2.port), "--security", "starttls",
               "--ca-file", dovecot_oauth2.ca_file, "--username", account.username,
               "--token-cmd", helper.cmd, env=cli_env())
    assert "provider: Microsoft 365" in out and "all checks passed" in out
    text = assert_private_and_secret_free(config, *tokens)
    data = tomllib.loads(text)
    assert data["imap"]["auth"] == "oauth2" and data["imap"]["token_cmd"] == helper.cmd
    assert all(token not in out for token in tokens)


def test_an_existing_config_is_kept_without_force(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("# mine\n")
    done = run_cli("init", "--address", OWNER, "--config", str(config), env=cli_env())
    assert done.returncode == 2 and "--force" in done.stderr
    assert config.read_text() == "# mine\n"


def test_the_default_place_and_what_is_missing_when_not_interactive(tmp_path: Path) -> None:
    env = cli_env() | {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    env.pop("INBOXFOLLOW_CONFIG", None)
    done = run_cli("init", "--address", OWNER, "--provider", "gmail", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "--token-cmd" in done.stderr  # gmail is oauth2
    assert not (tmp_path / "xdg").exists()  # nothing written
    done = run_cli("init", "--provider", "zoho", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "--address" in done.stderr
    # a login that fails still leaves the config, at the XDG place, for `check` after a fix
    done = run_cli("init", "--address", OWNER, "--host", "127.0.0.1", "--port", "1",
                   "--security", "none", "--password-cmd", "echo x", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    written = tmp_path / "xdg" / "inboxfollow" / "config.toml"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert 'password_cmd = "echo x"' in written.read_text()


@pytest.mark.parametrize(("address", "preset", "host", "auth"), [
    ("me@gmail.com", "gmail", "imap.gmail.com", "oauth2"),
    ("me@outlook.com", "microsoft", "outlook.office365.com", "oauth2"),
    ("me@fastmail.com", "fastmail", "imap.fastmail.com", "password"),
    ("me@icloud.com", "icloud", "imap.mail.me.com", "password"),
    ("me@yahoo.com", "yahoo", "imap.mail.yahoo.com", "password"),
    ("me@zoho.com", "zoho", "imap.zoho.com", "password"),
    ("me@acme.de", "generic", "imap.acme.de", "password"),
])
def test_presets_are_picked_by_the_address(address: str, preset: str, host: str,
                                           auth: str) -> None:
    assert preset_for_address(address) is PRESETS[preset]
    args = parse("--address", address, "--token-cmd", "t") if auth == "oauth2" else parse(
        "--address", address)
    answers = gather(args, None, {})
    assert (answers.host, answers.port, answers.security, answers.auth) == (host, 993, "ssl",
                                                                            auth)
    tomllib.loads(render(answers, None))  # valid TOML


def test_questions_are_asked_with_the_preset_as_default() -> None:
    asked: list[str] = []

    def ask(question: str, default: str) -> str:
        asked.append(question)
        return {"Your email address": "ops@acme.de"}.get(question, default)

    answers = gather(parse(), ask, {"TZ": "Europe/Paris"})
    assert (answers.address, answers.host, answers.timezone) == ("ops@acme.de", "imap.acme.de",
                                                                 "Europe/Paris")
    assert answers.password_env == "INBOXFOLLOW_PASSWORD" and len(asked) == 7
    with pytest.raises(ConfigError, match="Mars/Base"):
        gather(parse("--address", "a@b.c", "--timezone", "Mars/Base"), None, {})


def parse(*flags: str) -> argparse.Namespace:
    return build_parser().parse_args(["init", *flags])


@pytest.mark.parametrize(("provider", "address", "oauth_provider"), [
    ("gmail", "dana.reyes@gmail.com", "google"),
    ("microsoft", "dana.reyes@outlook.com", "microsoft"),
])
def test_own_oauth_client_writes_the_oauth_section_and_names_auth_login(
    tmp_path: Path, provider: str, address: str, oauth_provider: str
) -> None:
    """Without a token helper: init writes [oauth] with the user's own client and says to
    log in once; nothing asks the server before that login."""
    config = tmp_path / "config.toml"
    out = ok(run_cli("init", "--address", address, "--provider", provider, "--config",
                     str(config), "--timezone", "Europe/Berlin", "--client-id",
                     "1234-abcd.apps.example", "--client-secret-cmd", "pass show oauth/secret",
                     "--yes", env=cli_env(), cwd=tmp_path))
    assert "next: `inboxfollow auth login`" in out
    data = tomllib.loads(assert_private_and_secret_free(config))
    assert data["imap"]["auth"] == "oauth2" and "token_cmd" not in data["imap"]
    assert data["oauth"] == {"provider": oauth_provider, "client_id": "1234-abcd.apps.example",
                             "client_secret_cmd": "pass show oauth/secret"}
    assert "found:" not in out  # the server is asked only after that login


def test_oauth2_without_a_token_command_or_a_client_is_one_line_naming_both(
    tmp_path: Path,
) -> None:
    done = run_cli("init", "--address", "me@gmail.com", "--provider", "gmail", "--config",
                   str(tmp_path / "c.toml"), "--yes", env=cli_env(), cwd=tmp_path)
    assert done.returncode == 2
    assert "--token-cmd" in done.stderr and "--client-id" in done.stderr
