"""The digest and the checklist as commands: compose from the store, preview, deliver.

The mailer is the one [digest].delivery names: SMTP, or an APPEND to the owner's
INBOX. The daemon's job for it is in `daemon_jobs`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from inboxfollow.app.loops import CONTACTS, derive, remembered, waiting_rule
from inboxfollow.app.plans import digest_rows
from inboxfollow.config import Config
from inboxfollow.credentials import Secret, TokenCmd
from inboxfollow.errors import ConfigError, InboxfollowError
from inboxfollow.outbox.digest import build_digest_message, render_checklist, render_digest
from inboxfollow.outbox.mailer import ImapAppendMailer, Mailer, SmtpMailer
from inboxfollow.rules.digest import build_checklist, build_digest
from inboxfollow.rules.digest_sections import Row, Section
from inboxfollow.rules.promise_loops import promise_rows
from inboxfollow.sources.from_config import INTERACTIVE, RetryPolicy, open_mailboxes
from inboxfollow.store import Store

LOG = logging.getLogger(__name__)


class OwnerMailbox(Protocol):
    def append(self, folder: str, raw: bytes, flags: Sequence[str] = (),
               date: datetime | None = None) -> int | None: ...

    def close(self) -> None: ...


MailboxFactory = Callable[[], OwnerMailbox]


def compose(config: Config, store: Store, now: datetime,
            checklist: bool = False) -> tuple[str, str, str, str]:
    """(subject, text, html, summary) of the digest or checklist from the store as of now."""
    from inboxfollow.app.kept import open_questions_of

    records, derivation = derive(store, config, now)
    drafts = [dict(d) for d in store.drafts.all()]
    owner, tz, settings = config.owner, config.timezone, config.digest
    followups = len(config.quote_cadence.steps)
    rule = waiting_rule(store, config)
    contacts = remembered(CONTACTS, store, config, now)
    waiting = rule.select(open_questions_of(store, config, now), now)
    customers, leads = digest_rows(store, config, now, 1 if checklist else 7,
                                   (records, derivation))
    if checklist:
        check = build_checklist(records, derivation, drafts, owner, now, tz, settings.quiet_days,
                                followups=followups, waiting_rule=rule,
                                customers=customers, leads=leads,
                                promises=promise_rows_of(store, config, now, False),
                                contacts=contacts, waiting=waiting)
        subject, text, html = render_checklist(check, config.templates)
        return subject, text, html, _summary(check.actions, check.sections)
    data = build_digest(records, derivation, drafts, owner, now, tz, settings.quiet_days,
                        quiet_limit=settings.quiet_limit, followups=followups,
                        untrusted=untrusted_rows(store, now), waiting_rule=rule,
                        customers=customers, leads=leads,
                        promises=promise_rows_of(store, config, now, True),
                        contacts=contacts, waiting=waiting)
    subject, text, html = render_digest(data, config.templates)
    return subject, text, html, _summary(data.actions, data.sections)


def promise_rows_of(store: Store, config: Config, now: datetime,
                    overdue_only: bool) -> list[Row]:
    """The owner's open promises due by today (the checklist), or overdue (the digest)."""
    from inboxfollow.app.kept import promises_of

    promises = promises_of(store, config, now)
    return promise_rows(promises, now.astimezone(config.timezone).date(), overdue_only)


def untrusted_rows(store: Store, now: datetime, days: int = 7) -> list[Row]:
    """Capture mail set aside by the capture trust rule in the last `days` days."""
    rows = []
    for entry in store.set_aside.all():
        if not entry.get("untrusted_capture"):
            continue
        when = entry.get("date", "")
        if when and datetime.fromisoformat(when) < now - timedelta(days=days):
            continue
        sender = entry.get("sender") or ["", ""]
        rows.append(Row(f"aside:{entry.get('key', '')}", sender[0] or sender[1], sender[1],
                        entry.get("subject", ""), facts=(entry.get("reason", ""),),
                        alert="not trusted"))
    return rows


def _summary(actions: Sequence[str], sections: Sequence[Section]) -> str:
    """The action lines, else how many rows each section holds: one line for the terminal."""
    if actions:
        return "; ".join(actions)
    return ", ".join(f"{s.count} {s.title.lower()}" for s in sections) or "nothing to show"


def mailer_for(config: Config, mailbox_factory: MailboxFactory
               ) -> tuple[Mailer, Callable[[], None]]:
    """The mailer [digest].delivery names, and what closes it afterwards."""
    if config.digest.delivery == "smtp":
        smtp = config.smtp
        if smtp is None:
            raise ConfigError('[digest].delivery = "smtp" needs an [smtp] section')
        login = smtp.secret
        oauth = login.fetch if isinstance(login, TokenCmd) else None  # anew at every login
        password = login.resolve() if isinstance(login, Secret) else ""
        mailer = SmtpMailer(smtp.host, smtp.port, smtp.security, smtp.username, password,
                            smtp.timeout, smtp.ca_file, token_source=oauth)
        return mailer, lambda: None
    mailbox = mailbox_factory()
    return ImapAppendMailer(mailbox, "INBOX"), mailbox.close


def send_digest(
    config: Config,
    store: Store,
    now: datetime,
    mailbox_factory: MailboxFactory | None = None,
    checklist: bool = False,
    mailer: Mailer | None = None,
) -> str:
    """Compose and deliver the digest (or checklist) now; a one-line summary.

    `mailbox_factory` opens the owner's mailbox for delivery = "imap" (default:
    the one the config reads); it is closed again after the APPEND."""
    kind = "checklist" if checklist else "digest"
    subject, text, html, summary = compose(config, store, now, checklist)
    sender = config.owner_addresses[0]
    raw = build_digest_message(config.owner_name, sender, config.digest.to, subject, text, html,
                               now, kind)
    close: Callable[[], None] = lambda: None  # noqa: E731
    if mailer is None:
        mailer, close = mailer_for(config, mailbox_factory or (lambda: owner_mailbox(config)))
    try:
        mailer.send(raw, sender, [config.digest.to])
    finally:
        close()
    how = "SMTP" if config.digest.delivery == "smtp" else "APPEND to INBOX"
    LOG.info("%s sent to %s by %s", kind, config.digest.to, how)
    return f"{kind} sent to {config.digest.to} by {how}: {summary}"


def write_preview(path: Path, html: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the owner's
        os.fchmod(fd, 0o600)  # business, even over an older file readable by all
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
    except OSError as err:
        raise InboxfollowError(f"cannot write the preview {path}: {err.strerror}",
                               "choose another file for --preview") from err


def digest_command(
    config: Config,
    store: Store,
    mailbox_factory: MailboxFactory | None,
    now: datetime,
    preview: Path | None,
    send: bool,
    checklist: bool = False,
) -> str:
    """`inboxfollow digest [--checklist] [--preview FILE] [--send]`; a one-line summary."""
    kind = "checklist" if checklist else "digest"
    lines = []
    if preview is not None:
        _, _, html, summary = compose(config, store, now, checklist)
        write_preview(preview, html)
        lines.append(f"{kind} preview written to {preview}: {summary}")
    if send:
        lines.append(send_digest(config, store, now, mailbox_factory, checklist))
    if not lines:
        _, _, _, summary = compose(config, store, now, checklist)
        lines.append(f"{kind}: {summary} (nothing sent: use --preview FILE or --send)")
    return "; ".join(lines)


def owner_mailbox(config: Config, retry: RetryPolicy = INTERACTIVE) -> OwnerMailbox:
    """The owner's mailbox (IMAP or Maildir), which takes the digest into its INBOX."""
    return open_mailboxes(config, retry)[0]
