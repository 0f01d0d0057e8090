"""What answers a quote and what bounces it (pure): who counts, and which bounce names whom.

A human message from the contact answers; so does one in the quote's thread
from a colleague at the contact's organisation. A bounce belongs to a loop
when it names the contact, or when it is in the thread and names no other
recipient of the quote.
"""

from __future__ import annotations

import re
from typing import Any

from inboxfollow.model import Kind
from inboxfollow.rules.contacts import organisation


def bounced_for(
    record: dict[str, Any], contact: str, quote: dict[str, Any], in_thread: bool
) -> bool:
    """The bounce names the contact; or it is in the thread and names no other recipient."""
    if mentions(record, contact):
        return True
    others = [a[1] for a in quote["to"] + quote["cc"] if a[1] != contact]
    return in_thread and not any(mentions(record, other) for other in others)


def same_org(sender: str, contact: str) -> bool:
    org = organisation(contact)
    return bool(org) and organisation(sender) == org


def mentions(record: dict[str, Any], address: str) -> bool:
    if record["kind"] != Kind.BOUNCE.value:
        return False
    failed = record.get("headers", {}).get("x-failed-recipients", "")
    haystack = (record.get("bounce_text", "") + " " + failed).lower()
    return re.search(rf"(?<![\w.+-]){re.escape(address)}(?![\w-])", haystack) is not None


_DIAGNOSTIC = re.compile(r"^\s*(?:diagnostic-code|status)\s*:\s*(.+)$", re.I | re.M)


def bounce_reason(record: dict[str, Any]) -> str:
    text = record.get("bounce_text", "")
    found = _DIAGNOSTIC.findall(text)
    if found:
        return " ".join(max(found, key=len).split())[:300]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    useful = [ln for ln in lines if "@" in ln or "fail" in ln.lower() or "not" in ln.lower()]
    return (" ".join((useful or lines or [record["subject"]])[0].split()))[:300]
