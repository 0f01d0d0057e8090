"""What the weekly digest and the daily checklist say (pure).

Both put the action first ("22 follow-ups are waiting in Drafts: open Drafts and
send them", "3 people are waiting for your answer"), then one row per open loop,
overdue first, never twice (`digest_sections.SectionBuilder`), with the quote's
amount where its own words name one and the open pipeline per currency. The digest
adds who answered this week, bounces, contacts gone quiet, and on which touch the
answers came beside the seeds' figures (2%, 3%, 5% and 10% of sales on the 1st to
4th contact, 80% on the 5th to 12th). The checklist holds the prompts due today
(seeds 001: a daily routine checklist).

`build_digest` and `build_checklist` take records, loops, draft records and a `now`,
and give plain values; `outbox.digest` renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from inboxfollow.mail.text import one_line
from inboxfollow.model import Owner
from inboxfollow.rules.amounts import quote_amount, totals_by_currency
from inboxfollow.rules.cadence import DEFAULT_CADENCE, Calendar
from inboxfollow.rules.contacts import Contact, all_touches, build_contacts
from inboxfollow.rules.digest_sections import (
    Row,
    Section,
    SectionBuilder,
    answered_row,
    bounce_actions,
    bounce_row,
    customer_actions,
    loop_row,
    quiet_row,
    send_actions,
    waiting_actions,
    waiting_row,
)
from inboxfollow.rules.lead_view import lead_actions
from inboxfollow.rules.loops import Derivation, Loop, Status
from inboxfollow.rules.quiet import is_quiet
from inboxfollow.rules.waiting import Waiting, WaitingRule

# seeds/004: share of sales made on the 1st, 2nd, 3rd and 4th contact, and on the 5th to 12th
SEED_SHARES = {1: 2, 2: 3, 3: 5, 4: 10}
SEED_LATER = 80
BLOCKS = 20  # width of a bar at 100% in the text part
FOLLOWUPS = len(DEFAULT_CADENCE.steps)


@dataclass(frozen=True)
class TouchBar:
    touch: int  # 1..4, and 5 for the 5th touch or later
    label: str  # "1st" .. "4th", "5th+"
    count: int
    percent: int  # of all answers; the bars sum to 100 when there is any answer
    seed: int  # the seeds' share of sales made on this contact (5th+: the 5th to 12th)
    blocks: str  # the bar in the text part


@dataclass(frozen=True)
class TouchChart:
    bars: list[TouchBar]
    total: int
    early_percent: int  # answers on the 1st to 4th touch
    later_percent: int  # answers on the 5th touch or later
    seed_early: int = sum(SEED_SHARES.values())
    seed_later: int = SEED_LATER


def long_day(moment: datetime, tz: Any) -> str:
    """'Monday 7 December 2026'."""
    local = moment.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y}"


def _count(sections: Sequence[Section], id: str) -> int:
    return sum(s.count for s in sections if s.id == id)


@dataclass
class DigestData:
    owner_name: str
    today: str
    generated: str
    week_days: int
    quiet_days: int
    sections: list[Section] = field(default_factory=list)
    pipeline: list[str] = field(default_factory=list)  # "$12,400", one per currency
    priced: int = 0  # open quotes whose amount is known
    open_quotes: int = 0
    chart: TouchChart | None = None

    @property
    def actions(self) -> list[str]:
        return [line for section in self.sections for line in section.actions]

    @property
    def subject(self) -> str:
        answered = _count(self.sections, "answered")
        return (f"Follow-up digest {self.today}: {_count(self.sections, 'send')} to send, "
                f"{self.open_quotes} open quote(s), {answered} answered this week")


@dataclass
class ChecklistData:
    owner_name: str
    today: str
    generated: str
    quiet_days: int
    sections: list[Section] = field(default_factory=list)

    @property
    def actions(self) -> list[str]:
        return [line for section in self.sections for line in section.actions]

    @property
    def subject(self) -> str:
        return (f"Today's follow-ups {self.today}: {_count(self.sections, 'send')} due, "
                f"{_count(self.sections, 'waiting')} to answer, "
                f"{_count(self.sections, 'quiet')} to call")


# ---- replies by touch number -----------------------------------------------------


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def shares(counts: Sequence[int]) -> list[int]:
    """Whole percentages that sum to exactly 100 (largest remainder), or all 0."""
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    result = [c * 100 // total for c in counts]
    order = sorted(range(len(counts)), key=lambda i: (-(counts[i] * 100 % total), i))
    for i in order[: 100 - sum(result)]:
        result[i] += 1
    return result


def touch_chart(touch_numbers: Iterable[int]) -> TouchChart:
    """Answers by the touch that brought them: the 1st to 4th, and the 5th or later in one
    bar, as the seeds count them."""
    counts = [0] * 5
    for n in touch_numbers:
        counts[min(max(n, 1), 5) - 1] += 1
    percents = shares(counts)
    bars = [
        TouchBar(i + 1, ordinal(i + 1) if i < 4 else "5th+", counts[i], percents[i],
                 SEED_SHARES.get(i + 1, SEED_LATER), "#" * round(percents[i] * BLOCKS / 100))
        for i in range(5)
    ]
    total = sum(counts)
    early = sum(percents[:4]) if total else 0
    return TouchChart(bars, total, early, 100 - early if total else 0)


# ---- who is quiet (who waits: rules.waiting) ----------------------------------------


def _people(loop: Loop) -> list[str]:
    return loop.people or [loop.contact]


def quiet_contacts(
    contacts: Iterable[Contact], loops: Iterable[Loop], now: datetime, days: int
) -> list[Contact]:
    """No touch for `days`, most recently quiet first. Not those a loop follows up or whose
    address bounced, nor those whose last loop ended without an answer (exhausted after
    its last touch, stopped, won or lost): only a loop that was answered leaves a contact
    to check in with."""
    latest: dict[str, Loop] = {}
    for loop in sorted(loops, key=lambda lp: lp.sent_at):
        for person in _people(loop):
            latest[person] = loop
    skip = {p for p, lp in latest.items() if lp.status is not Status.REPLIED}
    skip |= {p for lp in loops if lp.status in (Status.AWAITING_REPLY, Status.BOUNCED)
             for p in _people(lp)}
    quiet = [c for c in contacts if is_quiet(c.last_touch, now, days) and c.email not in skip]
    return sorted(quiet, key=lambda c: (c.last_touch, c.email), reverse=True)


# ---- the builders ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    loops: list[Loop]
    open_rows: list[Row]  # every loop awaiting a reply, overdue first
    waiting: list[Row]
    quiet: list[Contact]


def _facts(records: Sequence[dict[str, Any]], derivation: Derivation,
           drafts_records: Iterable[dict[str, Any]], owner: Owner, now: datetime, tz: Any,
           quiet_days: int, followups: int, waiting_rule: WaitingRule | None,
           contacts: Sequence[Contact] | None = None,
           waiting: Sequence[Waiting] | None = None) -> _Facts:
    loops = derivation.loops
    pending = {r["loop_id"]: datetime.fromisoformat(r["created_at"])
               for r in drafts_records if r.get("state") == "pending"}
    awaiting = [lp for lp in loops if lp.status is Status.AWAITING_REPLY]
    awaiting.sort(key=lambda lp: (lp.next_due or now + timedelta(days=36500), lp.sent_at))
    rows = [loop_row(lp, now, tz, followups, pending.get(lp.id)) for lp in awaiting]
    if contacts is None:
        contacts = build_contacts(all_touches(records, owner))
    if waiting is None:
        rule = waiting_rule or WaitingRule(Calendar(tz), horizon_days=quiet_days)
        waiting = rule.find(records, owner, now)
    quiet = quiet_contacts(contacts, loops, now, quiet_days)
    return _Facts(loops, rows, [waiting_row(w, now, tz) for w in waiting], quiet)


def _action_sections(builder: SectionBuilder, facts: _Facts, customers: Sequence[Row],
                     send_title: str, leads: Sequence[Row] = ()) -> None:
    """What to do now, the same in the digest and the checklist."""
    send = [row for row in facts.open_rows if row.state in ("draft", "due")]
    builder.add("send", send_title, send, send_actions,
                empty="Nothing to send: no follow-up is due.")
    builder.add("waiting", "Waiting for your answer", facts.waiting,
                waiting_actions, empty="Nobody is waiting for your answer.")
    builder.add("customers", "Customers to check in with", customers,
                customer_actions, optional=True)
    builder.add("leads", "New leads, and how fast you answered", leads, lead_actions,
                optional=True)


def build_digest(
    records: Sequence[dict[str, Any]],
    derivation: Derivation,
    drafts_records: Iterable[dict[str, Any]],
    owner: Owner,
    now: datetime,
    tz: Any,
    quiet_days: int = 30,
    week_days: int = 7,
    quiet_limit: int = 20,
    followups: int = FOLLOWUPS,
    customers: Sequence[Row] = (),
    untrusted: Sequence[Row] = (),
    promises: Sequence[Row] = (),
    leads: Sequence[Row] = (),
    waiting_rule: WaitingRule | None = None,
    contacts: Sequence[Contact] | None = None,
    waiting: Sequence[Waiting] | None = None,
) -> DigestData:
    """Everything the weekly digest shows, in sections, action first; `untrusted`: capture
    mail the capture trust rule set aside (its commands were not carried out);
    `waiting_rule`: who waits for the owner's answer (default: its defaults in `tz`)."""
    facts = _facts(records, derivation, drafts_records, owner, now, tz, quiet_days, followups,
                   waiting_rule, contacts, waiting)
    since = now - timedelta(days=week_days)
    answered = [lp for lp in facts.loops if lp.answer is not None
                and since < datetime.fromisoformat(lp.answer["date"]) <= now]
    answered.sort(key=lambda lp: (lp.answer or {})["date"], reverse=True)
    bounced = [lp for lp in facts.loops if lp.status is Status.BOUNCED and lp.bounce]
    builder = SectionBuilder()
    _action_sections(builder, facts, customers, "Send now", leads)
    builder.add("bounces", "Bounces to fix", [bounce_row(lp, tz)
                for lp in bounced], bounce_actions, optional=True)
    builder.add("promises", "Promises overdue", promises, optional=True,
                note="You said you would, by then: do it, or tell them when.")
    builder.add("untrusted", "Capture mail not trusted", untrusted, optional=True,
                note="Claimed to be from you, but neither your Sent folder nor the capture "
                     "provider vouched for it: its commands were not carried out.")
    later = [row for row in facts.open_rows if row.state == "later"]
    builder.add("open", "Open quotes, next follow-up later", later,
                empty="None.")
    builder.add("answered", "Answered this week",
                [answered_row(lp, tz, followups) for lp in answered],
                empty=f"Nobody answered a quote in the last {week_days} days.")
    builder.add("quiet", "Contacts gone quiet",
                [quiet_row(c, now, tz) for c in facts.quiet], limit=quiet_limit, empty="None.",
                note=f"No touch in {quiet_days} days. Check in: how are they doing?")
    open_loops = [lp for lp in facts.loops if lp.status is Status.AWAITING_REPLY]
    amounts = [quote_amount(lp.quote) for lp in open_loops]
    return DigestData(
        owner_name=one_line(owner.name),
        today=long_day(now, tz),
        generated=now.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
        week_days=week_days,
        quiet_days=quiet_days,
        sections=builder.sections,
        pipeline=[str(total) for total in totals_by_currency(amounts)],
        priced=sum(a is not None for a in amounts),
        open_quotes=len(open_loops),
        chart=touch_chart(lp.touches for lp in facts.loops if lp.answer is not None),
    )


def build_checklist(
    records: Sequence[dict[str, Any]],
    derivation: Derivation,
    drafts_records: Sequence[dict[str, Any]],
    owner: Owner,
    now: datetime,
    tz: Any,
    quiet_days: int = 30,
    limit: int = 10,
    followups: int = FOLLOWUPS,
    customers: Sequence[Row] = (),
    promises: Sequence[Row] = (),
    leads: Sequence[Row] = (),
    waiting_rule: WaitingRule | None = None,
    contacts: Sequence[Contact] | None = None,
    waiting: Sequence[Waiting] | None = None,
) -> ChecklistData:
    """Every prompt due today, by the digest's rules: follow-ups, answers owed, calls."""
    facts = _facts(records, derivation, drafts_records, owner, now, tz, quiet_days, followups,
                   waiting_rule, contacts, waiting)
    builder = SectionBuilder()
    _action_sections(builder, facts, customers, "Follow-ups due today", leads)
    builder.add("promises", "Promises due today", promises, optional=True,
                note="You said you would, by today.")
    builder.add("quiet", "Quiet contacts to call", [quiet_row(c, now, tz) for c in facts.quiet],
                limit=limit, empty="None.",
                note=f"No touch in {quiet_days} days. Check in: how are they doing?")
    return ChecklistData(
        owner_name=one_line(owner.name),
        today=long_day(now, tz),
        generated=now.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
        quiet_days=quiet_days,
        sections=builder.sections,
    )
