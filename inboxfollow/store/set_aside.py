"""The messages a sync set aside (unparseable, or untrusted capture mail), one entry each.

An entry names where the message lay, why it was set aside, its size and a digest of
its header block. The digest, with the mailbox and folder, says which message it is:
after a UIDVALIDITY change a resync meets the same messages under new UIDs, and their
entries are updated in place rather than added again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tinydb.table import Table

from inboxfollow.model import FetchedMessage, Location


def set_aside_entry(loc: Location, reason: str, fetched: FetchedMessage) -> dict[str, Any]:
    head = fetched.raw.partition(b"\r\n\r\n")[0]
    return {
        "location": [loc.mailbox, loc.folder, loc.uidvalidity, loc.uid],
        "reason": reason,
        "size": fetched.size,
        "digest": hashlib.sha1(head).hexdigest(),
    }


def _identity(entry: dict[str, Any]) -> tuple[Any, ...]:
    """Which message an entry is about: by its digest, or (an entry written before the
    digest was kept) by where it lay."""
    mailbox, folder, *where = entry["location"]
    return (mailbox, folder, entry.get("digest") or tuple(where))


def merge_set_aside(table: Table, entries: list[dict[str, Any]]) -> None:
    known = {_identity(dict(doc)): (doc.doc_id, dict(doc)) for doc in table.all()}
    for entry in entries:
        doc_id, stored = known.get(_identity(entry), (None, None))
        if doc_id is None:
            known[_identity(entry)] = table.insert(entry), entry
        elif stored != entry:
            table.update(entry, doc_ids=[doc_id])
            known[_identity(entry)] = doc_id, entry
