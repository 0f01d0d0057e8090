"""Config: the issue's example works as written; every mistake names the key and the fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inboxfollow.config import Secret, load_config
from inboxfollow.errors import ConfigError

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
    plain = load_config(write(tmp_path, "[owner]\nname='x'\naddresses=['a@b.c']\n"
                                        "[maildir]\npath='m'\nfolders_exclude=['Lists*']\n"))
    assert plain.maildir is not None
    assert (plain.maildir.folders_include, plain.maildir.folders_exclude) == ((), ("Lists*",))


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="example.toml"):
        load_config(tmp_path / "nope.toml")


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
