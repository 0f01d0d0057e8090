"""A store's tables as the files hold them, for tests that look at what was written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inboxfollow.store.files import MESSAGES, SPLIT, log_path, messages_path


def logged_messages(path: Path) -> dict[str, dict[str, Any]]:
    """The messages log of the store at `path`, read as a reader must: key -> record,
    a later line superseding an earlier one, a null record a removal."""
    lines = log_path(path).read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    assert header["log"] == "inboxfollow messages", header
    found: dict[str, dict[str, Any]] = {}
    for line in lines[1:]:
        entry = json.loads(line)
        if entry["d"] is None:
            found.pop(entry["k"], None)
        else:
            found[entry["k"]] = entry["d"]
    return found


def store_tables(path: Path) -> dict[str, Any]:
    """Every table of the store at `path`, the messages read from their own file."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    split = data.pop(SPLIT, None)
    if split and split.get("format") == "log":
        records = logged_messages(path).values()
        data[MESSAGES] = {str(n): doc for n, doc in enumerate(records, 1)}
    elif split:
        data[MESSAGES] = json.loads(messages_path(path).read_text(encoding="utf-8"))[MESSAGES]
    return data
