"""The command line at the process level: pipes closed early, options before or after the
command, each command's --help, usage errors and exit codes, `run`'s line per cycle, and
the demo's "Try:" lines."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from inboxfollow.cli import build_parser, main
from inboxfollow.cli.parser import COMMANDS
from inboxfollow.cli.service import cycle_line, cycle_printer
from tests.mailgen import ROOT, cli_env, ok, ok_json, run_cli
from tests.test_cli_views import NOW, synced_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synced_sample(tmp_path_factory.mktemp("process") / "sample")


def closed_early(*args: str) -> tuple[int, str]:
    """Run the CLI with its stdout a pipe whose reader is gone before it writes."""
    proc = subprocess.Popen([sys.executable, "-m", "inboxfollow", *args], cwd=ROOT,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=60), err


@pytest.mark.parametrize("args", [
    ("quotes", "--status", "all"), ("quotes", "--status", "all", "--json"), ("contacts",),
    ("quotes", "--help"), ("--help",),
])
def test_a_pipe_closed_early_ends_quietly(sample: Path, args: tuple[str, ...]) -> None:
    code, err = closed_early("--config", str(sample), "--now", NOW, *args)
    assert code in (0, 141), err
    assert err == "", err


def test_quotes_into_head_in_a_shell(sample: Path) -> None:
    command = (f"{shlex.quote(sys.executable)} -m inboxfollow --config {shlex.quote(str(sample))}"
               f" --now {NOW} quotes --status all | head -1; echo \"exit ${{PIPESTATUS[0]}}\"")
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=cli_env(), capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.stdout.splitlines()[0].startswith("contact")
    assert done.stdout.splitlines()[-1] in ("exit 0", "exit 141")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_global_options_work_after_the_command(sample: Path) -> None:
    before = ok(run_cli("--config", str(sample), "--now", NOW, "quotes", "--status", "all"))
    after = ok(run_cli("quotes", "--status", "all", "--config", str(sample), "--now", NOW))
    mixed = ok(run_cli("--config", str(sample), "quotes", "--now", NOW, "--status", "all"))
    assert before == after == mixed
    done = run_cli("quotes", "--config", str(sample.parent / "none.toml"), "-v", "--debug")
    assert done.returncode == 2 and "Traceback" in done.stderr  # --debug after the command


def test_a_global_option_after_the_command_wins_and_one_before_stays() -> None:
    parse = build_parser().parse_args
    args = parse(["--config", "a.toml", "--now", "2026-01-01T00:00", "quotes"])
    assert (args.config, args.now, args.debug, args.verbose) == (
        "a.toml", "2026-01-01T00:00", False, False)
    args = parse(["--config", "a.toml", "quotes", "--config", "b.toml", "-v"])
    assert (args.config, args.now, args.verbose) == ("b.toml", None, True)
    assert parse(["--debug", "init", "--config", "c.toml"]).config == "c.toml"


def test_the_json_is_the_same_wherever_the_options_are(sample: Path) -> None:
    first = ok_json(run_cli("quotes", "--json", "--status", "all", "--config", str(sample),
                            "--now", NOW))
    assert first == ok_json(run_cli("quotes", "--status", "all", "--json", config=sample,
                                    now=NOW))


@pytest.mark.parametrize("command", [c.name for c in COMMANDS])
def test_every_command_help_has_a_description_and_an_example(command: str) -> None:
    out = ok(run_cli(command, "--help"))
    usage, description = out.split("\n\n")[:2]
    assert usage.startswith(f"usage: inboxfollow {command}")
    assert description.strip() and not description.startswith(("positional", "options")), out
    examples = [line for line in out.splitlines() if line.startswith("example: ")]
    assert examples and all(e.startswith(f"example: inboxfollow {command}") for e in examples)
    assert "--now NOW" in out and "global options" in out


def test_digest_send_and_preview_together_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("digest", "--send", "--preview", str(tmp_path / "d.html"))
    assert done.returncode == 2 and done.stdout == ""
    assert "argument --preview: not allowed with argument --send" in done.stderr
    assert not (tmp_path / "d.html").exists()


def test_debug_keeps_the_exit_code_of_a_config_error(tmp_path: Path) -> None:
    done = run_cli("quotes", "--debug", config=tmp_path / "none.toml")
    assert done.returncode == 2, done.stderr
    assert "Traceback" in done.stderr  # --debug shows it
    assert done.stderr.strip().splitlines()[-1].startswith("inboxfollow: error: config file")
    quiet = run_cli("quotes", config=tmp_path / "none.toml")
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr


def test_run_once_prints_one_line_or_nothing_with_q(tmp_path: Path) -> None:
    config = synced_sample(tmp_path / "run")
    first = ok(run_cli("run", "--once", config=config, now=NOW))
    assert len(first.splitlines()) == 1 and first.startswith("sync: "), first
    assert ok(run_cli("run", "--once", config=config, now=NOW)) == "nothing due\n"
    assert ok(run_cli("run", "--once", "-q", config=config, now=NOW)) == ""


def test_a_cycle_line_has_a_time_stamp() -> None:
    from datetime import datetime

    when = datetime.fromisoformat(NOW)
    assert cycle_line(when, []) == "2026-03-10 09:00:00 nothing due"
    assert cycle_line(when, ["sync: 1 new", "drafts: 2 created"]) == (
        "2026-03-10 09:00:00 sync: 1 new; drafts: 2 created")


def test_run_prints_every_cycle_that_did_something_and_idle_ones_once_an_hour(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from datetime import datetime, timedelta

    start = datetime.fromisoformat(NOW)
    ticks = iter(start + timedelta(minutes=m) for m in (0, 1, 2, 3, 61, 62, 125))
    report = cycle_printer(lambda: next(ticks))
    for lines in ([], [], ["sync: 1 new"], [], [], [], []):
        report(lines)
    assert capsys.readouterr().out.splitlines() == [
        "2026-03-10 09:00:00 nothing due",
        "2026-03-10 09:02:00 sync: 1 new",
        "2026-03-10 10:02:00 nothing due",  # an hour after the last line
        "2026-03-10 11:05:00 nothing due",
    ]


def test_main_in_process_returns_the_exit_code(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "none.toml"), "quotes"]) == 2
    assert capsys.readouterr().err.startswith("inboxfollow: error: config file")


def test_the_demo_says_commands_that_work_from_here(tmp_path: Path) -> None:
    out = ok(run_cli("demo", "--dir", str(tmp_path / "demo"), now=NOW))
    tries = [line.split("Try:", 1)[-1].strip() for line in out.splitlines()
             if line.startswith("Try:")]
    assert tries, out
    command = tries[0]
    assert command.startswith(f"{shlex.quote(sys.executable)} -m inboxfollow --config ")
    done = subprocess.run(shlex.split(command), cwd=tmp_path, env=cli_env(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.startswith("contact"), done.stderr


def test_demo_sh_says_the_venv_script(tmp_path: Path) -> None:
    """scripts/demo.sh runs .venv/bin/inboxfollow: its Try lines name that, whole."""
    script = ROOT / ".venv" / "bin" / "inboxfollow"
    assert script.exists(), "scripts/install-deps.sh makes .venv/bin/inboxfollow"
    done = subprocess.run([str(script), "demo", "--dir", str(tmp_path / "d"), "--now", NOW],
                          cwd=tmp_path, env=cli_env(), capture_output=True, text=True,
                          timeout=60, check=False)
    tries = [line for line in done.stdout.splitlines() if line.startswith("Try:")]
    assert tries and tries[0].startswith(f"Try: {script} --config "), done.stdout + done.stderr


def test_run_once_tells_cron_when_a_job_failed(tmp_path: Path) -> None:
    """A failed job is exit 1 and a line on stderr; a damaged store too, with nothing lost."""
    import shutil

    config = synced_sample(tmp_path / "run")
    shutil.rmtree(tmp_path / "run" / "mail")  # the mailbox is gone: sync fails
    done = run_cli("run", "--once", config=config, now=NOW)
    assert done.returncode == 1, done.stderr
    assert "inboxfollow: error: sync:" in done.stderr
    store = tmp_path / "run" / "state" / "inboxfollow.json"
    store.write_bytes(b"\x00\xff garbage")
    done = run_cli("run", "--once", config=config, now=NOW)
    assert done.returncode == 1 and "damaged" in done.stderr, done.stderr
    assert store.read_bytes() == b"\x00\xff garbage"
