"""The command line of steering by mail: `commands` (what each capture +tag did), `loops
--kind` (quote and reminder loops) and `promises` (what the owner promised, by when), text
or JSON; and the digest a +pending asked for.

The CLI (inboxfollow/cli/) defines their arguments and calls `cmd_commands`, `cmd_loops`
and `cmd_promises` with its Context, seen here only through the `CommandContext` protocol
(the app never imports the CLI).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from inboxfollow.app.capture import DIGEST_REQUESTED, LOG_KEY, commands_json
from inboxfollow.config import Config
from inboxfollow.store import Store, open_store

DIGEST_DELIVERED = "digest_requested_delivered"


class CommandContext(Protocol):
    args: argparse.Namespace

    @property
    def config(self) -> Config: ...

    @property
    def now(self) -> datetime: ...


def cmd_commands(ctx: CommandContext) -> int:
    """`inboxfollow commands [--json]`: every capture command, what it did, its problems."""
    with open_store(ctx.config.store_path, readonly=True) as store:
        items = commands_json(store)
        logged = store.get_meta(LOG_KEY, [])
    if ctx.args.json:
        print(json.dumps({"commands": items, "logged": logged}, indent=2, ensure_ascii=False))
        return 0
    for item in items:
        print(command_line(item))
    if not items:
        print("no capture commands yet: BCC the capture address with a +tag, e.g. +3d")
    return 0


def command_line(item: dict[str, Any]) -> str:
    tags = " ".join(f"+{t}" for t in item["tags"])
    if item.get("stale"):
        return f"{item['at'][:10]} {tags} on {item['subject']!r}: too old, not carried out"
    done = "; ".join(item["done"]) or "nothing done"
    problems = f" (not understood: {'; '.join(item['problems'])})" if item["problems"] else ""
    return f"{item['at'][:10]} {tags} on {item['subject']!r}: {done}{problems}"


def cmd_loops(ctx: CommandContext) -> int:
    """`inboxfollow loops [--kind quote|reminder|all] [--status S] [--json]`."""
    from inboxfollow.app.loops import derive

    config, now = ctx.config, ctx.now
    if ctx.args.kind == "waiting":
        return _waiting(ctx)
    with open_store(config.store_path, readonly=True) as store:
        _, derivation = derive(store, config, now)
    loops = [lp for lp in derivation.loops
             if ctx.args.kind in ("all", lp.kind)
             and ctx.args.status in ("all", lp.status.value)]
    if ctx.args.json:
        print(json.dumps([lp.as_json(config.timezone) for lp in loops], indent=2,
                         ensure_ascii=False))
        return 0
    for loop in loops:
        due = loop.next_due.astimezone(config.timezone).date() if loop.next_due else "-"
        print(f"{loop.kind:9} {loop.status.value:15} {due!s:10} {loop.contact} "
              f"{loop.quote['subject']!r}")
    if not loops:
        print(f"no {ctx.args.kind} loops with status {ctx.args.status}")
    return 0


def cmd_promises(ctx: CommandContext) -> int:
    """`inboxfollow promises [--all] [--json]`: what the owner promised, by when."""
    from inboxfollow.app.kept import promises_of

    config, now = ctx.config, ctx.now
    with open_store(config.store_path, readonly=True) as store:
        made = promises_of(store, config, now)
    today = now.astimezone(config.timezone).date()
    promises = [p for p in made if ctx.args.all or p.status(today) != "kept"]
    if ctx.args.json:
        print(json.dumps([p.as_json(today) for p in promises], indent=2, ensure_ascii=False))
        return 0
    for promise in promises:
        print(f"{promise.due} {promise.status(today):8} {promise.people[0]}: "
              f"{promise.found.sentence!r} ({promise.found.phrase.text!r})")
    if not promises:
        print("no open promises")
    return 0


def _waiting(ctx: CommandContext) -> int:
    """Who waits for the owner's answer (a question or request, N working days old): the
    rule the digest and the checklist apply (`app.loops.waiting_rule`)."""
    from inboxfollow.app.kept import open_questions_of
    from inboxfollow.app.loops import waiting_rule

    config = ctx.config
    with open_store(config.store_path, readonly=True) as store:
        found = waiting_rule(store, config).select(open_questions_of(store, config, ctx.now),
                                                   ctx.now)
    if ctx.args.json:
        print(json.dumps([w.as_json() for w in found], indent=2, ensure_ascii=False))
        return 0
    for item in found:
        print(f"waiting   since {item.record['date'][:10]} {item.contact}: {item.question!r}")
    if not found:
        print("nobody is waiting for your answer")
    else:
        print(f"{len(found)} {'person is' if len(found) == 1 else 'people are'} waiting for "
              "your answer")
    return 0


def deliver_requested_digest(
    config: Config, store: Store, now: datetime,
    send: Callable[[Config, Store, datetime], str] | None = None,
) -> str:
    """The digest a +pending asked for, into the owner's INBOX, once; "" when none is owed.

    For the daemon's cycle and `sync` after a pass (the lead wires it in)."""
    asked = store.get_meta(DIGEST_REQUESTED)
    if not asked or store.get_meta(DIGEST_DELIVERED) == asked:
        return ""
    if send is None:
        from inboxfollow.app.digest import send_digest

        def send(c: Config, s: Store, n: datetime) -> str:
            return send_digest(c, s, n)
    line = send(config, store, now)
    store.set_meta(DIGEST_DELIVERED, asked)
    return line
