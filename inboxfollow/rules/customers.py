"""Who is a customer, since when, and why (pure).

A customer is an organisation (the registrable domain of its people's addresses) or,
for a free-mail address, the person. A contact becomes one by evidence, each kept
with its reason for `explain`:

- the owner's command: `inboxfollow mark CONTACT won`, or `+won` on the capture address
  (an override "won" whose target is an address or a message of the conversation);
- a quote loop marked won (the same override, reached through the loop's people);
- mail: an invoice, an order confirmation or a receipt the owner sent (the quote rules
  tell billing mail from quotes: `QuoteDecision.billing`).

The purchase date is the first evidence since the plan last ended; `mark CONTACT
lost` or `+stop` after it ends the plan (a later evidence starts a new one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inboxfollow.model import Owner
from inboxfollow.rules.contacts import is_contact, touches_of
from inboxfollow.rules.loop_state import Derivation, Loop, Override
from inboxfollow.rules.organisations import organisation

# billing kinds that show a sale was made (a payment reminder or a statement follows one)
SALE_KINDS = {"invoice": "an invoice", "order_confirmation": "an order confirmation",
              "receipt": "a receipt"}
ENDING = ("lost", "stop")


def customer_key(email: str) -> str:
    """The organisation of an address, or the address itself for free-mail."""
    email = email.lower()
    return organisation(email) or email


@dataclass(frozen=True)
class Evidence:
    """One reason to take someone for a customer, or to end their plan."""

    at: datetime
    people: tuple[str, ...]  # the people of the conversation it is about
    reason: str
    key: str  # the message key, or the override's target
    ends: str = ""  # "lost" or "stop" for an ending; "" for a purchase
    names: tuple[tuple[str, str], ...] = ()  # (name, address) as the message named them
    text: str = ""  # the conversation's subject and own text: the check-ins' language
    by_mail: bool = False  # billing mail, not the owner's command


@dataclass
class Customer:
    key: str  # organisation, or the address for free-mail
    purchase: Evidence
    evidence: list[Evidence] = field(default_factory=list)  # purchases and endings, in time
    ended: Evidence | None = None  # the lost or stop that ended the plan, if any

    @property
    def people(self) -> tuple[str, ...]:
        return self.purchase.people

    @property
    def contact(self) -> str:
        return self.people[0]

    @property
    def name(self) -> str:
        names = dict((a, n) for n, a in self.purchase.names)
        return names.get(self.contact, "")

    def explain(self) -> list[str]:
        lines = [f"Customer {self.key}: since {self.purchase.at.date()} "
                 f"({self.purchase.reason})"]
        for item in self.evidence:
            if item is not self.purchase:
                lines.append(f"  {item.at.date()}: {item.reason}")
        if self.ended is not None:
            lines.append(f"  the touch-point plan ended on {self.ended.at.date()}: "
                         f"{self.ended.reason}")
        return lines


def find_customers(
    records: Sequence[dict[str, Any]],
    derivation: Derivation,
    overrides: Sequence[Override],
    owner: Owner,
    now: datetime,
    mail_days: int | None = None,
) -> list[Customer]:
    """Every customer at `now`, with the evidence for it, by purchase date. With
    `mail_days`, billing mail older than that many days makes no customer on its own (the
    first sync of an old mailbox does not start a plan for every invoice ever sent); the
    owner's command does, however old."""
    by_key = {r["key"]: r for r in records}
    by_key.update({r["message_id"]: r for r in records if r.get("message_id")})
    evidence = [*_billing(records, derivation, owner, now),
                *_commands(overrides, by_key, derivation.loops, owner, now)]
    evidence.sort(key=lambda e: (e.at, e.ends != ""))
    customers: dict[str, Customer] = {}
    for item in evidence:
        for key in dict.fromkeys(customer_key(p) for p in item.people):
            _take(customers, key, item)
    found = [c for c in customers.values() if _recent(c, now, mail_days)]
    return sorted(found, key=lambda c: (c.purchase.at, c.key))


def _recent(customer: Customer, now: datetime, mail_days: int | None) -> bool:
    purchases = [e for e in customer.evidence if not e.ends]
    if mail_days is None or any(not e.by_mail for e in purchases):
        return True
    return max(e.at for e in purchases) >= now - timedelta(days=mail_days)


def _take(customers: dict[str, Customer], key: str, item: Evidence) -> None:
    customer = customers.get(key)
    if item.ends:
        if customer is not None and customer.ended is None:
            customer.ended = item
            customer.evidence.append(item)
        return
    if customer is None or customer.ended is not None:  # a new purchase: a new plan
        customers[key] = Customer(key, item, [item])
        return
    customer.evidence.append(item)


def _billing(records: Iterable[dict[str, Any]], derivation: Derivation, owner: Owner,
             now: datetime) -> list[Evidence]:
    found = []
    for record in records:
        decision = derivation.decisions.get(record["key"])
        if decision is None or decision.billing not in SALE_KINDS:
            continue
        if datetime.fromisoformat(record["date"]) > now:
            continue
        touches = touches_of(record, owner)
        if not touches:
            continue
        what = SALE_KINDS[decision.billing]
        found.append(Evidence(
            datetime.fromisoformat(record["date"]), tuple(t.contact for t in touches),
            f"the owner sent {what}, {record['subject']!r} ({decision.reason})", record["key"],
            names=tuple((t.name, t.contact) for t in touches), text=_text(record),
            by_mail=True))
    return found


def _commands(overrides: Sequence[Override], by_key: Mapping[str, dict[str, Any]],
              loops: Sequence[Loop], owner: Owner, now: datetime) -> list[Evidence]:
    found = []
    for item in overrides:
        if item.action not in ("won", *ENDING) or item.at > now:
            continue
        names, text = _people_of(item.target, by_key, loops, owner)
        if not names:
            continue
        people = tuple(a for _, a in names)
        verb = "stopped" if item.action == "stop" else f"marked {item.action}"
        how = "a capture +tag or `inboxfollow stop`" if item.action == "stop" else (
            f"`inboxfollow mark` or +{item.action}")
        found.append(Evidence(item.at, people, f"the owner {verb} {item.target} ({how})",
                              item.target, "" if item.action == "won" else item.action, names,
                              text))
    return found


def _text(record: dict[str, Any]) -> str:
    return f"{record.get('subject', '')}\n{record.get('text', '')}"


def _people_of(target: str, by_key: Mapping[str, dict[str, Any]], loops: Sequence[Loop],
               owner: Owner) -> tuple[tuple[tuple[str, str], ...], str]:
    """The people a command names (a message's conversation, a loop's people, an address),
    and the conversation's text."""
    record = by_key.get(target)
    address = target.strip("<>").lower()
    if record is not None:
        loop = next((lp for lp in loops if lp.quote["key"] == record["key"]), None)
    else:
        loop = next((lp for lp in loops if address in lp.people), None)
    if loop is not None:
        names = tuple((loop.name if p == loop.contact else "", p) for p in loop.people)
        return names, _text(loop.quote)
    if record is not None:
        return tuple((t.name, t.contact) for t in touches_of(record, owner)), _text(record)
    if "@" in address and is_contact(address, owner):
        return (("", address),), ""
    return (), ""
