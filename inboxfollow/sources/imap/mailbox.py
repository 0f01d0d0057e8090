"""The owner's IMAP account as a `Mailbox`: headers and structure first, bodies only on request.

`ImapMailbox` connects lazily, verifies TLS certificates, finds Sent and Drafts
by their SPECIAL-USE flags, and survives dropped connections: every operation
is retried after a reconnect, with capped exponential backoff.
"""

from __future__ import annotations

import imaplib
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any, TypeVar

from imapclient import IMAPClient
from imapclient.exceptions import LoginError, ProtocolError
from imapclient.imapclient import join_message_ids, seq_to_parenstr_upper
from imapclient.response_parser import parse_fetch_response

from inboxfollow.errors import ConfigError, InboxfollowError, MailServerError
from inboxfollow.mail.structure import parts_from_bodystructure
from inboxfollow.model import FetchedMessage, FolderStatus, Location
from inboxfollow.sources.imap.responses import (
    FetchParseError,
    HeaderItems,
    parse_fetch,
    split_header_fetch,
)
from inboxfollow.sources.mailbox import DRAFTS, INBOX, SENT, TEXT_PREFIX_BYTES

LOG = logging.getLogger(__name__)

T = TypeVar("T")

SECURITY_MODES = ("ssl", "starttls", "none")
ROLES = (INBOX, SENT, DRAFTS)
SPECIAL_USE_FLAGS = {SENT: "\\sent", DRAFTS: "\\drafts"}
COMMON_NAMES = {
    SENT: ("Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail", "INBOX.Sent"),
    DRAFTS: ("Drafts", "[Gmail]/Drafts", "INBOX.Drafts"),
}
HEADER_ITEMS = [b"BODY.PEEK[HEADER]", b"BODYSTRUCTURE", b"INTERNALDATE", b"RFC822.SIZE", b"FLAGS"]
# TLS errors that mean the connection dropped, not that TLS cannot work.
SSL_DROPS = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)
MULTIAPPEND_COUNT = 100  # messages per MULTIAPPEND command (drafts are a few KB each)
BACKOFF_FIRST = 0.5
BACKOFF_CAP = 8.0


@dataclass(frozen=True)
class ImapSettings:
    """How to reach and log in to one IMAP account. Plain values, checked on creation."""

    host: str
    port: int = 993  # 0: 993 for ssl, 143 otherwise
    security: str = "ssl"  # "ssl" (implicit TLS), "starttls", or "none" (loopback only)
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0
    folder_overrides: Mapping[str, str] = field(default_factory=dict)  # role -> folder name
    retries: int = 5
    ca_file: str | None = None

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ConfigError(
                f"unknown IMAP security {self.security!r}",
                "set security to one of: " + ", ".join(SECURITY_MODES),
            )
        if self.security == "none" and not is_loopback(self.host):
            raise ConfigError(
                f"security = none would send the password to {self.host} unencrypted",
                "use security = ssl (port 993) or starttls (port 143); "
                "none is only allowed for a server on this machine",
            )
        unknown = sorted(set(self.folder_overrides) - set(ROLES))
        if unknown:
            raise ConfigError(
                f"unknown folder role(s) in folder overrides: {', '.join(unknown)}",
                "folder overrides may name: " + ", ".join(ROLES),
            )
        if self.timeout <= 0 or self.retries < 0:
            raise ConfigError("IMAP timeout must be > 0 and retries >= 0", "check timeout, retries")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ImapMailbox:
    """A `Mailbox` on an IMAP server. Creating one never touches the network."""

    def __init__(
        self,
        settings: ImapSettings,
        name: str = "owner",
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.name = name
        self._sleep = sleep
        self._client: IMAPClient | None = None
        self._selected: tuple[str, bool] | None = None  # (folder, readonly)
        self._uidvalidity = 0  # of the selected folder

    # -- the Mailbox role -------------------------------------------------

    def connect(self) -> None:
        self._run("connect", lambda client: None)

    def capabilities(self) -> list[str]:
        return self._run("CAPABILITY", lambda c: [_text(cap) for cap in c.capabilities()])

    def folders(self) -> dict[str, str]:
        listing = self._run("LIST", lambda c: c.list_folders())
        return resolve_folders(listing, self.settings.folder_overrides, self.name)

    def status(self, folder: str) -> FolderStatus:
        items = [b"UIDVALIDITY", b"UIDNEXT", b"MESSAGES"]
        values = self._run(f"STATUS {folder}", lambda c: c.folder_status(folder, items))
        return FolderStatus(
            uidvalidity=int(values[b"UIDVALIDITY"]),
            uidnext=int(values[b"UIDNEXT"]),
            messages=int(values[b"MESSAGES"]),
        )

    def fetch_headers(
        self, folder: str, after_uid: int, batch_size: int = 500
    ) -> Iterator[list[FetchedMessage]]:
        """Batches of new messages in UID order; a reconnect resumes after the last batch."""
        self._selected = None  # a fresh EXAMINE: UIDVALIDITY as of now
        uids = self._run(f"SEARCH {folder}", lambda c: self._uids_after(c, folder, after_uid))
        uidvalidity = self._uidvalidity
        size = max(1, batch_size)
        for start in range(0, len(uids), size):
            fetch = partial(
                self._fetch_chunk,
                folder=folder,
                uids=uids[start : start + size],
                uidvalidity=uidvalidity,
            )
            batch = self._run(f"FETCH {folder}", fetch)
            if batch:  # empty when every message of the chunk was expunged meanwhile
                yield batch

    def fetch_text(
        self, folder: str, uids: Sequence[int], limit: int = TEXT_PREFIX_BYTES
    ) -> dict[int, bytes]:
        wanted = sorted(set(uids))
        if not wanted:
            return {}
        item = f"BODY.PEEK[TEXT]<0.{limit}>".encode()

        def fetch(client: IMAPClient) -> dict[int, bytes]:
            self._select(client, folder, readonly=True)
            return _texts(fetch_fast(client, wanted, [item]), limit)

        return self._run(f"FETCH text {folder}", fetch)

    def close(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is None:
            return
        try:
            client.logout()
        except Exception as err:  # the connection may be gone already
            LOG.debug("%s: logout failed quietly: %s", self.name, err)
            _shutdown(client)

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
        message_id = _header_value(raw, "message-id")
        attempts = 0

        def append_once(client: IMAPClient) -> int | None:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and message_id:
                found = self._search(client, folder, "Message-ID", message_id)
                if found:
                    return found[-1]
            response = client.append(folder, raw, flags=list(flags), msg_time=date)
            uids = _appenduids(response)
            return uids[0] if uids else None

        return self._run(f"APPEND {folder}", append_once)

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
        if not self._run("CAPABILITY", lambda c: c.has_capability("MULTIAPPEND")):
            return [self.append(folder, raw, flags, date) for raw in raws]
        uids: list[int | None] = []
        for start in range(0, len(raws), MULTIAPPEND_COUNT):
            uids += self._multiappend(folder, raws[start:start + MULTIAPPEND_COUNT], flags, date)
        return uids

    def _multiappend(
        self, folder: str, raws: Sequence[bytes], flags: Sequence[str], date: datetime | None
    ) -> list[int | None]:
        message_ids = [_header_value(raw, "message-id") for raw in raws]
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
                typ, data = client.multiappend(folder, [item | {"msg": raws[i]} for i in todo])
                if typ != "OK":
                    raise MailServerError(
                        f"{self.name}: the server refused to store {len(todo)} message(s) in "
                        f"{folder}: {self._redact(_text(data[0] if data else typ))}",
                        "check the folder and the account's quota",
                    )
                new = _appenduids(data[0] if data else b"")
                found.update(zip(todo, new if len(new) == len(todo) else [None] * len(todo),
                                 strict=True))
            return [found[i] for i in range(len(raws))]

        return self._run(f"APPEND {folder}", append_once)

    def search_header(self, folder: str, name: str, value: str) -> list[int]:
        return self._run(f"SEARCH {folder}", lambda c: self._search(c, folder, name, value))

    def message_ids_with_header(self, folder: str, header: str) -> dict[str, list[int]]:
        """Message-ID -> UIDs of every message in `folder` that carries `header`."""

        def index(client: IMAPClient) -> dict[str, list[int]]:
            self._select(client, folder, readonly=True)
            uids = sorted(client.search(["HEADER", header, ""]))
            found: dict[str, list[int]] = {}
            item = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
            for start in range(0, len(uids), 500):
                chunk = uids[start : start + 500]
                response = client.fetch(chunk, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
                for uid in chunk:
                    value = _header_value(response.get(uid, {}).get(item, b""), "message-id")
                    if value:
                        found.setdefault(value, []).append(uid)
            return found

        return self._run(f"SEARCH {folder}", index)

    def fetch_message(self, folder: str, uid: int) -> bytes | None:
        """One whole message (for small ones, such as our own drafts), or None if gone."""

        def fetch(client: IMAPClient) -> bytes | None:
            self._select(client, folder, readonly=True)
            data = client.fetch([uid], [b"BODY.PEEK[]"]).get(uid, {})
            return data.get(b"BODY[]")

        return self._run(f"FETCH {folder}", fetch)

    def delete(self, folder: str, uids: Sequence[int]) -> None:
        wanted = sorted(set(uids))
        if not wanted:
            return

        def delete_and_expunge(client: IMAPClient) -> None:
            self._select(client, folder, readonly=False)
            client.delete_messages(wanted, silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(wanted)
            else:
                client.expunge()

        self._run(f"delete from {folder}", delete_and_expunge)

    # -- one step of work on a live connection ------------------------------

    def _uids_after(self, client: IMAPClient, folder: str, after_uid: int) -> list[int]:
        self._select(client, folder, readonly=True)
        # "n:*" always matches the highest UID, even one <= after_uid: filter.
        found = client.search(["UID", f"{after_uid + 1}:*"])
        return sorted(uid for uid in found if uid > after_uid)

    def _fetch_chunk(
        self, client: IMAPClient, folder: str, uids: list[int], uidvalidity: int
    ) -> list[FetchedMessage]:
        self._select(client, folder, readonly=True)
        if self._uidvalidity != uidvalidity:
            raise MailServerError(
                f"{self.name}: UIDVALIDITY of {folder} changed during a fetch",
                "nothing to do: the next sync reads the folder again",
            )
        location = Location(self.name, folder, uidvalidity, 0)
        quick, response = self._fetch_header_items(client, uids)
        found = {
            m.uid: FetchedMessage(
                location=Location(self.name, folder, uidvalidity, m.uid),
                raw=m.header,
                parts=(),
                internaldate=m.internaldate,
                size=m.size,
                flags=m.flags,
                structure=m.structure,  # read where the message is judged
            )
            for m in quick
        }
        messages = []
        for uid in uids:
            data = response.get(uid)
            message = found.get(uid) or (_fetched_message(location, uid, data) if data else None)
            if message is None:
                LOG.debug(
                    "%s: %s UID %s: no header in FETCH response, skipped", self.name, folder, uid
                )
                continue
            messages.append(message)
        return messages

    def _fetch_header_items(
        self, client: IMAPClient, uids: list[int]
    ) -> tuple[list[HeaderItems], dict[int, Any]]:
        """Messages in Dovecot's shape (`split_header_fetch`), and {uid: items} for the rest."""
        try:
            quick, rest = split_header_fetch(_fetch_data(client, uids, HEADER_ITEMS))
            return quick, _read_fetch(rest, uids) if rest else {}
        except ProtocolError as err:
            # imapclient could not parse the response (a BODYSTRUCTURE it does
            # not understand): take the batch without structure.
            LOG.debug("%s: FETCH with BODYSTRUCTURE failed (%s); fetching without", self.name, err)
            items = [item for item in HEADER_ITEMS if item != b"BODYSTRUCTURE"]
            return [], client.fetch(uids, items)

    def _search(self, client: IMAPClient, folder: str, name: str, value: str) -> list[int]:
        self._select(client, folder, readonly=True)
        charset = None if value.isascii() else "UTF-8"
        return sorted(client.search(["HEADER", name, value], charset=charset))

    def _select(self, client: IMAPClient, folder: str, readonly: bool) -> None:
        if self._selected == (folder, readonly):
            return
        info = client.select_folder(folder, readonly=readonly)
        self._uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        self._selected = (folder, readonly)

    # -- connection, retries, errors ----------------------------------------

    def _run(self, what: str, operation: Callable[[IMAPClient], T]) -> T:
        """Run `operation` on a live connection; reconnect and retry on transient failures."""
        delay = BACKOFF_FIRST
        attempt = 0
        while True:
            try:
                return operation(self._connection())
            except InboxfollowError:
                raise
            except Exception as err:
                if not is_transient(err):
                    raise self._translate(what, err) from err
                self._drop()
                attempt += 1
                if attempt > self.settings.retries:
                    raise self._unreachable(what, err) from err
                LOG.warning(
                    "%s: %s failed (%s); reconnecting in %.1fs (retry %d of %d)",
                    self.name,
                    what,
                    self._redact(_text(err)),
                    delay,
                    attempt,
                    self.settings.retries,
                )
                self._sleep(delay)
                delay = min(delay * 2, BACKOFF_CAP)

    def _connection(self) -> IMAPClient:
        if self._client is None:
            self._client = self._open()
        return self._client

    def _open(self) -> IMAPClient:
        s = self.settings
        context = self._ssl_context() if s.security != "none" else None
        LOG.debug("%s: connecting to %s:%s (%s)", self.name, s.host, s.port, s.security)
        port = s.port or (993 if s.security == "ssl" else 143)  # 0: the usual port
        client = IMAPClient(
            s.host, port, ssl=s.security == "ssl", ssl_context=context, timeout=s.timeout
        )
        client.normalise_times = False
        if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
            # imapclient sets imaplib's debug level to 5 so that its logger can show the
            # protocol; imaplib then formats a message (with the repr of the data) for
            # every line, about a tenth of a large FETCH. Only when nobody would see it.
            client._imap.debug = 0
        try:
            if s.security == "starttls":
                self._starttls(client, context)
            self._login(client)
        except BaseException:
            _shutdown(client)
            raise
        return client

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.settings.ca_file:
            try:
                context.load_verify_locations(cafile=self.settings.ca_file)
            except (OSError, ssl.SSLError) as err:
                raise ConfigError(
                    f"cannot load CA certificates from {self.settings.ca_file}: {err}",
                    "check [imap] ca_file",
                ) from err
        return context

    def _starttls(self, client: IMAPClient, context: ssl.SSLContext | None) -> None:
        if not client.has_capability("STARTTLS"):
            raise MailServerError(
                f"{self.settings.host}:{self.settings.port} does not offer STARTTLS; "
                "refusing to log in without encryption",
                "check [imap] security and port (security = ssl with port 993 is the usual choice)",
            )
        client.starttls(context)

    def _login(self, client: IMAPClient) -> None:
        s = self.settings
        try:
            if s.password.isascii():
                client.login(s.username, s.password)
            else:  # LOGIN is ASCII only; AUTHENTICATE PLAIN carries UTF-8
                client.plain_login(s.username, s.password)
        except LoginError as err:
            dropped = err.__context__
            if isinstance(dropped, (imaplib.IMAP4.abort, OSError)):
                raise dropped from err  # the connection broke mid-LOGIN: retried, not refused
            raise MailServerError(
                f"{s.host} refused the login of {s.username!r}: {self._redact(_text(err))}",
                f"check [{self._section}] username and password_env / password_cmd "
                "in the config file",
            ) from err
        LOG.debug("%s: logged in to %s as %s", self.name, s.host, s.username)

    def _drop(self) -> None:
        client, self._client, self._selected = self._client, None, None
        if client is not None:
            _shutdown(client)

    def _translate(self, what: str, err: BaseException) -> MailServerError:
        s = self.settings
        if isinstance(err, ssl.SSLCertVerificationError):
            return MailServerError(
                f"the TLS certificate of {s.host} could not be verified: {err.verify_message}",
                "check [imap] host, or set [imap] ca_file to the CA "
                "certificate that signed the server's certificate",
            )
        if isinstance(err, ssl.SSLError):
            return MailServerError(
                f"TLS with {s.host}:{s.port} failed: {err}",
                "check [imap] port and security (ssl usually means port 993, starttls port 143)",
            )
        if isinstance(err, socket.gaierror):
            return MailServerError(
                f"cannot resolve the IMAP host {s.host!r}: {err}",
                "check [imap] host",
            )
        return MailServerError(
            f"{self.name}: {what} failed on {s.host}: {self._redact(_text(err))}",
            "check the folder name ([imap] sent_folder, drafts_folder) and the [imap] settings",
        )

    def _unreachable(self, what: str, err: BaseException) -> MailServerError:
        s = self.settings
        return MailServerError(
            f"{self.name}: {what} on {s.host}:{s.port} failed after "
            f"{s.retries + 1} attempt(s): {self._redact(_text(err))}",
            "check [imap] host, port and security, and that the server is up",
        )

    @property
    def _section(self) -> str:
        """The config section holding this mailbox's login."""
        return "capture" if self.name == "capture" else "imap"

    def _redact(self, text: str) -> str:
        password = self.settings.password
        return text.replace(password, "**REDACTED**") if password else text


def is_transient(err: BaseException) -> bool:
    """Worth a reconnect: a dropped or timed-out connection, not a refusal or a bad cert."""
    if isinstance(err, ssl.SSLCertVerificationError | socket.gaierror):
        return False
    if isinstance(err, ssl.SSLError) and not isinstance(err, SSL_DROPS):
        return False  # a TLS handshake that cannot work: wrong port or security
    return isinstance(err, imaplib.IMAP4.abort | OSError | EOFError)


def resolve_folders(
    listing: Iterable[tuple[Sequence[bytes], Any, str]],
    overrides: Mapping[str, str],
    mailbox: str = "owner",
) -> dict[str, str]:
    """Roles to folder names: config overrides, then SPECIAL-USE flags, then common names."""
    names = [name for _, _, name in listing]
    flags = {name: {_text(flag).lower() for flag in fl} for fl, _, name in listing}
    found = {INBOX: "INBOX"}
    for role in ROLES:
        override = overrides.get(role)
        if override:
            if override not in names and override.upper() != "INBOX":
                raise ConfigError(
                    f"folder {override!r} (configured for {role}) does not exist on the "
                    f"{mailbox} mailbox",
                    f"set [imap] {role}_folder to one of: " + ", ".join(names),
                )
            found[role] = override
        elif role in SPECIAL_USE_FLAGS:
            name = _by_flag(names, flags, SPECIAL_USE_FLAGS[role]) or _by_name(
                names, COMMON_NAMES[role]
            )
            if name:
                found[role] = name
    return found


def _by_flag(names: list[str], flags: dict[str, set[str]], flag: str) -> str | None:
    return next((name for name in names if flag in flags[name]), None)


def _by_name(names: list[str], candidates: Sequence[str]) -> str | None:
    lowered = {name.lower(): name for name in names}
    return next((lowered[c.lower()] for c in candidates if c.lower() in lowered), None)


# -- turning FETCH data into plain values ---------------------------------------


def _fetched_message(
    location: Location, uid: int, data: Mapping[bytes, Any]
) -> FetchedMessage | None:
    header = data.get(b"BODY[HEADER]")
    if header is None:
        return None
    return FetchedMessage(
        location=Location(location.mailbox, location.folder, location.uidvalidity, uid),
        raw=bytes(header),
        parts=parts_from_bodystructure(data.get(b"BODYSTRUCTURE")),
        internaldate=aware(data.get(b"INTERNALDATE")),
        size=int(data.get(b"RFC822.SIZE") or 0),
        # \Recent belongs to one session, not to the message: left out.
        flags=tuple(f for f in map(_text, data.get(b"FLAGS", ())) if f.lower() != "\\recent"),
    )


def _texts(response: Mapping[int, Mapping[bytes, Any]], limit: int) -> dict[int, bytes]:
    texts = {}
    for uid, data in response.items():
        body = next((v for k, v in data.items() if k.startswith(b"BODY[TEXT]")), None)
        texts[uid] = bytes(body or b"")[:limit]
    return texts


def aware(value: Any) -> datetime | None:
    """INTERNALDATE as an aware datetime (imapclient gives naive local time when normalising)."""
    if not isinstance(value, datetime):
        return None
    value = value if value.tzinfo is not None else value.astimezone()
    # a plain timezone, not imapclient's FixedOffset, which does not survive pickling
    offset = value.utcoffset()
    return value.replace(tzinfo=timezone(offset)) if offset is not None else value


def _fetch_data(client: IMAPClient, uids: list[int], items: list[bytes]) -> list[Any]:
    """The untagged data of `UID FETCH uids items`, sent the way IMAPClient.fetch sends it
    (through its imaplib object), unread."""
    imap = client._imap
    tag = imap._command("UID", "FETCH", join_message_ids(uids), seq_to_parenstr_upper(items))
    typ, data = imap._command_complete("FETCH", tag)
    client._checkok("fetch", typ, data)
    typ, data = imap._untagged_response(typ, data, "FETCH")
    return list(data)


def _read_fetch(data: list[Any], uids: list[int]) -> dict[int, Any]:
    """fetchparse's reading of FETCH data; imapclient's for a response it cannot read."""
    try:
        response = parse_fetch(data)
    except FetchParseError as err:
        LOG.debug("FETCH response read by imapclient instead: %s", err)
        response = parse_fetch_response(data, False, True)
    return {uid: response[uid] for uid in uids if uid in response}


def fetch_fast(client: IMAPClient, uids: list[int], items: list[bytes]) -> dict[int, Any]:
    """`client.fetch(uids, items)`, read by fetchparse instead of imapclient's parser."""
    return _read_fetch(_fetch_data(client, uids, items), uids)


def _text(value: Any) -> str:
    """Bytes or an imaplib error as readable text (imaplib errors often hold repr'd bytes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, BaseException) and value.args and isinstance(value.args[0], bytes):
        return value.args[0].decode("utf-8", "replace")
    text = "" if value is None else str(value)
    match = re.fullmatch(r"b(['\"])(.*)\1", text)
    return match.group(2) if match else text


def _appenduids(response: Any) -> list[int]:
    """The UIDs of an APPENDUID response code (a UID set after MULTIAPPEND), in order."""
    text = response if isinstance(response, bytes) else b""
    match = re.search(rb"\[APPENDUID \d+ ([\d:,]+)\]", text)
    uids: list[int] = []
    for piece in match.group(1).split(b",") if match else []:
        first, _, last = piece.partition(b":")
        low, high = int(first), int(last or first)
        uids += range(low, high + 1) if low <= high else range(low, high - 1, -1)
    return uids


def _header_value(raw: bytes, name: str) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    pattern = rb"(?im)^" + re.escape(name.encode()) + rb":[ \t]*(.*(?:\r?\n[ \t].*)*)"
    match = re.search(pattern, head)
    return re.sub(r"\s+", " ", match.group(1).decode("ascii", "replace")).strip() if match else ""


def _shutdown(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception as err:
        LOG.debug("connection shutdown: %s", err)
