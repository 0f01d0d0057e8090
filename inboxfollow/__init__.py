"""inboxfollow: makes a small business follow up."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`__version__`, read from the installed package's metadata only when asked for:
    importlib.metadata costs a poll a twentieth of a second."""
    if name != "__version__":
        raise AttributeError(f"module 'inboxfollow' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("inboxfollow")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"
