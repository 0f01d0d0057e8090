"""What a customer's check-in and a lead's response look like as drafts, beside the quote
follow-ups the drafter makes: a subject of their own, never "Re:" of a form
notification; a check-in is not threaded under an old conversation and sells nothing;
a lead's later follow-ups thread under the owner's own responses. And the lead's first
response made right after the sync that saw the notification (speed to lead)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inboxfollow.config import Config
from inboxfollow.model import Owner
from inboxfollow.outbox.drafts import Draft, DraftFacts
from inboxfollow.rules.customer_plans import PlanLoop
from inboxfollow.rules.draft_words import reply_subject
from inboxfollow.rules.lead_loops import REPLY_SUBJECTS, LeadLoop
from inboxfollow.rules.loop_state import RESUMED, Loop
from inboxfollow.rules.steps import followup_label
from inboxfollow.sources.mailbox import Mailbox
from inboxfollow.store import Store

if TYPE_CHECKING:
    from inboxfollow.app.drafter import DraftAction

CHECK_IN_SUBJECTS = {"en": "Checking in", "de": "Kurze Nachfrage", "fr": "Petit point",
                     "es": "¿Qué tal todo?"}


def loop_words(loop: Loop) -> str:
    """How a report names the loop: "quote 'X'", "customer acme.com", "lead from Y"."""
    if isinstance(loop, PlanLoop):
        return f"customer {loop.customer.key if loop.customer else loop.contact}"
    if isinstance(loop, LeadLoop):
        return f"lead from {loop.lead.get('source') or 'a web form'}"
    return f"quote {loop.quote['subject']!r}"


def step_label(loop: Loop, step: int, total: int) -> str:
    """'follow-up 2 of 11' for a quote, 'check-in 3', 'first response' for a lead."""
    if isinstance(loop, PlanLoop):
        return f"check-in {step}"
    if isinstance(loop, LeadLoop):
        last = loop.total_steps - 1
        return "first response" if step == 1 else f"lead follow-up {step - 1} of {last}"
    return followup_label(step, total) if total else f"follow-up {step}"


def made_reason(loop: Loop, step: int) -> str:
    """Why a draft's step needs no draft any more: a touch made it, or the plan moved on."""
    if isinstance(loop, PlanLoop) and loop.plan is not None:
        made = loop.plan.done.get(step)
        return (f"check-in {step} was made by {made}" if made else
                f"the plan moved on to check-in {loop.steps_done}: check-in {step} was missed")
    return "a newer touch already made this step"


def stepped_past(loop: Loop, step: int) -> bool:
    """A plan's or a lead's step made since its draft was put in Drafts (the owner's own
    touch): the sync that saw the touch withdraws the unedited draft at once."""
    return isinstance(loop, PlanLoop | LeadLoop) and loop.steps_done > step


def shaped_facts(loop: Loop, facts: DraftFacts) -> DraftFacts:
    """A plan's or a lead's facts: no quoted notification, no thread to a form tool."""
    if isinstance(loop, PlanLoop):
        return replace(facts, thread=(), quote_text="", attachments=(), last_step=False,
                       total=0, quote_subject=_subject(CHECK_IN_SUBJECTS, facts.language))
    if isinstance(loop, LeadLoop):
        own = tuple(r["message_id"] for r in loop.outbound[1:] if r.get("message_id"))
        return replace(facts, thread=own, quote_text="", attachments=(),
                       last_step=facts.step >= loop.total_steps, total=loop.total_steps,
                       quote_subject=_lead_subject(loop, facts.language))
    return facts


def shaped_draft(loop: Loop, draft: Draft) -> Draft:
    """The subject: the check-in's or the lead source's own, "Re:" only of the owner's
    own earlier response to the lead."""
    if isinstance(loop, PlanLoop):
        return replace(draft, subject=draft.facts.quote_subject)
    if isinstance(loop, LeadLoop):
        first = draft.facts.quote_subject
        return replace(draft, subject=reply_subject(first) if draft.facts.thread else first)
    return draft


def _subject(table: dict[str, str], language: str) -> str:
    return table.get(language, table["en"])


def _lead_subject(loop: LeadLoop, language: str) -> str:
    if len(loop.outbound) > 1:  # the owner's first response named it
        return str(loop.outbound[1].get("subject") or _subject(REPLY_SUBJECTS, language))
    return loop.reply_subject or _subject(REPLY_SUBJECTS, language)


def draft_new_leads(config: Config, store: Store, mailbox: Mailbox,
                    now: datetime) -> list[DraftAction]:
    """Right after a sync: the first response of every new lead into Drafts, so it is there
    after the same sync that saw the notification (and within a minute under IDLE)."""
    from inboxfollow.app.drafter import Drafter
    from inboxfollow.app.plans import derive_plans

    if not config.plans.leads.sources:  # no web form configured: nothing to derive
        return []
    found = derive_plans(store, config, now)
    fresh = [lp for lp in found.leads if lp.steps_done == 1 and lp.next_due is not None
             and lp.id not in found.pending]
    if not fresh:
        return []
    drafter = Drafter.for_config(config, store, mailbox, now, learn=True)
    done = {(d["loop_id"], d["step"]) for d in store.drafts.all()}
    # only the new leads' first step: the other pending drafts are not read (no fetch)
    actions = [a for lp in fresh if (a := drafter._due(lp, done)) is not None]
    if actions:
        drafter.invoke_all(actions)
        drafter.save()
        store.commit()
    return actions


def resumed_facts(loop: Loop) -> dict[str, Any]:
    """The template kind; resuming after a contact's "not now": their words to recall."""
    if not loop.resuming or loop.deferred is None or loop.deferred_by is None:
        return {"kind": loop.kind}
    return {"kind": RESUMED, "their_words": loop.deferred.phrase.text,
            "their_sentence": loop.deferred.sentence,
            "their_date": datetime.fromisoformat(loop.deferred_by["date"])}


def from_address(loop: Loop, owner: Owner) -> str:
    """Follow up from the address the quote was sent from."""
    sender = loop.quote.get("sender")
    if sender and owner.is_owner(sender[1]):
        return str(sender[1])
    return sorted(owner.addresses)[0]
