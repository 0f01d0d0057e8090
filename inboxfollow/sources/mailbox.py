"""The role every mail source plays: the owner's IMAP account or a local Maildir.

The sync engine only speaks to this interface; `ImapMailbox` (imap/mailbox.py) and
`MaildirMailbox` (maildir.py) implement it. Which of a source's folders play which
role, and which of them a sync reads, both decide by the same pure rules in
`folder_plan`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from inboxfollow.model import FetchedMessage, FolderStatus

# Folder roles the rest of the program asks for.
INBOX = "inbox"
SENT = "sent"
DRAFTS = "drafts"
# INBOX's name in every source (RFC 3501: "INBOX" in any case names it).
INBOX_NAME = "INBOX"

# How much of a message body the rules may read: enough for the words of a
# quote or a bounce report, never a whole attachment.
TEXT_PREFIX_BYTES = 16 * 1024


class Mailbox(Protocol):
    """A source of mail with folders, UIDs and a UIDVALIDITY per folder."""

    name: str  # label used in checkpoints and locations: "owner" or "capture"

    def folders(self) -> dict[str, str]:
        """Map roles (INBOX, SENT, DRAFTS) to this source's folder names.

        INBOX is always present; SENT and DRAFTS when the source has them.
        """
        ...

    def folders_to_sync(self) -> list[str]:
        """Every folder that can hold the owner's mail, INBOX and Sent first, in one listing.

        Left out: trash, junk, drafts, views of mail kept elsewhere, folders that
        hold no messages, other people's folders, and what the config excludes;
        where an All Mail folder exists (Gmail), the labels too. Raises a
        ConfigError when the owner's mailbox has no Sent folder.
        """
        ...

    def status(self, folder: str) -> FolderStatus:
        """UIDVALIDITY, UIDNEXT and message count, without touching messages."""
        ...

    def fetch_headers(
        self, folder: str, after_uid: int, batch_size: int = 500
    ) -> Iterator[list[FetchedMessage]]:
        """Yield batches of messages with UID > after_uid, in UID order.

        Each carries its header block and MIME structure, not its body.
        """
        ...

    def fetch_text(
        self, folder: str, uids: Sequence[int], limit: int = TEXT_PREFIX_BYTES
    ) -> dict[int, bytes]:
        """At most `limit` bytes of the raw body (what follows the header block), per UID.

        The caller appends it to the header block it already has."""
        ...

    # Writing: drafts go into the DRAFTS folder.
    def append(
        self, folder: str, raw: bytes, flags: Sequence[str] = (), date: datetime | None = None
    ) -> int | None:
        """Store a message; its UID when the source can tell."""
        ...

    def append_many(
        self,
        folder: str,
        raws: Sequence[bytes],
        flags: Sequence[str] = (),
        date: datetime | None = None,
    ) -> list[int | None]:
        """Store several messages, in order, in as few round trips as the source allows."""
        ...

    def search_header(self, folder: str, name: str, value: str) -> list[int]:
        """UIDs of messages whose header `name` contains `value`."""
        ...

    def message_ids_with_header(self, folder: str, header: str) -> dict[str, list[int]]:
        """Message-ID -> UIDs of every message in `folder` that carries `header`."""
        ...

    def fetch_message(self, folder: str, uid: int) -> bytes | None:
        """One whole message (small ones only, such as drafts), or None if gone."""
        ...

    def delete(self, folder: str, uids: Sequence[int]) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class Watchable(Protocol):
    """A source that can say at once when a folder changes (IMAP IDLE); an optional role
    beside `Mailbox`: a source without it is polled."""

    def watch(self, folder: str, changed: Callable[[], None], stop: threading.Event) -> bool:
        """Call `changed` whenever mail arrives in or leaves `folder`, until `stop` is set;
        blocks meanwhile, on a connection of its own, and never reads a message. False at
        once when this source cannot watch (the server has no IDLE)."""
        ...
