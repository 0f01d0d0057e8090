"""Carry out the owner's capture commands (+tags) after a sync pass, and acknowledge them.

A command is read only from a copy the capture trust rule vouched for: the
owner's Sent copy (its To, Cc and Bcc) or a capture copy the provider's
Authentication-Results vouched for (its recipients and delivery headers). Each is
carried out once: what was done is kept in the store's meta (`capture_commands`,
by message key), committed with the commands' overrides. Each is acknowledged by
one note in the owner's INBOX whose Message-ID is made from the command, so a
crash between appending and committing finds the note there and appends none.

Stored: overrides ("quote", "not_quote", "stop", "won", "lost", and "remind" with
the target "<key> YYYY-MM-DD"); meta `capture_commands` (key -> what was done),
`capture_log` (calls and notes: touches carrying their text), `capture_rejected`
(which untrusted capture mail a note already named, and when the last such note
went), `digest_requested` (a +pending not yet delivered).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from inboxfollow.errors import InboxfollowError
from inboxfollow.model import Owner
from inboxfollow.outbox.notes import (
    build_note,
    command_note,
    note_id,
    rejected_note,
    unseen_note,
)
from inboxfollow.rules.capture_tags import Command, parse_tag, tags_of_record
from inboxfollow.rules.capture_trust import TRUSTED_COPIES, calendar_of, delimiter_of
from inboxfollow.sources.mailbox import INBOX_NAME, Mailbox
from inboxfollow.store import Store

LOG = logging.getLogger(__name__)

DONE = "capture_commands"
LOG_KEY = "capture_log"
REJECTED = "capture_rejected"
DIGEST_REQUESTED = "digest_requested"
TRUSTED = TRUSTED_COPIES  # record["trust"]: see app.capture_hold
FRESH = timedelta(days=14)  # older tagged mail (a first sync of old Sent mail): no command
REJECTED_EVERY = timedelta(hours=1)
UNSEEN = "?"  # the pseudo-tag of capture mail whose headers show no capture address
_FORWARD = re.compile(r"^\s*(fwd?|wg|tr|rv|enc|doorst)\s*:", re.IGNORECASE)


def after_sync(store: Store, owner: Owner, sources: Sequence[Mailbox], new: int) -> None:
    """Commands after a pass: when it brought new mail, or a note is still owed. A failure
    here (the INBOX refusing a note) is logged; the note is tried again after the next pass."""
    if not owner.capture_address or not (new or _owed(store)):
        return
    try:
        process_commands(store, owner, sources)
    except (InboxfollowError, OSError) as err:
        LOG.warning("capture commands: a note could not be appended (%s); tried again later",
                    err)


def _owed(store: Store) -> bool:
    done = store.get_meta(DONE, {})
    if any(len(e["noted"]) < len(e["tags"]) for e in done.values() if not e.get("stale")):
        return True
    noted = set(store.get_meta(REJECTED, {"noted": []})["noted"])
    return any(e.get("untrusted_capture") and e.get("tags") and e.get("key") not in noted
               for e in store.set_aside.all())


def process_commands(store: Store, owner: Owner, sources: Sequence[Mailbox],
                     now: datetime | None = None) -> int:
    """Carry out and acknowledge every command not yet done; the number carried out."""
    if not owner.capture_address:
        return 0
    now = now or datetime.now(UTC)
    inbox = next((s for s in sources if s.name == "owner"), None)
    done: dict[str, Any] = store.get_meta(DONE, {})
    done_ids = {i for entry in done.values() for i in entry.get("ids", [])}
    count = 0
    for record in store.all_messages():
        if record["key"] in done or record.get("trust") not in TRUSTED:
            continue
        seen = tags_of_record(record, owner.capture_address, delimiter_of(owner))
        tags = sorted(t for t in seen if t)
        if not seen and record.get("trust") == "capture":
            tags = [UNSEEN]  # it came to the capture mailbox, but no header says how
        ids = _ids(record)
        if not tags or done_ids & set(ids):
            continue
        entry = _carry_out(store, owner, record, tags, now)
        entry["ids"] = ids
        done[record["key"]] = entry
        done_ids |= set(ids)
        store.set_meta(DONE, done)
        count += 1
    _acknowledge(store, owner, inbox, done, now)
    _reject(store, owner, inbox, now)
    return count


def _ids(record: dict[str, Any]) -> list[str]:
    ids = [record["key"], record.get("message_id", "")]
    ids.append(record.get("headers", {}).get("x-microsoft-original-message-id", "").strip())
    return [i for i in dict.fromkeys(ids) if i]


def _carry_out(store: Store, owner: Owner, record: dict[str, Any], tags: list[str],
               now: datetime) -> dict[str, Any]:
    sent = datetime.fromisoformat(record["date"])
    commands = [parse_tag(t, sent, calendar_of(owner), delimiter_of(owner)) for t in tags]
    target = conversation_target(store, record)
    contacts = contacts_of(record, owner, store)
    entry: dict[str, Any] = {"tags": tags, "target": target, "contacts": contacts,
                             "subject": record.get("subject", ""), "at": sent.isoformat(),
                             "done": [], "problems": [], "noted": [], "stale": False}
    if now - sent > FRESH:
        entry["stale"] = True  # written long before: recorded, never carried out now
        return entry
    for command in commands:
        if command.tag == UNSEEN:
            continue
        if not command.valid:
            entry["problems"].append(command.problem)
            continue
        _apply(store, command, record, target, contacts, sent)
        entry["done"].append(command.describe())
    return entry


def conversation_target(store: Store, record: dict[str, Any]) -> str:
    """The message a command acts on: on a forward (or a reply), the conversation's first
    stored message it refers to; else the message itself."""
    refs = list(record.get("references", [])) + list(record.get("in_reply_to", []))
    if refs and (_FORWARD.match(record.get("subject", "")) or not record.get("to")
                 or record.get("in_reply_to")):
        for ref in refs:
            if store.has_message(ref):
                return str(ref)
    return str(record["key"])


def contacts_of(record: dict[str, Any], owner: Owner, store: Store | None = None) -> list[str]:
    """The people of the message; when it names none but the owner's side (a forward to the
    capture address), those of the newest stored message it forwards or answers (its
    sender, or the owner's recipients), as `rules.contacts.logged_touches` counts them."""
    found = [a[1] for a in record.get("to", []) + record.get("cc", []) if a]
    people = [a for a in dict.fromkeys(found) if not owner.is_owner(a) and not owner.is_capture(a)]
    refs = [*record.get("references", []), *record.get("in_reply_to", [])]
    about = next((m for m in map(store.message, reversed(refs)) if m), None) if store else None
    if people or about is None:
        return people
    inbound = about["direction"] != "out" and about["sender"]
    return contacts_of({"to": [about["sender"]] if inbound else about["to"],
                        "cc": [] if inbound else about["cc"]}, owner)


def _apply(store: Store, command: Command, record: dict[str, Any], target: str,
           contacts: list[str], sent: datetime) -> None:
    at = sent.isoformat()
    if command.quote is not None:
        store.add_override("quote" if command.quote else "not_quote", target, at)
    if command.close:
        store.add_override(command.close, target, at)
        if target != record["key"]:
            store.add_override(command.close, record["key"], at)
    if command.due is not None:
        store.add_override("remind", f"{target} {command.due.isoformat()}", at)
    if command.log:
        logged = store.get_meta(LOG_KEY, [])
        logged.append({"key": record["key"], "kind": command.log, "people": contacts,
                       "target": target, "text": record.get("text", "")[:2000], "date": at})
        store.set_meta(LOG_KEY, logged)
    if command.pending:
        store.set_meta(DIGEST_REQUESTED, at)


def _acknowledge(store: Store, owner: Owner, inbox: Mailbox | None, done: dict[str, Any],
                 now: datetime) -> None:
    """One note per command, appended once (found again by its Message-ID after a crash)."""
    if inbox is None:
        return
    address = sorted(owner.addresses)[0]
    calendar, delimiter = calendar_of(owner), delimiter_of(owner)
    for key, entry in done.items():
        if entry.get("stale"):
            continue
        for tag in entry["tags"]:
            if tag in entry["noted"]:
                continue
            command = parse_tag(tag, datetime.fromisoformat(entry["at"]), calendar, delimiter)
            subject, text = unseen_note(entry["subject"]) if tag == UNSEEN else command_note(
                command, entry["subject"], entry["target"], entry["contacts"])
            mid = note_id(f"{key}\0{tag}", address.rpartition("@")[2])
            if not inbox.search_header(INBOX_NAME, "Message-ID", mid):
                inbox.append(INBOX_NAME, build_note(owner.name, address, subject, text, mid,
                                                    now), (), now)
            entry["noted"].append(tag)
            store.set_meta(DONE, done)


def _reject(store: Store, owner: Owner, inbox: Mailbox | None, now: datetime) -> None:
    """At most one note an hour naming the commands (tagged capture mail) not trusted since
    the last one; untrusted mail without a tag is only listed in the digest."""
    if inbox is None:
        return
    state = store.get_meta(REJECTED, {"noted": [], "last": ""})
    fresh = [e for e in store.set_aside.all() if e.get("untrusted_capture") and e.get("tags")
             and e.get("key") not in state["noted"]]
    if not fresh:
        return
    if state["last"] and now - datetime.fromisoformat(state["last"]) < REJECTED_EVERY:
        return
    address = sorted(owner.addresses)[0]
    keys = sorted(str(e.get("key")) for e in fresh)
    mid = note_id("rejected\0" + "\0".join(keys), address.rpartition("@")[2])
    subject, text = rejected_note([dict(e) for e in fresh])
    if not inbox.search_header(INBOX_NAME, "Message-ID", mid):
        inbox.append(INBOX_NAME, build_note(owner.name, address, subject, text, mid, now),
                     (), now)
    LOG.warning("%d capture message(s) not trusted: a note went to the owner's INBOX", len(fresh))
    store.set_meta(REJECTED, {"noted": state["noted"] + keys, "last": now.isoformat()})


def commands_json(store: Store) -> list[dict[str, Any]]:
    """Every capture command seen, for `inboxfollow commands --json`."""
    return [dict(entry, key=key) for key, entry in store.get_meta(DONE, {}).items()]
