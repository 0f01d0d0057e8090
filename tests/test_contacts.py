"""Touches and contacts as tables over stored records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from inboxfollow.model import Direction, Owner
from inboxfollow.rules.contacts import (
    all_touches,
    build_contacts,
    is_robot,
    organisation,
    touches_of,
)

OWNER = Owner("Dana", frozenset({"dana@shop.example", "d@alt.example"}), "dana+crm@shop.example")


def rec(key: str, sender: tuple[str, str], to: list[tuple[str, str]], kind: str = "human",
        direction: str = "in", day: int = 1, cc: list[tuple[str, str]] | None = None) -> dict:
    return {
        "key": key, "sender": list(sender), "to": [list(a) for a in to],
        "cc": [list(a) for a in cc or []], "kind": kind, "direction": direction,
        "date": datetime(2026, 3, day, 9, tzinfo=UTC).isoformat(), "subject": f"s{key}",
    }


ME = ("Dana", "dana@shop.example")
ANN = ("Ann Lee", "ann@acme.example")
BOB = ("", "bob@gmail.com")


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (rec("1", ANN, [ME]), [("ann@acme.example", Direction.INBOUND)]),
        (rec("2", ME, [ANN, BOB], direction="out"),
         [("ann@acme.example", Direction.OUTBOUND), ("bob@gmail.com", Direction.OUTBOUND)]),
        # the capture address and the owner's other addresses are never contacts
        (rec("3", ME, [("", "dana+crm@shop.example"), ("", "d@alt.example"), ANN],
             direction="out"), [("ann@acme.example", Direction.OUTBOUND)]),
        # automatic mail is stored but makes no touch
        (rec("4", ANN, [ME], kind="auto_reply"), []),
        (rec("5", ("", "news@list.example"), [ME], kind="list"), []),
        # robots are not contacts even when classified human
        (rec("6", ("", "no-reply@shop.example"), [ME]), []),
        (rec("7", ("", "MAILER-DAEMON@x.example"), [ME]), []),
        # a repeated recipient is one touch
        (rec("8", ME, [ANN], cc=[ANN], direction="out"),
         [("ann@acme.example", Direction.OUTBOUND)]),
    ],
)
def test_touches_of(record: dict, expected: list) -> None:
    assert [(t.contact, t.direction) for t in touches_of(record, OWNER)] == expected


def test_contacts_count_in_and_out_and_keep_first_and_last() -> None:
    records = [
        rec("1", ME, [ANN], direction="out", day=1),
        rec("2", ANN, [ME], day=3),
        rec("3", ME, [ANN, BOB], direction="out", day=5),
        rec("4", ANN, [ME], kind="auto_reply", day=6),
    ]
    contacts = {c.email: c for c in build_contacts(all_touches(records, OWNER))}
    ann = contacts["ann@acme.example"]
    assert (ann.touches_in, ann.touches_out, ann.touches) == (1, 2, 3)
    assert ann.first_touch.day == 1 and ann.last_touch.day == 5
    assert ann.org == "acme.example" and ann.name == "Ann Lee"
    assert contacts["bob@gmail.com"].org == ""
    assert list(contacts) == ["ann@acme.example", "bob@gmail.com"] or len(contacts) == 2


@pytest.mark.parametrize(
    ("email", "robot"),
    [("mailer-daemon@x.org", True), ("noreply@x.org", True), ("no-reply+abc@x.org", True),
     ("bounces-123@lists.x.org", True), ("ann@x.org", False), ("norene@x.org", False)],
)
def test_is_robot(email: str, robot: bool) -> None:
    assert is_robot(email) is robot


def test_organisation_skips_freemail() -> None:
    assert organisation("a@Acme.Example") == "acme.example"
    assert organisation("a@gmail.com") == ""
