"""The commands about setting up and running the service: run, digest, check, config,
init and demo. Each takes the Context and returns the exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from inboxfollow.cli.context import Context, config_location, example_config, parse_now
from inboxfollow.store import StoreKeeper, open_store


def cycle_line(when: datetime, lines: list[str]) -> str:
    """What one cycle of `run` did, as one line: '2026-03-10 09:00:00 sync: ...; drafts: ...'."""
    return f"{when:%Y-%m-%d %H:%M:%S} {'; '.join(lines) if lines else 'nothing due'}"


QUIET_LINE_EVERY = timedelta(hours=1)


def cycle_printer(clock: Callable[[], datetime]) -> Callable[[list[str]], None]:
    """Prints each cycle that did something at once (a journal or a pipe sees it as it
    happens); a cycle with nothing due only when nothing was printed for an hour, so the
    journal shows the daemon alive without 1,440 "nothing due" lines a day."""
    last: list[datetime] = []

    def report(lines: list[str]) -> None:
        when = clock()
        if not lines and last and when - last[0] < QUIET_LINE_EVERY:
            return
        last[:] = [when]
        print(cycle_line(when, lines), flush=True)

    return report


def cmd_run(ctx: Context) -> int:
    from inboxfollow.app.daemon import Daemon
    from inboxfollow.app.daemon_jobs import build_jobs, keep_derived

    config = ctx.config
    fixed = parse_now(ctx.args.now, config.timezone)
    clock = (lambda: fixed) if fixed else (lambda: datetime.now(config.timezone))
    daemon = Daemon(
        jobs=build_jobs(config),
        open_store=StoreKeeper(config.store_path).use,
        clock=clock,
        after_cycle=keep_derived(config),
    )
    if ctx.args.once:  # for cron: the exit code says whether every job went well
        lines = daemon.run_due()
        if not ctx.args.quiet:
            print("; ".join(lines) if lines else "nothing due")
        for failure in daemon.failures:
            print(f"inboxfollow: error: {failure.job}: {failure.error}", file=sys.stderr)
        return daemon.exit_code
    daemon.install_signal_handlers()
    daemon.run_forever(ctx.args.tick, on_cycle=None if ctx.args.quiet else cycle_printer(clock))
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

    problems = run_checks(ctx.config, print, ctx.now if ctx.args.deep else None)
    return 1 if problems else 0


def cmd_config(ctx: Context) -> int:
    if ctx.args.example:
        print(example_config(), end="")
        return 0
    path, origin = config_location(ctx.args.config, os.environ)
    print(f"config: {path} ({origin}{'' if path.exists() else '; not there yet'})")
    if path.exists():
        config = ctx.config
        print(f"store: {config.store_path}\ntemplates: {config.templates or 'shipped'}")
        print(f"waiting for your answer: listed after {config.digest.waiting_days} working "
              f"day(s) ([digest].waiting_days)")
    return 0


def cmd_auth(ctx: Context) -> int:
    from inboxfollow.app.auth import run_auth

    return run_auth(ctx.args, config_location(ctx.args.config, os.environ)[0], print)


def cmd_init(ctx: Context) -> int:
    from inboxfollow.app.init import run_init

    return run_init(ctx.args, config_location(ctx.args.config, os.environ)[0], print)


def cmd_demo(ctx: Context) -> int:
    from inboxfollow.app.demo import run_demo

    return run_demo(Path(ctx.args.dir), parse_now(ctx.args.now), print)
