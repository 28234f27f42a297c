"""decide(): kill switch first, then the call type, then the customer's region."""

import pytest

from companion.core.policy.model import ConsentRule, Policy
from companion.core.policy.parse import parse_policy
from companion.core.policy.rules import UNKNOWN_REGION, RecordingDecision, decide
from companion.edges.policy.files import default_policy_path

DEFAULT_TEXT = default_policy_path().read_text(encoding="utf-8")
DEFAULT = parse_policy(DEFAULT_TEXT.encode("utf-8"), "default")

RECORDABLE = ["discovery", "demo", "handoff", "onboarding", "renewal"]
NEVER_RECORDED = {
    "legal": "Legal discussions are never recorded.",
    "internal_escalation": "Internal escalations are never recorded.",
    "sensitive_negotiation": "Sensitive negotiations are never recorded.",
}
KILL_SWITCH_REASON = "Recording is switched off by your organisation's policy."


def policy_with(old: str, new: str) -> Policy:
    assert DEFAULT_TEXT.count(old) == 1, old
    text = DEFAULT_TEXT.replace(old, new)
    assert text != DEFAULT_TEXT
    return parse_policy(text.encode("utf-8"), "edited")


def test_the_default_policy_has_the_call_types_these_tests_use():
    assert set(DEFAULT.call_types) == set(RECORDABLE) | set(NEVER_RECORDED)
    assert all(DEFAULT.call_types[k].record for k in RECORDABLE)


# -- kill switch -----------------------------------------------------------------------

KILLED = policy_with("recording_enabled = true", "recording_enabled = false")


@pytest.mark.parametrize("call_type", [*RECORDABLE, *NEVER_RECORDED, "not_a_call_type"])
@pytest.mark.parametrize("region", ["US", "US-CA", "DE", "ZZ"])
def test_kill_switch_blocks_every_call_type(call_type, region):
    decision = decide(KILLED, call_type, region)
    assert isinstance(decision, RecordingDecision)
    assert decision.allowed is False
    assert decision.reason == KILL_SWITCH_REASON


def test_kill_switch_is_the_only_difference():
    assert KILLED.recording_enabled is False
    assert decide(DEFAULT, "discovery", "US").allowed is True
    assert decide(KILLED, "discovery", "US").allowed is False


# -- never-record call types -----------------------------------------------------------


@pytest.mark.parametrize(("call_type", "reason"), NEVER_RECORDED.items())
@pytest.mark.parametrize("region", ["US", "US-CA", "GB", "unknown", "ZZ"])
def test_never_record_call_types_are_blocked_with_their_reason(call_type, reason, region):
    decision = decide(DEFAULT, call_type, region)
    assert decision.allowed is False
    assert decision.reason == reason


def test_call_type_not_in_the_policy_is_blocked():
    decision = decide(DEFAULT, "coffee_chat", "US")
    assert decision.allowed is False
    assert "coffee_chat" in decision.reason
    assert "not in the policy" in decision.reason


# -- regions ---------------------------------------------------------------------------


@pytest.mark.parametrize("call_type", RECORDABLE)
@pytest.mark.parametrize(
    ("region", "name", "rule"),
    [
        ("US", "United States (federal)", ConsentRule.ONE_PARTY),
        ("US-CA", "California", ConsentRule.ALL_PARTY),
        ("US-NY", "New York", ConsentRule.ONE_PARTY),
        ("CA", "Canada", ConsentRule.ONE_PARTY),
        ("DE", "Germany", ConsentRule.ALL_PARTY),
    ],
)
def test_recordable_call_in_a_known_region_uses_that_regions_rule(call_type, region, name, rule):
    decision = decide(DEFAULT, call_type, region)
    assert decision == RecordingDecision(
        allowed=True,
        reason=f"{name}: {rule.value} consent.",
        jurisdiction=region,
        consent_rule=rule,
    )


@pytest.mark.parametrize("region", ["ZZ", "US-TX", "us-ca", "", "Atlantis"])
def test_unknown_region_uses_the_strictest_rule_in_the_policy(region):
    assert DEFAULT.strictest_rule() is ConsentRule.ALL_PARTY
    decision = decide(DEFAULT, "discovery", region)
    assert decision.allowed is True
    assert decision.jurisdiction == UNKNOWN_REGION
    assert decision.consent_rule is ConsentRule.ALL_PARTY
    assert decision.reason == "Unknown region: treated as the strictest rule (all-party consent)."


def test_unknown_region_is_strictest_even_when_the_policy_is_mostly_one_party():
    # Only one all-party region remains, listed among one-party ones: still the strictest.
    lenient = DEFAULT_TEXT
    for code in ("US-CA", "US-FL", "US-IL", "GB", "DE"):
        block = f'[jurisdictions.{code}]\nname = "'
        start = lenient.index(block)
        end = lenient.index('consent = "all-party"', start)
        lenient = (
            lenient[:end] + 'consent = "one-party"' + lenient[end + len('consent = "all-party"') :]
        )
    assert lenient.count('consent = "all-party"') == 1  # France
    policy = parse_policy(lenient.encode("utf-8"), "lenient")
    assert decide(policy, "demo", "ZZ").consent_rule is ConsentRule.ALL_PARTY
    assert decide(policy, "demo", "US-CA").consent_rule is ConsentRule.ONE_PARTY

    one_party_only = lenient.replace('consent = "all-party"', 'consent = "one-party"')
    policy = parse_policy(one_party_only.encode("utf-8"), "one-party only")
    decision = decide(policy, "demo", "ZZ")
    assert decision.allowed is True
    assert decision.consent_rule is ConsentRule.ONE_PARTY


NEVER_REGION = policy_with(
    "[jurisdictions.FR]",
    '[jurisdictions.CN]\nname = "China"\nconsent = "never"\n\n[jurisdictions.FR]',
)


def test_a_never_region_blocks_its_own_calls():
    decision = decide(NEVER_REGION, "discovery", "CN")
    assert decision.allowed is False
    assert decision.jurisdiction == "CN"
    assert decision.consent_rule is ConsentRule.NEVER
    assert decision.reason == "Calls with customers in China are never recorded."


@pytest.mark.parametrize("call_type", RECORDABLE)
@pytest.mark.parametrize("region", ["ZZ", "US-TX", "unknown"])
def test_with_a_never_region_an_unknown_region_is_blocked(call_type, region):
    assert NEVER_REGION.strictest_rule() is ConsentRule.NEVER
    decision = decide(NEVER_REGION, call_type, region)
    assert decision.allowed is False
    assert decision.jurisdiction == UNKNOWN_REGION
    assert decision.consent_rule is ConsentRule.NEVER
    assert "unknown region" in decision.reason
    assert "never recorded" in decision.reason


def test_with_a_never_region_known_regions_keep_their_own_rule():
    decision = decide(NEVER_REGION, "discovery", "US")
    assert decision.allowed is True
    assert decision.consent_rule is ConsentRule.ONE_PARTY
