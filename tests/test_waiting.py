"""Mail awaiting the owner's answer: one rule (rules.waiting), and the digest, the checklist
and `loops --kind waiting` (text and JSON) agree on it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.digest import build_checklist, build_digest
from inboxfollow.rules.loops import derive_loops
from inboxfollow.rules.waiting import WaitingRule, waiting_for_answer
from tests.test_loops import ANN, ME, OWNER, T0, msg

CAL = Calendar()
COLLEAGUE = ["Sam", "sam@shop.example"]
ROBOT = ["", "noreply@acme.example"]

# (what the contact wrote, listed after two working days?) in en, de, fr, es
QUESTIONS = [
    ("Could you deliver on Friday?", True),
    ("Can you send me the drawings as PDF", True),
    ("Please confirm the measurements when you get a chance.", True),
    ("Let me know if the 14th works for you.", True),
    ("We'd like a second option in walnut.", True),
    ("Thanks, received. All good.", False),
    ("Great, see you on Monday!", False),
    ("Könnten Sie mir bitte das Angebot als PDF schicken?", True),
    ("Geben Sie mir bitte Bescheid, ob das passt.", True),
    ("Wir bräuchten noch die Maße vom Fenster.", True),
    ("Vielen Dank, alles angekommen.", False),
    ("Pourriez-vous m'envoyer le devis signé ?", True),
    ("Merci de me confirmer la date de livraison.", True),
    ("Je voudrais ajouter une étagère.", True),
    ("Merci beaucoup, bien reçu.", False),
    ("¿Me puede confirmar la fecha de entrega?", True),
    ("Por favor, envíeme la factura.", True),
    ("Necesitamos el presupuesto antes del jueves.", True),
    ("Muchas gracias, todo recibido.", False),
]


@pytest.mark.parametrize(("text", "listed"), QUESTIONS)
def test_a_question_or_request_is_listed_after_two_working_days(text: str, listed: bool) -> None:
    asked = msg("a", ANN, [ME], 1, "Delivery", text=text)  # Monday 2 March
    assert waiting_for_answer([asked], OWNER, T0 + timedelta(days=1), CAL) == []  # Tuesday
    found = waiting_for_answer([asked], OWNER, T0 + timedelta(days=2), CAL)  # Wednesday
    assert [w.contact for w in found] == ([ANN[1]] if listed else [])


def test_the_delay_is_working_days_on_the_calendar_and_configurable() -> None:
    friday = msg("a", ANN, [ME], 4 * 24 + 1, "Delivery", text="Could you call me?")
    monday = T0 + timedelta(days=7, hours=12)
    assert waiting_for_answer([friday], OWNER, monday, CAL) == []  # the weekend is no day
    assert len(waiting_for_answer([friday], OWNER, monday + timedelta(days=1), CAL)) == 1
    assert len(waiting_for_answer([friday], OWNER, monday, CAL, days=1)) == 1
    same_day = T0 + timedelta(hours=5)
    assert len(waiting_for_answer([msg("b", ANN, [ME], 1, text="Can you?")], OWNER, same_day,
                                  CAL, days=0)) == 1


@pytest.mark.parametrize("who", [COLLEAGUE, ROBOT])
def test_only_contacts_wait(who: list[str]) -> None:
    asked = msg("a", who, [ME], 1, "Delivery", text="Could you deliver on Friday?")
    assert waiting_for_answer([asked], OWNER, T0 + timedelta(days=5), CAL) == []


def test_automatic_mail_never_waits() -> None:
    asked = msg("a", ANN, [ME], 1, "Out of office", kind="auto_reply", text="Can you wait?")
    assert waiting_for_answer([asked], OWNER, T0 + timedelta(days=5), CAL) == []


def test_an_answer_clears_it_and_a_later_question_opens_it_again() -> None:
    asked = msg("a", ANN, [ME], 1, "Delivery", text="Could you deliver on Friday?")
    answer = msg("r", ME, [ANN], 30, "Re: Delivery", text="Yes.")
    again = msg("b", ANN, [ME], 50, "Re: Delivery", text="Can you bring the invoice too?")
    later = T0 + timedelta(days=8)
    assert waiting_for_answer([asked, answer], OWNER, later, CAL) == []
    (item,) = waiting_for_answer([asked, answer, again], OWNER, later, CAL)
    assert item.question == "Can you bring the invoice too?"


def test_a_stop_clears_the_questions_asked_before_it_only() -> None:
    asked = msg("a", ANN, [ME], 1, "Delivery", text="Could you deliver on Friday?",
                references=["<root@x>"])
    later = T0 + timedelta(days=8)
    for target in (ANN[1], "<a@x>", "<root@x>"):  # the contact, the message, its conversation
        stop = (target, T0 + timedelta(days=3))
        assert waiting_for_answer([asked], OWNER, later, CAL, stopped=[stop]) == []
    old_stop = (ANN[1], T0 - timedelta(days=30))  # a loop stopped long ago
    assert len(waiting_for_answer([asked], OWNER, later, CAL, stopped=[old_stop])) == 1


def test_a_call_the_owner_logged_answers_it_a_note_does_not() -> None:
    asked = msg("a", ANN, [ME], 1, "Delivery", text="Could you call me about the delivery?")
    def logged(tag: str) -> dict[str, Any]:
        to = [["", f"dana+crm+{tag}@shop.example"]]
        return msg(tag, ME, to, 5, "Fwd: Delivery", refs=("<a@x>",), trust="sent",
                   text="Called Ann back: Tuesday works.")

    later = T0 + timedelta(days=5)
    assert waiting_for_answer([asked, logged("call")], OWNER, later, CAL) == []
    assert len(waiting_for_answer([asked, logged("note")], OWNER, later, CAL)) == 1


def test_past_the_horizon_a_question_is_a_quiet_contact_instead() -> None:
    asked = msg("a", ANN, [ME], 1, "Delivery", text="Could you deliver on Friday?")
    rule = WaitingRule(CAL, horizon_days=30)
    assert len(rule.find([asked], OWNER, T0 + timedelta(days=29))) == 1
    assert rule.find([asked], OWNER, T0 + timedelta(days=31)) == []


# ---- the digest, the checklist and the JSON agree -------------------------------------

PEOPLE = [["Ann Lee", "ann@acme.example"], ["Bo Lind", "bo@birch.example"],
          ["Cleo Roy", "cleo@cedar.example"], ["Dirk Haas", "dirk@dune.example"],
          ["Emma Bauer", "emma@elm.example"]]
NOW = T0 + timedelta(days=9)  # Wednesday 11 March


def mailbox() -> list[dict[str, Any]]:
    """Three people asked and wait; one asked and got an answer; one only said thanks."""
    ann, bo, cleo, dirk, emma = PEOPLE
    return [
        msg("a1", ann, [ME], 2, "Kitchen", text="Could you send the drawings?"),
        msg("b1", bo, [ME], 3, "Offer", text="Können Sie bitte den Termin bestätigen?"),
        msg("c1", cleo, [ME], 4, "Devis", text="Pourriez-vous m'appeler demain ?"),
        msg("d1", dirk, [ME], 5, "Frage", text="Können Sie am Montag kommen?"),
        msg("d2", ME, [dirk], 30, "Re: Frage", text="Ja, gerne."),
        msg("e1", emma, [ME], 6, "Thanks", text="Thanks, all received."),
    ]


def test_the_digest_and_the_checklist_list_who_the_rule_finds() -> None:
    records = mailbox()
    rule = WaitingRule(CAL, 2, (), 30)
    found = [w.contact for w in rule.find(records, OWNER, NOW)]
    assert found == ["ann@acme.example", "bo@birch.example", "cleo@cedar.example"]
    loops = derive_loops(records, OWNER, NOW)
    digest = build_digest(records, loops, [], OWNER, NOW, UTC, waiting_rule=rule)
    check = build_checklist(records, loops, [], OWNER, NOW, UTC, waiting_rule=rule)
    for data in (digest, check):
        assert "3 people are waiting for your answer" in data.actions
        section = next(s for s in data.sections if s.id == "waiting")
        assert [r.address for r in section.rows] == found
        assert section.rows[0].facts[0] == "asks: Could you send the drawings?"
    assert "3 to answer" in check.subject
    as_json = json.loads(json.dumps([w.as_json() for w in rule.find(records, OWNER, NOW)]))
    assert [item["contact"] for item in as_json] == found
    assert {item["kind"] for item in as_json} == {"waiting"}


def test_the_owners_setting_moves_the_day_in_every_view() -> None:
    records = mailbox()
    monday = T0 + timedelta(days=7)  # Ann asked Monday 2 March: 5 working days ago
    strict = WaitingRule(CAL, 6, (), 30)
    assert strict.find(records, OWNER, monday) == []
    loops = derive_loops(records, OWNER, monday)
    digest = build_digest(records, loops, [], OWNER, monday, UTC, waiting_rule=strict)
    assert not any("waiting for your answer" in line for line in digest.actions)
    waiting = next(s for s in digest.sections if s.id == "waiting")
    assert waiting.rows == () and waiting.empty == "Nobody is waiting for your answer."


def test_an_old_unanswered_inbound_statement_no_longer_counts_as_waiting() -> None:
    # the old rule listed any contact whose last message was theirs; a thank-you asks nothing
    records = [msg("e1", PEOPLE[4], [ME], 6, "Thanks", text="Thanks, all received.")]
    data = build_digest(records, derive_loops(records, OWNER, NOW), [], OWNER, NOW, UTC)
    assert next(s for s in data.sections if s.id == "waiting").rows == ()
    assert datetime.fromisoformat(records[0]["date"]) < NOW
