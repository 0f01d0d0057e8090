"""[customers] and [leads] in the config: the customer touch-point plan and the web-form
lead sources, checked with errors that name the key and the fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inboxfollow.errors import ConfigError
from inboxfollow.model import LeadSource
from inboxfollow.rules.cadence import Cadence
from inboxfollow.rules.plan_settings import DEFAULT_LEAD_STEPS, DEFAULT_PLAN_STEPS, PlanSettings

SOURCE_KEYS = ("senders", "subjects", "reply_subject")


@dataclass(frozen=True)
class LeadSettings:
    """[leads]: where leads come from, the first response's subject, the cadence."""

    cadence: Cadence = field(default_factory=lambda: Cadence.parse("lead", DEFAULT_LEAD_STEPS))
    sources: tuple[LeadSource, ...] = ()
    subjects: dict[str, str] = field(default_factory=dict)  # source name -> reply subject


def _cadence(sections: dict[str, dict[str, Any]], key: str, builtin: tuple[str, ...]) -> Cadence:
    cadences = {key: builtin, **sections.get("cadences", {})}
    name = sections.get(key + "s", {}).get("cadence", key)
    return _named(cadences, name, f"[{key}s].cadence")


def _named(cadences: dict[str, Any], name: str, where: str) -> Cadence:
    if name not in cadences:
        raise ConfigError(f"{where} names {name!r}, which is not under [cadences]",
                          f"add [cadences] {name} = [\"2w\", \"4w\", \"5w\"], or use one of: "
                          f"{', '.join(sorted(cadences))}")
    return Cadence.parse(name, cadences[name])


def customer_settings(sections: dict[str, dict[str, Any]]) -> PlanSettings:
    body = sections.get("customers", {})
    cadences = {"customer": DEFAULT_PLAN_STEPS, **sections.get("cadences", {})}
    per = {}
    for who, name in body.get("cadence_for", {}).items():
        if not isinstance(name, str):
            raise ConfigError(f"[customers.cadence_for].{who!r} must be a cadence name",
                              f'write "{who}" = "monthly" and define [cadences] monthly')
        per[who.lower()] = _named(cadences, name, f"[customers.cadence_for].{who!r}")
    for key in ("window_days", "quiet_days", "quiet_ahead_days", "from_mail_days"):
        if body.get(key, 1) < 0 or (key == "quiet_days" and body.get(key, 1) == 0):
            raise ConfigError(f"[customers].{key} is {body[key]}", "set it to a number of days "
                              "above zero (window_days and quiet_ahead_days may be 0)")
    return PlanSettings(_cadence(sections, "customer", DEFAULT_PLAN_STEPS),
                        window_days=body.get("window_days", 3),
                        quiet_days=body.get("quiet_days", 30),
                        quiet_ahead_days=body.get("quiet_ahead_days", 7),
                        from_mail_days=body.get("from_mail_days", 365), per_customer=per)


def lead_settings(sections: dict[str, dict[str, Any]]) -> LeadSettings:
    body = sections.get("leads", {})
    sources, subjects = [], {}
    for name, spec in body.get("sources", {}).items():
        where = f"[leads.sources.{name}]"
        if not isinstance(spec, dict):
            raise ConfigError(f"{where} must be a table", f'write {where} with senders = '
                              '["wordpress@example.com"] and/or subjects = ["New submission*"]')
        if unknown := sorted(set(spec) - set(SOURCE_KEYS)):
            raise ConfigError(f"unknown key {where}.{unknown[0]}",
                              f"known keys: {', '.join(SOURCE_KEYS)}")
        for key in ("senders", "subjects"):
            value = spec.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}.{key} must be a list of strings",
                                  'e.g. senders = ["noreply@jotform.com", "*@typeform.com"]')
        if not spec.get("senders") and not spec.get("subjects"):
            raise ConfigError(f"{where} names no senders and no subjects",
                              'add senders = ["forms@example.com"] or subjects = '
                              '["New submission*"]')
        if not isinstance(spec.get("reply_subject", ""), str):
            raise ConfigError(f"{where}.reply_subject must be a string",
                              'e.g. reply_subject = "Your enquiry on example.com"')
        sources.append(LeadSource(name, tuple(spec.get("senders", [])),
                                  tuple(spec.get("subjects", []))))
        if spec.get("reply_subject"):
            subjects[name] = spec["reply_subject"]
    return LeadSettings(_cadence(sections, "lead", DEFAULT_LEAD_STEPS), tuple(sources),
                        subjects)


@dataclass(frozen=True)
class Plans:
    customers: PlanSettings = field(default_factory=PlanSettings)
    leads: LeadSettings = field(default_factory=LeadSettings)


def plans_of(sections: dict[str, dict[str, Any]]) -> Plans:
    return Plans(customer_settings(sections), lead_settings(sections))
