"""Pick and open the mail sources a config names (the one place that does)."""

from __future__ import annotations

from inboxfollow.config import Config, ImapConfig
from inboxfollow.errors import ConfigError
from inboxfollow.sources.folder_plan import FolderChoice
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.sources.mailbox import DRAFTS, SENT, Mailbox
from inboxfollow.sources.maildir import MaildirMailbox


def _imap_settings(
    imap: ImapConfig, username: str, password: str, overrides: dict[str, str]
) -> ImapSettings:
    return ImapSettings(
        host=imap.host,
        port=imap.port,
        security=imap.security,
        username=username,
        password=password,
        timeout=imap.timeout,
        folder_overrides={k: v for k, v in overrides.items() if v},
        ca_file=imap.ca_file or None,
    )


def open_mailboxes(config: Config) -> list[Mailbox]:
    """The owner's mailbox first, then the capture mailbox when it has its own login.

    Both read every folder that can hold mail, within [imap] folders_include and
    folders_exclude; only the owner's needs a Sent folder, and the sent_folder and
    drafts_folder overrides name the owner's folders.
    """
    if config.maildir is not None:
        md = config.maildir
        choice = FolderChoice(md.folders_include, md.folders_exclude)
        return [MaildirMailbox("owner", md.path, md.sent_folder, md.drafts_folder, choice=choice)]
    if config.imap is None:
        raise ConfigError(
            "no mail source is configured",
            "add an [imap] or a [maildir] section, or run `inboxfollow demo` to try it out",
        )
    imap = config.imap
    overrides = {SENT: imap.sent_folder, DRAFTS: imap.drafts_folder}
    owner = _imap_settings(imap, imap.username, imap.secret.resolve(), overrides)
    choice = FolderChoice(imap.folders_include, imap.folders_exclude)
    sources: list[Mailbox] = [ImapMailbox(owner, "owner", choice=choice)]
    capture = config.capture
    if capture is not None and capture.secret is not None:
        settings = _imap_settings(imap, capture.username, capture.secret.resolve(), {})
        choice = FolderChoice(imap.folders_include, imap.folders_exclude, needs_sent=False)
        sources.append(ImapMailbox(settings, "capture", choice=choice))
    return sources
