"""`inboxfollow check`: config, server, login, folders and capabilities, one line each."""

from __future__ import annotations

from collections.abc import Callable

from inboxfollow.config import Config
from inboxfollow.errors import ConfigError, InboxfollowError
from inboxfollow.sources.from_config import open_mailboxes
from inboxfollow.sources.mailbox import DRAFTS, INBOX, SENT, Mailbox


def run_checks(config: Config, emit: Callable[[str], None]) -> list[str]:
    """Print what was found; return the problems (empty when all is well)."""
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
    for source in sources:
        problems += _check_source(source, emit)
    emit("all checks passed" if not problems else f"{len(problems)} problem(s) found")
    return problems


def _check_source(source: Mailbox, emit: Callable[[str], None]) -> list[str]:
    name = getattr(source, "name", "mailbox")
    try:
        roles = source.folders()
        emit(f"ok: {name}: reachable, login works")
        for role in (INBOX, SENT, DRAFTS):
            if role in roles:
                emit(f"ok: {name}: {role} folder is {roles[role]!r}")
        missing = [r for r in (SENT, DRAFTS) if r not in roles]
        capabilities = getattr(source, "capabilities", None)
        if capabilities is not None:
            emit(f"ok: {name}: server capabilities: {' '.join(sorted(capabilities()))}")
    except InboxfollowError as err:
        emit(f"problem: {name}: {err}")
        return [str(err)]
    finally:
        source.close()
    problems = []
    for role in missing:
        text = (f"{name}: no {role} folder found by SPECIAL-USE or common name; "
                f"set [imap].{role}_folder")
        emit(f"problem: {text}")
        problems.append(text)
    return problems
