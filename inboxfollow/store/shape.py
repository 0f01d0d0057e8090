"""What a store file must look like before TinyDB is handed it.

TinyDB trusts its file: a table that is a list, a document id that is not a number
or a `schema_version` written as a string ends in a traceback somewhere deep in a
command. These checks run once per load, on what was read, and turn any wrong shape
into a `StoreError` that says what is wrong and how to get back to a good state
(the backup kept beside the store, see files.py, or a fresh sync).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inboxfollow.errors import StoreError

# Fields every document of a table must have, and their types: what the code reads
# without asking first.
_REQUIRED: dict[str, dict[str, type | tuple[type, ...]]] = {
    "messages": {"key": str, "locations": list},
    "checkpoints": {"mailbox": str, "folder": str, "uidvalidity": int, "last_uid": int},
    "overrides": {"action": str, "target": str},
    "set_aside": {"location": list},
}


def backup_path(path: Path) -> Path:
    """store.json -> store.json.bak: the state before the last write."""
    return path.with_name(path.name + ".bak")


def restore_advice(store: Path, messages: Path) -> str:
    """What to do about a store that cannot be read: one line, with the commands."""
    return (
        f"restore the last good state with `mv {backup_path(store)} {store}` and "
        f"`mv {backup_path(messages)} {messages}`, or move both files aside and run "
        "`inboxfollow sync` to start afresh"
    )


def check_tables(data: dict[str, Any], path: Path, advice: str, skip: str = "") -> None:
    """Every table an object of documents, each an object under a numeric id."""
    for name, table in data.items():
        if name != skip:
            check_table(name, table, path, advice)


def check_table(name: str, table: Any, path: Path, advice: str) -> None:
    def wrong(what: str) -> StoreError:
        return StoreError(f"store {path} is damaged: {what}", advice)

    if not isinstance(table, dict):
        raise wrong(f"table {name!r} is a {_kind(table)}, not an object")
    required = _REQUIRED.get(name, {})
    for doc_id, doc in table.items():
        if not doc_id.isdigit():
            raise wrong(f"table {name!r} has a document id {doc_id!r} that is not a number")
        if not isinstance(doc, dict):
            raise wrong(f"document {doc_id} of table {name!r} is a {_kind(doc)}, not an object")
        for field, kind in required.items():
            if not isinstance(doc.get(field), kind) or isinstance(doc.get(field), bool):
                raise wrong(f"document {doc_id} of table {name!r} has no valid {field!r}")


def check_schema_version(version: Any, path: Path, advice: str) -> int | None:
    if version is None or (isinstance(version, int) and not isinstance(version, bool)
                           and version >= 1):
        return version
    raise StoreError(
        f"store {path} is damaged: schema_version is {version!r}, not a whole number from 1",
        advice,
    )


def _kind(value: Any) -> str:
    names = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
