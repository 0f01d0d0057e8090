"""Which folder plays which role on an IMAP server: overrides, SPECIAL-USE flags, common names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from inboxfollow.errors import ConfigError
from inboxfollow.sources.imap.fetch import text
from inboxfollow.sources.mailbox import DRAFTS, INBOX, SENT

ROLES = (INBOX, SENT, DRAFTS)
SPECIAL_USE_FLAGS = {SENT: "\\sent", DRAFTS: "\\drafts"}
COMMON_NAMES = {
    SENT: ("Sent", "Sent Items", "Sent Messages", "[Gmail]/Sent Mail", "INBOX.Sent"),
    DRAFTS: ("Drafts", "[Gmail]/Drafts", "INBOX.Drafts"),
}


def resolve_folders(
    listing: Iterable[tuple[Sequence[bytes], Any, str]],
    overrides: Mapping[str, str],
    mailbox: str = "owner",
) -> dict[str, str]:
    """Roles to folder names: config overrides, then SPECIAL-USE flags, then common names."""
    names = [name for _, _, name in listing]
    flags = {name: {text(flag).lower() for flag in fl} for fl, _, name in listing}
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
