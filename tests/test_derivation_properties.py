"""Loops and contacts depend on the mail only: not on the order of the records, nor on how
they were split into syncs of a real store file (issue 11, point 1)."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.model import Owner
from inboxfollow.rules.contacts import all_touches, build_contacts
from inboxfollow.rules.identity import ORIGINAL_ID_HEADER
from inboxfollow.rules.loops import derive_loops
from inboxfollow.store import open_store

OWNER = Owner("Dana", frozenset({"dana@shop.example"}), "dana+crm@shop.example")
ME = ["Dana", "dana@shop.example"]
COLLEAGUE = ["Max", "max@shop.example"]  # the owner's side
CONTACTS = [
    ["Ann Lee", "ann@acme.example"],
    ["Ben Ray", "ben@acme.example"],  # Ann's colleague
    ["Cid", "cid@acme-group.example"],  # another organisation that answers in acme's threads
    ["Gail", "gail@gmail.com"],  # free mail: no organisation
    ["Gus", "gus@gmail.com"],
]
DAEMON = ["Mail Delivery System", "mailer-daemon@mx.example"]
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
NOW = T0 + timedelta(days=40)


@dataclass(frozen=True)
class Event:
    """One thing that happens in the mailbox; `parent` picks an earlier message to answer."""

    what: str
    who: int  # index into CONTACTS
    also: int  # a second contact (Cc), -1 for none
    parent: int  # 0: none; n: the (n mod count)-th earlier message
    by_rewritten_id: bool  # the reply references the Exchange-rewritten ID of its parent
    exchange_copy: bool  # an outbound message also comes back to the capture mailbox
    hours: int  # after the previous event; 0 gives equal dates
    skew: int  # hours the sender's clock is behind: a reply dated before what it answers


WHAT = ("quote", "quote", "owner", "reply", "reply", "colleague", "auto", "auto_wording",
        "bounce", "hello")

events = st.builds(
    Event,
    what=st.sampled_from(WHAT),
    who=st.integers(0, len(CONTACTS) - 1),
    also=st.integers(-1, len(CONTACTS) - 1),
    parent=st.integers(0, 30),
    by_rewritten_id=st.booleans(),
    exchange_copy=st.booleans(),
    hours=st.integers(0, 30),
    skew=st.sampled_from((0, 0, 0, 2)),
)


def record(key: str, sender: list[str], to: list[list[str]], when: datetime, subject: str,
           *, kind: str = "human", refs: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    out = sender[1] == ME[1]
    refs = refs or []
    return {
        "key": key, "message_id": key, "sender": sender, "to": to, "cc": [],
        "date": when.isoformat(), "direction": "out" if out else "in", "kind": kind,
        "reason": f"generated {kind}", "evidence": "headers", "subject": subject, "text": "",
        "attachments": [], "in_reply_to": refs[-1:], "references": refs, "headers": {},
        "bounce_text": "", "locations": [["owner", "Sent" if out else "INBOX", 1, 0]], **extra,
    }


def mailbox(history: list[Event]) -> list[dict[str, Any]]:
    """The stored records an event history leaves, in the order it happened."""
    records: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []  # messages a later one can answer (not the copies)
    when = T0
    for n, event in enumerate(history):
        when += timedelta(hours=event.hours)
        parent = sent[(event.parent - 1) % len(sent)] if event.parent and sent else None
        refs: list[str] = []
        if parent is not None:
            named = parent.get("_rewritten", parent["key"]) if event.by_rewritten_id else None
            refs = [*parent["references"][-3:], named or parent["key"]]
        subject = f"Re: {parent['subject']}" if parent else f"shelves {n}"
        new = _message(n, event, when, subject, refs)
        sent.append(new)
        records.append(new)
        if new["direction"] == "out" and event.exchange_copy:
            copy = dict(new, key=f"<{n}@eurprd07.outlook.com>", message_id="",
                        headers={ORIGINAL_ID_HEADER: new["key"]},
                        locations=[["capture", "INBOX", 1, n]])
            copy["message_id"] = copy["key"]
            new["_rewritten"] = copy["key"]
            records.append(copy)
    return [{k: v for k, v in r.items() if not k.startswith("_")} for r in records]


def _message(n: int, event: Event, when: datetime, subject: str,
             refs: list[str]) -> dict[str, Any]:
    key = f"<{n}@gen>"
    who = CONTACTS[event.who]
    to = [who] + ([CONTACTS[event.also]] if event.also >= 0 and event.also != event.who else [])
    earlier = when - timedelta(hours=event.skew)
    if event.what == "quote":
        return record(key, ME, to, when, f"Quote {1000 + n}: {subject}", refs=refs,
                      attachments=[f"quote-{1000 + n}.pdf"])
    if event.what == "owner":
        return record(key, ME, to, when, subject, refs=refs)
    if event.what == "hello":
        return record(key, ME, to, when, f"hello {n}")
    if event.what == "reply":
        return record(key, who, [ME], earlier, subject, refs=refs)
    if event.what == "colleague":
        return record(key, COLLEAGUE, [ME], when, subject, refs=refs)
    if event.what in ("auto", "auto_wording"):
        evidence = "wording" if event.what == "auto_wording" else "headers"
        return record(key, who, [ME], earlier, f"Automatic reply: {subject}", kind="auto_reply",
                      refs=refs, evidence=evidence)
    text = f"Your message to {who[1]} could not be delivered.\n\nStatus: 5.1.1 user unknown\n"
    return record(key, DAEMON, [ME], when, "Undeliverable", kind="bounce", refs=refs,
                  bounce_text=text)


def derived(records: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """What the owner sees: each loop and each contact, as plain values."""
    derivation = derive_loops(records, OWNER, NOW)
    loops = [(lp.id, lp.status.value, lp.touches, lp.answer["key"] if lp.answer else None,
              sorted(lp.people), lp.next_due) for lp in derivation.loops]
    contacts = [(c.email, c.name, c.touches_in, c.touches_out, c.first_touch, c.last_touch)
                for c in build_contacts(all_touches(records, OWNER))]
    return loops, contacts


histories = st.lists(events, min_size=1, max_size=25)


@settings(max_examples=150)
@given(histories, st.randoms(use_true_random=False))
def test_derivation_does_not_depend_on_the_order_of_the_records(
    history: list[Event], rnd: random.Random
) -> None:
    records = mailbox(history)
    shuffled = list(records)
    rnd.shuffle(shuffled)
    assert derived(shuffled) == derived(records)


@settings(max_examples=40)
@given(histories, st.randoms(use_true_random=False), st.integers(1, 4))
def test_derivation_does_not_depend_on_how_the_mail_came_in_syncs(
    history: list[Event], rnd: random.Random, syncs: int
) -> None:
    records = mailbox(history)
    expected = derived(records)
    arrival = list(records)
    rnd.shuffle(arrival)
    cuts = sorted(rnd.randint(0, len(arrival)) for _ in range(syncs - 1))
    batches = [arrival[a:b] for a, b in zip([0, *cuts], [*cuts, len(arrival)], strict=True)]
    with tempfile.TemporaryDirectory(prefix="inboxfollow-prop-") as folder:
        path = Path(folder) / "inboxfollow.json"
        saved: list[dict[str, Any]] = []
        for batch in batches:
            with open_store(path) as store:
                store.save_messages(batch, {})
                store.commit()
            saved += batch
            with open_store(path, readonly=True) as store:
                stored = store.all_messages()
            assert derived(stored) == derived(saved)  # each sync: what it holds so far
    assert derived(stored) == expected
