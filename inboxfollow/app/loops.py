"""Loops as the owner sees them: the stored messages, commands and drafts run through the rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inboxfollow.config import Config
from inboxfollow.rules.loops import Derivation, Override, Status, derive_loops
from inboxfollow.rules.waiting import WaitingRule
from inboxfollow.store import Store

CLOSING = ("stop", "won", "lost")  # the owner's commands that also clear "waiting for you"


def overrides_of(store: Store) -> list[Override]:
    return [
        Override(o["action"], o["target"], datetime.fromisoformat(o["at"]))
        for o in store.overrides()
    ]


Derived = tuple[list[dict[str, Any]], Derivation]
# A derivation made ahead (`derive_ahead`), by what it was derived from: the store's
# content token (the same data in any Store loaded from the same file version), the
# config and the time. Taken by the next `derive` with the same key, or dropped.
_ahead: tuple[tuple[Any, ...], Derived] | None = None


def derive(store: Store, config: Config, now: datetime) -> Derived:
    """The loops of the stored messages, commands and drafts at `now`.

    A derivation made ahead from a read-only copy of the same file version (the
    daemon does that outside the store lock) is taken as it is, so the writer's lock
    is not held for a derivation that could be made before taking it.
    """
    global _ahead
    ahead, _ahead = _ahead, None
    token = store.content_token
    if token is not None and ahead is not None and ahead[0] == (token, id(config), now):
        return ahead[1]
    return _derive(store, config, now)


def derive_ahead(store: Store, config: Config, now: datetime) -> None:
    """Derive from `store` (read-only, no lock) for the next `derive` of the same data."""
    global _ahead
    token = store.content_token
    _ahead = None
    if token is not None:
        _ahead = ((token, id(config), now), _derive(store, config, now))


def _derive(store: Store, config: Config, now: datetime) -> Derived:
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


def waiting_rule(store: Store, config: Config) -> WaitingRule:
    """Who waits for the owner's answer, by the owner's settings and closing commands: the
    one rule the digest, the checklist and `loops --kind waiting` apply."""
    stops = tuple((o["target"], datetime.fromisoformat(o["at"])) for o in store.overrides()
                  if o["action"] in CLOSING)
    return WaitingRule(config.calendar, config.digest.waiting_days, stops,
                       config.digest.quiet_days)
