"""The numbers of the weekly digest and the daily checklist (pure).

The digest lists quotes awaiting a reply, drafts waiting for review, who
answered this week, bounces to fix, contacts gone quiet, and on which touch the
answers came, drawn beside the seeds' figures (2%, 3%, 5% and 10% of sales on
the 1st to 4th contact, 80% on the 5th to 12th). The daily checklist holds
every prompt due today (seeds 001: a daily routine checklist).

`build_digest` and `build_checklist` take records, loops, draft records and a
`now`, and give plain rows; `outbox.digest` renders them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from inboxfollow.mail.text import base_subject, one_line
from inboxfollow.model import Direction, Owner
from inboxfollow.rules.contacts import Contact, Touch, all_touches, build_contacts
from inboxfollow.rules.loops import Derivation, Loop, Status

# seeds/004: share of sales made on the 1st, 2nd, 3rd and 4th contact, and on the 5th to 12th
SEED_SHARES = {1: 2, 2: 3, 3: 5, 4: 10}
SEED_LATER = 80
MAX_TOUCH = 12
BLOCKS = 25  # width of a bar at 100% in the text part


@dataclass(frozen=True)
class QuoteRow:
    contact: str
    name: str
    subject: str
    sent_on: str
    age_days: int
    touches: int
    next_due: str
    due_now: bool


@dataclass(frozen=True)
class DraftRow:
    contact: str
    name: str
    subject: str
    contact_number: int  # the draft is this contact of the loop (the quote is the 1st)
    created_on: str


@dataclass(frozen=True)
class AnswerRow:
    contact: str
    name: str
    subject: str
    answered_on: str
    touch: int  # outbound touches made before the answer


@dataclass(frozen=True)
class BounceRow:
    contact: str
    name: str
    subject: str
    bounced_on: str
    reason: str


@dataclass(frozen=True)
class QuietRow:
    contact: str
    name: str
    last_touch: str
    days: int
    touches: int


@dataclass(frozen=True)
class TouchBar:
    touch: int  # 1..12; 12 also holds answers after more than 12 touches
    label: str  # "1st" .. "11th", "12th+"
    count: int
    percent: int  # of all answers; the bars sum to 100 when there is any answer
    seed: int | None  # the seeds' share for this contact (1st to 4th only)
    blocks: str  # the bar in the text part


@dataclass(frozen=True)
class TouchChart:
    bars: list[TouchBar]
    total: int
    early_percent: int  # answers on the 1st to 4th touch
    later_percent: int  # answers on the 5th touch or later
    seed_early: int = sum(SEED_SHARES.values())
    seed_later: int = SEED_LATER


@dataclass
class DigestData:
    owner_name: str
    today: str
    generated: str
    week_days: int
    quiet_days: int
    awaiting: list[QuoteRow] = field(default_factory=list)
    drafts: list[DraftRow] = field(default_factory=list)
    answered: list[AnswerRow] = field(default_factory=list)
    bounces: list[BounceRow] = field(default_factory=list)
    quiet: list[QuietRow] = field(default_factory=list)
    quiet_more: int = 0  # quiet contacts not listed
    chart: TouchChart | None = None

    @property
    def due_now(self) -> int:
        return sum(row.due_now for row in self.awaiting)

    @property
    def subject(self) -> str:
        return (f"Follow-up digest {self.today}: {len(self.awaiting)} open quote(s), "
                f"{self.due_now} due, {len(self.answered)} answered this week")


@dataclass(frozen=True)
class DueItem:
    contact: str
    name: str
    subject: str
    contact_number: int
    due_on: str
    draft_ready: bool


@dataclass(frozen=True)
class ReplyItem:
    contact: str
    name: str
    subject: str
    received_on: str


@dataclass
class ChecklistData:
    owner_name: str
    today: str
    generated: str
    quiet_days: int
    due: list[DueItem] = field(default_factory=list)
    replies: list[ReplyItem] = field(default_factory=list)
    quiet: list[QuietRow] = field(default_factory=list)
    quiet_more: int = 0

    @property
    def subject(self) -> str:
        return (f"Today's follow-ups {self.today}: {len(self.due)} due, "
                f"{len(self.replies)} to answer, {len(self.quiet)} to call")


# ---- the pure part ------------------------------------------------------------


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
    """Answers by the touch that brought them: 1st to 12th, more than 12 counted as 12th."""
    counts = [0] * MAX_TOUCH
    for n in touch_numbers:
        counts[min(max(n, 1), MAX_TOUCH) - 1] += 1
    percents = shares(counts)
    bars = [
        TouchBar(
            touch=i + 1,
            label=ordinal(i + 1) + ("+" if i + 1 == MAX_TOUCH else ""),
            count=counts[i],
            percent=percents[i],
            seed=SEED_SHARES.get(i + 1),
            blocks="#" * round(percents[i] * BLOCKS / 100),
        )
        for i in range(MAX_TOUCH)
    ]
    early = sum(percents[:4]) if sum(counts) else 0
    return TouchChart(bars, sum(counts), early, 100 - early if sum(counts) else 0)


def _local(moment: datetime, tz: Any, fmt: str = "%Y-%m-%d") -> str:
    return moment.astimezone(tz).strftime(fmt)


def _when(record: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(record["date"])


def _name(loop: Loop) -> str:
    return one_line(loop.name)


def quote_rows(loops: Iterable[Loop], now: datetime, tz: Any) -> list[QuoteRow]:
    awaiting = [lp for lp in loops if lp.status is Status.AWAITING_REPLY]
    far = datetime.max.replace(tzinfo=UTC)
    awaiting.sort(key=lambda lp: (lp.next_due or far, lp.sent_at))
    return [
        QuoteRow(
            contact=lp.contact,
            name=_name(lp),
            subject=base_subject(lp.quote["subject"]),
            sent_on=_local(lp.sent_at, tz),
            age_days=max((now - lp.sent_at).days, 0),
            touches=lp.touches,
            next_due=_local(lp.next_due, tz, "%a %Y-%m-%d %H:%M") if lp.next_due else "-",
            due_now=lp.next_due is not None and lp.next_due <= now,
        )
        for lp in awaiting
    ]


def draft_rows(drafts: Iterable[dict[str, Any]], loops: Sequence[Loop], tz: Any) -> list[DraftRow]:
    by_id = {lp.id: lp for lp in loops}
    rows = []
    for record in sorted(drafts, key=lambda r: r.get("created_at", "")):
        if record.get("state") != "pending":
            continue
        loop = by_id.get(record["loop_id"])
        rows.append(DraftRow(
            contact=record.get("contact") or (loop.contact if loop else ""),
            name=_name(loop) if loop else "",
            subject=base_subject(loop.quote["subject"]) if loop else "(quote no longer found)",
            contact_number=int(record["step"]) + 1,
            created_on=_local(datetime.fromisoformat(record["created_at"]), tz),
        ))
    return rows


def answer_rows(loops: Iterable[Loop], now: datetime, tz: Any, days: int) -> list[AnswerRow]:
    since = now - timedelta(days=days)
    recent = [lp for lp in loops if lp.answer is not None and since < _when(lp.answer) <= now]
    recent.sort(key=lambda lp: _when(lp.answer or {}), reverse=True)
    return [
        AnswerRow(lp.contact, _name(lp), base_subject(lp.quote["subject"]),
                  _local(_when(lp.answer or {}), tz), lp.touches)
        for lp in recent
    ]


def bounce_rows(loops: Iterable[Loop], tz: Any) -> list[BounceRow]:
    return [
        BounceRow(lp.contact, _name(lp), base_subject(lp.quote["subject"]),
                  _local(_when(lp.bounce or {}), tz), one_line(lp.bounce_reason))
        for lp in loops
        if lp.status is Status.BOUNCED and lp.bounce is not None
    ]


def quiet_contacts(
    contacts: Iterable[Contact], loops: Iterable[Loop], now: datetime, days: int
) -> list[Contact]:
    """No touch for `days`, most recently quiet first; not those a loop already follows up
    (awaiting a reply) or whose address bounced."""
    followed = {lp.contact for lp in loops if lp.status in (Status.AWAITING_REPLY, Status.BOUNCED)}
    cutoff = now - timedelta(days=days)
    quiet = [c for c in contacts if c.last_touch < cutoff and c.email not in followed]
    return sorted(quiet, key=lambda c: (c.last_touch, c.email), reverse=True)


def quiet_rows(quiet: Sequence[Contact], now: datetime, tz: Any, limit: int) -> list[QuietRow]:
    return [
        QuietRow(c.email, one_line(c.name), _local(c.last_touch, tz), (now - c.last_touch).days,
                 c.touches)
        for c in quiet[:limit]
    ]


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
) -> DigestData:
    """Everything the weekly digest shows, as plain rows."""
    loops = derivation.loops
    quiet = quiet_contacts(build_contacts(all_touches(records, owner)), loops, now, quiet_days)
    return DigestData(
        owner_name=one_line(owner.name),
        today=_local(now, tz, "%A %d %B %Y"),
        generated=_local(now, tz, "%Y-%m-%d %H:%M %Z"),
        week_days=week_days,
        quiet_days=quiet_days,
        awaiting=quote_rows(loops, now, tz),
        drafts=draft_rows(drafts_records, loops, tz),
        answered=answer_rows(loops, now, tz, week_days),
        bounces=bounce_rows(loops, tz),
        quiet=quiet_rows(quiet, now, tz, quiet_limit),
        quiet_more=max(len(quiet) - quiet_limit, 0),
        chart=touch_chart(lp.touches for lp in loops if lp.answer is not None),
    )


def due_items(
    loops: Iterable[Loop], drafts_records: Iterable[dict[str, Any]], now: datetime, tz: Any
) -> list[DueItem]:
    """Loops awaiting a reply whose next step falls on today's local date or earlier."""
    today = now.astimezone(tz).date()
    ready = {r["loop_id"] for r in drafts_records if r.get("state") == "pending"}
    due = [lp for lp in loops if lp.status is Status.AWAITING_REPLY and lp.next_due is not None
           and lp.next_due.astimezone(tz).date() <= today]
    due.sort(key=lambda lp: lp.next_due or now)
    return [
        DueItem(lp.contact, _name(lp), base_subject(lp.quote["subject"]), lp.steps_done + 1,
                _local(lp.next_due or now, tz, "%a %Y-%m-%d %H:%M"), lp.id in ready)
        for lp in due
    ]


def reply_items(touches: Iterable[Touch], now: datetime, tz: Any, days: int) -> list[ReplyItem]:
    """Contacts whose last touch is their own message, from the last `days`: answer them."""
    last: dict[str, Any] = {}
    for touch in touches:
        if touch.date <= now:
            last[touch.contact] = touch
    since = now - timedelta(days=days)
    waiting = [t for t in last.values() if t.direction is Direction.INBOUND and t.date > since]
    waiting.sort(key=lambda t: t.date)
    return [ReplyItem(t.contact, one_line(t.name), one_line(t.subject), _local(t.date, tz))
            for t in waiting]


def build_checklist(
    records: Sequence[dict[str, Any]],
    derivation: Derivation,
    drafts_records: Sequence[dict[str, Any]],
    owner: Owner,
    now: datetime,
    tz: Any,
    quiet_days: int = 30,
    limit: int = 10,
) -> ChecklistData:
    """Every prompt due today: follow-ups, replies owed, quiet contacts to call."""
    loops = derivation.loops
    touches = all_touches(records, owner)
    quiet = quiet_contacts(build_contacts(touches), loops, now, quiet_days)
    return ChecklistData(
        owner_name=one_line(owner.name),
        today=_local(now, tz, "%A %d %B %Y"),
        generated=_local(now, tz, "%Y-%m-%d %H:%M %Z"),
        quiet_days=quiet_days,
        due=due_items(loops, drafts_records, now, tz),
        replies=reply_items(touches, now, tz, quiet_days),
        quiet=quiet_rows(quiet, now, tz, limit),
        quiet_more=max(len(quiet) - limit, 0),
    )
