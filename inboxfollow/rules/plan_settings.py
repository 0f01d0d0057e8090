"""The settings of customers' plans and web-form leads, and their defaults (pure, and light:
the config reads them without loading the loop rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from inboxfollow.rules.cadence import Cadence

if TYPE_CHECKING:
    from inboxfollow.rules.customers import Customer

# two weeks, then alternately four and five weeks: twelve check-ins in the first year,
# about eleven a year after it (the steps after the first repeat)
DEFAULT_PLAN_STEPS = ("2w", "4w", "5w", "4w", "5w", "4w", "5w", "4w", "5w", "4w", "5w", "4w")
DEFAULT_PLAN = Cadence.parse("customer", DEFAULT_PLAN_STEPS)
# a web-form lead: after the first response, which is due at once
DEFAULT_LEAD_STEPS = ("1bd", "3bd", "1w", "2w")


@dataclass(frozen=True)
class PlanSettings:
    """[customers] in the config."""

    cadence: Cadence = DEFAULT_PLAN
    window_days: int = 3  # an owner's touch this many days before a planned date counts
    quiet_days: int = 30  # no touch either way for this long: quiet
    quiet_ahead_days: int = 7  # ... unless a planned touch comes within this many days
    from_mail_days: int = 365  # billing mail older than this makes no customer on its own
    per_customer: Mapping[str, Cadence] = field(default_factory=dict)  # key/address -> cadence

    def cadence_for(self, customer: Customer) -> Cadence:
        for name in (customer.key, *customer.people):
            if name in self.per_customer:
                return self.per_customer[name]
        return self.cadence
