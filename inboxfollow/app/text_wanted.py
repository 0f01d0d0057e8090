"""Which new messages get their text prefix with the first request (a cheap look at the
header block, before anything is parsed).

The owner's own mail (the quote and promise rules read its text), replies (do they ask
something, or put the follow-up off?), mail a machine seems to have sent (bounces), and
any mail that arrived in the last `RECENT_TEXT` (does a contact ask something the owner
owes an answer to: `rules.waiting`). Older mail that starts a conversation gets none: a
question older than the waiting list's horizon is no longer listed, and a first sync of
years of mail stays cheap. A wrong guess costs little: judging asks for what it missed.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from inboxfollow.model import FetchedMessage, Owner

RECENT_TEXT = timedelta(days=60)  # beyond [digest].quiet_days' default 30, the horizon

_REPLY = re.compile(rb"^in-reply-to:", re.IGNORECASE | re.MULTILINE)
_FROM = re.compile(rb"^from:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_ADDRESS = re.compile(rb"[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+")
_MACHINE = re.compile(
    rb"^(?:from:[^\n]*\b(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)\b"
    rb"|return-path:[ \t]*<>|content-type:[ \t]*multipart/report)",
    re.IGNORECASE | re.MULTILINE,
)


def text_likely_needed(message: FetchedMessage, owner: Owner, since: datetime) -> bool:
    """Whether `message` (its header block) should come with its text; `since`: mail that
    arrived (INTERNALDATE) since then does."""
    header = message.raw
    if _MACHINE.search(header) or _REPLY.search(header):  # a reply: does it ask or defer?
        return True
    if message.internaldate is not None and message.internaldate.astimezone(since.tzinfo) >= since:
        return True
    match = _FROM.search(header)
    if match is None:
        return False
    return any(owner.is_owner(a.decode("ascii", "replace"))
               for a in _ADDRESS.findall(match.group(1)))
