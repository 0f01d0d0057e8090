"""The command line as a user runs it: `python -m inboxfollow ...` in a subprocess.

These tests need no mail server: `demo` builds a sample Maildir mailbox and a config for it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from inboxfollow import __version__
from inboxfollow.cli import config_location
from inboxfollow.errors import ConfigError
from inboxfollow.store import open_store
from tests.mailgen import cli_env, ok, ok_json, run_cli

NOW = "2026-03-10T09:00:00+01:00"
DEMO_CONTACTS = {
    "priya@lakeside-cafe.example", "tomas@ortega-build.example", "mei.lin@gmail.com",
    "j.weber@weber-haus.example", "olu@adebayo-events.example", "sara@adebayo-events.example",
    "sam@old-carter-shop.example",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, float]:
    """`inboxfollow demo --dir DIR` run once: its folder, its output and how long it took."""
    folder = tmp_path_factory.mktemp("demo") / "inboxfollow-demo"
    started = time.monotonic()
    done = run_cli("demo", "--dir", str(folder), now=NOW, timeout=30)
    seconds = time.monotonic() - started
    return folder, ok(done), seconds


def test_help_lists_every_command() -> None:
    out = ok(run_cli("--help"))
    assert out.startswith("usage: inboxfollow")
    for command in ("sync", "contacts", "history", "check", "quotes", "quote", "stop", "mark",
                    "explain", "demo"):
        assert command in out
    for option in ("--config", "--now", "--debug", "--version"):
        assert option in out
    assert "usage:" in ok(run_cli("quotes", "--help"))


def test_version() -> None:
    assert ok(run_cli("--version")).strip() == f"inboxfollow {__version__}"


def test_no_command_or_a_wrong_one_is_a_usage_error() -> None:
    for args in ((), ("frobnicate",), ("quotes", "--status", "pending"), ("mark", "a@b.c")):
        done = run_cli(*args)
        assert done.returncode == 2, args
        assert done.stdout == "" and "usage: inboxfollow" in done.stderr, args


def test_demo_runs_quickly_and_shows_contacts_and_quotes(demo: tuple[Path, str, float]) -> None:
    folder, out, seconds = demo
    assert seconds < 10, seconds
    assert "Built a sample mailbox of 13 messages" in out
    assert "sync: 13 new message(s), 0 already known, 0 set aside" in out
    contacts_part = out.split("Contacts:", 1)[1].split("Quotes:", 1)[0]
    quotes_part = out.split("Quotes:", 1)[1]
    for email in DEMO_CONTACTS:
        assert email in contacts_part
    assert "news@timber-weekly.example" not in out  # a list is no contact
    assert "Tomás Ortega" in contacts_part
    for subject in ("Quote: oak shelving", "Angebot: Eichentisch", "Proposal: built-in",
                    "Quote for shop coun"):  # the table fits 80 columns: subjects are cut
        assert subject in quotes_part
    assert "none: bounced" in quotes_part and "none: replied" in quotes_part
    assert "follow-up 1 of 11" in quotes_part and "follow-up 2 of 11" in quotes_part
    table_part = quotes_part.split("\n\n", 1)[0]
    assert max(len(line) for line in table_part.splitlines()) <= 80
    assert f"-m inboxfollow --config {folder / 'inboxfollow.toml'} quotes" in out
    assert (folder / "inboxfollow.toml").is_file()
    assert (folder / "state" / "inboxfollow.json").is_file()


def test_demo_config_works_for_the_other_commands(demo: tuple[Path, str, float]) -> None:
    folder, _, _ = demo
    config = folder / "inboxfollow.toml"
    contacts = ok_json(run_cli("contacts", "--json", config=config, now=NOW))
    assert {c["email"] for c in contacts} == DEMO_CONTACTS
    priya = next(c for c in contacts if c["email"] == "priya@lakeside-cafe.example")
    assert (priya["name"], priya["org"], priya["touches_out"], priya["touches_in"]) == (
        "Priya Shah", "lakeside-cafe.example", 2, 0)
    mei = next(c for c in contacts if c["email"] == "mei.lin@gmail.com")
    assert (mei["org"], mei["touches_in"]) == ("", 0)  # free mail; the out-of-office no touch
    assert priya["last_touch"] == "2026-03-09T09:00:00+01:00"  # Europe/Berlin offset
    assert [c["last_touch"] for c in contacts] == sorted(
        (c["last_touch"] for c in contacts), reverse=True)

    table = ok(run_cli("contacts", config=config, now=NOW))
    assert "priya@lakeside-cafe.example" in table and "Priya Shah" in table

    history = ok_json(run_cli("history", "Priya@Lakeside-Cafe.example", "--json",
                              config=config, now=NOW))
    assert [(h["direction"], h["subject"]) for h in history] == [
        ("out", "Quote: oak shelving for the café"), ("out", "Oak samples")]
    assert history[0]["date"] < history[1]["date"]
    tomas = ok(run_cli("history", "tomas@ortega-build.example", config=config, now=NOW))
    assert tomas.index("Estimate for the staircase") < tomas.index("Re: Estimate")

    loops = {lp["contact"]: lp for lp in ok_json(run_cli(
        "quotes", "--status", "all", "--json", config=config, now=NOW))}
    assert {c: lp["status"] for c, lp in loops.items()} == {
        "priya@lakeside-cafe.example": "awaiting_reply",
        "tomas@ortega-build.example": "replied",
        "mei.lin@gmail.com": "awaiting_reply",
        "j.weber@weber-haus.example": "awaiting_reply",
        "olu@adebayo-events.example": "replied",
        "sam@old-carter-shop.example": "bounced",
    }
    assert loops["j.weber@weber-haus.example"]["touches"] == 2
    explained = ok(run_cli("explain", loops["mei.lin@gmail.com"]["message_id"], config=config,
                           now=NOW))
    assert "did not count as an answer" in explained


def test_unknown_contact_is_one_line_and_exit_1(demo: tuple[Path, str, float]) -> None:
    config = demo[0] / "inboxfollow.toml"
    for args in (("history", "nobody@nowhere.example"),
                 ("history", "nobody@nowhere.example", "--json"),
                 ("explain", "<no-such-message@nowhere.example>")):
        done = run_cli(*args, config=config, now=NOW)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("inboxfollow: error:"), done.stderr
    assert "nobody@nowhere.example" in run_cli("history", "nobody@nowhere.example",
                                               config=config).stderr


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", ""])
def test_bad_now_is_exit_2(demo: tuple[Path, str, float], value: str, tmp_path: Path) -> None:
    config = demo[0] / "inboxfollow.toml"
    known_id = ok_json(run_cli("history", "priya@lakeside-cafe.example", "--json",
                               config=config, now=NOW))[0]["message_id"]
    for args in (("quotes",), ("quotes", "--json"), ("explain", known_id),
                 ("stop", "priya@lakeside-cafe.example"), ("demo", "--dir", str(tmp_path / "d"))):
        cfg = None if args[0] == "demo" else config
        done = run_cli(*args, config=cfg, now=value)
        assert done.returncode == 2, (value, args, done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "--now" in lines[0], done.stderr
        assert "Traceback" not in done.stderr


def test_now_without_offset_is_taken_in_the_owners_zone(demo: tuple[Path, str, float]) -> None:
    config = demo[0] / "inboxfollow.toml"
    aware = ok_json(run_cli("quotes", "--status", "all", "--json", config=config, now=NOW))
    naive = ok_json(run_cli("quotes", "--status", "all", "--json", config=config,
                            now="2026-03-10T09:00:00"))
    assert aware == naive


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.txt").write_text("do not delete")
    done = run_cli("demo", "--dir", str(folder), now=NOW)
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert (folder / "thesis.txt").read_text() == "do not delete"


def test_demo_can_run_again_in_its_own_folder(tmp_path: Path) -> None:
    folder = tmp_path / "again"
    first = ok(run_cli("demo", "--dir", str(folder), now=NOW))
    second = ok(run_cli("demo", "--dir", str(folder), now=NOW))
    assert first.replace(str(folder), "") == second.replace(str(folder), "")
    with open_store(folder / "state" / "inboxfollow.json", readonly=True) as store:
        assert len(store.all_messages()) == 13


def test_missing_config_file_is_exit_2(tmp_path: Path) -> None:
    done = run_cli("contacts", config=tmp_path / "none.toml")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("inboxfollow: error: config file")
    assert len(done.stderr.strip().splitlines()) == 1


# ---- where the config is read from --------------------------------------------------------


def user_env(home: Path, **more: str) -> dict[str, str]:
    """The environment of a user whose home is `home`: no XDG variables, no INBOXFOLLOW_CONFIG."""
    env = {k: v for k, v in cli_env().items()
           if not k.startswith("XDG_") and k != "INBOXFOLLOW_CONFIG"}
    return env | {"HOME": str(home)} | more


def test_config_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    home = {"HOME": "/h"}
    assert config_location(None, home) == (Path("/h/.config/inboxfollow/config.toml"),
                                           "the default place")
    assert config_location(None, home | {"XDG_CONFIG_HOME": "/x"})[0] == Path(
        "/x/inboxfollow/config.toml")
    env = home | {"XDG_CONFIG_HOME": "/x", "INBOXFOLLOW_CONFIG": "/e/c.toml"}
    assert config_location(None, env) == (Path("/e/c.toml"), "$INBOXFOLLOW_CONFIG")
    assert config_location("f.toml", env) == (Path("f.toml"), "--config")
    assert config_location(None, home | {"INBOXFOLLOW_CONFIG": ""})[1] == "the default place"


def test_the_config_comes_from_the_flag_else_the_variable_else_the_xdg_place(
    demo: tuple[Path, str, float], tmp_path: Path
) -> None:
    demo_config = demo[0] / "inboxfollow.toml"
    xdg = tmp_path / "xdg"
    (xdg / "inboxfollow").mkdir(parents=True)
    text = demo_config.read_text().replace('"mail"', json.dumps(str(demo[0] / "mail")))
    text = text.replace('"state/', json.dumps(str(demo[0]) + "/state/")[:-1])
    (xdg / "inboxfollow" / "config.toml").write_text(text)
    missing = tmp_path / "missing.toml"

    def contacts(env: dict[str, str], config: Path | None = None) -> set[str]:
        out = ok_json(run_cli("contacts", "--json", config=config, env=env, cwd=tmp_path))
        return {c["email"] for c in out}

    home = tmp_path / "home"
    assert contacts(user_env(home, XDG_CONFIG_HOME=str(xdg))) == DEMO_CONTACTS
    assert contacts(user_env(home, INBOXFOLLOW_CONFIG=str(demo_config))) == DEMO_CONTACTS
    assert contacts(user_env(home, INBOXFOLLOW_CONFIG=str(missing)), demo_config) == (
        DEMO_CONTACTS)  # the flag wins over the variable
    done = run_cli("contacts", env=user_env(home, XDG_CONFIG_HOME=str(xdg),
                                            INBOXFOLLOW_CONFIG=str(missing)), cwd=tmp_path)
    assert done.returncode == 2 and f"config file {missing} not found" in done.stderr
    said = ok(run_cli("config", env=user_env(home, INBOXFOLLOW_CONFIG=str(demo_config)),
                      cwd=tmp_path))
    assert said.splitlines() == [f"config: {demo_config} ($INBOXFOLLOW_CONFIG)",
                                 f"store: {demo[0] / 'state' / 'inboxfollow.json'}",
                                 "templates: shipped",
                                 "waiting for your answer: listed after 2 working day(s) "
                                 "([digest].waiting_days)"]


def test_help_says_where_the_config_is_read_from(tmp_path: Path) -> None:
    home = "/home/dana"  # argparse wraps long lines at hyphens; this path has none
    out = " ".join(ok(run_cli("--help", env=user_env(Path(home)), cwd=tmp_path)).split())
    assert f"default: $INBOXFOLLOW_CONFIG, else {home}/.config/inboxfollow/config.toml" in out
    assert (f"The config is read from --config FILE, else $INBOXFOLLOW_CONFIG, else "
            f"{home}/.config/inboxfollow/config.toml ($XDG_CONFIG_HOME)") in out
    assert f"The state is kept in {home}/.local/state/inboxfollow ($XDG_STATE_HOME)" in out
    assert "`inboxfollow config --example` prints one to start from" in out


def test_without_a_config_the_error_says_where_it_looked_and_how_to_make_one(
    tmp_path: Path,
) -> None:
    env = user_env(tmp_path / "home")
    done = run_cli("quotes", env=env, cwd=tmp_path)
    place = tmp_path / "home" / ".config" / "inboxfollow" / "config.toml"
    assert done.returncode == 2 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert f"config file {place} not found" in done.stderr
    assert f"inboxfollow config --example > {place}" in done.stderr
    assert ok(run_cli("config", env=env, cwd=tmp_path)) == (
        f"config: {place} (the default place; not there yet)\n")


def test_a_config_at_the_old_default_place_is_named_not_silently_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "inboxfollow.toml").write_text("[owner]\nname='x'\n")
    done = run_cli("quotes", env=user_env(tmp_path / "home"), cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "config/inboxfollow.toml is at the old default place" in done.stderr
    assert "--config config/inboxfollow.toml" in done.stderr
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="old default place"):
        config_location(None, {"HOME": str(tmp_path / "home")})


def test_config_example_prints_the_shipped_example(tmp_path: Path) -> None:
    out = ok(run_cli("config", "--example", env=user_env(tmp_path), cwd=tmp_path))
    repo = Path(__file__).resolve().parent.parent
    assert out == (repo / "config" / "inboxfollow.example.toml").read_text(encoding="utf-8")
