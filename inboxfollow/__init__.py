"""inboxfollow: makes a small business follow up."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("inboxfollow")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
