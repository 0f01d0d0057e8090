"""`inboxfollow check`: config, server, login, folders and capabilities, one line each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from inboxfollow.app.capture_check import check_capture_trust
from inboxfollow.config import Config
from inboxfollow.errors import ConfigError, InboxfollowError
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.sources.mailbox import DRAFTS, INBOX, SENT, Mailbox


def run_checks(config: Config, emit: Callable[[str], None],
               deep: datetime | None = None) -> list[str]:
    """Print what was found; return the problems (empty when all is well). `deep`: also
    derive what is kept beside the store anew at that time and compare."""
    emit(f"ok: config {config.path} is valid")
    problems: list[str] = []
    try:
        sources = open_mailboxes(config)
    except ConfigError:
        raise  # a config error is reported like everywhere else, with exit code 2
    except InboxfollowError as err:
        problems.append(str(err))
        emit(f"problem: {err}")
        return problems
    section = "maildir" if config.maildir is not None else "imap"
    for source in sources:
        problems += _check_source(source, section, emit)
    if config.capture is not None and not problems:
        check_capture_trust(config, emit)
    if deep is not None:
        problems += _check_kept(config, deep, emit)
    emit("all checks passed" if not problems else f"{len(problems)} problem(s) found")
    return problems


VERDICTS = {
    "same": "ok: derived state {name!r} equals a derivation from every stored message",
    "stale": "ok: derived state {name!r} is out of date; the next command derives it anew",
    "absent": "ok: derived state {name!r} is not kept yet",
    "different": "problem: derived state {name!r} differed from a derivation from every "
                 "stored message; removed, the next command derives it anew",
}


def _check_kept(config: Config, now: datetime, emit: Callable[[str], None]) -> list[str]:
    from inboxfollow.app.kept import KEPT
    from inboxfollow.app.loops import verify_kept
    from inboxfollow.store import open_store

    with open_store(config.store_path, readonly=True) as store:
        found = verify_kept(store, config, now, KEPT)
    for name, verdict in found:
        emit(VERDICTS[verdict].format(name=name))
    return [f"derived state {name!r} differed" for name, verdict in found
            if verdict == "different"]


def _check_source(source: Mailbox, section: str, emit: Callable[[str], None]) -> list[str]:
    """Login, the folders a sync reads, capabilities. Only the owner's mailbox is asked for
    Sent and Drafts: the capture mailbox needs neither."""
    name = getattr(source, "name", "mailbox")
    problems: list[str] = []
    try:
        if name == "owner":
            problems += _check_roles(source, name, section, emit)
        try:
            read = source.folders_to_sync()
            if name != "owner":
                emit(f"ok: {name}: reachable, login works")
            emit(f"ok: {name}: sync reads {len(read)} folder(s): {', '.join(map(repr, read))}")
        except ConfigError as err:  # the owner's mailbox without a Sent folder
            problems.insert(0, f"{name}: {str(err).removeprefix(f'{name}: ')}")
        capabilities = getattr(source, "capabilities", None)
        if capabilities is not None:
            emit(f"ok: {name}: server capabilities: {' '.join(sorted(capabilities()))}")
    except InboxfollowError as err:
        text = str(err).removeprefix(f"{name}: ")
        emit(f"problem: {name}: {text}")
        return [f"{name}: {text}"]
    finally:
        source.close()
    for text in problems:
        emit(f"problem: {text}")
    return problems


def _check_roles(
    source: Mailbox, name: str, section: str, emit: Callable[[str], None]
) -> list[str]:
    """The owner's INBOX, Sent and Drafts folders; a problem when Drafts is missing."""
    roles = source.folders()
    emit(f"ok: {name}: reachable, login works")
    for role in (INBOX, SENT, DRAFTS):
        if role in roles:
            emit(f"ok: {name}: {role} folder is {roles[role]!r}")
    if DRAFTS in roles:
        return []
    return [f"{name}: no drafts folder found by SPECIAL-USE or common name; "
            f"set [{section}].drafts_folder"]
