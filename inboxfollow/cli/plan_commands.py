"""The `customers` and `leads` commands: each customer with the purchase date, the last
touch either way and the next planned check-in; each lead with its source and how fast
the owner answered, and the notifications that could not be read, with the reason. The
rules are imported by the commands themselves: a poll (`sync`) loads none of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inboxfollow.cli.commands import print_json
from inboxfollow.cli.context import Context
from inboxfollow.store import open_store
from inboxfollow.textui import table


def _day(moment: datetime | None, tz: Any) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d") if moment else "-"


def cmd_customers(ctx: Context) -> int:
    from inboxfollow.app.plans import derive_plans

    config, now, tz = ctx.config, ctx.now, ctx.config.timezone
    with open_store(config.store_path, readonly=True) as store:
        views = derive_plans(store, config, now).views(config, now)
    if ctx.args.json:
        print_json([v.as_json(tz) for v in views])
        return 0
    rows = []
    for view in views:
        last = view.last_touch
        planned = (f"{_day(view.loop.next_due, tz)} #{view.loop.steps_done}"
                   if view.loop.next_due else view.loop.status.value)
        rows.append((view.key, _day(view.purchase, tz),
                     f"{_day(last.date, tz)} {last.direction.value}" if last else "-",
                     planned, "quiet" if view.quiet else (
                         "in Drafts" if view.loop.pending_draft else "")))
    print(table(("customer", "since", "last touch", "next check-in", "note"), rows,
                ctx.width))
    if not views:
        print("no customers yet: `inboxfollow mark CONTACT won`, +won on the capture "
              "address, or an invoice you send makes one")
    return 0


def cmd_leads(ctx: Context) -> int:
    from inboxfollow.app.plans import derive_plans
    from inboxfollow.rules.lead_view import lead_json, speed, unreadable_json

    config, now, tz = ctx.config, ctx.now, ctx.config.timezone
    with open_store(config.store_path, readonly=True) as store:
        found = derive_plans(store, config, now)
    if ctx.args.json:
        print_json([lead_json(lp, now, tz) for lp in found.leads]
                   + [unreadable_json(r, tz) for r in found.unreadable])
        return 0
    rows = [(lp.contact, lp.lead.get("source", ""),
             lp.sent_at.astimezone(tz).strftime("%m-%d %H:%M"),
             speed(lp, now) if lp.status.value in ("awaiting_reply", "replied") or
             lp.first_response else lp.status.value) for lp in found.leads]
    print(table(("lead", "source", "came", "first response"), rows, ctx.width))
    for record in found.unreadable:
        sender = (record.get("sender") or ["", ""])[1]
        print(f"unreadable: {record['message_id'] or record['key']} from {sender} "
              f"({record['subject']!r}): {record['lead'].get('problem', '')}")
    if not found.leads and not found.unreadable:
        print("no leads yet: name your web forms under [leads.sources] in the config")
    return 0
