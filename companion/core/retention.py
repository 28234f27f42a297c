"""Retention arithmetic: when a call's audio and package must go, and what is exempt.

Pure functions over the policy, Qt-free and I/O-free, so the sweeper, the library
and the package all agree on one date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from companion.core.policy.model import LegalHold, Policy

FALLBACK_RULE_DAYS = 30  # a call type no longer in the policy keeps the shortest sane window


@dataclass(frozen=True)
class RetentionDates:
    local_until: date  # audio and package deleted from this computer after this day
    organisation_until: date  # the organisation's copy (Object Lock retain-until)


@dataclass(frozen=True)
class CallFacts:
    call_id: str
    account: str
    call_type: str
    started_at: datetime


def retention_dates(policy: Policy, call: CallFacts) -> RetentionDates:
    kind = policy.call_types.get(call.call_type)
    rule = policy.retention.get(kind.retention) if kind and kind.retention else None
    local = rule.local_days if rule else FALLBACK_RULE_DAYS
    organisation = rule.organisation_days if rule else FALLBACK_RULE_DAYS
    start = call.started_at.date()
    return RetentionDates(start + timedelta(days=local), start + timedelta(days=organisation))


def hold_on(policy: Policy, call: CallFacts) -> LegalHold | None:
    for hold in policy.legal_holds:
        if hold.call_id == call.call_id or (hold.account and hold.account == call.account):
            return hold
    return None


def locally_expired(policy: Policy, call: CallFacts, today: date) -> bool:
    """Past its local window and not under legal hold."""
    if hold_on(policy, call) is not None:
        return False
    return today > retention_dates(policy, call).local_until
