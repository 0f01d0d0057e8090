"""What the rules add to a stored record beyond the message's own facts (pure).

- `trust`/`delivered_to`: what the capture trust rule found (rules.capture_trust);
- `asks`: the sentence of a contact's message that asks something (the owner owes an
  answer: rules.waiting), and `defers`: the sentence that puts the follow-up off to a
  date ("ask me again in January": rules.loops resumes the quote then). Both only when
  the message's text was fetched, from its own text (quoted history cut), at most 300
  characters: the rest of an inbound body is never kept.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inboxfollow.mail.text import own_text
from inboxfollow.model import Owner, ParsedMessage
from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.capture_trust import UNVERIFIED, calendar_of, trust_basis, trust_problem
from inboxfollow.rules.commitments import asks_something, find_deferral
from inboxfollow.rules.lead_forms import lead_facts

__all__ = ["UNVERIFIED", "lead_facts", "record_facts", "trust_problem"]
SENTENCE_CHARS = 300


def record_facts(parsed: ParsedMessage, source: str, owner: Owner, in_sent: bool,
                 problem: str) -> dict[str, Any]:
    facts = trust_basis(parsed, source, owner, in_sent, problem)
    sender = parsed.sender.email if parsed.sender else ""
    if not parsed.has_text or not sender or owner.is_owner(sender):
        return facts
    text = own_text(parsed.text)
    asks = asks_something(text)
    if asks:
        facts["asks"] = asks[:SENTENCE_CHARS]
    calendar: Calendar = calendar_of(owner)
    day = (parsed.date or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(calendar.tz).date()
    deferral = find_deferral(text, day, calendar)
    if deferral is not None:
        facts["defers"] = deferral.sentence[:SENTENCE_CHARS]
    return facts
