"""A store's tables as the files hold them, for tests that look at what was written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inboxfollow.store.files import MESSAGES, SPLIT, messages_path


def store_tables(path: Path) -> dict[str, Any]:
    """Every table of the store at `path`, the messages read from their own file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.pop(SPLIT, None):
        data[MESSAGES] = json.loads(messages_path(path).read_text(encoding="utf-8"))[MESSAGES]
    return data
