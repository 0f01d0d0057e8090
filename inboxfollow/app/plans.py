"""Customers' touch-point plans and web-form leads from the store: the loops the drafter
plans with the quote loops, and what the `customers` and `leads` commands, `explain`
and the digest show of them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inboxfollow.app.loops import TOUCHES, Derived, derive, overrides_of, remembered, skipped_steps
from inboxfollow.config import Config
from inboxfollow.rules.contacts import Touch
from inboxfollow.rules.customer_plans import PlanLoop, plan_loops
from inboxfollow.rules.customer_view import CustomerView, customer_rows, customer_views
from inboxfollow.rules.customers import Customer, customer_key, find_customers
from inboxfollow.rules.digest_sections import Row
from inboxfollow.rules.lead_loops import LeadLoop, lead_loops, unreadable
from inboxfollow.rules.lead_view import lead_rows
from inboxfollow.rules.loop_state import Derivation, Status
from inboxfollow.store import Store


@dataclass
class Plans:
    """Everything derived about customers and leads at one `now`."""

    records: Sequence[dict[str, Any]]  # every stored message, read when first used
    derivation: Derivation  # the quote loops' derivation
    touches: list[Touch]
    customers: list[Customer]
    plans: list[PlanLoop]
    leads: list[LeadLoop]
    unreadable: list[dict[str, Any]]
    pending: dict[str, dict[str, Any]]  # loop id -> its pending draft record

    def views(self, config: Config, now: datetime) -> list[CustomerView]:
        return customer_views(self.plans, self.touches, now, config.plans.customers)

    def with_loops(self) -> Derivation:
        """The derivation with the plan and lead loops beside the quote loops: one loop
        machinery for the drafter (the plan's drafts, withdrawn when a step is made)."""
        loops = [*self.derivation.loops, *self.plans, *self.leads]
        return dataclasses.replace(self.derivation, loops=loops)


def derive_plans(store: Store, config: Config, now: datetime,
                 derived: Derived | None = None) -> Plans:
    """`derived`: the quote loops' derivation when the caller has it (one derivation).
    The plans read only the few messages `kept.plan_mail` picks, and the kept touches."""
    from inboxfollow.app.kept import plan_mail

    records, derivation = derived or derive(store, config, now)
    mail = plan_mail(store, config, now, derivation)
    overrides = overrides_of(store)
    skipped = skipped_steps(store)
    customers = find_customers(mail, derivation, overrides, config.owner, now,
                               config.plans.customers.from_mail_days)
    notes = [r for r in mail if r.get("lead")]
    # the touches only when someone needs them: a mailbox with no customer and no lead pays
    # nothing for this (digest, drafts) beyond finding that out
    touches = remembered(TOUCHES, store, config, now) if customers or notes else []
    plans = plan_loops(customers, touches, skipped, now, config.plans.customers,
                       config.calendar)
    settings = config.plans.leads
    leads = lead_loops(notes, touches, overrides, now, settings.cadence, config.calendar,
                       settings.subjects, skipped, derivation.loops, answers_from=mail)
    pending = {d["loop_id"]: dict(d) for d in store.drafts.all() if d["state"] == "pending"}
    for loop in [*plans, *leads]:
        if loop.status is Status.AWAITING_REPLY and loop.id in pending:
            loop.pending_draft = pending[loop.id]["message_id"]
    return Plans(records, derivation, touches, customers, plans, leads, unreadable(notes),
                 pending)


def derive_with_plans(store: Store, config: Config,
                      now: datetime) -> tuple[Sequence[dict[str, Any]], Derivation]:
    """As `loops.derive`, with the customers' plans and the leads among the loops."""
    found = derive_plans(store, config, now)
    return found.records, found.with_loops()


def digest_rows(store: Store, config: Config, now: datetime, days: int,
                derived: Derived | None = None) -> tuple[list[Row], list[Row]]:
    """(customers to check in with, new leads and how fast you answered)."""
    found = derive_plans(store, config, now, derived)
    tz = config.timezone
    created = {key: datetime.fromisoformat(d["created_at"]) for key, d in found.pending.items()}
    customers = customer_rows(found.views(config, now), created, now, tz)
    return customers, lead_rows(found.leads, found.unreadable, now, tz, days)


def explain_customer(found: Plans, wanted: str, tz: Any) -> list[str]:
    """What `explain` says about a customer: why it is one, and its plan."""
    from inboxfollow.rules.customer_plans import plan_lines

    address = wanted.strip("<>").lower()
    key = customer_key(address) if "@" in address else address
    lines = []
    for loop in found.plans:
        if loop.customer is not None and loop.customer.key == key:
            lines += loop.customer.explain()
            lines += plan_lines(loop, tz)
    ids = {wanted.strip(), f"<{wanted.strip().strip('<>')}>"}
    for record in found.unreadable:
        if ids & {record["key"], record["message_id"]}:
            lines.append(f"Lead notification from {record['lead'].get('source', '')}: "
                         f"could not be read: {record['lead'].get('problem', '')}")
    for lead in found.leads:
        if lead.contact == address or ids & {lead.quote["key"], lead.quote["message_id"]}:
            lines += [f"Lead {lead.contact}: {lead.quote_reason}, came "
                      f"{lead.sent_at.astimezone(tz):%Y-%m-%d %H:%M}",
                      f"  {lead.status.value}: {lead.status_reason}"]
    return lines


def known(store: Store, config: Config, now: datetime, address: str) -> bool:
    """Someone `mark` may name: a contact with touches, a customer's person or a lead."""
    found = derive_plans(store, config, now)
    return any(t.contact == address for t in found.touches) or any(
        address in lp.people for lp in [*found.plans, *found.leads])
