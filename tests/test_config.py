"""Config: the issue's example works as written; every mistake names the key and the fix."""

from __future__ import annotations

import logging
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from inboxfollow.config import (
    Secret,
    default_config_path,
    default_state_dir,
    load_config,
)
from inboxfollow.config_schema import SCHEMA
from inboxfollow.errors import ConfigError
from inboxfollow.rules.waiting import DEFAULT_WAITING_DAYS

ISSUE_EXAMPLE = """\
[owner]
name = "Dana Reyes"
addresses = ["owner@example.com"]      # every address that is the owner
timezone = "UTC"

[imap]
host = "127.0.0.1"
port = 14301
security = "none"                      # "ssl" (the default), "starttls", or "none"
username = "owner@example.com"
password_env = "INBOXFOLLOW_PASSWORD"

[capture]
address = "capture@example.com"        # the address the owner BCCs
username = "capture@example.com"       # optional: a separate mailbox on the same server to poll
password_env = "INBOXFOLLOW_CAPTURE_PASSWORD"

[store]
path = "state/inboxfollow.json"
"""

REPO = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "inboxfollow.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_issue_example_loads_as_written(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ISSUE_EXAMPLE))
    assert config.owner_addresses == ("owner@example.com",)
    assert config.imap is not None and config.imap.port == 14301
    assert config.imap.security == "none"
    assert config.capture is not None and config.capture.username == "capture@example.com"
    assert config.store_path == tmp_path / "state" / "inboxfollow.json"


def test_example_config_file_loads() -> None:
    config = load_config(REPO / "config" / "inboxfollow.example.toml")
    assert config.imap is not None


def test_the_shipped_example_is_the_repositorys_and_keeps_state_in_the_xdg_place(
    tmp_path: Path,
) -> None:
    shipped = files("inboxfollow.examples").joinpath("inboxfollow.example.toml").read_text()
    assert shipped == (REPO / "config" / "inboxfollow.example.toml").read_text()
    home = tmp_path / "home"
    config = load_config(write(tmp_path, shipped), env={"HOME": str(home)})
    assert config.store_path == home / ".local/state/inboxfollow/inboxfollow.json"
    assert config.templates is None  # the shipped templates


BAD = [
    ("[owner]\nname='x'\naddresses=['a@b.c']\ncolour='red'\n", "[owner].colour"),
    ("[owner]\nname='x'\n", "[owner].addresses is missing"),
    ("[owner]\nname=3\naddresses=['a@b.c']\n", "[owner].name must be str"),
    ("[owner]\nname='x'\naddresses='a@b.c'\n", "[owner].addresses must be a list"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\ntimezone='Mars/Base'\n", "[owner].timezone"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[imapp]\n", "unknown section [imapp]"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='h'\nusername='u'\n"
     "password_env='P'\nport='993'\n", "[imap].port must be int"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='mail.example.com'\nusername='u'\n"
     "password_env='P'\nsecurity='none'\n", "refused for mail.example.com"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='h'\nusername='u'\n"
     "password_env='P'\nsecurity='tls'\n", "[imap].security"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='h'\nusername='u'\n"
     "password='hunter2'\n", "[imap].password"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='h'\nusername='u'\n",
     "no password source"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[sync]\nbatch_size=true\n",
     "[sync].batch_size must be int"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[sync]\nbatch_size=0\n", "above zero"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[digest]\nwaiting_days=-1\n",
     "set [digest].waiting_days = 2 (the default)"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[digest]\nwaiting_days=61\n",
     "[digest].waiting_days is 61, not a number of working days from 0 to 60"),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[digest]\nwaiting_days='2bd'\n",
     "[digest].waiting_days must be int"),
    ("[owner\n", "not valid TOML"),
    *[(f"[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='h'\nusername='u'\n"
       f"password_env='P'\n{line}\n", expected) for line, expected in [
        ("folders_include = 'Archive'", "[imap].folders_include must be a list of strings"),
        ("folders_exclude = ['Lists', 3]", "[imap].folders_exclude must be a list of strings"),
        ("folders_include = ['']", "[imap].folders_include has an empty name"),
        ("folders_exclude = [' Lists']", "write 'Lists'"),
        ("folders_include = ['Kunden/%']", "use * for any characters, e.g. 'Kunden/*'"),
        ("folders_exclude = ['inbox']", "[imap].folders_exclude has INBOX, which is always read"),
        ("folder_include = ['Archive']", "unknown key [imap].folder_include"),
    ]],
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[maildir]\npath='m'\nfolders_include=['a', '']\n",
     "[maildir].folders_include has an empty name"),
    *[(f"[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='h'\nusername='u'\n"
       f"password_env='P'\n[capture]\naddress='c@b.c'\nusername='c'\npassword_env='C'\n{line}\n",
       expected) for line, expected in [
        ("folders_include = 'Archive'", "[capture].folders_include must be a list of strings"),
        ("folders_exclude = ['INBOX']", "[capture].folders_exclude has INBOX, which is always"),
        ("folders_exclude = ['Lists/%']", "[capture].folders_exclude has 'Lists/%'"),
        ("sent_folder = 'Sent'", "unknown key [capture].sent_folder"),
    ]],
    *[(f"[owner]\nname='x'\naddresses=['a@b.c']\n[{section}]\nhost='h'\nusername='u'\n{line}\n",
       expected.format(s=section)) for section in ("imap", "smtp") for line, expected in [
        ("auth='oauth2'", '[{s}].auth = "oauth2" needs [{s}].token_cmd (set token_cmd to a'),
        ("auth='oauth2'\ntoken_cmd='t'\npassword_env='P'", "remove [{s}].password_env, or set"),
        ("auth='oauth2'\ntoken_cmd='t'\npassword_cmd='p'", "remove [{s}].password_cmd, or set"),
        ("password_env='P'\ntoken_cmd='t'", 'set [{s}].auth = "oauth2" to log in with the token'),
        ("auth='xoauth2'\ntoken_cmd='t'", "use one of: password, oauth2"),
        ("auth='oauth2'\ntoken_cmd=['oama']", "[{s}].token_cmd must be str"),
    ]],
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[imap]\nhost='h'\nusername='u'\nauth='oauth2'\n"
     "token_cmd='t'\n[capture]\naddress='c@b.c'\nusername='c'\nauth='oauth2'\n",
     '[capture].auth = "oauth2" needs [capture].token_cmd'),
    ("[owner]\nname='x'\naddresses=['a@b.c']\n[smtp]\nhost='h'\nauth='oauth2'\ntoken_cmd='t'\n",
     "[smtp] has a login source but no username (set [smtp].username)"),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_config_names_the_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert expected in str(err.value)


def test_folder_patterns_load(tmp_path: Path) -> None:
    text = ISSUE_EXAMPLE.replace(
        'password_env = "INBOXFOLLOW_PASSWORD"\n',
        'password_env = "INBOXFOLLOW_PASSWORD"\nfolders_include = ["Kunden/*", "Archive"]\n'
        'folders_exclude = ["Kunden/Alt"]\n', 1)
    config = load_config(write(tmp_path, text))
    assert config.imap is not None
    assert config.imap.folders_include == ("Kunden/*", "Archive")
    assert config.imap.folders_exclude == ("Kunden/Alt",)
    assert config.capture is not None  # [imap]'s patterns are the owner's alone
    assert (config.capture.folders_include, config.capture.folders_exclude) == ((), ())
    own = load_config(write(tmp_path, ISSUE_EXAMPLE.replace(
        'password_env = "INBOXFOLLOW_CAPTURE_PASSWORD"\n',
        'password_env = "INBOXFOLLOW_CAPTURE_PASSWORD"\nfolders_exclude = ["Werbung*"]\n')))
    assert own.capture is not None and own.capture.folders_exclude == ("Werbung*",)
    assert own.imap is not None and own.imap.folders_exclude == ()
    plain = load_config(write(tmp_path, "[owner]\nname='x'\naddresses=['a@b.c']\n"
                                        "[maildir]\npath='m'\nfolders_exclude=['Lists*']\n"))
    assert plain.maildir is not None
    assert (plain.maildir.folders_include, plain.maildir.folders_exclude) == ((), ("Lists*",))


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "nope.toml")
    assert f"config file {tmp_path / 'nope.toml'} not found" in str(err.value)
    assert f"inboxfollow config --example > {tmp_path / 'nope.toml'}" in str(err.value)
    assert "--config FILE or $INBOXFOLLOW_CONFIG" in str(err.value)


# ---- where things are: the XDG places, and paths relative to the config file -------------

OWNER = "[owner]\nname='x'\naddresses=['a@b.c']\n"


@pytest.mark.parametrize(("env", "config", "state"), [
    ({"HOME": "/h"}, "/h/.config/inboxfollow/config.toml", "/h/.local/state/inboxfollow"),
    ({"HOME": "/h", "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "/s"},
     "/c/inboxfollow/config.toml", "/s/inboxfollow"),
    ({"HOME": "/h", "XDG_CONFIG_HOME": "", "XDG_STATE_HOME": ""},  # empty: as if unset
     "/h/.config/inboxfollow/config.toml", "/h/.local/state/inboxfollow"),
    ({"HOME": "/h", "XDG_CONFIG_HOME": "rel/c", "XDG_STATE_HOME": "rel/s"},  # the spec: ignore
     "/h/.config/inboxfollow/config.toml", "/h/.local/state/inboxfollow"),
])
def test_default_places_follow_xdg(env: dict[str, str], config: str, state: str) -> None:
    assert (default_config_path(env), default_state_dir(env)) == (Path(config), Path(state))


def test_a_config_without_a_store_path_keeps_the_store_in_the_xdg_state_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, state = tmp_path / "home", tmp_path / "state-home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    for text in (OWNER, OWNER + "[store]\n", OWNER + "[store]\npath = ''\n"):
        config = load_config(write(tmp_path, text))  # the environment: HOME
        assert config.store_path == home / ".local/state/inboxfollow/inboxfollow.json", text
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    assert load_config(write(tmp_path, OWNER)).store_path == state / "inboxfollow/inboxfollow.json"


PATH_KEYS = {  # every key that names a file or folder, and how a relative one ends up
    ("store", "path"): "state/s.json",
    ("drafts", "templates"): "my-templates",
    ("maildir", "path"): "mail",
    ("imap", "ca_file"): "certs/ca.pem",
    ("smtp", "ca_file"): "certs/ca.pem",
}


def test_every_path_key_is_listed_here() -> None:
    named = {(section, key) for section, keys in SCHEMA.items() for key in keys
             if key in ("path", "templates") or key.endswith(("_file", "_dir", "_path"))}
    assert named == set(PATH_KEYS)


def test_relative_paths_are_taken_from_the_config_files_folder_not_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, elsewhere = tmp_path / "conf", tmp_path / "elsewhere"
    (folder / "my-templates").mkdir(parents=True)
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    smtp = "[smtp]\nhost='127.0.0.1'\nsecurity='none'\nca_file='certs/ca.pem'\n"
    imap = ("[imap]\nhost='127.0.0.1'\nsecurity='none'\nusername='u'\npassword_env='P'\n"
            "ca_file='certs/ca.pem'\n")
    common = OWNER + "[store]\npath='state/s.json'\n[drafts]\ntemplates='my-templates'\n" + smtp
    by_imap = load_config(write(folder, common + imap))
    by_maildir = load_config(Path("../conf") / write(folder, common + "[maildir]\npath='mail'\n")
                             .name)
    assert by_imap.imap is not None and by_imap.smtp is not None and by_maildir.maildir
    got = {("store", "path"): by_imap.store_path, ("drafts", "templates"): by_imap.templates,
           ("maildir", "path"): by_maildir.maildir.path,
           ("imap", "ca_file"): Path(by_imap.imap.ca_file),
           ("smtp", "ca_file"): Path(by_imap.smtp.ca_file)}
    assert got == {key: folder / value for key, value in PATH_KEYS.items()}
    assert by_maildir.store_path == folder / "state/s.json"  # a relative --config, too
    plain = load_config(write(folder, OWNER + imap.replace("certs/ca.pem", "")))
    assert plain.imap is not None and plain.imap.ca_file == ""  # unset stays unset


def test_a_store_at_the_old_default_place_is_used_with_a_one_line_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"HOME": str(tmp_path / "home")}
    new = tmp_path / "home/.local/state/inboxfollow/inboxfollow.json"
    old = tmp_path / "state" / "inboxfollow.json"
    old.parent.mkdir()
    old.write_text("{}")
    with caplog.at_level(logging.WARNING, logger="inboxfollow.config"):
        assert load_config(write(tmp_path, OWNER), env).store_path == old
    [notice] = caplog.messages
    assert "\n" not in notice and str(old) in notice and str(new) in notice
    assert f"mkdir -p {new.parent} && mv {old.parent}/inboxfollow* {new.parent}/" in notice
    caplog.clear()
    explicit = OWNER + "[store]\npath = 'state/inboxfollow.json'\n"  # as written: no notice
    assert load_config(write(tmp_path, explicit), env).store_path == old
    new.parent.mkdir(parents=True)
    new.write_text("{}")  # moved (or copied): the new place wins, quietly
    assert load_config(write(tmp_path, OWNER), env).store_path == new
    assert caplog.messages == []


def test_cli_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[owner]\nname='x'\naddresses=['a@b.c']\ncolour='red'\n")
    done = subprocess.run(
        [sys.executable, "-m", "inboxfollow", "--config", str(path), "contacts"],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "[owner].colour" in done.stderr


def test_password_env_resolves_and_missing_env_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IF_TEST_PW", "s3cret")
    assert Secret("imap", env="IF_TEST_PW").resolve() == "s3cret"
    monkeypatch.delenv("IF_TEST_PW")
    with pytest.raises(ConfigError, match="IF_TEST_PW"):
        Secret("imap", env="IF_TEST_PW").resolve()


def test_password_cmd_first_line_and_failure_hides_output() -> None:
    assert Secret("imap", cmd="printf 'pw1\\nextra\\n'").resolve() == "pw1"
    with pytest.raises(ConfigError) as err:
        Secret("imap", cmd="sh -c 'echo leaked; exit 3'").resolve()
    assert "leaked" not in str(err.value)
    assert "exited 3" in str(err.value)


def test_waiting_days_defaults_to_two_and_is_read(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, OWNER)).digest.waiting_days == DEFAULT_WAITING_DAYS == 2
    config = load_config(write(tmp_path, OWNER + "[digest]\nwaiting_days = 0\n"))
    assert config.digest.waiting_days == 0  # listed the same day
    example = load_config(REPO / "config" / "inboxfollow.example.toml")
    assert example.digest.waiting_days == 2
