"""Loops as the owner sees them: the stored messages, commands and drafts run through the rules."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar, overload

from inboxfollow.app.derived_state import (
    Basis,
    Derivable,
    DerivedState,
    inputs_digest,
    state_folder,
)
from inboxfollow.config import Config
from inboxfollow.rules.contacts import Contact, Touch, all_touches, build_contacts
from inboxfollow.rules.identity import merge_copies
from inboxfollow.rules.loops import Derivation, Override, Status, derive_loops
from inboxfollow.rules.waiting import WaitingRule
from inboxfollow.store import Store

CLOSING = ("stop", "won", "lost")  # the owner's commands that also clear "waiting for you"


def overrides_of(store: Store) -> list[Override]:
    return [
        Override(o["action"], o["target"], datetime.fromisoformat(o["at"]))
        for o in store.overrides()
    ]


T = TypeVar("T")
Derived = tuple[Sequence[dict[str, Any]], Derivation]
# A derivation made ahead (`derive_ahead`), by what it was derived from: the store's
# content token (the same data in any Store loaded from the same file version), the
# config and the time. Taken by the next `derive` with the same key, or dropped.
_ahead: tuple[tuple[Any, ...], Derived] | None = None


def derive(store: Store, config: Config, now: datetime, explained: bool = False) -> Derived:
    """The loops of the stored messages, commands and drafts at `now`.

    A derivation made ahead from a read-only copy of the same file version (the
    daemon does that outside the store lock) is taken as it is, so the writer's lock
    is not held for a derivation that could be made before taking it. The kept one
    (`LOOPS`) leaves out what only `explain` reads (what each message did); with
    `explained`, the loops are derived from every message, with it.
    """
    global _ahead
    if explained:
        records = shared_messages(store)
        full = _all_loops(records, _loop_inputs(store, config), config, now)
        return records, _with_pending(store, full)
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
    records = shared_messages(store)
    return records, _with_pending(store, remembered(LOOPS, store, config, now, records))


def _with_pending(store: Store, derivation: Derivation) -> Derivation:
    pending = {d["loop_id"]: d["message_id"] for d in store.drafts.all() if d["state"] == "pending"}
    for loop in derivation.loops:
        loop.pending_draft = pending.get(loop.id, "") if loop.status is Status.AWAITING_REPLY \
            else ""
    return derivation


def _loop_inputs(store: Store, config: Config) -> tuple[Any, ...]:
    return overrides_of(store), skipped_steps(store)


def _all_loops(records: Sequence[dict[str, Any]], inputs: tuple[Any, ...], config: Config,
               now: datetime) -> Derivation:
    overrides, skipped = inputs
    return derive_loops(records, config.owner, now, overrides, config.quote_rules,
                        config.quote_cadence, config.calendar, skipped)


def _loops(records: Sequence[dict[str, Any]], inputs: tuple[Any, ...], config: Config,
           now: datetime) -> tuple[Derivation, datetime | None]:
    overrides, skipped = inputs
    derivation = _all_loops(records, inputs, config, now)
    derivation.effects = {}  # what each message did: only `explain` reads it (`explained`)
    for loop in derivation.loops:
        loop.judged = set()  # the derivation's own bookkeeping
    times = [o.at for o in overrides] + [t for ts in skipped.values() for t in ts]
    return derivation, horizon(records, times)


LOOPS = Derivable("loops", _loop_inputs, _loops)


def _touches(records: Sequence[dict[str, Any]], inputs: tuple[Any, ...], config: Config,
             now: datetime) -> tuple[list[Touch], datetime | None]:
    return all_touches(records, config.owner), None  # every touch, whatever `now`


TOUCHES = Derivable("touches", lambda store, config: (), _touches)


def _contacts(records: Sequence[dict[str, Any]], inputs: tuple[Any, ...], config: Config,
              now: datetime) -> tuple[list[Contact], datetime | None]:
    return build_contacts(all_touches(records, config.owner)), None  # whatever `now`


# One row per contact (what `contacts` and the digest's quiet list read): a small part
# of the touches, read in a fraction of their time.
CONTACTS = Derivable("contacts", lambda store, config: (), _contacts)


def remembered(what: Derivable[T], store: Store, config: Config, now: datetime,
               records: Sequence[dict[str, Any]] | None = None) -> T:
    """`what` derived from the store at `now`: the kept result when it holds (see
    derived_state), else derived from the stored messages and kept."""
    inputs = what.inputs(store, config)
    messages = records if records is not None else shared_messages(store)
    return kept_state(store).get(what.name, _basis(store, config, inputs), now,
                                 lambda: what.derive(messages, inputs, config, now))


def _basis(store: Store, config: Config, inputs: tuple[Any, ...]) -> Basis | None:
    """What a derivation from this store is made from (None: a store changed in memory)."""
    token = store.messages_token
    return None if token is None else Basis(token, inputs_digest(config.raw, inputs))


def verify_kept(store: Store, config: Config, now: datetime,
                kinds: Sequence[Derivable[Any]]) -> list[tuple[str, str]]:
    """For `check --deep`: each kept result that holds now, derived anew and compared.
    Returns (name, "same" | "stale" | "absent" | "different") for each; a different
    one is removed, so the next command derives it anew."""
    state, records = kept_state(store), shared_messages(store)
    found = []
    for what in kinds:
        inputs = what.inputs(store, config)
        kept = state.read(what.name)
        if kept is None:
            found.append((what.name, "absent"))
            continue
        basis = _basis(store, config, inputs)
        if basis is None or kept.key != basis.key(what.name) or not kept.holds_at(now):
            found.append((what.name, "stale"))
            continue
        fresh, _ = what.derive(records, inputs, config, now)
        same = fresh == kept.value
        if not same:
            state.forget(what.name)
        found.append((what.name, "same" if same else "different"))
    return found


def kept_state(store: Store) -> DerivedState:
    return DerivedState(state_folder(store.path))


def horizon(records: Iterable[dict[str, Any]], times: Iterable[datetime] = ()) -> datetime | None:
    """The latest date among the messages and `times` (what a derivation up to `now`
    depends on `now` through): None when there is none."""
    dates = [datetime.fromisoformat(r["date"]) for r in records] + list(times)
    return max(dates, default=None)


class StoredMessages(Sequence[dict[str, Any]]):
    """The stored messages, read when first used: a kept derivation needs none. The
    copies under other IDs merged (`unified`) are worked out once, for every rule."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._records: list[dict[str, Any]] | None = None
        self._unified: list[dict[str, Any]] | None = None

    @property
    def records(self) -> list[dict[str, Any]]:
        if self._records is None:
            self._records = self.store.all_messages()
        return self._records

    def unified(self) -> list[dict[str, Any]]:
        if self._unified is None:
            self._unified = merge_copies(self.records)
        return self._unified

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Any:
        return self.records[index]


# The stored messages of the last store read, with its messages token: the derivations
# one command makes from one store (the digest's loops, touches, questions, promises,
# plan mail) read and merge them once, not once each. Only the same store object shares
# them: the daemon's refresh thread reads its own copy, which it closes when done. The
# daemon lets go of them after each cycle (`forget_shared`).
_shared: tuple[Hashable, StoredMessages] | None = None


def shared_messages(store: Store) -> StoredMessages:
    """The stored messages of `store`, shared by the derivations made from the same data."""
    global _shared
    token = store.messages_token
    if token is None:  # changed in memory: its own, read now
        return StoredMessages(store)
    found = _shared
    if found is not None and found[0] == token and found[1].store is store:
        return found[1]
    messages = StoredMessages(store)
    _shared = (token, messages)
    return messages


def forget_shared() -> None:
    """Let go of the shared messages (a long-running process, between its cycles)."""
    global _shared
    _shared = None


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
