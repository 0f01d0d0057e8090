"""What answers a quote and what bounces it (pure): who counts, and which bounce names whom.

Who answered (each verdict names its rule, for `explain`):
- in the quote's thread, human mail from anyone outside the owner's side answers:
  the contact's second address, a personal address, a colleague at another
  domain of the same organisation;
- in the thread, mail from the owner's side (a colleague) is the owner's touch;
- outside the thread, mail answers when it comes from one of the quote's people,
  from their organisation (same registrable domain, never free-mail), or from an
  organisation seen answering in that organisation's threads.

A bounce belongs to a loop when it names one of its people, or when it is in
the thread and names no other recipient of the quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from inboxfollow.model import Kind, Owner
from inboxfollow.rules.contacts import is_contact
from inboxfollow.rules.identity import ids_of
from inboxfollow.rules.organisations import on_owner_side, organisation

ANSWER = "answer"
OWNER_TOUCH = "owner_touch"
NONE = ""


@dataclass(frozen=True)
class Verdict:
    outcome: str  # ANSWER, OWNER_TOUCH or NONE
    rule: str  # plain words: which rule decided


def refs_of(record: Mapping[str, Any]) -> set[str]:
    return set(record.get("in_reply_to", [])) | set(record.get("references", []))


def sender_of(record: Mapping[str, Any]) -> str:
    return str(record["sender"][1]).lower() if record.get("sender") else ""


def who_answered(
    record: Mapping[str, Any],
    people: Sequence[str],
    in_thread: bool,
    owner: Owner,
    aliases: Mapping[str, set[str]],
) -> Verdict:
    """Whether a human inbound message answers a loop with `people`, and by which rule."""
    sender = sender_of(record)
    if on_owner_side(sender, owner):
        if in_thread:
            return Verdict(OWNER_TOUCH, f"{sender} is on the owner's side, so it is the "
                                        "owner's touch, not an answer")
        return Verdict(NONE, f"{sender} is on the owner's side")
    if in_thread:
        return Verdict(ANSWER, f"{sender} wrote in the quote's thread from outside the "
                               "owner's side")
    if sender in people:
        return Verdict(ANSWER, f"{sender} is one of the quote's people")
    org = organisation(sender)
    if not org:
        return Verdict(NONE, f"{sender} uses a free-mail domain and wrote outside the thread")
    orgs = {organisation(p) for p in people} - {""}
    if org in orgs:
        return Verdict(ANSWER, f"{sender} is at {org}, the organisation of the quote's people")
    for other in sorted(orgs):
        if org in aliases.get(other, ()):
            return Verdict(ANSWER, f"{sender} is at {org}, which answered in {other}'s threads")
    return Verdict(NONE, f"{sender} is not at the organisation of the quote's people")


def answering_organisations(
    records: Iterable[Mapping[str, Any]], owner: Owner
) -> dict[str, set[str]]:
    """Organisation -> the other organisations seen answering in its threads.

    Computed over every stored message at once, so the order mail arrives in
    does not matter: a colleague at acme-group.de who answered in a thread with
    acme.com makes a later message from acme-group.de an answer for acme.com.
    """
    records = list(records)
    human = Kind.HUMAN.value
    thread_orgs: dict[str, set[str]] = {}
    for record in records:
        if (record["direction"] == "out" and record["kind"] == human
                and record["sender"] is not None):
            people = record["to"] + record["cc"]  # its touches' contacts, without the touches
            orgs = {organisation(a[1]) for a in people if is_contact(a[1], owner)} - {""}
            for message_id in ids_of(record):
                thread_orgs.setdefault(message_id, set()).update(orgs)
    aliases: dict[str, set[str]] = {}
    for record in records:
        if record["direction"] != "in" or record["kind"] != human:
            continue
        sender = sender_of(record)
        org = organisation(sender)
        if not org or on_owner_side(sender, owner):
            continue
        for ref in refs_of(record):
            for other in thread_orgs.get(ref, ()):
                if other != org:
                    aliases.setdefault(other, set()).add(org)
    return aliases


_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def mentioned(record: Mapping[str, Any]) -> set[str]:
    """The addresses a bounce names (its report and X-Failed-Recipients), lower-case."""
    if record["kind"] != Kind.BOUNCE.value:
        return set()
    failed = record.get("headers", {}).get("x-failed-recipients", "")
    haystack = record.get("bounce_text", "") + " " + failed
    return {a.lower().rstrip(".") for a in _ADDRESS.findall(haystack)}


def mentions(record: Mapping[str, Any], address: str) -> bool:
    if record["kind"] != Kind.BOUNCE.value:
        return False
    failed = record.get("headers", {}).get("x-failed-recipients", "")
    haystack = (record.get("bounce_text", "") + " " + failed).lower()
    return re.search(rf"(?<![\w.+-]){re.escape(address)}(?![\w-])", haystack) is not None


def bounced_for(
    record: Mapping[str, Any], people: Sequence[str], quote: Mapping[str, Any], in_thread: bool
) -> bool:
    """The bounce names one of the people; or it is in the thread and names no other
    recipient of the quote."""
    if any(mentions(record, person) for person in people):
        return True
    others = [a[1] for a in quote["to"] + quote["cc"] if a[1] not in people]
    return in_thread and not any(mentions(record, other) for other in others)


_DIAGNOSTIC = re.compile(r"^\s*(?:diagnostic-code|status)\s*:\s*(.+)$", re.I | re.M)


def bounce_reason(record: Mapping[str, Any]) -> str:
    text = record.get("bounce_text", "")
    found = _DIAGNOSTIC.findall(text)
    if found:
        return " ".join(max(found, key=len).split())[:300]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    useful = [ln for ln in lines if "@" in ln or "fail" in ln.lower() or "not" in ln.lower()]
    return (" ".join((useful or lines or [record["subject"]])[0].split()))[:300]
