"""Capture mail the provider's Authentication-Results did not vouch for, held for rule (a).

The capture trust rule (rules.capture_trust) lets the owner's Sent folder vouch
for a copy that reached the capture address: a copy there under one of its IDs
whose own recipients name the capture address with the same tag. A sync pass
reads the owner's INBOX before Sent, so such a copy is held (in the store's meta,
committed with the checkpoint that passed it) and settled at the end of the
pass: a duplicate of a stored message adds only its location (nothing of it is
used), a copy the Sent folder vouches for is recorded, any other is set aside
with its reason, listed by `check` and in the digest, and never becomes a loop.
"""

from __future__ import annotations

import logging
from typing import Any

from inboxfollow.model import Location, Owner, SyncSummary
from inboxfollow.rules.capture_tags import tags_of_record
from inboxfollow.rules.capture_trust import delimiter_of
from inboxfollow.sources.mailbox import INBOX_NAME, SENT, Mailbox
from inboxfollow.store import Store

LOG = logging.getLogger(__name__)

HELD = "capture_held"  # meta: message key -> {"record", "reason", "location", "size"}
SENT_TRUST = "sent"  # record["trust"]: the copy in the owner's Sent folder
CAPTURE_TRUST = "capture"  # a capture copy the provider's Authentication-Results vouched for
VOUCHED_TRUST = "sent-copy"  # a capture copy the owner's Sent folder vouched for


def sent_folder_named(source: Mailbox, folder: str) -> str:
    """`folder` when it is the owner's Sent folder, else "" (no listing for INBOX)."""
    if folder.upper() == INBOX_NAME or source.name == "capture":
        return ""
    return folder if source.folders().get(SENT, "") == folder else ""


def hold_unverified(
    store: Store, record: dict[str, Any], reason: str, loc: Location, size: int
) -> None:
    held = store.get_meta(HELD, {})
    held[record["key"]] = {"record": record, "reason": reason, "size": size,
                           "location": [loc.mailbox, loc.folder, loc.uidvalidity, loc.uid]}
    store.set_meta(HELD, held)


def settle_held(store: Store, owner: Owner, summary: SyncSummary, final: bool = True) -> None:
    """Settle what the pass held; `final` False (a stopped pass) keeps the undecided ones."""
    held: dict[str, dict[str, Any]] = store.get_meta(HELD, {})
    if not held:
        return
    owner_copies = _sent_copies(store)
    for key, item in list(held.items()):
        record, loc = item["record"], Location(*item["location"])
        if store.has_message(key) and not store.replaceable(key):
            store.save_messages([], {key: [loc]})  # a copy of a stored message: its place only
            summary.duplicates += 1
        elif _vouched(record, owner_copies, owner):
            store.save_messages([dict(record, trust=VOUCHED_TRUST)], {})
            summary.new += 1
        elif final:
            _set_aside(store, record, item, owner)
            summary.set_aside += 1
        else:
            continue
        del held[key]
    store.set_meta(HELD, held)


def _sent_copies(store: Store) -> dict[str, dict[str, Any]]:
    """The owner's Sent copies, by each of their IDs."""
    copies: dict[str, dict[str, Any]] = {}
    for record in store.all_messages():
        if record.get("trust") == SENT_TRUST:
            for ident in _ids(record):
                copies[ident] = record
    return copies


def _ids(record: dict[str, Any]) -> list[str]:
    ids = [record.get("message_id", "")]
    ids.append(record.get("headers", {}).get("x-microsoft-original-message-id", "").strip())
    return [i for i in ids if i]


def _vouched(record: dict[str, Any], copies: dict[str, dict[str, Any]], owner: Owner) -> bool:
    """Rule (a): a Sent copy under one of its IDs names the capture address with its tag(s)."""
    for ident in _ids(record):
        copy = copies.get(ident)
        if copy is None:
            continue
        capture, delimiter = owner.capture_address, delimiter_of(owner)
        tags = tags_of_record(record, capture, delimiter)
        named = tags_of_record(copy, capture, delimiter)
        if tags and tags <= named:
            return True
    return False


def _set_aside(store: Store, record: dict[str, Any], item: dict[str, Any], owner: Owner) -> None:
    if any(e.get("key") == record["key"] or e.get("location") == item["location"]
           for e in store.set_aside.all()):
        return  # set aside before (a resync): once is enough
    reason = item["reason"].split(": ", 1)[1] + "; no copy in the owner's Sent folder names it"
    LOG.info("set aside capture mail %s: %s", record["key"], reason)
    store.record_set_aside([{
        "location": item["location"], "reason": reason, "size": item["size"],
        "key": record["key"], "subject": record.get("subject", ""),
        "sender": record.get("sender"), "date": record.get("date", ""),
        "untrusted_capture": True,  # listed in the digest
        # a command's tags: a rejected command, named in a note (app.capture)
        "tags": sorted(t for t in tags_of_record(record, owner.capture_address,
                                                 delimiter_of(owner)) if t),
    }])
