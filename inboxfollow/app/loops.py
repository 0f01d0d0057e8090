"""Loops as the owner sees them: the stored messages, commands and drafts run through the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inboxfollow.config import Config
from inboxfollow.rules.loops import Derivation, Override, Status, derive_loops
from inboxfollow.store import Store


def overrides_of(store: Store) -> list[Override]:
    return [
        Override(o["action"], o["target"], datetime.fromisoformat(o["at"]))
        for o in store.overrides()
    ]


def derive(store: Store, config: Config, now: datetime) -> tuple[list[dict[str, Any]], Derivation]:
    records = store.all_messages()
    derivation = derive_loops(
        records,
        config.owner,
        now,
        overrides_of(store),
        config.quote_rules,
        config.quote_cadence,
        config.calendar,
        skipped_steps(store),
    )
    pending = {d["loop_id"]: d["message_id"] for d in store.drafts.all() if d["state"] == "pending"}
    for loop in derivation.loops:
        if loop.status is Status.AWAITING_REPLY:
            loop.pending_draft = pending.get(loop.id, "")
    return records, derivation


def skipped_steps(store: Store) -> dict[str, list[datetime]]:
    """When the owner deleted drafts unsent, per loop: each is a skipped step."""
    skipped: dict[str, list[datetime]] = {}
    for record in store.drafts.all():
        if record["state"] == "skipped":
            skipped.setdefault(record["loop_id"], []).append(
                datetime.fromisoformat(record["closed_at"]))
    return skipped
