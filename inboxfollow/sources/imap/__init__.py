"""The IMAP adapter: the only place that imports imapclient."""

from inboxfollow.sources.imap.connection import ImapSettings
from inboxfollow.sources.imap.mailbox import ImapMailbox
from inboxfollow.sources.imap.transport import INTERACTIVE, PATIENT, RetryPolicy

__all__ = ["INTERACTIVE", "PATIENT", "ImapMailbox", "ImapSettings", "RetryPolicy"]
