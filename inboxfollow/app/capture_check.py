"""`check` on the capture trust rule: which authserv-ids recent capture mail carries.

The capture mailbox's provider writes Authentication-Results with its own
authserv-id on every message it receives; `[capture] trusted_authserv_id` names
it (rules.capture_trust, rule (b)). This looks at the last messages that reached
the capture address from the owner and proposes the value; without one, only a
copy in the owner's Sent folder can vouch for capture mail (rule (a)).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from inboxfollow.config import Config
from inboxfollow.errors import InboxfollowError
from inboxfollow.mail.parse import parse_message
from inboxfollow.rules.capture_trust import authserv_ids, to_capture_only
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.sources.mailbox import INBOX_NAME, Mailbox

RECENT = 50  # messages looked at, newest first


def check_capture_trust(config: Config, emit: Callable[[str], None]) -> None:
    """Emit the authserv-ids found and a warning when none is configured (never a problem)."""
    assert config.capture is not None
    try:
        sources = open_mailboxes(config)
        found = Counter[str]()
        for source in sources:
            try:
                if source.name == "capture" or len(sources) == 1:
                    found += recent_authserv_ids(source, config)
            finally:
                source.close()
    except InboxfollowError as err:
        emit(f"warning: capture: could not look at recent capture mail: {err}")
        found = Counter()
    configured = config.capture.trusted_authserv_ids
    if found:
        listed = ", ".join(f"{name} ({count})" for name, count in found.most_common())
        emit(f"ok: capture: authserv-ids on recent capture mail from you: {listed}")
        if not configured:
            best = found.most_common(1)[0][0]
            emit(f'ok: capture: proposed: [capture] trusted_authserv_id = ["{best}"]')
    if not configured:
        emit("warning: capture: [capture].trusted_authserv_id is not set: only a copy in your "
             "Sent folder can vouch for capture mail, so commands BCC'd from a phone or "
             "another account are set aside")
    elif found and not set(configured) & set(found):
        emit(f"warning: capture: none of {', '.join(configured)} is on recent capture mail")


def recent_authserv_ids(source: Mailbox, config: Config) -> Counter[str]:
    """The topmost authserv-id of each recent owner's message to the capture address."""
    owner = config.owner
    status = source.status(INBOX_NAME)
    after = max(status.uidnext - 1 - RECENT, 0)
    found = Counter[str]()
    for batch in source.fetch_headers(INBOX_NAME, after, RECENT):
        for fetched in batch:
            parsed = parse_message(fetched)
            sender = parsed.sender.email if parsed.sender else ""
            if not owner.is_owner(sender):
                continue
            if source.name != "capture" and not to_capture_only(parsed, owner):
                continue
            ids = authserv_ids(fetched.raw)
            if ids:
                found[ids[0]] += 1
    return found
