"""A local Maildir++ tree as a mail source (stdlib `mailbox`).

For owners who keep their mail locally (mbsync, offlineimap) and for the
embedded demo. Maildir has no UIDs, so each message gets one derived from its
delivery stamp (the seconds and microseconds at the front of its file name):
new deliveries sort after old ones, and the same file keeps its UID when its
flags change. Folders are Maildir++ ones (".Sent", ".Kunden.Acme"); their roles and
the folders a sync reads follow the names, as for an IMAP server without SPECIAL-USE.
"""

from __future__ import annotations

import base64
import email.header
import email.parser
import email.policy
import logging
import mailbox
import os
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from inboxfollow.errors import ConfigError, MailServerError
from inboxfollow.model import FetchedMessage, FolderStatus, Location
from inboxfollow.sources.folder_plan import (
    Folder,
    FolderChoice,
    find_role,
    no_sent_folder,
    plan_folders,
)
from inboxfollow.sources.mailbox import DRAFTS, INBOX, INBOX_NAME, SENT, TEXT_PREFIX_BYTES

LOG = logging.getLogger(__name__)

# Maildir's flag letters as IMAP names (the other letters are Dovecot keywords, by index).
FLAGS = {"D": "\\Draft", "S": "\\Seen", "F": "\\Flagged", "R": "\\Answered", "T": "\\Deleted"}
_STAMP = re.compile(rb"^(\d+)\.[^.]*?M(\d+)")
_HEADER_END = re.compile(rb"\r?\n\r?\n|\r\r")
UIDVALIDITY = 1


def _name_stamp(name: str) -> int | None:
    """The delivery time a Maildir file name holds (seconds and microseconds), if any."""
    match = _STAMP.match(name.encode())
    if match is None:
        return None
    return int(match.group(1)) * 1_000_000 + int(match.group(2)) % 1_000_000


def split_header(raw: bytes) -> tuple[bytes, bytes]:
    """The header block (with its blank line) and the body."""
    match = _HEADER_END.search(raw)
    if match is None:
        return raw, b""
    return raw[: match.end()], raw[match.end():]


class MaildirMailbox:
    """The Mailbox role over a Maildir++ folder tree."""

    def __init__(
        self,
        name: str,
        path: Path,
        sent_folder: str = "",
        drafts_folder: str = "",
        *,
        choice: FolderChoice | None = None,
    ) -> None:
        self.name = name
        self.path = Path(path)
        self._overrides = {SENT: sent_folder, DRAFTS: drafts_folder}
        self.choice = choice if choice is not None else FolderChoice()

    def _root(self) -> mailbox.Maildir:
        if not (self.path / "cur").is_dir():
            raise MailServerError(
                f"{self.path} is not a Maildir (it has no cur/ folder)",
                "check [maildir].path",
            )
        return mailbox.Maildir(self.path, factory=None, create=False)

    def _folder(self, folder: str) -> mailbox.Maildir:
        root = self._root()
        if folder == "INBOX":
            return root
        try:
            return root.get_folder(folder)
        except mailbox.NoSuchMailboxError as err:
            raise MailServerError(f"Maildir folder {folder!r} does not exist") from err

    def _listed(self) -> list[Folder]:
        return [Folder(name, ".", frozenset(), decode_folder_name(name))
                for name in sorted(self._root().list_folders())]

    def folders(self) -> dict[str, str]:
        return self._roles(self._listed())

    def _roles(self, folders: list[Folder]) -> dict[str, str]:
        names = {folder.name for folder in folders}
        roles = {INBOX: INBOX_NAME}
        for role in (SENT, DRAFTS):
            wanted = self._overrides[role]
            if wanted and wanted not in names:
                raise ConfigError(
                    f"Maildir folder {wanted!r} (configured for {role}) does not exist in "
                    f"{self.path}",
                    f"set [maildir].{role}_folder to one of: " + ", ".join(sorted(names)),
                )
            found = wanted or find_role(folders, role)
            if found:
                roles[role] = found
        return roles

    def folders_to_sync(self) -> list[str]:
        folders = self._listed()
        roles = self._roles(folders)
        if self.choice.needs_sent and SENT not in roles:
            raise no_sent_folder(self.name, folders, "[maildir].sent_folder")
        plan = plan_folders(folders, roles, self.choice)
        for folder, why in plan.left_out:
            LOG.debug("%s: not reading %s: %s", self.name, folder, why)
        return list(plan.read)

    def _index(self, folder: str) -> tuple[mailbox.Maildir, list[tuple[int, str]]]:
        box = self._folder(folder)
        # Names starting with a dot are no messages (the Maildir convention).
        stamped = sorted((self._stamp(box, key), key) for key in box.keys()
                         if not key.startswith("."))
        index: list[tuple[int, str]] = []
        previous, tie = -1, 0
        for stamp, key in stamped:
            tie = tie + 1 if stamp == previous else 0
            previous = stamp
            index.append((stamp * 1000 + tie, key))
        return box, index

    @staticmethod
    def _stamp(box: mailbox.Maildir, key: str) -> int:
        stamp = _name_stamp(key)
        return int(_file(box, key).stat().st_mtime * 1_000_000) if stamp is None else stamp

    def status(self, folder: str) -> FolderStatus:
        """What `_index` would end with, from one listing of the names: no sort, and a
        stat only for a file whose name holds no time (a poll of a large folder)."""
        box = self._folder(folder)
        count, top, at_top = 0, -1, 0
        for sub in ("new", "cur"):
            with os.scandir(os.path.join(box._path, sub)) as entries:
                for entry in entries:
                    if entry.name.startswith(".") or entry.is_dir():
                        continue
                    count += 1
                    stamp = _name_stamp(entry.name)
                    if stamp is None:
                        stamp = int(entry.stat().st_mtime * 1_000_000)
                    if stamp > top:
                        top, at_top = stamp, 1
                    elif stamp == top:
                        at_top += 1
        uidnext = top * 1000 + at_top if count else 1
        return FolderStatus(UIDVALIDITY, uidnext, count)

    def fetch_headers(
        self, folder: str, after_uid: int, batch_size: int = 500
    ) -> Iterator[list[FetchedMessage]]:
        box, index = self._index(folder)
        pending = [(uid, key) for uid, key in index if uid > after_uid]
        for start in range(0, len(pending), batch_size):
            chunk = pending[start : start + batch_size]
            batch = [self._fetch(box, folder, uid, key) for uid, key in chunk]
            yield [m for m in batch if m is not None]

    def _fetch(
        self, box: mailbox.Maildir, folder: str, uid: int, key: str
    ) -> FetchedMessage | None:
        from inboxfollow.mail.body import derive_parts  # not for a poll that fetches nothing

        path = _file(box, key)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:  # moved or deleted since the listing
            return None
        header, _ = split_header(raw)
        try:
            parsed = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
            parts = derive_parts(parsed)
        except Exception:
            LOG.debug("MIME structure of %s unreadable", path.name, exc_info=True)
            parts = ()
        letters = path.name.rsplit(":2,", 1)[1] if ":2," in path.name else ""
        flags = tuple(sorted(FLAGS[letter] for letter in set(letters) if letter in FLAGS))
        return FetchedMessage(
            location=Location(self.name, folder, UIDVALIDITY, uid),
            raw=header,
            parts=parts,
            internaldate=datetime.fromtimestamp(path.stat().st_mtime, UTC),
            size=len(raw),
            flags=flags,
        )

    def fetch_text(
        self, folder: str, uids: Sequence[int], limit: int = TEXT_PREFIX_BYTES
    ) -> dict[int, bytes]:
        box, index = self._index(folder)
        wanted = set(uids)
        texts = {}
        for uid, key in index:
            if uid in wanted:
                try:
                    raw = (_file(box, key)).read_bytes()
                except FileNotFoundError:
                    continue
                texts[uid] = split_header(raw)[1][:limit]
        return texts

    # ---- writing (drafts) --------------------------------------------
    def append(
        self, folder: str, raw: bytes, flags: Sequence[str] = (), date: datetime | None = None
    ) -> int | None:
        box = self._folder(folder)
        message = mailbox.MaildirMessage(raw)
        message.set_subdir("cur")
        message.set_flags("".join(sorted(_maildir_flag(f) for f in flags if _maildir_flag(f))))
        if date is not None:
            message.set_date(date.timestamp())
        key = box.add(message)
        return self._stamp(box, key) * 1000

    def append_many(
        self,
        folder: str,
        raws: Sequence[bytes],
        flags: Sequence[str] = (),
        date: datetime | None = None,
    ) -> list[int | None]:
        return [self.append(folder, raw, flags, date) for raw in raws]

    def search_header(self, folder: str, name: str, value: str) -> list[int]:
        box, index = self._index(folder)
        found = []
        for uid, key in index:
            header, _ = split_header(_file(box, key).read_bytes())
            parsed = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(header)
            if any(value in str(v) for v in parsed.get_all(name, [])):
                found.append(uid)
        return found

    def message_ids_with_header(self, folder: str, header: str) -> dict[str, list[int]]:
        box, index = self._index(folder)
        parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
        found: dict[str, list[int]] = {}
        for uid, key in index:
            parsed = parser.parsebytes(split_header(_file(box, key).read_bytes())[0])
            if parsed.get(header) is not None and parsed.get("Message-ID"):
                found.setdefault(str(parsed["Message-ID"]).strip(), []).append(uid)
        return found

    def fetch_message(self, folder: str, uid: int) -> bytes | None:
        box, index = self._index(folder)
        for found, key in index:
            if found == uid:
                try:
                    return _file(box, key).read_bytes()
                except FileNotFoundError:
                    return None
        return None

    def delete(self, folder: str, uids: Sequence[int]) -> None:
        box, index = self._index(folder)
        wanted = set(uids)
        for uid, key in index:
            if uid in wanted:
                box.discard(key)

    def close(self) -> None:
        """Nothing to release: every call opens what it reads."""


def _maildir_flag(flag: str) -> str:
    return next((letter for letter, name in FLAGS.items() if name == flag), "")


def decode_folder_name(name: str) -> str:
    """A folder name as IMAP servers store it (modified UTF-7, RFC 3501 5.1.3) made readable:
    Dovecot and offlineimap keep "Entwürfe" on disk as ".Entw&APw-rfe"."""
    def piece(match: re.Match[str]) -> str:
        code = match.group(1)
        if not code:
            return "&"
        try:
            raw = base64.b64decode(code.replace(",", "/") + "=" * (-len(code) % 4))
            return raw.decode("utf-16-be")
        except (ValueError, UnicodeDecodeError):
            return match.group(0)
    return _MUTF7.sub(piece, name)


_MUTF7 = re.compile(r"&([A-Za-z0-9+,]*)-")


def _file(box: mailbox.Maildir, key: str) -> Path:
    """Where a message's file is now: the one place that uses Maildir's private index."""
    return Path(box._path, box._lookup(key))  # type: ignore[attr-defined]

