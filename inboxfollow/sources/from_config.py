"""Pick and open the mail sources a config names (the one place that does)."""

from __future__ import annotations

from inboxfollow.config import Config, ImapConfig
from inboxfollow.credentials import Login, TokenCmd
from inboxfollow.errors import ConfigError
from inboxfollow.sources.folder_plan import FolderChoice
from inboxfollow.sources.imap import INTERACTIVE, PATIENT, ImapMailbox, ImapSettings, RetryPolicy
from inboxfollow.sources.mailbox import DRAFTS, SENT, Mailbox

# How patiently to connect: INTERACTIVE (the default) fails within seconds, for a person
# waiting at a command; PATIENT backs off and tries again, for the daemon's jobs.
__all__ = ["INTERACTIVE", "PATIENT", "RetryPolicy", "open_mailboxes"]


def _imap_settings(
    imap: ImapConfig, username: str, login: Login, overrides: dict[str, str],
    retry: RetryPolicy,
) -> ImapSettings:
    """A password is resolved now; an access token is fetched anew at every login."""
    return ImapSettings(
        host=imap.host,
        port=imap.port,
        security=imap.security,
        username=username,
        password="" if isinstance(login, TokenCmd) else login.resolve(),
        token_source=login.fetch if isinstance(login, TokenCmd) else None,
        timeout=imap.timeout,
        folder_overrides={k: v for k, v in overrides.items() if v},
        retry=retry,
        ca_file=imap.ca_file or None,
    )


def open_mailboxes(config: Config, retry: RetryPolicy = INTERACTIVE) -> list[Mailbox]:
    """The owner's mailbox first, then the capture mailbox when it has its own login.

    Both read every folder that can hold mail, the owner's within [imap]
    folders_include and folders_exclude, the capture mailbox's within its own
    [capture] ones. Only the owner's needs a Sent folder, and the sent_folder and
    drafts_folder overrides name the owner's folders. `retry`: how patiently to
    connect (nothing connects here: a mailbox connects when first used).
    """
    if config.maildir is not None:
        from inboxfollow.sources.maildir import MaildirMailbox  # only for those who use it

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
    owner = _imap_settings(imap, imap.username, imap.secret, overrides, retry)
    choice = FolderChoice(imap.folders_include, imap.folders_exclude)
    sources: list[Mailbox] = [ImapMailbox(owner, "owner", choice=choice)]
    capture = config.capture
    if capture is not None and capture.secret is not None:
        settings = _imap_settings(imap, capture.username, capture.secret, {}, retry)
        choice = FolderChoice(capture.folders_include, capture.folders_exclude, needs_sent=False)
        sources.append(ImapMailbox(settings, "capture", choice=choice))
    return sources
