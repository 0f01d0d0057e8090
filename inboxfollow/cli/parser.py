"""The command table and the argument parser built from it.

Each command is one `Command`: its name, what runs it, a one-line summary (the list in
`inboxfollow --help` and the description in its own `--help`), examples, and its own
arguments. To add a command, add one entry to COMMANDS. The global options (--config,
--now, --debug, -v) work before or after the command: each subparser has them too, with
no default, so a later one wins and an absent one leaves the earlier one alone.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inboxfollow.app.auth import add_auth_parser
from inboxfollow.app.init import add_init_parser
from inboxfollow.cli import commands, plan_commands, service
from inboxfollow.cli.commands import STATUSES
from inboxfollow.cli.context import Context
from inboxfollow.config import CONFIG_ENV, default_config_path, default_state_dir

Arguments = Callable[[argparse.ArgumentParser], None]


class _Version(argparse.Action):
    """--version, which reads the package metadata only when given."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        import inboxfollow

        print(f"inboxfollow {inboxfollow.__version__}")
        parser.exit()


def _none(parser: argparse.ArgumentParser) -> None:
    del parser


@dataclass(frozen=True)
class Command:
    name: str
    run: Callable[[Context], int]
    summary: str  # one line, lower case, no full stop
    examples: tuple[str, ...]
    arguments: Arguments = _none
    register: Callable[[Any], None] | None = None  # builds its own parser (init)


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true",
                        help="print JSON instead of a table (fields: see the README)")


def _loops(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", choices=("quote", "reminder", "waiting", "all"),
                        default="all", help="which loops to list")
    parser.add_argument("--status", default="awaiting_reply",
                        help="awaiting_reply (the default), replied, ..., or all")
    _json(parser)


def _promises(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="also the promises kept")
    _json(parser)


def _wide(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wide", action="store_true",
                        help="show every column in full (default: fit 80 columns or the "
                        "terminal)")


def _contacts(parser: argparse.ArgumentParser) -> None:
    _json(parser)
    _wide(parser)


def _history(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("contact", help="the contact's email address")
    _contacts(parser)


def _check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deep", action="store_true",
                        help="also derive what is kept beside the store anew from every "
                             "stored message and compare")


def _quotes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", default="awaiting_reply", choices=(*STATUSES, "all"),
                        help="which loops to show (default: awaiting_reply)")
    _contacts(parser)


def _quote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--not", dest="not_", action="store_true", help="unmark it")
    parser.add_argument("message_id", help="the message's Message-ID, with or without <>")


def _stop(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="CONTACT|ID",
                        help="a contact's address, a loop id or the quote's Message-ID")


def _mark(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("contact")
    parser.add_argument("outcome", choices=("won", "lost"),
                        help="won: a customer (a touch-point plan starts); lost: ends it")


def _explain(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID",
                        help="any id a command prints: a Message-ID (with or without <>), "
                        "the id or loop_id of `quotes --json` and `drafts --json`, a draft's "
                        "message_id, or a contact's address")


def _drafts(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="show what it would do; do nothing")
    parser.add_argument("--json", action="store_true",
                        help="print JSON instead of lines (fields: see the README)")


def _run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true", help="do what is due now, then exit")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing (default: a line per cycle that did something)")
    parser.add_argument("--tick", type=int, default=60, help=argparse.SUPPRESS)


def _digest(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--preview", metavar="FILE", help="write the HTML to FILE; send nothing")
    what.add_argument("--send", action="store_true", help="send it now")
    parser.add_argument("--checklist", action="store_true", help="the daily checklist instead")


def _demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default="inboxfollow-demo", help="folder for the sample mailbox")


def _config(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--example", action="store_true",
                        help="print the shipped example config, every key commented")


COMMANDS: tuple[Command, ...] = (
    Command("sync", commands.cmd_sync, "one incremental pass over all folders",
            ("inboxfollow sync",)),
    Command("contacts", commands.cmd_contacts, "everyone the owner exchanges human mail with",
            ("inboxfollow contacts", "inboxfollow contacts --json"), _contacts),
    Command("history", commands.cmd_history, "one contact's touches, oldest first",
            ("inboxfollow history ana@example.com",), _history),
    Command("check", service.cmd_check, "config, server, login, folders and capabilities",
            ("inboxfollow check", "inboxfollow check --deep"), _check),
    Command("quotes", commands.cmd_quotes, "quotes and their follow-up loops",
            ("inboxfollow quotes --status all", "inboxfollow quotes --json"), _quotes),
    Command("quote", commands.cmd_quote, "mark an outbound message as a quote (or --not)",
            ("inboxfollow quote '<1234@mail.example.com>'",
             "inboxfollow quote --not '<1234@mail.example.com>'"), _quote),
    Command("stop", commands.cmd_stop, "stop following up a contact or a quote",
            ("inboxfollow stop ana@example.com",), _stop),
    Command("mark", commands.cmd_mark, "mark a contact's loop won or lost",
            ("inboxfollow mark ana@example.com won",), _mark),
    Command("explain", commands.cmd_explain, "why a message is or is not a quote, and its loop",
            ("inboxfollow explain ana@example.com",
             "inboxfollow explain '<1234@mail.example.com>'"), _explain),
    Command("drafts", commands.cmd_drafts, "put the follow-ups due now into Drafts",
            ("inboxfollow drafts --dry-run", "inboxfollow drafts"), _drafts),
    Command("run", service.cmd_run, "the daemon: sync, drafts and digest on schedule",
            ("inboxfollow run", "inboxfollow run --once -q"), _run),
    Command("digest", service.cmd_digest, "the weekly digest: preview it or send it now",
            ("inboxfollow digest --preview digest.html", "inboxfollow digest --send"), _digest),
    Command("demo", service.cmd_demo, "try it on a sample mailbox, no server needed",
            ("inboxfollow demo --dir /tmp/inboxfollow-demo",), _demo),
    Command("config", service.cmd_config, "where the config is read from (or print an example)",
            ("inboxfollow config", "inboxfollow config --example > my-config.toml"), _config),
    Command("commands", commands.cmd_capture_commands, "what each capture +tag did",
            ("inboxfollow commands", "inboxfollow commands --json"), _json),
    Command("loops", commands.cmd_loops, "loops by kind: quote, reminder or waiting",
            ("inboxfollow loops --kind reminder", "inboxfollow loops --kind waiting --json"),
            _loops),
    Command("customers", plan_commands.cmd_customers, "customers and their touch-point plans",
            ("inboxfollow customers", "inboxfollow customers --json"), _json),
    Command("leads", plan_commands.cmd_leads, "web-form leads and how fast you answered",
            ("inboxfollow leads", "inboxfollow leads --json"), _json),
    Command("promises", commands.cmd_promises, "what you promised, by when",
            ("inboxfollow promises", "inboxfollow promises --all --json"), _promises),
    Command("init", service.cmd_init, "write a config for your mailbox, then check it",
            ("inboxfollow init --address ana@example.com",), register=add_init_parser),
    Command("auth", service.cmd_auth, "OAuth2 without a token helper: log in once",
            ("inboxfollow auth login", "inboxfollow auth login --device --section smtp"),
            register=add_auth_parser),
)
BY_NAME = {command.name: command for command in COMMANDS}


def add_global_options(parser: argparse.ArgumentParser, after_command: bool) -> None:
    """--config, --now, --debug, -v; on a subparser without defaults (see the docstring)."""
    group: Any = parser
    if after_command:
        group = parser.add_argument_group("global options (also before the command)")
    unset = argparse.SUPPRESS
    options: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
        (("--config",), {"metavar": "FILE", "default": unset if after_command else None,
                         "help": f"config file (TOML); default: ${CONFIG_ENV}, else "
                         f"{default_config_path()}"}),
        (("--now",), {"default": unset if after_command else None,
                      "help": "ISO 8601 time that stands in for the clock"}),
        (("--debug",), {"action": "store_true", "default": unset if after_command else False,
                        "help": "show tracebacks and debug logs"}),
        (("-v", "--verbose"), {"action": "store_true",
                               "default": unset if after_command else False,
                               "help": "log what each step does (on stderr)"}),
    )
    for flags, settings in options:
        if not any(flag in parser._option_string_actions for flag in flags):
            group.add_argument(*flags, **settings)


def _examples(command: Command) -> str:
    return "\n".join(f"example: {line}" for line in command.examples)


def _add_command(sub: Any, command: Command) -> None:
    if command.register is not None:
        command.register(sub)
        parser = sub.choices[command.name]
        parser.description = textwrap.fill(parser.description or command.summary, 79)
    else:
        parser = sub.add_parser(command.name, help=command.summary,
                                description=command.summary[0].upper() + command.summary[1:]
                                + ".")
        command.arguments(parser)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = _examples(command)
    add_global_options(parser, after_command=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inboxfollow",
        description="Makes a small business follow up: records every touch, finds "
        "unanswered quotes, drafts the next follow-up.",
        epilog=f"The config is read from --config FILE, else ${CONFIG_ENV}, else "
        f"{default_config_path()} ($XDG_CONFIG_HOME); `inboxfollow config --example` prints "
        f"one to start from. The state is kept in {default_state_dir()} ($XDG_STATE_HOME) "
        "unless [store].path names another file. The options above also work after the "
        "command; `inboxfollow COMMAND --help` shows a command's own, with an example.",
    )
    add_global_options(parser, after_command=False)
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        _add_command(sub, command)
    return parser
