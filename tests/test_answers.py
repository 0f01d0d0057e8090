"""Who answered, which organisation, which message: the rules as tables of realistic samples."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxfollow.model import Owner
from inboxfollow.rules.answers import (
    ANSWER,
    NONE,
    OWNER_TOUCH,
    answering_organisations,
    who_answered,
)
from inboxfollow.rules.identity import ids_of, unify
from inboxfollow.rules.organisations import ascii_domain, on_owner_side, organisation

OWNER = Owner("Dana Reyes", frozenset({"dana@reyes-joinery.example", "dana.reyes@gmail.com"}),
              "dana.capture@mailhub.example", frozenset({"reyes-werkstatt.example"}))
PEOPLE = ["ann.lee@acme-shelving.example", "ben@acme-shelving.example"]


def rec(sender: str, *, refs: tuple[str, ...] = (), direction: str = "in", kind: str = "human",
        key: str = "<r@x>", to: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    return {"key": key, "message_id": key, "sender": ["", sender], "direction": direction,
            "kind": kind, "to": [["", t] for t in to], "cc": [], "in_reply_to": list(refs[-1:]),
            "references": list(refs), "headers": {}, "locations": [["owner", "INBOX", 1, 1]],
            "date": "2026-03-02T09:00:00+00:00", "subject": "",
            **extra}


# (sender, in the thread, aliases) -> outcome
WHO = {
    "the contact, in the thread": ("ann.lee@acme-shelving.example", True, {}, ANSWER),
    "the contact, outside the thread": ("ann.lee@acme-shelving.example", False, {}, ANSWER),
    "the contact in capitals": ("Ann.Lee@ACME-shelving.example", False, {}, ANSWER),
    "the other person on the quote (Cc)": ("ben@acme-shelving.example", False, {}, ANSWER),
    "her personal Gmail, in the thread": ("ann.lee.home@gmail.com", True, {}, ANSWER),
    "her personal Gmail, outside the thread": ("ann.lee.home@gmail.com", False, {}, NONE),
    "a colleague at a subdomain of her company": ("it@mail.acme-shelving.example", False, {},
                                                  ANSWER),
    "a colleague at her company, outside the thread": ("carl@acme-shelving.example", False, {},
                                                       ANSWER),
    "the group's other domain, in the thread": ("j.kern@acme-group.example", True, {}, ANSWER),
    "the group's other domain, outside the thread, never seen": (
        "j.kern@acme-group.example", False, {}, NONE),
    "the group's other domain, outside the thread, seen answering before": (
        "j.kern@acme-group.example", False, {"acme-shelving.example": {"acme-group.example"}},
        ANSWER),
    "a stranger at another company, outside the thread": ("sam@other.example", False, {}, NONE),
    "the owner, in the thread": ("dana@reyes-joinery.example", True, {}, OWNER_TOUCH),
    "the owner's second (Gmail) address, in the thread": ("dana.reyes@gmail.com", True, {},
                                                          OWNER_TOUCH),
    "the owner's colleague, in the thread": ("tom@reyes-joinery.example", True, {}, OWNER_TOUCH),
    "a team-mate at the team's other domain, in the thread": (
        "lena@reyes-werkstatt.example", True, {}, OWNER_TOUCH),
    "the owner's colleague, outside the thread": ("tom@reyes-joinery.example", False, {}, NONE),
    "the capture address": ("dana.capture@mailhub.example", True, {}, OWNER_TOUCH),
    "the capture address with a command tag": ("dana.capture+3d@mailhub.example", True, {},
                                               OWNER_TOUCH),
}


@pytest.mark.parametrize("case", WHO)
def test_who_answered(case: str) -> None:
    sender, in_thread, aliases, expected = WHO[case]
    verdict = who_answered(rec(sender.lower()), PEOPLE, in_thread, OWNER, aliases)
    assert verdict.outcome == expected, verdict.rule
    assert verdict.rule  # every verdict names its rule, for explain


def test_a_free_mail_contact_has_no_colleagues() -> None:
    people = ["gail@gmail.com"]
    verdict = who_answered(rec("gus@gmail.com"), people, False, OWNER, {})
    assert verdict.outcome == NONE and "free-mail" in verdict.rule
    assert who_answered(rec("gus@gmail.com"), people, True, OWNER, {}).outcome == ANSWER


ORGS = {
    "ann@acme.co.uk": "acme.co.uk",
    "ann@mail.acme.co.uk": "acme.co.uk",
    "zoe@küchenwelt.example": "xn--kchenwelt-q9a.example",
    "zoe@xn--kchenwelt-q9a.example": "xn--kchenwelt-q9a.example",
    "ana@reformas.com.es": "reformas.com.es",
    "x@gmail.com": "",
    "x@googlemail.com": "",
    "x@gmx.de": "",
    "x@web.de": "",
    "x@orange.fr": "",
    "x@hotmail.es": "",
    "x@icloud.com": "",
    "x@outlook.com": "",
    "x@mailbox.org": "",
    "x@intranet": "intranet",
}


@pytest.mark.parametrize("email", ORGS)
def test_organisation(email: str) -> None:
    assert organisation(email) == ORGS[email]


@given(st.sampled_from(["küche", "müller-bau", "señor", "café-crème", "straße"]),
       st.sampled_from(["de", "es", "fr", "example"]))
def test_unicode_and_punycode_are_one_domain(label: str, tld: str) -> None:
    unicode_form = f"{label}.{tld}"
    assert ascii_domain(unicode_form) == ascii_domain(ascii_domain(unicode_form))
    assert organisation(f"a@{unicode_form}") == organisation(f"a@{ascii_domain(unicode_form)}")


SIDE = {
    "dana@reyes-joinery.example": True,
    "DANA+quotes@reyes-joinery.example": True,
    "tom@reyes-joinery.example": True,
    "lena@reyes-werkstatt.example": True,
    "lena@shop.reyes-werkstatt.example": True,
    "dana.reyes@gmail.com": True,
    "someone.else@gmail.com": False,  # the owner's free-mail address makes no side of Gmail
    "ann@acme-shelving.example": False,
}


@pytest.mark.parametrize("email", SIDE)
def test_owner_side(email: str) -> None:
    assert on_owner_side(email.lower(), OWNER) is SIDE[email]


def test_an_organisation_seen_answering_in_a_thread_is_remembered() -> None:
    quote = rec("dana@reyes-joinery.example", direction="out", key="<q@x>",
                to=("ann.lee@acme-shelving.example",))
    answer = rec("j.kern@acme-group.example", refs=("<q@x>",), key="<a@x>")
    stranger = rec("sam@other.example", key="<s@x>")
    tom = rec("tom@reyes-joinery.example", refs=("<q@x>",), key="<t@x>")
    ann = rec("ann.lee@acme-shelving.example", refs=("<q@x>",), key="<ann@x>")
    robot = rec("helpdesk@acme-support.example", refs=("<q@x>",), key="<ooo@x>",
                kind="auto_reply")
    for order in ([quote, answer, stranger, tom, ann, robot],
                  [robot, tom, ann, stranger, answer, quote]):
        aliases = answering_organisations(order, OWNER)
        assert aliases == {"acme-shelving.example": {"acme-group.example"}}


def test_an_exchange_rewritten_copy_is_one_message() -> None:
    sent = rec("dana@reyes-joinery.example", direction="out", key="<orig@reyes>")
    sent["locations"] = [["owner", "Sent", 1, 7]]
    bcc = rec("dana@reyes-joinery.example", direction="out", key="<new@eurprd07.outlook.com>",
              headers={"x-microsoft-original-message-id": "<orig@reyes>"})
    bcc["locations"] = [["capture", "INBOX", 1, 3]]
    other = rec("ann@acme.example", key="<other@x>")
    for order in ([sent, bcc, other], [bcc, other, sent]):
        merged = unify(order)
        assert len(merged) == 2
        (one,) = [r for r in merged if r["key"] != "<other@x>"]
        assert one["key"] == "<orig@reyes>"  # the owner's mailbox copy wins over capture's
        assert set(one["ids"]) == {"<orig@reyes>", "<new@eurprd07.outlook.com>"}
        assert sorted(map(tuple, one["locations"])) == [("capture", "INBOX", 1, 3),
                                                        ("owner", "Sent", 1, 7)]


def test_a_human_copy_wins_over_a_list_copy() -> None:
    listed = rec("dana@reyes-joinery.example", kind="list", key="<m@x>")
    human = dict(listed, kind="human", locations=[["owner", "Sent", 1, 2]])
    other_id = dict(human, key="<m2@x>", message_id="<m2@x>", headers={
        "x-microsoft-original-message-id": "<m@x>"})
    (merged,) = unify([listed, other_id])
    assert merged["kind"] == "human"
    assert ids_of(merged) == {"<m@x>", "<m2@x>"}


def test_a_human_copy_wins_even_from_the_capture_mailbox() -> None:
    listed = rec("dana@reyes-joinery.example", kind="list", key="<m@x>")
    captured = rec("dana@reyes-joinery.example", key="<m2@x>",
                   headers={"x-microsoft-original-message-id": "<m@x>"},
                   locations=[["capture", "INBOX", 1, 4]])
    for order in ([listed, captured], [captured, listed]):
        (merged,) = unify(order)
        assert merged["kind"] == "human" and merged["key"] == "<m2@x>"


@given(st.permutations(range(5)))
def test_unify_does_not_depend_on_the_order(order: list[int]) -> None:
    base = [rec("dana@reyes-joinery.example", direction="out", key=f"<{i}@x>") for i in range(5)]
    base[1]["headers"] = {"x-microsoft-original-message-id": "<0@x>"}
    base[3]["headers"] = {"x-microsoft-original-message-id": "<2@x>"}
    groups = {frozenset(r.get("ids", [r["key"]])) for r in unify([base[i] for i in order])}
    assert groups == {frozenset({"<0@x>", "<1@x>"}), frozenset({"<2@x>", "<3@x>"}),
                      frozenset({"<4@x>"})}
