"""Touches and contacts as tables over stored records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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


# ---- calls, meetings and notes logged by capture command (+call, +note) ---------------

CALL = ("", "dana+crm+call@shop.example")


def logged(key: str, to: list[tuple[str, str]], tag: str = "call", day: int = 10,
           trust: str = "sent", bcc: str = "", **extra: object) -> dict:
    record = rec(key, ME, to, direction="out", day=day)
    record.update(trust=trust, text=f"Called about the {key} order.",
                  headers={"bcc": bcc} if bcc else {}, references=[], in_reply_to=[])
    record.update(extra)
    if not bcc:
        record["to"].append(["", f"dana+crm+{tag}@shop.example"])
    return record


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # to the capture address and the contact: the message, and the call it logs
        (logged("c1", [ANN]), [("mail", "out"), ("call", "out")]),
        (logged("c2", [ANN], tag="note"), [("mail", "out"), ("note", "out")]),
        (logged("c3", [ANN], tag="CALL+3d"), [("mail", "out"), ("call", "out")]),
        (logged("c4", [ANN], tag="call+won"), [("mail", "out"), ("call", "out")]),
        # in the Sent copy's Bcc
        (logged("c5", [ANN], bcc="dana+crm+note@shop.example"), [("mail", "out"),
                                                                  ("note", "out")]),
        # not a log command, a broken one, or a copy nobody vouched for: only the mail
        (logged("c6", [ANN], tag="3d"), [("mail", "out")]),
        (logged("c7", [ANN], tag="call+bogus"), [("mail", "out")]),
        (logged("c8", [ANN], trust=""), [("mail", "out")]),
        # to the capture address alone: nobody named, nothing (see the forward below)
        (logged("c9", []), []),
    ],
)
def test_a_logged_call_or_note_is_a_touch(record: dict, expected: list) -> None:
    assert [(t.kind, t.direction.value) for t in touches_of(record, OWNER)] == expected
    for touch in touches_of(record, OWNER):
        assert touch.contact == "ann@acme.example"
        assert touch.text == ("" if touch.kind == "mail" else record["text"])


def test_a_forwarded_message_gives_its_people_and_every_view_counts_the_call() -> None:
    asked = dict(rec("<a1@x>", ANN, [ME], day=2), message_id="<a1@x>")
    forward = logged("<f1@x>", [], tag="call", day=20, references=["<a1@x>"],
                     subject="Fwd: sa1", message_id="<f1@x>")
    touches = all_touches([asked, forward], OWNER)
    assert [(t.contact, t.kind) for t in touches] == [
        ("ann@acme.example", "mail"), ("ann@acme.example", "call")]
    assert touches[1].text == "Called about the <f1@x> order."
    (ann,) = build_contacts(touches)
    assert (ann.touches_in, ann.touches_out, ann.touches_logged, ann.touches) == (1, 0, 1, 2)
    assert ann.last_touch.day == 20 and ann.as_json(UTC)["touches_logged"] == 1


def test_the_capture_copy_shows_the_tag_the_sent_copy_lost() -> None:
    sent = dict(logged("<s1@x>", [ANN], tag="call"), message_id="<s1@x>",
                locations=[["owner", "Sent", 1, 1]])
    sent["to"] = [list(ANN)]  # the client kept no Bcc
    copy = dict(sent, key="<s1@x>#capture", trust="capture", delivered_to=[CALL[1]],
                locations=[["capture", "INBOX", 1, 1]], ids=["<s1@x>"])
    kinds = [t.kind for t in all_touches([sent, copy], OWNER)]
    assert kinds == ["mail", "call"]  # one message, one call, however many copies


def test_a_call_keeps_a_contact_from_going_quiet_but_opens_no_loop() -> None:
    from inboxfollow.rules.digest import quiet_contacts
    from inboxfollow.rules.loops import derive_loops
    from tests.test_loops import ANN as ANN_L
    from tests.test_loops import ME as ME_L
    from tests.test_loops import OWNER as OWNER_L
    from tests.test_loops import T0, msg

    old = rec("o1", ME, [ANN], direction="out", day=1)
    call = logged("c1", [ANN], day=28)
    now = datetime(2026, 4, 20, tzinfo=UTC)
    contacts = build_contacts(all_touches([old, call], OWNER))
    assert [c.email for c in quiet_contacts(contacts, [], now, 30)] == []
    assert [c.email for c in quiet_contacts(build_contacts(all_touches([old], OWNER)), [], now,
                                            30)] == ["ann@acme.example"]
    # a call note forwarded to the capture address, in a quote's words: a touch, no loop
    asked = msg("a", ANN_L, [ME_L], 0, "Shelves", text="Could you quote the shelves?")
    note = msg("n", ME_L, [["", "dana+crm+call@shop.example"]], 5, "Fwd: Shelves",
               refs=(asked["key"],), trust="sent",
               text="Called Ann: our quote for the oak shelves, total price EUR 2,400.")
    assert [t.kind for t in all_touches([asked, note], OWNER_L)] == ["mail", "call"]
    assert derive_loops([asked, note], OWNER_L, T0 + timedelta(days=3)).loops == []
