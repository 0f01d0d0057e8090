"""The commands about mail and loops: sync, contacts, history, quotes, explain, drafts and
the owner's overrides. Each takes the Context and returns the exit code. What only some
commands need is imported by them, so a poll (`sync`) loads no template or derivation
code."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Any

from inboxfollow.app.sync import sync
from inboxfollow.cli.context import Context
from inboxfollow.config import Config
from inboxfollow.errors import InboxfollowError
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.sources.mailbox import Mailbox
from inboxfollow.store import ANSWERS_UNSEEN, Store, open_store
from inboxfollow.textui import ProgressBar, table

STATUSES = ("awaiting_reply", "replied", "bounced", "exhausted", "stopped", "won", "lost")


def print_json(items: list[dict[str, Any]]) -> None:
    print(json.dumps(items, indent=2, ensure_ascii=False))


def cmd_sync(ctx: Context) -> int:
    config = ctx.config
    sources = open_mailboxes(config)
    try:
        with open_store(config.store_path) as store:
            bar = ProgressBar("sync") if sys.stderr.isatty() else None
            summary = sync(sources, store, config.owner, config.batch_size, bar)
            if bar:
                bar.done()
            withdrawn: list[Any] = []
            digest = ""
            if summary.new:  # only then: a poll that finds nothing loads no drafting code
                from inboxfollow.app.capture_commands import deliver_requested_digest

                withdrawn = _answers(config, store, sources[0], ctx.now)
                store.set_meta(ANSWERS_UNSEEN, False)  # looked at, in the same commit
                digest = deliver_requested_digest(config, store, ctx.now)  # a +pending
                store.commit()
    finally:
        for source in sources:
            source.close()
    print(summary.line())
    for action in withdrawn:
        print(action.report(config.timezone))
    if digest:
        print(f"digest (asked for by +pending): {digest}")
    return 0


def _answers(config: Config, store: Store, mailbox: Mailbox, now: datetime) -> list[Any]:
    """Drafts the new mail answered leave Drafts; new leads' first responses go in, at once.

    The drafting code (90 ms to import) is loaded only where it has work: a pending
    draft, or a configured web form. A first sync has neither."""
    actions: list[Any] = []
    if store.has_pending_drafts():
        from inboxfollow.app.drafter import withdraw_answered

        actions += withdraw_answered(config, store, mailbox, now)
    if config.plans.leads.sources:
        from inboxfollow.app.loop_drafts import draft_new_leads

        actions += draft_new_leads(config, store, mailbox, now)
    return actions


def cmd_capture_commands(ctx: Context) -> int:
    from inboxfollow.app.capture_commands import cmd_commands

    return cmd_commands(ctx)


def cmd_loops(ctx: Context) -> int:
    from inboxfollow.app.capture_commands import cmd_loops as run

    return run(ctx)


def cmd_promises(ctx: Context) -> int:
    from inboxfollow.app.capture_commands import cmd_promises as run

    return run(ctx)


def _load_touches(config: Config, now: datetime) -> list[Any]:
    from inboxfollow.app.loops import TOUCHES, remembered

    with open_store(config.store_path, readonly=True) as store:
        return remembered(TOUCHES, store, config, now)


def _load_contacts(config: Config, now: datetime) -> list[Any]:
    from inboxfollow.app.loops import CONTACTS, remembered

    with open_store(config.store_path, readonly=True) as store:
        return remembered(CONTACTS, store, config, now)


def cmd_contacts(ctx: Context) -> int:
    """The table: touches in and out; the organisation (mostly the address's domain) only
    with --wide, so names fit beside long addresses."""
    config = ctx.config
    contacts = _load_contacts(config, ctx.now)
    tz = config.timezone
    if ctx.args.json:
        print_json([c.as_json(tz) for c in contacts])
        return 0
    width = ctx.width
    calls = any(c.touches_logged for c in contacts)  # the column only once one is logged
    rows = [
        (c.email, c.name, *([c.org or "-"] if width is None else []), str(c.touches_in),
         str(c.touches_out), *([str(c.touches_logged)] if calls else []),
         c.last_touch.astimezone(tz).strftime("%Y-%m-%d"))
        for c in contacts
    ]
    headings = ("contact", "name", *(["org"] if width is None else []), "in", "out",
                *(["logged"] if calls else []), "last touch")
    print(table(headings, rows, width))
    if not contacts:
        print("no contacts yet: run `inboxfollow sync` first")
    return 0


def cmd_history(ctx: Context) -> int:
    """A contact's touches: mail in and out, and the calls and notes logged by command."""
    from inboxfollow.mail.text import one_line

    config = ctx.config
    wanted = ctx.args.contact.strip().lower()
    touches = _load_touches(config, ctx.now)
    mine = [t for t in touches if t.contact == wanted]
    if not mine:
        raise InboxfollowError(f"no touches with {wanted}", "see `inboxfollow contacts`")
    tz = config.timezone
    if ctx.args.json:
        print_json([{"date": t.date.astimezone(tz).isoformat(), "direction": t.direction.value,
                     "kind": t.kind, "subject": t.subject, "message_id": t.key,
                     **({"text": t.text} if t.logged else {})} for t in mine])
        return 0
    rows = [(t.date.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
             t.kind if t.logged else t.direction.value,
             f"{t.subject}: {one_line(t.text)[:80]}" if t.logged else t.subject) for t in mine]
    print(table(("date", "what", "subject"), rows, ctx.width))
    return 0


def cmd_quotes(ctx: Context) -> int:
    from inboxfollow.app.explain import quote_table
    from inboxfollow.app.loops import derive

    config, now = ctx.config, ctx.now
    with open_store(config.store_path, readonly=True) as store:
        _, derivation = derive(store, config, now)
    wanted = ctx.args.status
    loops = [lp for lp in derivation.loops if wanted == "all" or lp.status.value == wanted]
    if ctx.args.json:
        print_json([lp.as_json(config.timezone) for lp in loops])
        return 0
    print(quote_table(loops, now, config.timezone, ctx.followups, ctx.width))
    if not loops:
        print(f"no quotes with status {wanted}")
    return 0


def cmd_quote(ctx: Context) -> int:
    from inboxfollow.app.explain import find_message

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
    """Stop by contact address when it has a loop, by a loop id (`quotes --json`) its
    quote, else by the quote's Message-ID."""
    from inboxfollow.app.explain import find_message
    from inboxfollow.app.loops import derive

    wanted = ctx.args.target.strip()
    with open_store(ctx.config.store_path) as store:
        _, derivation = derive(store, ctx.config, ctx.now)
        by_id = [lp.quote["key"] for lp in derivation.loops if lp.id == wanted]
        if any(lp.contact == wanted.lower() for lp in derivation.loops):
            target = wanted.lower()
        elif by_id:
            target = by_id[0]
        else:
            target = find_message(store, wanted)["key"]
        store.add_override("stop", target, ctx.now.isoformat())
        store.commit()
    print(f"stopped follow-ups for {target}")
    return 0


def cmd_mark(ctx: Context) -> int:
    from inboxfollow.app.loops import derive
    from inboxfollow.app.plans import known

    contact = ctx.args.contact.strip().lower()
    with open_store(ctx.config.store_path) as store:
        _, derivation = derive(store, ctx.config, ctx.now)
        if not any(lp.contact == contact for lp in derivation.loops) and not known(
                store, ctx.config, ctx.now, contact):
            raise InboxfollowError(f"{contact} has no loop and is no contact",
                                   "see `inboxfollow quotes` and `inboxfollow contacts`")
        store.add_override(ctx.args.outcome, contact, ctx.now.isoformat())
        store.commit()
    print(f"marked {contact} {ctx.args.outcome}")
    return 0


def cmd_explain(ctx: Context) -> int:
    from inboxfollow.app.explain import Target, contact_lines, explain, find_target
    from inboxfollow.app.loops import derive, waiting_rule
    from inboxfollow.app.plans import derive_plans, explain_customer

    config = ctx.config
    with open_store(config.store_path, readonly=True) as store:
        records, derivation = derive(store, config, ctx.now, explained=True)
        waiting = waiting_rule(store, config).find(records, config.owner, ctx.now)
        logged = contact_lines(records, config.owner, ctx.args.id, config.timezone, waiting)
        found = derive_plans(store, config, ctx.now, (records, derivation))
        about = explain_customer(found, ctx.args.id, config.timezone)
        try:
            target = find_target(store, derivation, ctx.args.id, ctx.followups)
        except InboxfollowError:
            if not logged and not about:
                raise
            target = Target([], [] if about else [f"{ctx.args.id.strip('<>').lower()}: no loop"])
    lines = [*about, *target.preface]
    for record in target.records:
        lines += explain(record, derivation, config.timezone, ctx.followups)
    print("\n".join(lines + logged))
    return 0


def cmd_drafts(ctx: Context) -> int:
    from inboxfollow.app.drafter import run_drafts

    config, now = ctx.config, ctx.now
    mailbox = open_mailboxes(config)[0]
    try:
        with open_store(config.store_path) as store:
            actions = run_drafts(config, store, mailbox, now, ctx.args.dry_run)
    finally:
        mailbox.close()
    tz = config.timezone
    if ctx.args.json:
        print_json([a.as_json(tz) for a in actions])
        return 0
    for action in actions:
        print(action.report(tz, dry_run=ctx.args.dry_run))
    created = sum(a.action == "create" for a in actions)
    verb = "would be created" if ctx.args.dry_run else "created"
    print(f"drafts: {created} {verb}, {len(actions) - created} other action(s)")
    return 0
