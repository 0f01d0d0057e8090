"""Plain values that flow between the mail sources, the rules and the store.

Nothing here reads the clock, the disk or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """What a message is, as far as following up is concerned."""

    HUMAN = "human"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    RECEIPT = "receipt"
    CALENDAR = "calendar"
    LIST = "list"

    @property
    def automatic(self) -> bool:
        return self is not Kind.HUMAN


class Direction(StrEnum):
    INBOUND = "in"
    OUTBOUND = "out"


@dataclass(frozen=True)
class Location:
    """Where one copy of a message lives on a mail source."""

    mailbox: str  # the source's label: "owner" or "capture"
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class Part:
    """One leaf of a message's MIME structure, known without downloading it."""

    content_type: str  # lower-case "type/subtype"
    filename: str = ""
    disposition: str = ""  # lower-case "attachment", "inline" or ""
    size: int = 0
    params: tuple[tuple[str, str], ...] = ()  # lower-case names, e.g. (("method", "request"),)


@dataclass(frozen=True)
class FetchedMessage:
    """What a mail source hands over for one message.

    `raw` is the header block, followed by a bounded prefix of the body when
    the rules asked for text (`has_text`), never a whole large message.
    `parts` is the full MIME structure (from BODYSTRUCTURE on IMAP); or else
    `structure` holds BODYSTRUCTURE as the server sent it, read into parts only
    when the message is judged (`sources.imap.bodystructure.with_parts`).
    """

    location: Location
    raw: bytes
    parts: tuple[Part, ...]
    internaldate: datetime | None
    size: int
    has_text: bool = False
    flags: tuple[str, ...] = ()
    structure: bytes = b""


@dataclass(frozen=True)
class Address:
    name: str
    email: str  # lower-cased


@dataclass(frozen=True)
class ParsedMessage:
    """The facts the rules need, parsed from a FetchedMessage.

    Every field has a safe empty value: a malformed message still yields a
    ParsedMessage, with what went wrong listed in `defects`.
    """

    message_id: str  # as in the header, with angle brackets; "" when missing
    subject: str  # decoded, whitespace-normalised
    sender: Address | None  # From (first address)
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # aware; None when missing or unparseable
    in_reply_to: tuple[str, ...]  # message ids with angle brackets
    references: tuple[str, ...]
    headers: dict[str, str]  # lower-case name -> decoded value (first occurrence)
    content_type: str  # top-level, lower-case "type/subtype"
    parts: tuple[Part, ...]
    text: str = ""  # decoded text of the main text part (prefix), "" if not fetched
    defects: tuple[str, ...] = ()
    has_text: bool = False

    @property
    def recipients(self) -> tuple[Address, ...]:
        return self.to + self.cc


@dataclass(frozen=True)
class Classification:
    kind: Kind
    reason: str  # plain words: which header or pattern decided
    # True when a header or the MIME structure decided; False when only the subject
    # or the body text did, so a rule may still take it for a person ("when in doubt, human")
    by_headers: bool = True


@dataclass(frozen=True)
class LeadSource:
    """A web form whose notifications bring leads ([leads.sources.NAME] in the config)."""

    name: str
    senders: tuple[str, ...] = ()  # addresses or patterns ("*@jotform.com")
    subjects: tuple[str, ...] = ()  # subject patterns ("New submission*"), any case


@dataclass(frozen=True)
class Owner:
    name: str
    addresses: frozenset[str]  # lower-cased
    capture_address: str = ""  # lower-cased; "" when not configured
    team_domains: frozenset[str] = frozenset()  # the team's other domains, from the config
    # A Date more than this many hours after the message arrived is a wrong clock or a lie
    # ([sync].future_hours): the arrival time stands in for it.
    future_slack_hours: int = field(default=24, kw_only=True)
    # the web forms whose notifications bring leads, matched before the automatic-mail rules
    lead_sources: tuple[LeadSource, ...] = field(default=(), kw_only=True)

    def is_owner(self, email: str) -> bool:
        """True for any of the owner's addresses, also with a +tag."""
        email = email.lower()
        if email in self.addresses:
            return True
        local, _, domain = email.partition("@")
        base = local.split("+", 1)[0]
        return f"{base}@{domain}" in self.addresses

    def is_capture(self, email: str) -> bool:
        if not self.capture_address:
            return False
        email = email.lower()
        if email == self.capture_address:
            return True
        local, _, domain = email.partition("@")
        cap_local, _, cap_domain = self.capture_address.partition("@")
        return domain == cap_domain and local.split("+", 1)[0] == cap_local


@dataclass
class FolderStatus:
    uidvalidity: int
    uidnext: int
    messages: int


@dataclass
class Checkpoint:
    mailbox: str
    folder: str
    uidvalidity: int
    last_uid: int


@dataclass
class SyncSummary:
    new: int = 0
    duplicates: int = 0
    set_aside: int = 0
    folders: int = 0
    drafts: int = 0  # messages flagged \Draft: not sent, so never touches
    resynced: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"sync: {self.new} new message(s), {self.duplicates} already known, "
            f"{self.set_aside} set aside, {self.folders} folder(s) checked"
        )
        if self.drafts:
            text += f", {self.drafts} draft(s) skipped"
        if self.resynced:
            text += f"; resynced after UIDVALIDITY change: {', '.join(self.resynced)}"
        return text
