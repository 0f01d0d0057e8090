"""One message under each of its IDs (pure).

Servers rewrite Message-IDs: Exchange gives a message a new one at submission
and keeps the one the client wrote in `X-Microsoft-Original-Message-ID`, so the
owner's Sent copy, the BCC copy to the capture address and the copy the contact
answers can carry different IDs. Records that share any ID are one message:
`unify` merges them into one record that answers to all its IDs, so a reply
that references either ID is in the thread, and the copies are one touch.

Of the copies, the owner's own wins: human mail over an automatic copy (a
mailing list's copy of the owner's message), the owner's mailbox over the
capture mailbox, the copy under the ID the owner's client wrote (the Sent
copy) over a rewritten one, then the copy stored first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

ORIGINAL_ID_HEADER = "x-microsoft-original-message-id"
_ID = re.compile(r"<([^<>\s]+)>")


def _normal_id(value: str) -> str:
    match = _ID.search(value)
    bare = match.group(1) if match else value.strip().strip("<>")
    return f"<{bare}>" if bare and " " not in bare else ""


def ids_of(record: Mapping[str, Any]) -> set[str]:
    """Every ID one stored copy answers to: its Message-ID (or store key) and the original."""
    ids = {record.get("message_id") or record["key"]}
    header = record.get("headers", {}).get(ORIGINAL_ID_HEADER, "")
    original = _normal_id(header) if header else ""
    if original:
        ids.add(original)
    ids.update(record.get("ids", ()))
    return ids


def _rank(record: dict[str, Any], originals: set[str]) -> tuple[bool, bool, bool]:
    owners_mailbox = any(loc[0] != "capture" for loc in record.get("locations", []))
    return record.get("kind") == "human", owners_mailbox, record["key"] in originals


@runtime_checkable
class KnowsUnified(Protocol):
    """Records that keep their unified form (worked out once for every rule)."""

    def unified(self) -> list[dict[str, Any]]: ...


def unify(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with copies under other IDs merged: one record per message
    (`merge_copies`, or the form records that know it keep)."""
    if isinstance(records, KnowsUnified):
        return list(records.unified())
    return merge_copies(records)


def merge_copies(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with copies under other IDs merged: one record per message.

    A merged record is the best copy with `ids` (every ID of every copy),
    `copies` (the other copies' store keys) and every copy's locations.
    Records that share no ID come back as they are, in their order.
    """
    records = list(records)
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, record in enumerate(records):
        for message_id in ids_of(record):
            j = first_with.setdefault(message_id, i)
            if j != i:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(records)):
        groups.setdefault(root(i), []).append(i)
    return [_merged([records[i] for i in members]) for members in groups.values()]


def _merged(copies: list[dict[str, Any]]) -> dict[str, Any]:
    if len(copies) == 1:
        return copies[0]
    originals = {_normal_id(c.get("headers", {}).get(ORIGINAL_ID_HEADER, "")) for c in copies}
    best = max(copies, key=lambda c: _rank(c, originals))  # the first of equals: stored first
    merged = dict(best)
    merged["ids"] = sorted(set().union(*(ids_of(c) for c in copies)))
    merged["copies"] = [c["key"] for c in copies if c is not best]
    locations = [loc for c in copies for loc in c.get("locations", [])]
    merged["locations"] = [loc for i, loc in enumerate(locations) if loc not in locations[:i]]
    return merged
