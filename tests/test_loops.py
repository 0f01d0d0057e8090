"""Quote and answer rules as tables over constructed message records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inboxfollow.model import Owner
from inboxfollow.rules.cadence import Cadence
from inboxfollow.rules.loops import Override, Status, derive_loops
from inboxfollow.rules.quotes import decide_quote

OWNER = Owner("Dana", frozenset({"dana@shop.example"}), "dana+crm@shop.example")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday
NOW = T0 + timedelta(days=3)
ME = ["Dana", "dana@shop.example"]
ANN = ["Ann Lee", "ann@acme.example"]
BEN = ["Ben Ray", "ben@acme.example"]
GAIL = ["Gail", "gail@gmail.com"]
GUS = ["Gus", "gus@gmail.com"]


def msg(key: str, sender: list[str], to: list[list[str]], hours: float, subject: str = "",
        kind: str = "human", refs: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    out = sender[1] == ME[1]
    return {
        "key": f"<{key}@x>", "message_id": f"<{key}@x>", "sender": sender, "to": to, "cc": [],
        "date": (T0 + timedelta(hours=hours)).isoformat(), "direction": "out" if out else "in",
        "kind": kind, "reason": f"test {kind}", "subject": subject, "text": "",
        "attachments": [], "in_reply_to": list(refs[-1:]), "references": list(refs),
        "headers": {}, "bounce_text": "", **extra,
    }


QUOTE = msg("q", ME, [ANN], 0, "Quote: shelves")
GMAIL_QUOTE = msg("q", ME, [GAIL], 0, "Quote: shelves")


def statuses(records: list[dict[str, Any]], **kw: Any) -> dict[str, tuple[str, int]]:
    result = derive_loops(records, OWNER, NOW, **kw)
    return {lp.contact: (lp.status.value, lp.touches) for lp in result.loops}


CASES = {
    "no answer": ([QUOTE], {"ann@acme.example": ("awaiting_reply", 1)}),
    "answered in the thread": (
        [QUOTE, msg("r", ANN, [ME], 5, "Re: Quote: shelves", refs=("<q@x>",))],
        {"ann@acme.example": ("replied", 1)}),
    "answered with a new subject, no threading": (
        [QUOTE, msg("r", ANN, [ME], 5, "about the shelves")],
        {"ann@acme.example": ("replied", 1)}),
    "answered by a colleague in the thread": (
        [QUOTE, msg("r", BEN, [ME], 5, "Re: Quote", refs=("<q@x>",))],
        {"ann@acme.example": ("replied", 1)}),
    "a colleague at the contact's organisation outside the thread answers": (
        [QUOTE, msg("r", BEN, [ME], 5, "about your offer")], {"ann@acme.example": ("replied", 1)}),
    "free mail: anyone outside the owner's side who writes in the thread answers": (
        [GMAIL_QUOTE, msg("r", GUS, [ME], 5, "Re: Quote", refs=("<q@x>",))],
        {"gail@gmail.com": ("replied", 1)}),
    "free mail: another gmail user outside the thread is no answer": (
        [GMAIL_QUOTE, msg("r", GUS, [ME], 5, "hello")],
        {"gail@gmail.com": ("awaiting_reply", 1)}),
    "an out-of-office in the thread is no answer": (
        [QUOTE, msg("r", ANN, [ME], 1, "Automatic reply", kind="auto_reply", refs=("<q@x>",))],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "an auto-reply by its headers in the thread is no answer": (
        [QUOTE, msg("r", ANN, [ME], 1, "Abwesenheitsnotiz: Quote", kind="auto_reply",
                    refs=("<q@x>",), evidence="headers")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "in the thread, automatic by its wording alone: when in doubt, human": (
        [QUOTE, msg("r", ANN, [ME], 1, "Re: Quote", kind="auto_reply", refs=("<q@x>",),
                    evidence="wording")],
        {"ann@acme.example": ("replied", 1)}),
    "outside the thread, automatic by its wording alone is no answer": (
        [QUOTE, msg("r", ANN, [ME], 1, "Automatic reply: Quote", kind="auto_reply",
                    evidence="wording")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "a read receipt is no answer": (
        [QUOTE, msg("r", ANN, [ME], 1, "Read: Quote", kind="receipt", refs=("<q@x>",))],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "a calendar response is no answer": (
        [QUOTE, msg("r", ANN, [ME], 1, "Accepted", kind="calendar")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "list mail from the contact is no answer": (
        [QUOTE, msg("r", ANN, [ME], 1, "[club] news", kind="list")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "a bounce naming the contact": (
        [QUOTE, msg("b", ["", "mailer-daemon@mx.example"], [ME], 1, "Undeliverable",
                    kind="bounce", bounce_text="Final-Recipient: rfc822; ann@acme.example\n"
                    "Diagnostic-Code: smtp; 550 5.1.1 user unknown")],
        {"ann@acme.example": ("bounced", 1)}),
    "a bounce for someone else": (
        [QUOTE, msg("b", ["", "mailer-daemon@mx.example"], [ME], 1, "Undeliverable",
                    kind="bounce", bounce_text="Final-Recipient: rfc822; zed@other.example")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "a revised quote in the thread is a touch, not a loop": (
        [QUOTE, msg("q2", ME, [ANN], 24, "Re: Quote: shelves (revised)", refs=("<q@x>",))],
        {"ann@acme.example": ("awaiting_reply", 2)}),
    "a follow-up with a new subject is a touch": (
        [QUOTE, msg("f", ME, [ANN], 24, "checking in")],
        {"ann@acme.example": ("awaiting_reply", 2)}),
    "a quote to two people opens one loop for the conversation": (
        [msg("q", ME, [ANN, GAIL], 0, "Quote: shelves")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "either of the quote's people answering closes it": (
        [msg("q", ME, [ANN, GAIL], 0, "Quote: shelves"), msg("r", GAIL, [ME], 5, "ok!")],
        {"ann@acme.example": ("replied", 1)}),
    "mail from the contact before the quote is no answer": (
        [msg("e", ANN, [ME], -5, "enquiry"), QUOTE],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "a reply in the thread dated before the quote (the sender's clock is off)": (
        [QUOTE, msg("r", BEN, [ME], -2, "Re: Quote", refs=("<q@x>",))],
        {"ann@acme.example": ("replied", 1)}),
    "a bounce in the thread dated the same second as the quote": (
        [QUOTE, msg("b", ["", "mailer-daemon@mx.example"], [ME], 0, "Undeliverable",
                    kind="bounce", refs=("<q@x>",))],
        {"ann@acme.example": ("bounced", 1)}),
    "a forward to a colleague in an open thread is no touch": (
        [QUOTE, msg("fw", ME, [["Tom", "tom@shop.example"]], 5, "Fwd: Quote: shelves",
                    refs=("<q@x>",), text="Tom, the price is EUR 900, can you check?")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "a forward with the price to a colleague after the answer opens no loop": (
        [QUOTE, msg("r", ANN, [ME], 5, "Re: Quote: shelves", refs=("<q@x>",)),
         msg("fw", ME, [["Tom", "tom@shop.example"]], 6, "Fwd: Re: Quote: shelves",
             refs=("<q@x>", "<r@x>"), text="Tom, she accepts the price of EUR 900.")],
        {"ann@acme.example": ("replied", 1)}),
    "a bounce for one of two people leaves the loop open": (
        [msg("q", ME, [ANN, BEN], 0, "Quote: shelves"),
         msg("b", ["", "mailer-daemon@mx.example"], [ME], 1, "Undeliverable", kind="bounce",
             bounce_text="Final-Recipient: rfc822; ben@acme.example\nAction: failed")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
    "a bounce for both people bounces the loop": (
        [msg("q", ME, [ANN, BEN], 0, "Quote: shelves"),
         msg("b", ["", "mailer-daemon@mx.example"], [ME], 1, "Undeliverable", kind="bounce",
             bounce_text="Final-Recipient: rfc822; ben@acme.example\n"
                         "Final-Recipient: rfc822; ann@acme.example\nAction: failed")],
        {"ann@acme.example": ("bounced", 1)}),
    "a plain outbound message opens no loop": (
        [msg("h", ME, [ANN], 0, "hello")], {}),
    "the capture copy is never a contact": (
        [msg("q", ME, [ANN, ["", "dana+crm@shop.example"]], 0, "Quote: shelves")],
        {"ann@acme.example": ("awaiting_reply", 1)}),
}


@pytest.mark.parametrize("case", CASES)
def test_loop_rules(case: str) -> None:
    records, expected = CASES[case]
    assert statuses(records) == expected


def test_every_decision_keeps_its_reason() -> None:
    records = [QUOTE, msg("o", ANN, [ME], 1, "Out of office", kind="auto_reply",
                          refs=("<q@x>",)), msg("r", BEN, [ME], 5, "Re: Quote", refs=("<q@x>",))]
    result = derive_loops(records, OWNER, NOW)
    (loop,) = result.loops
    assert "ben@acme.example wrote in the quote's thread from outside the owner's side" in (
        loop.status_reason)
    assert any("auto reply from ann@acme.example" in n for n in loop.notes)
    assert result.decisions["<q@x>"].reason == "its subject says 'Quote'"
    assert loop.answer is not None and loop.answer["key"] == "<r@x>"


def test_bounce_keeps_its_reason() -> None:
    bounce = msg("b", ["", "mailer-daemon@mx.example"], [ME], 1, "Undeliverable", kind="bounce",
                 bounce_text="Diagnostic-Code: smtp; 550 5.1.1 <ann@acme.example> unknown")
    (loop,) = derive_loops([QUOTE, bounce], OWNER, NOW).loops
    assert loop.bounce_reason == "smtp; 550 5.1.1 <ann@acme.example> unknown"


def test_exhausted_when_the_cadence_has_no_step_left() -> None:
    cadence = Cadence.parse("short", ["1d", "1d"])
    records = [QUOTE] + [msg(f"f{i}", ME, [ANN], 24 * i, "ping") for i in (1, 2)]
    assert statuses(records[:2], cadence=cadence) == {"ann@acme.example": ("awaiting_reply", 2)}
    assert statuses(records, cadence=cadence) == {"ann@acme.example": ("exhausted", 3)}


def test_default_cadence_is_exhausted_at_the_twelfth_contact() -> None:
    records = [QUOTE] + [msg(f"f{i}", ME, [ANN], 0.5 * i, "ping") for i in range(1, 12)]
    assert statuses(records[:11]) == {"ann@acme.example": ("awaiting_reply", 11)}
    assert statuses(records) == {"ann@acme.example": ("exhausted", 12)}


@pytest.mark.parametrize(
    ("action", "target", "expected"),
    [("stop", "ann@acme.example", "stopped"), ("stop", "<q@x>", "stopped"),
     ("won", "ann@acme.example", "won"), ("lost", "ann@acme.example", "lost")],
)
def test_owner_commands(action: str, target: str, expected: str) -> None:
    overrides = [Override(action, target, T0 + timedelta(hours=2))]
    assert statuses([QUOTE], overrides=overrides) == {"ann@acme.example": (expected, 1)}


def test_a_command_before_a_new_quote_does_not_touch_it() -> None:
    overrides = [Override("stop", "ann@acme.example", T0 - timedelta(days=1))]
    assert statuses([QUOTE], overrides=overrides) == {"ann@acme.example": ("awaiting_reply", 1)}


def test_quote_marks() -> None:
    plain = msg("h", ME, [ANN], 0, "hello")
    marked = [Override("quote", "<h@x>", T0)]
    assert statuses([plain], overrides=marked) == {"ann@acme.example": ("awaiting_reply", 1)}
    unmarked = [Override("not_quote", "<q@x>", T0)]
    assert statuses([QUOTE], overrides=unmarked) == {}


def test_next_due_follows_the_cadence_from_the_last_touch() -> None:
    (loop,) = derive_loops([QUOTE], OWNER, NOW).loops
    assert loop.next_due is not None and loop.next_due.date().isoformat() == "2026-03-04"
    assert Status(loop.status) is Status.AWAITING_REPLY


@pytest.mark.parametrize(
    ("subject", "text", "attachments", "is_quote"),
    [
        ("Quote: shelves", "", [], True),
        ("Re: Your quotation", "", [], True),
        ("Estimate for the staircase", "", [], True),
        ("Our proposal", "", [], True),
        ("Angebot Eichentisch", "", [], True),
        ("Kostenvoranschlag Nr. 12", "", [], True),
        ("Devis cuisine", "", [], True),
        ("Presupuesto de cocina", "", [], True),
        ("Cotización", "", [], True),
        ("Hello", "", ["Quote-2031.pdf"], True),
        ("Hello", "", ["angebot_2031.pdf"], True),
        ("Hello", "The total comes to EUR 2,400 with fitting.", [], True),
        ("Hello", "Le prix est de 300 €.", [], True),
        ("Hello", "Lunch was $12, great to see you.", [], False),
        ("Estimated arrival", "", [], False),
        ("Offering help", "", [], False),
        ("Invoice 12", "", ["invoice.pdf"], False),
    ],
)
def test_what_is_a_quote(subject: str, text: str, attachments: list[str], is_quote: bool) -> None:
    record = {"subject": subject, "text": text, "attachments": attachments}
    assert decide_quote(record).is_quote is is_quote


def test_the_first_answer_is_the_answer() -> None:
    records = [QUOTE, msg("r1", ANN, [ME], 5, "Re: Quote", refs=("<q@x>",)),
               msg("r2", ANN, [ME], 9, "one more question", refs=("<r1@x>",))]
    (loop,) = derive_loops(records, OWNER, NOW).loops
    assert loop.answer is not None and loop.answer["key"] == "<r1@x>"
