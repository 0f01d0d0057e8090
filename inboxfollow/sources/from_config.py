"""Pick and open the mail sources a config names (the one place that does)."""

from __future__ import annotations

from inboxfollow.config import Config, ImapConfig
from inboxfollow.errors import ConfigError
from inboxfollow.sources.imap import ImapMailbox, ImapSettings
from inboxfollow.sources.mailbox import DRAFTS, SENT, Mailbox
from inboxfollow.sources.maildir import MaildirMailbox


def _imap_settings(imap: ImapConfig, username: str, password: str) -> ImapSettings:
    overrides = {SENT: imap.sent_folder, DRAFTS: imap.drafts_folder}
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
    """The owner's mailbox first, then the capture mailbox when it has its own login."""
    if config.maildir is not None:
        md = config.maildir
        return [MaildirMailbox("owner", md.path, md.sent_folder, md.drafts_folder)]
    if config.imap is None:
        raise ConfigError(
            "no mail source is configured",
            "add an [imap] or a [maildir] section, or run `inboxfollow demo` to try it out",
        )
    imap = config.imap
    sources: list[Mailbox] = [
        ImapMailbox(_imap_settings(imap, imap.username, imap.secret.resolve()), "owner")
    ]
    capture = config.capture
    if capture is not None and capture.secret is not None:
        settings = _imap_settings(imap, capture.username, capture.secret.resolve())
        sources.append(ImapMailbox(settings, "capture"))
    return sources
