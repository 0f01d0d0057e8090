"""A poll that finds nothing new loads only what a poll needs (issue 11, point 3): not the
parser, the classification rules, the worker pool, the OAuth code nor the templates. A
pass that finds new mail loads the drafting code only when it has a draft to withdraw
or a web form's leads to draft (issue 11, point 4: start-up dominates a small first sync)."""

from __future__ import annotations

import json
import mailbox
import subprocess
import sys
from pathlib import Path

from tests.mailgen import OWNER, OWNER_NAME, message

NOT_FOR_A_POLL = (
    "inboxfollow.app.judging", "inboxfollow.mail.parse", "inboxfollow.mail.body",
    "inboxfollow.rules.automatic", "inboxfollow.app.capture", "inboxfollow.oauth.client",
    "inboxfollow.outbox.drafts", "inboxfollow.app.loops", "mailparser", "jinja2",
    "multiprocessing", "concurrent.futures.process", "urllib.request",
)
DRAFTING = ("inboxfollow.app.drafter", "inboxfollow.app.loop_drafts", "inboxfollow.outbox.drafts",
            "jinja2")

POLL = """
import json, sys
from inboxfollow.cli import main
code = main(["--config", sys.argv[1], "sync"])
print(json.dumps([code, sorted(sys.modules)]))
"""


def _one_message(tmp_path: Path, more_config: str = "") -> Path:
    """A Maildir with one inbound message and a config for it; the config's path."""
    box = mailbox.Maildir(tmp_path / "mail")
    box.add_folder("Sent")
    ann = ("Ann", "ann@example.com")
    box.add(message(ann, [(OWNER_NAME, OWNER)], "Prices?", None, "<p1@example.com>"))
    config = tmp_path / "config.toml"
    config.write_text(
        f'[owner]\nname = "{OWNER_NAME}"\naddresses = ["{OWNER}"]\ntimezone = "UTC"\n\n'
        '[maildir]\npath = "mail"\n\n[store]\npath = "state/inboxfollow.json"\n' + more_config,
        encoding="utf-8")
    return config


def _sync(config: Path) -> tuple[str, int, list[str]]:
    """`sync` in a process of its own: what it printed, its exit code and the modules loaded."""
    done = subprocess.run([sys.executable, "-c", POLL, str(config)], cwd=config.parent,
                          capture_output=True, text=True, check=True)
    code, modules = json.loads(done.stdout.splitlines()[-1])
    return done.stdout, code, modules


def test_a_poll_with_nothing_new_imports_no_judging_or_drafting_code(tmp_path: Path) -> None:
    config = _one_message(tmp_path)
    printed, code, judged = _sync(config)
    assert "1 new message" in printed and code == 0  # the first pass judges: the parser
    assert "inboxfollow.mail.parse" in judged
    assert [m for m in DRAFTING if m in judged] == []  # no draft pending, no web form
    printed, code, modules = _sync(config)
    assert "0 new message" in printed
    assert code == 0
    assert [m for m in NOT_FOR_A_POLL if m in modules] == []


def test_new_mail_loads_the_drafting_code_when_a_web_form_may_bring_leads(tmp_path: Path) -> None:
    config = _one_message(tmp_path, '\n[leads.sources.website]\nsenders = ["forms@example.com"]\n')
    printed, code, modules = _sync(config)
    assert "1 new message" in printed
    assert code == 0 and "inboxfollow.app.loop_drafts" in modules
