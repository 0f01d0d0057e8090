"""The daemon's jobs, built from the config: sync, answers, drafts, the digest and the
checklist.

Each job is a function (store, now, stop) -> one line for the log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from inboxfollow.app import give_back_memory
from inboxfollow.app.capture_commands import deliver_requested_digest
from inboxfollow.app.daemon import Job
from inboxfollow.app.digest import owner_mailbox, send_digest
from inboxfollow.app.drafter import run_drafts, withdraw_answered
from inboxfollow.app.loop_drafts import draft_new_leads
from inboxfollow.app.loops import derive_ahead
from inboxfollow.app.sync import sync
from inboxfollow.app.watch import watch_inboxes
from inboxfollow.config import Config
from inboxfollow.rules.slots import Slot
from inboxfollow.sources.from_config import PATIENT, open_mailboxes
from inboxfollow.store import ANSWERS_UNSEEN, Store, open_store

JobFunc = Callable[[Store, datetime, Callable[[], bool]], str]


def digest_job(config: Config, checklist: bool = False) -> JobFunc:
    """The daemon's job (store, now, stop) -> line: send the digest, or the checklist.

    The daemon decides when (its slots); the checklist is not sent on a weekend
    day or a holiday of [calendar]."""

    def run(store: Store, now: datetime, stop: Callable[[], bool]) -> str:
        if checklist and config.calendar.is_skipped(now.astimezone(config.timezone).date()):
            return "not sent: a weekend day or holiday"
        return send_digest(config, store, now, lambda: owner_mailbox(config, PATIENT), checklist)

    return run


@dataclass
class NewMail:
    """Whether mail was saved that the answers job has not looked at yet: the store's
    ANSWERS_UNSEEN, which the store sets with the mail it saves, as last read. Mail saved
    by a daemon that stopped before looking at it is looked at after the next start."""

    unseen: bool = False

    def due(self, store: Store | None) -> bool:
        if store is not None:
            self.unseen = self.unseen or bool(store.get_meta(ANSWERS_UNSEEN, False))
        return self.unseen

    def looked_at(self, store: Store) -> None:
        store.set_meta(ANSWERS_UNSEEN, False)  # set to what it is: no change, no write
        self.unseen = False


def sync_job(config: Config) -> JobFunc:
    """Fetch and save new mail; what it answers is the answers job's (`answers_job`), after
    the store lock was let go for its derivation."""

    def run(store: Store, now: datetime, stop: Callable[[], bool]) -> str:
        sources = open_mailboxes(config, retry=PATIENT)  # the daemon waits for the server
        try:
            summary = sync(sources, store, config.owner, config.batch_size, stop=stop)
            digest = deliver_requested_digest(config, store, now)  # a +pending asked for it
        finally:
            for source in sources:
                source.close()
        line = summary.line().removeprefix("sync: ")
        return f"{line}; digest: {digest}" if digest else line

    return run


def answers_job(config: Config, news: NewMail) -> JobFunc:
    """After a sync that saved mail: a draft whose loop the new mail answered (bounced,
    stopped) leaves Drafts, and a new lead's first response goes in, in the same cycle."""

    def run(store: Store, now: datetime, stop: Callable[[], bool]) -> str:
        if not _answers_to_look_for(config, store):
            news.looked_at(store)
            return "nothing withdrawn"  # no draft to withdraw, no web form: no connection
        mailbox = open_mailboxes(config, retry=PATIENT)[0]
        try:
            withdrawn = withdraw_answered(config, store, mailbox, now)
            leads = draft_new_leads(config, store, mailbox, now)
        finally:
            mailbox.close()
        news.looked_at(store)
        done = [f"{len(withdrawn)} draft(s) withdrawn"] if withdrawn else ["nothing withdrawn"]
        return "; ".join(done + ([f"{len(leads)} lead response(s) drafted"] if leads else []))

    return run


def _answers_to_look_for(config: Config, store: Store) -> bool:
    """A pending draft new mail may answer, or a web form whose leads it may bring."""
    return bool(config.plans.leads.sources) or store.has_pending_drafts()


def check_answers_first(config: Config) -> Callable[[datetime], None]:
    """The answers job's preparation: what withdrawing and the leads derive (the loops, the
    plans and the mail they read), from a read-only copy without the lock, kept for the
    job, which then reads it instead of every message. Nothing when no draft is pending
    and no web form is configured: the job then derives nothing either."""

    def prepare(now: datetime) -> None:
        from inboxfollow.app.plans import derive_with_plans

        with open_store(config.store_path, readonly=True) as copy:
            if not _answers_to_look_for(config, copy):
                return
            derive_with_plans(copy, config, now)  # kept: the loops, the plans' mail, touches
            derive_ahead(copy, config, now)  # the loops as they are, for the job to take

    return prepare


def drafts_job(config: Config) -> JobFunc:
    def run(store: Store, now: datetime, stop: Callable[[], bool]) -> str:
        mailbox = open_mailboxes(config, retry=PATIENT)[0]
        try:
            actions = run_drafts(config, store, mailbox, now, dry_run=False)
        finally:
            mailbox.close()
        created = sum(a.action == "create" for a in actions)
        return f"{created} created, {len(actions) - created} other action(s)"

    return run


def derive_first(config: Config) -> Callable[[datetime], None]:
    """A job's preparation: derive the loops from a read-only copy of the store, without
    the lock, so `stop`, `mark` or a manual `sync` given meanwhile need not wait for it.
    The job takes that derivation when the store is still the same, else derives again."""

    def prepare(now: datetime) -> None:
        with open_store(config.store_path, readonly=True) as copy:
            derive_ahead(copy, config, now)

    return prepare


def keep_derived(config: Config) -> Callable[[datetime], None]:
    """After a cycle that did something: bring what is kept beside the store up to date
    (`app.kept`), from a read-only copy and without the lock, so the owner's next
    `quotes`, `contacts`, `digest` or `drafts` reads it instead of every message. Nothing
    is written when it is current already."""

    def refresh(now: datetime) -> None:
        from inboxfollow.app.kept import (
            learned_signature,
            open_questions_of,
            plan_mail,
            promises_of,
        )
        from inboxfollow.app.loops import (
            CONTACTS,
            LOOPS,
            TOUCHES,
            remembered,
        )

        with open_store(config.store_path, readonly=True) as copy:  # not `derive`: that
            derivation = remembered(LOOPS, copy, config, now)  # takes the jobs' `_ahead`
            plan_mail(copy, config, now, derivation)  # from these loops, not again
            remembered(TOUCHES, copy, config, now)
            remembered(CONTACTS, copy, config, now)
            open_questions_of(copy, config, now)
            promises_of(copy, config, now)
            learned_signature(copy, config, now)

    def refresh_and_let_go(now: datetime) -> None:
        try:
            refresh(now)
        finally:
            give_back_memory()  # what it read and derived: not kept by an idle daemon

    return refresh_and_let_go


def build_jobs(config: Config) -> list[Job]:
    """Sync first, so drafts and the digest see the newest mail. New mail in a watched
    INBOX (IMAP IDLE) runs the sync at once; other folders wait for its interval. Mail
    it saved is looked at for answers right after, its derivation made without the lock."""
    news = NewMail()
    jobs = [
        Job("sync", sync_job(config), every_minutes=config.sync_minutes,
            watch=watch_inboxes(config)),
        Job("answers", answers_job(config, news), due_when=news.due,
            prepare=check_answers_first(config)),
        Job("drafts", drafts_job(config), slot=Slot(config.calendar.draft_time, config.timezone),
            prepare=derive_first(config)),
    ]
    digest = config.digest
    jobs.append(Job("digest", digest_job(config), wait_for_first_slot=True,
                    slot=Slot(digest.send_time, config.timezone, digest.weekday),
                    prepare=derive_first(config)))
    if digest.daily_checklist:
        jobs.append(Job("checklist", digest_job(config, checklist=True), wait_for_first_slot=True,
                        slot=Slot(digest.checklist_time, config.timezone),
                        prepare=derive_first(config)))
    return jobs
