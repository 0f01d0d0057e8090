"""Which folder plays which role on an IMAP server, and which folders a sync reads.

One LIST answers both: `resolve_folders` maps roles (config overrides, then
SPECIAL-USE flags, then common names), `plan_sync` chooses the folders to read by
the rules in `sources.mailbox`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from inboxfollow.errors import ConfigError
from inboxfollow.sources.folder_plan import (
    Folder,
    FolderChoice,
    FolderPlan,
    find_role,
    no_sent_folder,
    plan_folders,
)
from inboxfollow.sources.imap.fetch import text
from inboxfollow.sources.mailbox import DRAFTS, INBOX, INBOX_NAME, SENT

ROLES = (INBOX, SENT, DRAFTS)
Listing = Iterable[tuple[Sequence[bytes], Any, Any]]  # imapclient's list_folders()


def listed_folders(listing: Listing) -> list[Folder]:
    """LIST's answer as `Folder`s (imapclient has decoded the names from modified UTF-7)."""
    return [
        Folder(str(name), text(delimiter) if delimiter else "",
               frozenset(text(flag).lower() for flag in flags))
        for flags, delimiter, name in listing
    ]  # fmt: skip


def resolve_folders(
    listing: Listing, overrides: Mapping[str, str], mailbox: str = "owner"
) -> dict[str, str]:
    """Roles to folder names: config overrides, then SPECIAL-USE flags, then common names."""
    return roles_of(listed_folders(listing), overrides, mailbox)


def roles_of(
    folders: Sequence[Folder], overrides: Mapping[str, str], mailbox: str
) -> dict[str, str]:
    names = [folder.name for folder in folders]
    found = {INBOX: INBOX_NAME}
    for role in ROLES:
        override = overrides.get(role)
        if override:
            if override not in names and override.upper() != INBOX_NAME:
                raise ConfigError(
                    f"folder {override!r} (configured for {role}) does not exist on the "
                    f"{mailbox} mailbox",
                    f"set [imap].{role}_folder to one of: " + ", ".join(names),
                )
            found[role] = override
        elif role != INBOX:
            name = find_role(folders, role)
            if name:
                found[role] = name
    return found


def plan_sync(
    listing: Listing, overrides: Mapping[str, str], choice: FolderChoice, mailbox: str
) -> FolderPlan:
    """The folders a sync reads; a ConfigError when the owner's mailbox has no Sent folder."""
    folders = listed_folders(listing)
    roles = roles_of(folders, overrides, mailbox)
    if choice.needs_sent and SENT not in roles:
        raise no_sent_folder(mailbox, folders, "[imap].sent_folder")
    return plan_folders(folders, roles, choice)
