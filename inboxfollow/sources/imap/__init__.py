"""The IMAP adapter: the only place that imports imapclient."""

from inboxfollow.sources.imap.connection import ImapSettings
from inboxfollow.sources.imap.mailbox import ImapMailbox

__all__ = ["ImapMailbox", "ImapSettings"]
