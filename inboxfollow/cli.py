"""The command line: parse arguments, run one command, turn errors into one line."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

from inboxfollow import __version__
from inboxfollow.app.drafter import run_drafts, withdraw_answered
from inboxfollow.app.explain import explain, find_message, quote_table
from inboxfollow.app.init import add_init_parser, run_init
from inboxfollow.app.loops import derive
from inboxfollow.app.sync import sync
from inboxfollow.config import (
    CONFIG_ENV,
    Config,
    default_config_path,
    default_state_dir,
    load_config,
)
from inboxfollow.errors import ConfigError, InboxfollowError
from inboxfollow.rules.contacts import all_touches, build_contacts
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.store import StoreKeeper, open_store
from inboxfollow.textui import ProgressBar, table

LOG = logging.getLogger(__name__)
OLD_CONFIG = Path("config/inboxfollow.toml")  # the default before the XDG places


def config_location(given: str | None, env: Mapping[str, str]) -> tuple[Path, str]:
    """The config file to read, and why: --config, else $INBOXFOLLOW_CONFIG, else the
    XDG place ($XDG_CONFIG_HOME/inboxfollow/config.toml, ~/.config/inboxfollow/...)."""
    if given:
        return Path(given).expanduser(), "--config"
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), f"${CONFIG_ENV}"
    path = default_config_path(env)
    if not path.exists() and OLD_CONFIG.is_file():
        raise ConfigError(
            f"config file {path} not found",
            f"{OLD_CONFIG} is at the old default place: pass --config {OLD_CONFIG} or set "
            f"{CONFIG_ENV}={OLD_CONFIG.resolve()} to go on using it where it is",
        )
    return path, "the default place"


def example_config() -> str:
    """The example config that ships with inboxfollow: every key, commented."""
    return files("inboxfollow.examples").joinpath("inboxfollow.example.toml").read_text("utf-8")


def parse_now(text: str | None, config_tz: Any = None) -> datetime | None:
    """`--now`: an ISO 8601 time; without an offset it is taken in the owner's zone."""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise ConfigError(
            f"--now {text!r} is not an ISO 8601 time", "use e.g. 2026-03-01T09:00:00+01:00"
        ) from err
    if value.tzinfo is None:
        value = value.replace(tzinfo=config_tz) if config_tz else value.astimezone()
    return value


class Context:
    """What a command needs: the config, the owner and the clock, loaded once."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(config_location(self.args.config, os.environ)[0])
        return self._config

    @property
    def now(self) -> datetime:
        given = parse_now(self.args.now, self.config.timezone)
        return given if given is not None else datetime.now(self.config.timezone)


def cmd_sync(ctx: Context) -> int:
    config = ctx.config
    sources = open_mailboxes(config)
    try:
        with open_store(config.store_path) as store:
            bar = ProgressBar("sync") if sys.stderr.isatty() else None
            summary = sync(sources, store, config.owner, config.batch_size, bar)
            if bar:
                bar.done()
            withdrawn = (withdraw_answered(config, store, sources[0], ctx.now)
                         if summary.new else [])
    finally:
        for source in sources:
            source.close()
    print(summary.line())
    for action in withdrawn:
        print(action.report(config.timezone))
    return 0


def _load_contacts(config: Config) -> tuple[list[Any], list[Any]]:
    with open_store(config.store_path, readonly=True) as store:
        records = store.all_messages()
    touches = all_touches(records, config.owner)
    return touches, build_contacts(touches)


def cmd_contacts(ctx: Context) -> int:
    config = ctx.config
    _, contacts = _load_contacts(config)
    tz = config.timezone
    if ctx.args.json:
        print(json.dumps([c.as_json(tz) for c in contacts], indent=2, ensure_ascii=False))
        return 0
    rows = [
        (c.email, c.name, c.org or "-", f"{c.touches} ({c.touches_in} in, {c.touches_out} out)",
         c.last_touch.astimezone(tz).strftime("%Y-%m-%d"))
        for c in contacts
    ]
    print(table(("contact", "name", "org", "touches", "last touch"), rows))
    if not contacts:
        print("no contacts yet: run `inboxfollow sync` first")
    return 0


def cmd_history(ctx: Context) -> int:
    config = ctx.config
    wanted = ctx.args.contact.strip().lower()
    touches, _ = _load_contacts(config)
    mine = [t for t in touches if t.contact == wanted]
    if not mine:
        raise InboxfollowError(f"no touches with {wanted}", "see `inboxfollow contacts`")
    tz = config.timezone
    if ctx.args.json:
        items = [{"date": t.date.astimezone(tz).isoformat(), "direction": t.direction.value,
                  "subject": t.subject, "message_id": t.key} for t in mine]
        print(json.dumps(items, indent=2, ensure_ascii=False))
        return 0
    rows = [(t.date.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
             "out" if t.direction.value == "out" else "in", t.subject) for t in mine]
    print(table(("date", "dir", "subject"), rows))
    return 0


STATUSES = ("awaiting_reply", "replied", "bounced", "exhausted", "stopped", "won", "lost")


def cmd_quotes(ctx: Context) -> int:
    config, now = ctx.config, ctx.now
    with open_store(config.store_path, readonly=True) as store:
        _, derivation = derive(store, config, now)
    wanted = ctx.args.status
    loops = [lp for lp in derivation.loops if wanted == "all" or lp.status.value == wanted]
    if ctx.args.json:
        print(json.dumps([lp.as_json(config.timezone) for lp in loops], indent=2,
                         ensure_ascii=False))
        return 0
    print(quote_table(loops, now, config.timezone))
    if not loops:
        print(f"no quotes with status {wanted}")
    return 0


def cmd_quote(ctx: Context) -> int:
    with open_store(ctx.config.store_path) as store:
        record = find_message(store, ctx.args.message_id)
        if record["direction"] != "out":
            raise InboxfollowError(
                f"{ctx.args.message_id} was not sent by the owner", "only outbound mail is a quote"
            )
        store.add_override("not_quote" if ctx.args.not_ else "quote", record["key"],
                           ctx.now.isoformat())
        store.commit()
    print(f"{record['key']} {'is no longer' if ctx.args.not_ else 'is now'} a quote")
    return 0


def cmd_stop(ctx: Context) -> int:
    """Stop by contact address when it has a loop, else by the quote's Message-ID."""
    wanted = ctx.args.target.strip()
    with open_store(ctx.config.store_path) as store:
        _, derivation = derive(store, ctx.config, ctx.now)
        if any(lp.contact == wanted.lower() for lp in derivation.loops):
            target = wanted.lower()
        else:
            target = find_message(store, wanted)["key"]
        store.add_override("stop", target, ctx.now.isoformat())
        store.commit()
    print(f"stopped follow-ups for {target}")
    return 0


def cmd_mark(ctx: Context) -> int:
    contact = ctx.args.contact.strip().lower()
    with open_store(ctx.config.store_path) as store:
        _, derivation = derive(store, ctx.config, ctx.now)
        if not any(lp.contact == contact for lp in derivation.loops):
            raise InboxfollowError(f"{contact} has no quote loop", "see `inboxfollow quotes`")
        store.add_override(ctx.args.outcome, contact, ctx.now.isoformat())
        store.commit()
    print(f"marked {contact} {ctx.args.outcome}")
    return 0


def cmd_explain(ctx: Context) -> int:
    config = ctx.config
    with open_store(config.store_path, readonly=True) as store:
        record = find_message(store, ctx.args.message_id)
        _, derivation = derive(store, config, ctx.now)
    print("\n".join(explain(record, derivation, config.timezone)))
    return 0


def cmd_drafts(ctx: Context) -> int:
    config, now = ctx.config, ctx.now
    mailbox = open_mailboxes(config)[0]
    try:
        with open_store(config.store_path) as store:
            actions = run_drafts(config, store, mailbox, now, ctx.args.dry_run)
    finally:
        mailbox.close()
    tz = config.timezone
    if ctx.args.json:
        print(json.dumps([a.as_json(tz) for a in actions], indent=2, ensure_ascii=False))
        return 0
    prefix = "would " if ctx.args.dry_run else ""
    for action in actions:
        print(prefix + action.report(tz))
    created = sum(a.action == "create" for a in actions)
    verb = "would be created" if ctx.args.dry_run else "created"
    print(f"drafts: {created} {verb}, {len(actions) - created} other action(s)")
    return 0


def cmd_run(ctx: Context) -> int:
    from inboxfollow.app.daemon import Daemon
    from inboxfollow.app.daemon_jobs import build_jobs

    config = ctx.config
    fixed = parse_now(ctx.args.now, config.timezone)
    daemon = Daemon(
        jobs=build_jobs(config),
        open_store=StoreKeeper(config.store_path).use,
        clock=(lambda: fixed) if fixed else (lambda: datetime.now(config.timezone)),
    )
    if ctx.args.once:
        lines = daemon.run_due()
        print("; ".join(lines) if lines else "nothing due")
        return 0
    daemon.install_signal_handlers()
    daemon.run_forever(ctx.args.tick)
    return 0


def cmd_digest(ctx: Context) -> int:
    from inboxfollow.app.digest import digest_command, owner_mailbox

    config = ctx.config
    with open_store(config.store_path) as store:
        print(digest_command(config, store, lambda: owner_mailbox(config), ctx.now,
                             Path(ctx.args.preview) if ctx.args.preview else None,
                             ctx.args.send, ctx.args.checklist))
    return 0


def cmd_check(ctx: Context) -> int:
    from inboxfollow.app.check import run_checks

    problems = run_checks(ctx.config, print)
    return 1 if problems else 0


def cmd_config(ctx: Context) -> int:
    if ctx.args.example:
        print(example_config(), end="")
        return 0
    path, origin = config_location(ctx.args.config, os.environ)
    print(f"config: {path} ({origin}{'' if path.exists() else '; not there yet'})")
    if path.exists():
        print(f"store: {ctx.config.store_path}\ntemplates: {ctx.config.templates or 'shipped'}")
    return 0


def cmd_init(ctx: Context) -> int:
    return run_init(ctx.args, config_location(ctx.args.config, os.environ)[0], print)


def cmd_demo(ctx: Context) -> int:
    from inboxfollow.app.demo import run_demo

    return run_demo(Path(ctx.args.dir), parse_now(ctx.args.now), print)


COMMANDS: dict[str, Callable[[Context], int]] = {
    "sync": cmd_sync,
    "contacts": cmd_contacts,
    "history": cmd_history,
    "check": cmd_check,
    "quotes": cmd_quotes,
    "quote": cmd_quote,
    "stop": cmd_stop,
    "mark": cmd_mark,
    "explain": cmd_explain,
    "drafts": cmd_drafts,
    "run": cmd_run,
    "digest": cmd_digest,
    "demo": cmd_demo,
    "config": cmd_config,
    "init": cmd_init,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inboxfollow",
        description="Makes a small business follow up: records every touch, finds "
        "unanswered quotes, drafts the next follow-up.",
        epilog=f"The config is read from --config FILE, else ${CONFIG_ENV}, else "
        f"{default_config_path()} ($XDG_CONFIG_HOME); `inboxfollow config --example` prints "
        f"one to start from. The state is kept in {default_state_dir()} ($XDG_STATE_HOME) "
        "unless [store].path names another file.",
    )
    parser.add_argument("--config", metavar="FILE", help=f"config file (TOML); default: "
                        f"${CONFIG_ENV}, else {default_config_path()}")
    parser.add_argument("--now", help="ISO 8601 time that stands in for the clock")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log one line per cycle")
    parser.add_argument("--version", action="version", version=f"inboxfollow {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("sync", help="one incremental pass over all folders")
    contacts = sub.add_parser("contacts", help="everyone the owner exchanges human mail with")
    contacts.add_argument("--json", action="store_true")
    history = sub.add_parser("history", help="one contact's touches, oldest first")
    history.add_argument("contact", help="the contact's email address")
    history.add_argument("--json", action="store_true")
    sub.add_parser("check", help="config, server, login, folders and capabilities")
    quotes = sub.add_parser("quotes", help="quotes and their follow-up loops")
    quotes.add_argument("--status", default="awaiting_reply", choices=(*STATUSES, "all"))
    quotes.add_argument("--json", action="store_true")
    quote = sub.add_parser("quote", help="mark an outbound message as a quote (or --not)")
    quote.add_argument("--not", dest="not_", action="store_true", help="unmark it")
    quote.add_argument("message_id")
    stop = sub.add_parser("stop", help="stop following up a contact or a quote")
    stop.add_argument("target", metavar="CONTACT|MESSAGE_ID")
    mark = sub.add_parser("mark", help="mark a contact's loop won or lost")
    mark.add_argument("contact")
    mark.add_argument("outcome", choices=("won", "lost"))
    explain_ = sub.add_parser("explain", help="why a message is or is not a quote, and its loop")
    explain_.add_argument("message_id")
    drafts = sub.add_parser("drafts", help="put the follow-ups due now into Drafts")
    drafts.add_argument("--dry-run", action="store_true", help="show what it would do; do nothing")
    drafts.add_argument("--json", action="store_true")
    digest = sub.add_parser("digest", help="the weekly digest: preview it or send it now")
    digest.add_argument("--preview", metavar="FILE", help="write the HTML to FILE; send nothing")
    digest.add_argument("--send", action="store_true", help="send it now")
    digest.add_argument("--checklist", action="store_true", help="the daily checklist instead")
    run = sub.add_parser("run", help="the daemon: sync, drafts and digest on schedule")
    run.add_argument("--once", action="store_true", help="do what is due now, then exit")
    run.add_argument("--tick", type=int, default=60, help=argparse.SUPPRESS)
    demo = sub.add_parser("demo", help="try it on a sample mailbox, no server needed")
    demo.add_argument("--dir", default="inboxfollow-demo", help="folder for the sample mailbox")
    config = sub.add_parser("config", help="where the config is read from (or print an example)")
    config.add_argument("--example", action="store_true",
                        help="print the shipped example config, every key commented")
    add_init_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        parse_now(args.now)  # a bad --now is a usage error whatever the command reads
        return COMMANDS[args.command](Context(args))
    except InboxfollowError as err:
        if args.debug:
            raise
        print(f"inboxfollow: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("inboxfollow: interrupted", file=sys.stderr)
        return 130
