"""One error base for everything inboxfollow reports to its user.

Each error carries advice: what to check or change. The command line catches
`InboxfollowError`, prints one line, and exits non-zero.
"""


class InboxfollowError(Exception):
    """Base of every error inboxfollow raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.advice = advice

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} ({self.advice})" if self.advice else text


class ConfigError(InboxfollowError):
    """The config file is missing, unreadable, or names a wrong key or value."""

    exit_code = 2


class MailServerError(InboxfollowError):
    """The mail server could not be reached, refused us, or answered badly."""


class StoreError(InboxfollowError):
    """The local store cannot be read, written, or is owned by another process."""


class StoreLockedError(StoreError):
    """Another inboxfollow process owns the store."""
