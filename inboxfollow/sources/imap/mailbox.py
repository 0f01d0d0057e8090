"""The owner's IMAP account as a `Mailbox`: headers and structure first, bodies only on request.

`ImapMailbox` speaks the `Mailbox` role; its `ImapConnection` connects lazily,
verifies TLS certificates and survives dropped connections (every operation
is retried after a reconnect). Roles and the folders to sync are read from one
LIST by `folders`, FETCH data by `fetch`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from imapclient import IMAPClient

from inboxfollow.errors import MailServerError
from inboxfollow.model import FetchedMessage, FolderStatus, Location
from inboxfollow.sources.folder_plan import FolderChoice
from inboxfollow.sources.imap.connection import ImapConnection, ImapSettings
from inboxfollow.sources.imap.fetch import (
    HEADER_ITEMS,
    appenduids,
    fetch_fast,
    fetch_header_items,
    fetch_item,
    header_value,
    messages_of,
    read_data,
    send_fetch,
    text,
    texts,
)
from inboxfollow.sources.imap.folders import plan_sync, resolve_folders
from inboxfollow.sources.imap.idle import IdleWatch
from inboxfollow.sources.mailbox import TEXT_PREFIX_BYTES

LOG = logging.getLogger(__name__)

MULTIAPPEND_COUNT = 100  # messages per MULTIAPPEND command (drafts are a few KB each)


@dataclass(frozen=True)
class _Chunk:
    """The UIDs of one header FETCH of a pass over a folder."""

    folder: str
    uidvalidity: int
    uids: tuple[int, ...]


class ImapMailbox:
    """A `Mailbox` on an IMAP server. Creating one never touches the network."""

    def __init__(
        self,
        settings: ImapSettings,
        name: str = "owner",
        *,
        sleep: Callable[[float], None] = time.sleep,
        choice: FolderChoice | None = None,
    ) -> None:
        self.settings = settings
        self.name = name
        self.choice = choice if choice is not None else FolderChoice()
        self._conn = ImapConnection(settings, name, sleep)
        self._conn.before = self._collect_owed
        # The header FETCH sent ahead (see _send_ahead): the next chunk of the pass going
        # on, that FETCH while its answer is unread, and the answer once read.
        self._next: _Chunk | None = None
        self._owed: tuple[IMAPClient, bytes, _Chunk] | None = None
        self._read_ahead: tuple[_Chunk, list[Any]] | None = None

    # -- the Mailbox role -------------------------------------------------

    def connect(self) -> None:
        self._conn.run("connect", lambda client: None)

    def capabilities(self) -> list[str]:
        return self._conn.run("CAPABILITY", lambda c: [text(cap) for cap in c.capabilities()])

    def folders(self) -> dict[str, str]:
        listing = self._conn.run("LIST", lambda c: c.list_folders())
        return resolve_folders(listing, self.settings.folder_overrides, self.name)

    def folders_to_sync(self) -> list[str]:
        listing = self._conn.run("LIST", lambda c: c.list_folders())
        plan = plan_sync(listing, self.settings.folder_overrides, self.choice, self.name)
        for folder, why in plan.left_out:
            LOG.debug("%s: not reading %s: %s", self.name, folder, why)
        return list(plan.read)

    def status(self, folder: str) -> FolderStatus:
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"]

        def status(client: IMAPClient) -> dict[bytes, Any]:
            self._conn.leave(client, folder)  # else a stale view of the selected folder
            return dict(client.folder_status(folder, items))

        values = self._conn.run(f"STATUS {folder}", status)
        return FolderStatus(
            uidvalidity=int(values[b"UIDVALIDITY"]),
            uidnext=int(values[b"UIDNEXT"]),
            messages=int(values[b"MESSAGES"]),
        )

    def fetch_headers(
        self, folder: str, after_uid: int, batch_size: int = 500
    ) -> Iterator[list[FetchedMessage]]:
        """Batches of new messages in UID order; a reconnect resumes after the last batch."""
        self._conn.forget_selection()  # a fresh EXAMINE: UIDVALIDITY as of now
        uids = self._conn.run(f"SEARCH {folder}", lambda c: self._uids_after(c, folder, after_uid))
        uidvalidity = self._conn.uidvalidity
        size = max(1, batch_size)
        chunks = [_Chunk(folder, uidvalidity, tuple(uids[start:start + size]))
                  for start in range(0, len(uids), size)]
        try:
            for number, chunk in enumerate(chunks):
                batch = self._conn.run(f"FETCH {folder}", partial(self._fetch_chunk, chunk=chunk))
                # the next chunk's FETCH goes out once this batch's text is read (fetch_text)
                self._next = chunks[number + 1] if number + 1 < len(chunks) else None
                if batch:  # empty when every message of the chunk was expunged meanwhile
                    yield batch
        finally:
            self._next = self._read_ahead = None

    def fetch_text(
        self, folder: str, uids: Sequence[int], limit: int = TEXT_PREFIX_BYTES
    ) -> dict[int, bytes]:
        wanted = sorted(set(uids))
        if not wanted:
            return {}
        item = f"BODY.PEEK[TEXT]<0.{limit}>".encode()

        def fetch(client: IMAPClient) -> dict[int, bytes]:
            self._conn.select(client, folder, readonly=True)
            found = texts(fetch_fast(client, wanted, [item]), limit)
            self._send_ahead(client, folder)  # the server works on it while the caller judges
            return found

        return self._conn.run(f"FETCH text {folder}", fetch)

    def close(self) -> None:
        self._conn.close()

    def watch(self, folder: str, changed: Callable[[], None], stop: threading.Event) -> bool:
        """The `Watchable` role: IMAP IDLE on `folder` over a connection of its own
        (idle.py); False at once when the server does not offer IDLE."""
        return IdleWatch(self.settings, self.name, folder, changed, stop).run()

    def __enter__(self) -> ImapMailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing (drafts) -------------------------------------------------

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = (),
        date: datetime | None = None,
    ) -> int | None:
        """APPEND a message; its UID when the server has UIDPLUS, else None.

        A retry first looks for the message by Message-ID, so a message the
        server stored before the connection dropped is not appended twice.
        """
        message_id = header_value(raw, "message-id")
        attempts = 0

        def append_once(client: IMAPClient) -> int | None:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and message_id:
                found = self._search(client, folder, "Message-ID", message_id)
                if found:
                    return found[-1]
            self._conn.ready_to_append(client, folder)
            response = client.append(folder, raw, flags=list(flags), msg_time=date)
            uids = appenduids(response)
            return uids[0] if uids else None

        return self._conn.run(f"APPEND {folder}", append_once)

    def append_many(
        self,
        folder: str,
        raws: Sequence[bytes],
        flags: Sequence[str] = (),
        date: datetime | None = None,
    ) -> list[int | None]:
        """APPEND several messages, in order; their UIDs when the server has UIDPLUS.

        With MULTIAPPEND (RFC 3502) they go in a few commands of up to
        MULTIAPPEND_COUNT messages, each stored whole or not at all, instead of a
        round trip each; without it, one APPEND at a time. A retry after a dropped
        connection appends only the messages not found by their Message-ID.
        """
        if not raws:
            return []
        if not self._conn.run("CAPABILITY", lambda c: c.has_capability("MULTIAPPEND")):
            return [self.append(folder, raw, flags, date) for raw in raws]
        uids: list[int | None] = []
        for start in range(0, len(raws), MULTIAPPEND_COUNT):
            uids += self._multiappend(folder, raws[start:start + MULTIAPPEND_COUNT], flags, date)
        return uids

    def _multiappend(
        self, folder: str, raws: Sequence[bytes], flags: Sequence[str], date: datetime | None
    ) -> list[int | None]:
        message_ids = [header_value(raw, "message-id") for raw in raws]
        item: dict[str, Any] = {"flags": list(flags)} | ({"date": date} if date else {})
        attempts = 0

        def append_once(client: IMAPClient) -> list[int | None]:
            nonlocal attempts
            attempts += 1
            found: dict[int, int | None] = {}
            if attempts > 1:  # the dropped command may have been carried out
                for i, message_id in enumerate(message_ids):
                    hits = message_id and self._search(client, folder, "Message-ID", message_id)
                    if hits:
                        found[i] = hits[-1]
            todo = [i for i in range(len(raws)) if i not in found]
            if todo:
                self._conn.ready_to_append(client, folder)
                typ, data = client.multiappend(folder, [item | {"msg": raws[i]} for i in todo])
                if typ != "OK":
                    raise MailServerError(
                        f"{self.name}: the server refused to store {len(todo)} message(s) in "
                        f"{folder}: {self._conn.redact(text(data[0] if data else typ))}",
                        "check the folder and the account's quota",
                    )
                new = appenduids(data[0] if data else b"")
                found.update(zip(todo, new if len(new) == len(todo) else [None] * len(todo),
                                 strict=True))
            return [found[i] for i in range(len(raws))]

        return self._conn.run(f"APPEND {folder}", append_once)

    def search_header(self, folder: str, name: str, value: str) -> list[int]:
        return self._conn.run(f"SEARCH {folder}", lambda c: self._search(c, folder, name, value))

    def message_ids_with_header(self, folder: str, header: str) -> dict[str, list[int]]:
        """Message-ID -> UIDs of every message in `folder` that carries `header`."""

        def index(client: IMAPClient) -> dict[str, list[int]]:
            self._conn.select(client, folder, readonly=True)
            uids = sorted(client.search(["HEADER", header, ""]))
            found: dict[str, list[int]] = {}
            name = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                response = client.fetch(chunk, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
                for uid in chunk:
                    fields = fetch_item(response.get(uid, {}), name) or b""
                    value = header_value(fields, "message-id")
                    if value:
                        found.setdefault(value, []).append(uid)
            return found

        return self._conn.run(f"SEARCH {folder}", index)

    def fetch_message(self, folder: str, uid: int) -> bytes | None:
        """One whole message (for small ones, such as our own drafts), or None if gone."""

        def fetch(client: IMAPClient) -> bytes | None:
            self._conn.select(client, folder, readonly=True)
            data = client.fetch([uid], [b"BODY.PEEK[]"]).get(uid, {})
            body = fetch_item(data, b"BODY[]")
            return bytes(body) if body is not None else None

        return self._conn.run(f"FETCH {folder}", fetch)

    def delete(self, folder: str, uids: Sequence[int]) -> None:
        wanted = sorted(set(uids))
        if not wanted:
            return

        def delete_and_expunge(client: IMAPClient) -> None:
            self._conn.select(client, folder, readonly=False)
            client.delete_messages(wanted, silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(wanted)
            else:
                client.expunge()

        self._conn.run(f"delete from {folder}", delete_and_expunge)

    # -- one step of work on a live connection ------------------------------

    def _uids_after(self, client: IMAPClient, folder: str, after_uid: int) -> list[int]:
        self._conn.select(client, folder, readonly=True)
        # "n:*" always matches the highest UID, even one <= after_uid: filter.
        found = client.search(["UID", f"{after_uid + 1}:*"])
        return sorted(uid for uid in found if uid > after_uid)

    def _fetch_chunk(self, client: IMAPClient, chunk: _Chunk) -> list[FetchedMessage]:
        self._conn.select(client, chunk.folder, readonly=True)
        if self._conn.uidvalidity != chunk.uidvalidity:
            raise MailServerError(
                f"{self.name}: UIDVALIDITY of {chunk.folder} changed during a fetch",
                "nothing to do: the next sync reads the folder again",
            )
        location = Location(self.name, chunk.folder, chunk.uidvalidity, 0)
        uids = list(chunk.uids)
        read, self._read_ahead = self._read_ahead, None
        data = read[1] if read is not None and read[0] == chunk else None  # sent ahead
        quick, response = fetch_header_items(client, uids, self.name, data)
        return messages_of(quick, response, uids, location)

    def _send_ahead(self, client: IMAPClient, folder: str) -> None:
        """Send the header FETCH of the pass's next chunk now, with nothing else in flight,
        so that the server prepares it while the caller judges this batch; its answer is
        read by the next operation, whatever it is (`_collect_owed`). At 100k messages
        the syncing process waited 6.7 s for header batches the server could have had
        ready."""
        chunk = self._next
        if (chunk is None or chunk.folder != folder or self._owed is not None
                or self._read_ahead is not None or self._conn.uidvalidity != chunk.uidvalidity):
            return
        self._owed = (client, send_fetch(client, list(chunk.uids), HEADER_ITEMS), chunk)

    def _collect_owed(self, client: IMAPClient) -> None:
        """Before any command: read the answer to a FETCH sent ahead, and keep it while the
        pass still wants it. A reconnect lost it: the pass fetches that chunk again."""
        owed, self._owed = self._owed, None
        if owed is None or owed[0] is not client:
            return
        data = read_data(client, owed[1])
        if owed[2] == self._next:
            self._read_ahead = (owed[2], data)

    def _search(self, client: IMAPClient, folder: str, name: str, value: str) -> list[int]:
        self._conn.select(client, folder, readonly=True)
        charset = None if value.isascii() else "UTF-8"
        return sorted(client.search(["HEADER", name, value], charset=charset))
