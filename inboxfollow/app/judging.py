"""Judging fetched messages: parse, classify and build each one's record (pure).

Apart from `sync`, which imports it only when a pass finds something new: a poll that
finds nothing never loads the parser, the classification rules or the IMAP
BODYSTRUCTURE reader. A first sync's worker process imports it once for the whole
pass (sync._Worker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inboxfollow.mail.parse import parse_message
from inboxfollow.mail.record import build_record, peek_message_id
from inboxfollow.model import FetchedMessage, Kind, Location, Owner
from inboxfollow.rules.automatic import classify, needs_text
from inboxfollow.rules.record_facts import UNVERIFIED, lead_facts, record_facts, trust_problem
from inboxfollow.sources.imap.bodystructure import with_parts

__all__ = ["Outcome", "judge", "peek_message_id"]


@dataclass
class Outcome:
    """What judging made of one message: a record, a reason to set it aside, or a wish."""

    location: Location
    size: int
    record: dict[str, Any] | None = None
    set_aside: str = ""
    wants_text: bool = False


def judge(messages: Sequence[FetchedMessage], owner: Owner, sent: str = "") -> list[Outcome]:
    """Parse, classify and build the record of each message (pure; never raises);
    `sent`: the name of the owner's Sent folder when these messages lie in it."""
    return [_judge_one(message, owner, sent) for message in messages]


def _judge_one(message: FetchedMessage, owner: Owner, sent: str = "") -> Outcome:
    outcome = Outcome(message.location, message.size)
    try:
        message = with_parts(message)  # BODYSTRUCTURE is read here, in the judging process
        parsed = parse_message(message)
        verdict = classify(parsed, owner)
        if not message.has_text and (needs_text(parsed, owner) or verdict.kind is Kind.BOUNCE):
            outcome.wants_text = True
            return outcome
        in_sent, box = bool(sent) and message.location.folder == sent, message.location.mailbox
        outcome.set_aside = trust_problem(parsed, box, owner, message.raw, in_sent)
        if not outcome.set_aside or outcome.set_aside.startswith(UNVERIFIED):  # capture rule
            outcome.record = build_record(parsed, verdict, message, owner)
            outcome.record.update(record_facts(parsed, box, owner, in_sent, outcome.set_aside))
            outcome.record.update(lead_facts(parsed, message.raw, owner))  # [leads] sources
    except Exception as err:  # never let one message stop a sync
        outcome.set_aside = f"{type(err).__name__}: {err}"
    return outcome

