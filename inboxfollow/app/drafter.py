"""Put the next follow-up of every due loop into the Drafts folder, exactly once.

Each action has `report()` (what it would do); `Drafter.invoke_all` does them.
A dry run plans by the same code and only reports. The plan reads the Drafts
folder but never writes; `invoke_all` writes the mailbox first and the store
after (`save`). A draft's Message-ID is opaque but comes from its loop and step:
a rerun after a crash finds the draft by it instead of making a second one.

A pending draft is reconciled on every run:
- the loop was answered, bounced, stopped, won or lost: the draft is withdrawn
  from Drafts if it is still our unedited draft (an edited one is left alone);
- an outbound touch moved the loop past the draft's step (the owner sent it,
  edited or not, or wrote their own): the step is done; a leftover unedited
  draft is withdrawn;
- the draft is gone from Drafts and nothing was sent: the owner deleted it, and
  that counts as a skipped step. The loop moves on to its next step, timed from
  the moment the deletion was noticed; `inboxfollow stop` ends a loop instead.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from inboxfollow.app.loop_drafts import (
    from_address,
    loop_words,
    made_reason,
    resumed_facts,
    shaped_draft,
    shaped_facts,
    step_label,
    stepped_past,
)
from inboxfollow.app.plans import derive_with_plans as derive
from inboxfollow.config import Config
from inboxfollow.errors import MailServerError
from inboxfollow.model import Owner
from inboxfollow.outbox.drafts import Draft, DraftFacts, Templates, render_draft
from inboxfollow.rules.cadence import Cadence
from inboxfollow.rules.language import LanguageChoice
from inboxfollow.rules.loop_state import REMINDER
from inboxfollow.rules.loops import Derivation, Loop, Status
from inboxfollow.rules.recipients import recipients
from inboxfollow.sources.mailbox import DRAFTS, Mailbox
from inboxfollow.store import Store

LOG = logging.getLogger(__name__)

DRAFT_FLAGS = ("\\Draft", "\\Seen")


def text_digest(text: str) -> str:
    """A digest of a draft's text that ignores line-ending and trailing-space changes."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").strip().split("\n")]
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def text_of(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""


@dataclass
class DraftAction:
    """One thing `drafts` does: create, adopt, withdraw, mark sent or skipped."""

    action: str
    loop: Loop
    step: int
    reason: str
    draft: Draft | None = None
    record: dict[str, Any] | None = None  # the stored draft record it is about
    uids: tuple[int, ...] = ()  # where the draft sits in Drafts
    total: int = 0  # follow-ups in the cadence

    @property
    def label(self) -> str:
        """'follow-up 2 of 11', as every command names a step."""
        return step_label(self.loop, self.step, self.total)

    def report(self, tz: Any, dry_run: bool = False) -> str:
        """One line: what was done, or with `dry_run` what would be done."""
        done, would, what = REPORTS[self.action]
        verb = would if dry_run else done
        who = f"{self.loop.contact} ({loop_words(self.loop)})"
        line = what.format(verb=verb, label=self.label, who=who)
        if self.action == "create" and self.draft is not None:
            line += f" {self.draft.subject!r} from {self.draft.template}"
        return f"{line}; {self.reason}"

    def as_json(self, tz: Any) -> dict[str, Any]:
        item: dict[str, Any] = {
            "action": self.action,
            "loop_id": self.loop.id,
            "contact": self.loop.contact,
            "step": self.step,
            "reason": self.reason,
        }
        item["followup"] = self.label
        if self.draft is not None:
            item |= {
                "language": self.draft.facts.language,
                "message_id": self.draft.message_id,
                "subject": self.draft.subject,
                "template": self.draft.template,
                "in_reply_to": self.draft.facts.thread[-1] if self.draft.facts.thread else None,
                "text": self.draft.text,
            }
        elif self.record is not None:
            item["message_id"] = self.record["message_id"]
        return item


class Drafter:
    """Plans and carries out draft actions against one mailbox and the store."""

    def __init__(
        self,
        mailbox: Mailbox,
        store: Store,
        owner: Owner,
        signature: str,
        templates: Templates,
        cadence: Cadence,
        now: datetime,
        tz: tzinfo = UTC,
        languages: LanguageChoice | None = None,
    ) -> None:
        self.cadence = cadence
        self.mailbox = mailbox
        self.store = store
        self.owner = owner
        self.signature = signature  # [owner] signature, else learned (`for_config`)
        self.tz = tz
        self.languages = languages or LanguageChoice()
        self.templates = templates
        self.now = now
        self._folder: str | None = None
        self._ours: dict[str, list[int]] | None = None
        self._new_records: list[dict[str, Any]] = []

    @property
    def folder(self) -> str:
        if self._folder is None:
            roles = self.mailbox.folders()
            if DRAFTS not in roles:
                raise MailServerError(
                    f"{self.mailbox.name}: no Drafts folder found by SPECIAL-USE or name",
                    "set drafts_folder in the config",
                )
            self._folder = roles[DRAFTS]
        return self._folder

    @classmethod
    def for_config(cls, config: Config, store: Store, mailbox: Mailbox, now: datetime,
                   learn: bool = False) -> Drafter:
        """`learn`: when [owner] signature is empty, the owner's own messages teach it
        (`kept.learned_signature`); a drafter that only withdraws needs none."""
        from inboxfollow.app.kept import learned_signature

        signature = config.signature or (learned_signature(store, config, now) if learn else "")
        languages = LanguageChoice.from_config(config.raw.get("drafts", {}))
        return cls(mailbox, store, config.owner, signature, Templates(config.templates),
                   config.quote_cadence, now, config.timezone, languages)

    # ---- planning (reads only) -----------------------------------------
    def plan(self, derivation: Derivation) -> list[DraftAction]:
        loops = {lp.id: lp for lp in derivation.loops}
        records = [dict(d, doc_id=d.doc_id) for d in self.store.drafts.all()]
        actions = [a for r in records if r["state"] == "pending"
                   for a in [self._reconcile(r, loops.get(r["loop_id"]))] if a]
        done = {(r["loop_id"], r["step"]) for r in records}
        for loop in derivation.loops:
            action = self._due(loop, done)
            if action:
                actions.append(action)
        return actions

    def plan_withdrawals(self, derivation: Derivation) -> list[DraftAction]:
        """Only what a new answer, bounce, command or plan touch asks of the pending drafts:
        withdraw the unedited drafts of loops that no longer await a reply (or that step)."""
        loops = {lp.id: lp for lp in derivation.loops}
        actions = []
        for record in self.store.drafts.all():
            loop = loops.get(record["loop_id"])
            if record["state"] != "pending" or (loop and loop.status is Status.AWAITING_REPLY
                                                and not stepped_past(loop, record["step"])):
                continue
            action = self._reconcile(dict(record, doc_id=record.doc_id), loop)
            if action:
                actions.append(action)
        return actions

    def _find(self, message_id: str) -> tuple[int, ...]:
        """Where a draft of ours sits in Drafts: one search for all of them, then a lookup."""
        if self._ours is None:
            self._ours = self.mailbox.message_ids_with_header(self.folder, "Message-ID")
        return tuple(self._ours.get(message_id, ()))

    def _unedited(self, record: dict[str, Any], uids: tuple[int, ...]) -> bool:
        for uid in uids:
            raw = self.mailbox.fetch_message(self.folder, uid)
            if raw is not None and text_digest(text_of(raw)) == record["digest"]:
                return True
        return False

    def _reconcile(self, record: dict[str, Any], loop: Loop | None) -> DraftAction | None:
        uids = self._find(record["message_id"])
        if loop is None or loop.status is not Status.AWAITING_REPLY:
            why = f"the loop {ENDED.get(loop.status, loop.status)}" if loop else "the loop is gone"
            return self._withdraw(record, loop, uids, why)
        if loop.steps_done > record["step"]:
            if uids:
                return self._withdraw(record, loop, uids, made_reason(loop, record["step"]),
                                      done_state="sent")
            return DraftAction("sent", loop, record["step"], "an outbound touch made this step",
                               record=record, total=self.total)
        if not uids:
            return DraftAction("skipped", loop, record["step"],
                               "the draft was deleted without being sent: the step is skipped",
                               record=record, total=self.total)
        return None

    def _withdraw(self, record: dict[str, Any], loop: Loop | None, uids: tuple[int, ...],
                  why: str, done_state: str = "withdrawn") -> DraftAction | None:
        target = loop or _orphan(record)
        if not uids:
            return DraftAction(done_state, target, record["step"], f"{why}; draft already gone",
                               record=record, total=self.total)
        if not self._unedited(record, uids):
            return DraftAction("leave", target, record["step"],
                               f"{why}, but the owner edited the draft", record=record,
                               total=self.total)
        return DraftAction("withdraw", target, record["step"], why, record=record, uids=uids,
                           total=self.total)

    @property
    def total(self) -> int:
        return len(self.cadence.steps)

    def _due(self, loop: Loop, done: set[tuple[str, int]]) -> DraftAction | None:
        if loop.status is not Status.AWAITING_REPLY or loop.next_due is None:
            return None
        step = loop.steps_done
        if loop.next_due > self.now or (loop.id, step) in done:
            return None
        draft = shaped_draft(loop, render_draft(self._facts(loop, step), self.templates))
        for message_id in (draft.message_id, draft.legacy_message_id):
            uids = self._find(message_id)
            if uids:
                return DraftAction("adopt", loop, step, "this draft is already in Drafts "
                                   "(made before a crash): recorded, not made again",
                                   draft=dataclasses.replace(draft, message_id=message_id),
                                   uids=uids, total=self.total)
        reason = f"due {loop.next_due.astimezone(self.tz):%Y-%m-%d %H:%M}"
        return DraftAction("create", loop, step, reason, draft=draft, total=self.total)

    def _facts(self, loop: Loop, step: int) -> DraftFacts:
        thread = list(loop.quote.get("references", []))
        for record in loop.outbound:
            mid = record["message_id"]
            if mid and mid not in thread:
                thread.append(mid)
        quote = loop.quote
        to, cc = recipients(loop)
        return shaped_facts(loop, DraftFacts(
            loop_id=loop.id,
            step=step,
            last_step=step == len(self.cadence.steps) or loop.kind == REMINDER,
            contact=loop.contact,
            contact_name=loop.name,
            quote_subject=quote["subject"],
            quote_date=loop.sent_at,
            days_since=max((self.now - loop.sent_at).days, 0),
            thread=tuple(thread),
            owner_name=self.owner.name,
            owner_address=from_address(loop, self.owner),
            signature=self.signature,
            tz=self.tz,
            language=self.languages.for_contact(
                loop.contact, f"{quote['subject']}\n{quote.get('text', '')}"),
            quote_text=quote.get("text", ""),
            attachments=tuple(quote.get("attachments", ())),
            to=to,
            cc=cc,
            total=1 if loop.kind == REMINDER else self.total,
            now=self.now,
            **resumed_facts(loop),
        ))

    # ---- carrying out --------------------------------------------------
    def invoke_all(self, actions: list[DraftAction]) -> None:
        """Carry out every action; the new drafts go to the mailbox together
        (`append_many`: few round trips where the server offers MULTIAPPEND).
        The store learns of new drafts in `save`."""
        creates = [a for a in actions if a.action == "create"]
        for action in actions:
            if action.action != "create":
                self._invoke(action)
        raws = [self._built(a) for a in creates]
        uids = self.mailbox.append_many(self.folder, raws, DRAFT_FLAGS, self.now) if raws else []
        for action, uid in zip(creates, uids, strict=True):
            self._record(action, uid)

    def save(self) -> None:
        """Record the drafts made by `invoke_all` in the store, in one insert."""
        if self._new_records:
            self.store.drafts.insert_multiple(self._new_records)
            self._new_records = []

    def _built(self, action: DraftAction) -> bytes:
        assert action.draft is not None
        return action.draft.to_bytes(self.now)

    def _invoke(self, action: DraftAction) -> None:
        """Everything but "create": record an adopted draft, or close a stored one."""
        if action.action == "adopt":
            self._record(action, action.uids[0] if action.uids else None)
            return
        assert action.record is not None
        if action.action == "withdraw":
            self.mailbox.delete(self.folder, action.uids)
        state = {"withdraw": "withdrawn", "leave": "left"}.get(action.action, action.action)
        self.store.drafts.update({"state": state, "closed_at": self.now.isoformat()},
                                 doc_ids=[action.record["doc_id"]])

    def _record(self, action: DraftAction, uid: int | None) -> None:
        assert action.draft is not None
        self._new_records.append({
            "loop_id": action.loop.id, "step": action.step, "state": "pending",
            "message_id": action.draft.message_id, "uid": uid, "created_at": self.now.isoformat(),
            "digest": text_digest(action.draft.text), "contact": action.loop.contact,
        })


ENDED = {"replied": "was answered", "bounced": "bounced", "stopped": "was stopped",
         "won": "was marked won", "lost": "was marked lost", "exhausted": "reached its end"}
REPORTS = {  # action -> (done, dry run, the line)
    "create": ("created", "would create", "{verb} {label} for {who}:"),
    "adopt": ("adopted", "would adopt", "{verb} the draft of {label} for {who}"),
    "withdraw": ("withdrew", "would withdraw", "{verb} the draft of {label} for {who}"),
    "leave": ("left", "would leave", "{verb} the draft of {label} for {who} in Drafts"),
    "sent": ("recorded", "would record", "{verb} {label} for {who} as sent"),
    "skipped": ("recorded", "would record", "{verb} {label} for {who} as skipped"),
    "withdrawn": ("recorded", "would record", "{verb} the draft of {label} for {who} as withdrawn"),
}


def _orphan(record: dict[str, Any]) -> Loop:
    placeholder = {"key": record["loop_id"].split("|")[0], "subject": "(gone)",
                   "message_id": "", "date": record["created_at"]}
    return Loop(record.get("contact", ""), "", placeholder, "")


def run_drafts(
    config: Config, store: Store, mailbox: Mailbox, now: datetime, dry_run: bool
) -> list[DraftAction]:
    """Plan the draft actions due now; carry them out unless this is a dry run."""
    _, derivation = derive(store, config, now)
    drafter = Drafter.for_config(config, store, mailbox, now, learn=True)
    actions = drafter.plan(derivation)
    if not dry_run:
        drafter.invoke_all(actions)
        drafter.save()
        # One write for the whole run: a crash before it leaves drafts in Drafts that the
        # next run finds by their Message-ID and records, instead of making them again.
        store.commit()
    return actions


def withdraw_answered(
    config: Config, store: Store, mailbox: Mailbox, now: datetime
) -> list[DraftAction]:
    """Run right after a sync: a draft whose loop was answered (bounced, stopped) leaves
    Drafts in the same pass that saw the answer, not at the next daily draft run."""
    if not store.has_pending_drafts():
        return []
    _, derivation = derive(store, config, now)
    drafter = Drafter.for_config(config, store, mailbox, now)
    actions = drafter.plan_withdrawals(derivation)
    if actions:
        drafter.invoke_all(actions)
        store.commit()
    return actions
