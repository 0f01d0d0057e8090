"""Which folder plays which role, and which folders a sync reads (pure).

Both sources decide by these rules: SPECIAL-USE flags (RFC 6154) where the source
has them, the names servers and clients give those folders where not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from inboxfollow.errors import ConfigError
from inboxfollow.sources.mailbox import DRAFTS, INBOX_NAME, SENT

# The names servers and mail clients give these folders where no SPECIAL-USE flag says,
# compared case-insensitively, also under an "INBOX." / "INBOX/" (Courier, Cyrus) or
# "[Gmail]/" / "[Google Mail]/" prefix. The order is the order of preference.
SENT_NAMES = (
    "Sent", "Sent Items", "Sent Messages", "Sent Mail",
    "Gesendet", "Gesendete Elemente", "Gesendete Objekte", "Gesendete Nachrichten",
    "Éléments envoyés", "Messages envoyés", "Envoyés",
    "Enviados", "Elementos enviados", "Mensajes enviados",
    "Inviata", "Posta inviata", "Elementi inviati",
    "Verzonden", "Verzonden items", "Verzonden berichten",
)  # fmt: skip
DRAFTS_NAMES = ("Drafts", "Draft", "Entwürfe", "Brouillons", "Borradores", "Bozze", "Concepten")
TRASH_NAMES = (
    "Trash", "Deleted Items", "Deleted Messages", "Deleted", "Bin",
    "Papierkorb", "Gelöschte Elemente", "Gelöschte Objekte", "Corbeille", "Éléments supprimés",
    "Papelera", "Elementos eliminados", "Cestino", "Posta eliminata", "Elementi eliminati",
    "Prullenbak", "Verwijderde items",
)  # fmt: skip
JUNK_NAMES = (
    "Junk", "Junk E-mail", "Junk Email", "Junk Mail", "Spam", "Bulk Mail", "Junk-E-Mail",
    "Courrier indésirable", "Correo no deseado", "Posta indesiderata", "Ongewenste e-mail",
)  # fmt: skip
# Mail waiting to be sent (Exchange, Outlook.com): not sent yet, so no touch yet.
OUTBOX_NAMES = (
    "Outbox", "Postausgang", "Boîte d'envoi", "Bandeja de salida", "Posta in uscita",
    "Postvak UIT",
)  # fmt: skip
_PREFIXES = ("inbox", "[gmail]", "[google mail]")
# Top-level folders under which servers list other people's and shared mail (RFC 2342
# namespaces such as "#shared", Cyrus' and Dovecot's "Other Users" and "Shared Folders",
# Exchange's "Public Folders"): not the owner's mail.
_ELSEWHERE = ("other users", "shared folders", "public folders")

# SPECIAL-USE flags (RFC 6154, RFC 8457), lower-cased, with Gmail's older XLIST names.
SPECIAL_USE = {
    SENT: frozenset({"\\sent"}),
    DRAFTS: frozenset({"\\drafts"}),
    "trash": frozenset({"\\trash"}),
    "junk": frozenset({"\\junk", "\\spam"}),
}
ALL_MAIL = frozenset({"\\all", "\\allmail"})
# Virtual folders that show messages kept in other folders (Gmail's Starred, Important).
VIEWS = frozenset({"\\flagged", "\\starred", "\\important"})
_ANY_SPECIAL_USE = frozenset[str]().union(*SPECIAL_USE.values(), ALL_MAIL, VIEWS, {"\\archive"})
# A folder with one of these holds no messages: a level of the hierarchy, or gone.
NO_MESSAGES = frozenset({"\\noselect", "\\nonexistent"})


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


_NAMES = {
    role: tuple(_key(name) for name in names)
    for role, names in (
        (SENT, SENT_NAMES), (DRAFTS, DRAFTS_NAMES), ("trash", TRASH_NAMES),
        ("junk", JUNK_NAMES), ("outbox", OUTBOX_NAMES),
    )
}  # fmt: skip
_LEFT_OUT = ("trash", "junk", DRAFTS, "outbox")


@dataclass(frozen=True)
class Folder:
    """One folder as its source lists it."""

    name: str  # what the source calls it (IMAP: decoded from modified UTF-7 by imapclient)
    delimiter: str = ""  # the hierarchy separator, "" when flat
    flags: frozenset[str] = frozenset()  # lower-case: "\\sent", "\\noselect", ...
    text: str = ""  # the name as a person reads it, when `name` is encoded (Maildir)

    @property
    def title(self) -> str:
        return self.text or self.name

    @property
    def holds_messages(self) -> bool:
        return not self.flags & NO_MESSAGES

    def lineage(self) -> list[Folder]:
        """This folder, then its parents, innermost first (parents know only their names)."""
        if not self.delimiter or self.delimiter not in self.name:
            return [self]
        names, texts = self.name.split(self.delimiter), self.title.split(self.delimiter)
        if len(names) != len(texts):
            texts = names
        return [self] + [
            Folder(self.delimiter.join(names[:n]), self.delimiter, frozenset(),
                   self.delimiter.join(texts[:n]))
            for n in range(len(names) - 1, 0, -1)
        ]  # fmt: skip


@dataclass(frozen=True)
class FolderChoice:
    """Which folders a sync reads beyond the defaults: `folders_include`, `folders_exclude`.

    Patterns are names or globs (`*` any characters, also across levels; `?` one),
    case-insensitive; brackets are plain characters, so "[Gmail]/*" works as written.
    """

    include: tuple[str, ...] = ()  # when set, only these (and INBOX and Sent) are read
    exclude: tuple[str, ...] = ()  # never these (but INBOX and Sent); exclude wins
    needs_sent: bool = True  # the owner's mailbox: no Sent folder is a config error


@dataclass(frozen=True)
class FolderPlan:
    """The folders a sync reads, in order, and why each other folder is left out."""

    read: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...] = ()


def bare_name(folder: Folder) -> str:
    """The lower-case name without an "INBOX." or "[Gmail]/" style prefix."""
    key = _key(folder.title)
    for prefix in _PREFIXES:
        for separator in {folder.delimiter, ".", "/"} - {""}:
            start = prefix + separator
            if key.startswith(start) and len(key) > len(start):
                return key[len(start):]
    return key


def find_role(folders: Sequence[Folder], role: str) -> str | None:
    """The folder flagged for `role` (SENT, DRAFTS), else the first one with its common name."""
    usable = [f for f in folders if f.holds_messages]
    flagged = next((f.name for f in usable if f.flags & SPECIAL_USE[role]), None)
    if flagged is not None:
        return flagged
    named: dict[str, str] = {}
    for folder in usable:  # a whole name first: "Sent" before "INBOX.Sent"
        named.setdefault(_key(folder.title), folder.name)
    for folder in usable:
        named.setdefault(bare_name(folder), folder.name)
    return next((named[name] for name in _NAMES[role] if name in named), None)


def plan_folders(
    folders: Sequence[Folder], roles: Mapping[str, str], choice: FolderChoice
) -> FolderPlan:
    """INBOX, Sent, then every other folder that can hold the owner's mail, in name order."""
    sent = roles.get(SENT, "")
    read = [INBOX_NAME] + ([sent] if sent and sent.upper() != INBOX_NAME else [])
    listed = {folder.name: folder for folder in folders}
    all_mail = next((f.name for f in folders if f.holds_messages and f.flags & ALL_MAIL), "")
    left_out: list[tuple[str, str]] = []
    for folder in sorted(folders, key=lambda f: _key(f.title)):
        if folder.name.upper() == INBOX_NAME or folder.name == sent:
            continue
        why = _why_left_out(folder, listed, roles.get(DRAFTS, ""), all_mail, choice)
        if why:
            left_out.append((folder.name, why))
        else:
            read.append(folder.name)
    return FolderPlan(tuple(read), tuple(left_out))


def _why_left_out(
    folder: Folder, listed: Mapping[str, Folder], drafts: str, all_mail: str,
    choice: FolderChoice,
) -> str:
    """Why `folder` is not read, or "" when it is."""
    if not folder.holds_messages:
        return "holds no messages"
    if _elsewhere(folder):
        return "another user's or a shared folder"
    if any(matches(pattern, folder) for pattern in choice.exclude):
        return "in folders_exclude"
    if any(is_name(p) and matches(p, folder) for p in choice.include):
        return ""  # named exactly: read, whatever the defaults say
    kind = "drafts" if folder.name == drafts else _kind(folder, listed)
    if kind:
        return kind
    if folder.flags & VIEWS:
        return "a view of messages kept in other folders"
    if choice.include:
        return "" if any(matches(p, folder) for p in choice.include) else "not in folders_include"
    if all_mail and folder.name != all_mail:
        return f"a label: {all_mail} holds its messages"
    return ""


def _kind(folder: Folder, listed: Mapping[str, Folder]) -> str:
    """"trash", "junk", "drafts" or "outbox" when the folder or a parent is one, else ""."""
    for level in folder.lineage():
        kind = _kind_of_one(listed.get(level.name, level))
        if kind:
            return kind
    return ""


def _kind_of_one(folder: Folder) -> str:
    if folder.flags & _ANY_SPECIAL_USE:  # a flag says what the folder is; its name does not
        return next((k for k in ("trash", "junk", DRAFTS) if folder.flags & SPECIAL_USE[k]), "")
    bare = bare_name(folder)
    return next((kind for kind in _LEFT_OUT if bare in _NAMES[kind]), "")


def _elsewhere(folder: Folder) -> bool:
    title = folder.title
    top = title.split(folder.delimiter, 1)[0] if folder.delimiter else title
    return title.startswith("#") or _key(top) in _ELSEWHERE


def is_name(pattern: str) -> bool:
    """A pattern without wildcards names one folder."""
    return "*" not in pattern and "?" not in pattern


def matches(pattern: str, folder: Folder) -> bool:
    regex = _glob(_key(pattern))
    return any(regex.fullmatch(_key(name)) for name in {folder.title, folder.name})


@lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def no_sent_folder(mailbox: str, folders: Sequence[Folder], key: str) -> ConfigError:
    """The error for an owner's mailbox without a Sent folder: it names `key` and the folders."""
    names = sorted((f.title for f in folders if f.holds_messages and f.name.upper() != INBOX_NAME),
                   key=_key)
    shown = ", ".join(repr(n) for n in names[:40]) or "none besides INBOX"
    if len(names) > 40:
        shown += f" and {len(names) - 40} more"
    return ConfigError(
        f"no Sent folder found on the {mailbox}'s mailbox (none is flagged \\Sent and none has "
        f"a Sent folder's name), so no quote would ever be seen; folders: {shown}",
        f"set {key} to the folder your sent mail is kept in",
    )
