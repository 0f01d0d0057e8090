"""The derivations kept beside the store besides the loops, touches and contacts (see
`derived_state`): the open questions, the owner's promises, the learned signature and
the few messages the customers' plans and the leads read. Each depends on `now` only
through the messages dated up to it; what narrows it to a day (due today, overdue)
is applied after reading it. `KEPT` is what `check --deep` proves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from inboxfollow.app.derived_state import Derivable
from inboxfollow.app.loops import CONTACTS, LOOPS, TOUCHES, horizon, remembered
from inboxfollow.config import Config
from inboxfollow.rules.customers import SALE_KINDS
from inboxfollow.rules.loop_state import Derivation
from inboxfollow.rules.promise_loops import Promise, derive_promises
from inboxfollow.rules.signature import learn_signature, own_texts
from inboxfollow.rules.waiting import OpenQuestions, open_questions
from inboxfollow.store import Store

Records = Sequence[dict[str, Any]]


def _questions(records: Records, inputs: tuple[Any, ...], config: Config,
               now: datetime) -> tuple[OpenQuestions, datetime | None]:
    asked = open_questions(records, config.owner, now, config.calendar,
                           config.digest.waiting_days)
    return asked, horizon(records)


def _promises(records: Records, inputs: tuple[Any, ...], config: Config,
              now: datetime) -> tuple[list[Promise], datetime | None]:
    return derive_promises(records, config.owner, now, config.calendar), horizon(records)


def _signature(records: Records, inputs: tuple[Any, ...], config: Config,
               now: datetime) -> tuple[str, datetime | None]:
    return learn_signature(own_texts(records, now)), horizon(records)


def _plan_mail(records: Records, inputs: tuple[Any, ...], config: Config, now: datetime,
               derivation: Derivation | None = None) -> tuple[list[dict[str, Any]],
                                                             datetime | None]:
    """The messages the customers' plans and the leads read (`app.plans`): the owner's
    invoices and order confirmations, the lead notifications, the messages the owner's
    commands name, and mail from the leads' addresses. `derivation`: the loops of the
    same messages and inputs, when the caller has them (else derived here)."""
    from inboxfollow.app.loops import _loops

    if derivation is None:
        derivation = _loops(records, inputs, config, now)[0]
    targets = {o.target for o in inputs[0]}
    leads = {str(r["lead"].get("email", "")).lower() for r in records if r.get("lead")}
    found = []
    for record in records:
        decision = derivation.decisions.get(record["key"])
        sender = record.get("sender") or ["", ""]
        if record.get("lead") or (decision is not None and decision.billing in SALE_KINDS) \
                or record["key"] in targets or record.get("message_id") in targets \
                or (record["direction"] == "in" and sender[1].lower() in leads):
            found.append(record)
    return found, horizon(records)


QUESTIONS = Derivable("questions", lambda store, config: (), _questions)
PROMISES = Derivable("promises", lambda store, config: (), _promises)
SIGNATURE = Derivable("signature", lambda store, config: (), _signature)
PLAN_MAIL = Derivable("plan_mail", LOOPS.inputs, _plan_mail)
KEPT: tuple[Derivable[Any], ...] = (LOOPS, TOUCHES, CONTACTS, QUESTIONS, PROMISES, SIGNATURE,
                                   PLAN_MAIL)


def open_questions_of(store: Store, config: Config, now: datetime) -> OpenQuestions:
    return remembered(QUESTIONS, store, config, now)


def promises_of(store: Store, config: Config, now: datetime) -> list[Promise]:
    return remembered(PROMISES, store, config, now)


def learned_signature(store: Store, config: Config, now: datetime) -> str:
    """The signature the owner's own messages share ("" with one in the config)."""
    return "" if config.signature else remembered(SIGNATURE, store, config, now)


def plan_mail(store: Store, config: Config, now: datetime,
              derivation: Derivation | None = None) -> list[dict[str, Any]]:
    """`derivation`: the loops `loops.derive` gave for this store at `now`, so a miss
    does not derive them a second time."""
    what = PLAN_MAIL if derivation is None else replace(
        PLAN_MAIL, derive=partial(_plan_mail, derivation=derivation))
    return remembered(what, store, config, now)
