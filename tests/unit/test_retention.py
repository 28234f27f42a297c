"""Retention dates, expiry and legal holds from the policy."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from companion.core.policy.parse import PolicyError, parse_policy
from companion.core.retention import CallFacts, hold_on, locally_expired, retention_dates
from companion.edges.policy.files import default_policy_path

DEFAULT = default_policy_path().read_text(encoding="utf-8")


def policy_with(extra: str = ""):
    return parse_policy((DEFAULT + "\n" + extra).encode(), "test.toml")


def call(call_type="discovery", account="Acme", call_id="c1", day=1):
    return CallFacts(call_id, account, call_type, datetime(2026, 1, day, 10, tzinfo=UTC))


def test_dates_follow_the_call_types_rule():
    dates = retention_dates(policy_with(), call("discovery"))  # standard: 30 / 180
    assert (dates.local_until, dates.organisation_until) == (date(2026, 1, 31), date(2026, 6, 30))
    training = retention_dates(policy_with(), call("onboarding"))  # training: 30 / 365
    assert training.organisation_until == date(2027, 1, 1)


def test_expiry_is_the_day_after_the_window():
    p = policy_with()
    assert not locally_expired(p, call(), date(2026, 1, 31))
    assert locally_expired(p, call(), date(2026, 2, 1))


def test_legal_holds_by_account_or_call_exempt_from_expiry():
    p = policy_with(
        '[[legal_holds]]\naccount = "Initech"\nreason = "litigation 14"\n'
        '[[legal_holds]]\ncall_id = "c9"\nreason = "complaint"\n'
    )
    assert hold_on(p, call(account="Initech")).reason == "litigation 14"
    assert not locally_expired(p, call(account="Initech"), date(2030, 1, 1))
    assert not locally_expired(p, call(call_id="c9"), date(2030, 1, 1))
    assert locally_expired(p, call(), date(2030, 1, 1))


def test_a_hold_must_name_what_it_holds():
    with pytest.raises(PolicyError) as caught:
        policy_with('[[legal_holds]]\nreason = "x"\n')
    assert caught.value.problems[0].field == "legal_holds[0]"


def test_recipients_must_be_age_public_keys():
    with pytest.raises(PolicyError) as caught:
        policy_with('[sync]\nrecipients = ["ssh-ed25519 AAAA"]\n')
    assert caught.value.problems[0].field == "sync.recipients[0]"
