"""The one door, as a table: every role x part x purpose x own/other team, and the
unknown reviewer, role and team who see nothing. Each refusal names its rule in a line."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from access_helpers import Org

from companion.core.access.door import CallRef, Grant, Read, authorise
from companion.core.policy.access import AccessRules, Part, Purpose
from companion.core.policy.parse import parse_policy

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
ALL_PARTS = frozenset(Part)
READS = {Read.MOMENTS: Part.MOMENTS_NOTES, Read.TRANSCRIPT: Part.TRANSCRIPT, Read.AUDIO: Part.AUDIO}
OWN, OTHER = CallRef("call-a", "alice", ALL_PARTS), CallRef("call-c", "carol", ALL_PARTS)
# reviewer -> (covers alice of team A, covers carol of team B, parts, purposes)
EXPECTED = {
    "dana": (True, False, {Part.MOMENTS_NOTES, Part.TRANSCRIPT, Part.AUDIO}, {Purpose.COACHING}),
    "vik": (True, True, {Part.MOMENTS_NOTES}, {Purpose.COACHING}),
    "cora": (True, True, set(Part), set(Purpose)),
}


@pytest.fixture(scope="module")
def rules() -> AccessRules:
    return parse_policy(Org().policy_text().encode(), "org.toml").access


def grant_for(reviewer: str, purpose: Purpose, call: CallRef) -> Grant:
    return Grant("apr-1", reviewer, purpose, frozenset({call.package_id}), NOW + timedelta(days=1))


@pytest.mark.parametrize(
    ("reviewer", "read", "purpose", "team"),
    list(itertools.product(EXPECTED, READS, Purpose, ("own", "other"))),
)
def test_every_role_part_purpose_and_team(rules, reviewer, read, purpose, team):
    call = OWN if team == "own" else OTHER
    covers_own, covers_other, parts, purposes = EXPECTED[reviewer]
    grant = grant_for(reviewer, purpose, call) if purpose.is_performance else None
    decision = authorise(
        rules, reviewer, read, call, purpose=purpose, reason="why", grant=grant, now=NOW
    )
    covered = covers_own if team == "own" else covers_other
    allowed = covered and READS[read] in parts and purpose in purposes
    assert decision.allowed is allowed, decision.line()
    if not covered:
        assert decision.hidden and decision.rule.endswith(".calls")
    elif READS[read] not in parts:
        assert decision.rule.endswith(".parts") and not decision.hidden
    elif purpose not in purposes:
        assert decision.rule.endswith(".purposes")
    assert "\n" not in decision.line()
    listed = authorise(rules, reviewer, Read.LIST, call).allowed
    assert listed is covered


def test_an_unknown_reviewer_role_or_team_sees_nothing(rules):
    nobody = authorise(rules, "mallory", Read.LIST, OWN)
    assert not nobody.allowed and nobody.hidden and nobody.rule == "access.reviewers"
    data = rules.model_dump()
    data["reviewers"]["vik"]["role"] = "ghost"  # a role the policy does not define
    data["roles"]["manager_a"]["team"] = "team_z"  # a team the policy does not define
    broken = AccessRules.model_validate(data)
    for who in ("vik", "dana"):
        for read in (Read.LIST, *READS):
            decision = authorise(
                broken, who, read, OWN, purpose=Purpose.COACHING, reason="x", now=NOW
            )
            assert not decision.allowed and decision.hidden, (who, read)


def test_performance_use_needs_a_valid_grant_for_this_reviewer_purpose_and_call(rules):
    why = {"purpose": Purpose.INVESTIGATION, "reason": "complaint 4411", "now": NOW}
    good = grant_for("cora", Purpose.INVESTIGATION, OWN)
    cases = {
        None: "investigation needs an approval",
        good.__class__(**{**good.__dict__, "expires_at": NOW - timedelta(hours=1)}): "expired",
        good.__class__(**{**good.__dict__, "calls": frozenset({"call-x"})}): "does not name",
        good.__class__(**{**good.__dict__, "reviewer": "dana"}): "is for dana",
        good.__class__(**{**good.__dict__, "purpose": Purpose.HR_REVIEW}): "is for hr review",
    }
    for grant, words in cases.items():
        decision = authorise(rules, "cora", Read.AUDIO, OWN, grant=grant, **why)
        assert not decision.allowed and decision.rule == "desk.approvals"
        assert words in decision.message
    allowed = authorise(rules, "cora", Read.AUDIO, OWN, grant=good, **why)
    assert allowed.allowed and allowed.approval == "apr-1"


def test_a_blank_reason_the_report_and_missing_parts(rules):
    blank = authorise(rules, "dana", Read.OPEN, OWN, purpose=Purpose.COACHING, reason=" ")
    assert blank.rule == "desk.reason"
    assert not authorise(rules, "dana", Read.REPORT).allowed
    assert authorise(rules, "cora", Read.REPORT).allowed
    notes_only = CallRef("call-n", "alice", frozenset({Part.MOMENTS_NOTES}))
    no_audio = authorise(
        rules, "dana", Read.AUDIO, notes_only, purpose=Purpose.COACHING, reason="x"
    )
    assert no_audio.rule == "call.parts"
    export = authorise(rules, "vik", Read.EXPORT, OWN, purpose=Purpose.COACHING, reason="x")
    assert not export.allowed and export.rule == "access.roles.viewer.parts"


@pytest.mark.parametrize(
    ("reviewer", "allowed"),
    [("dana", False), ("vik", False), ("cora", True), ("legal", False), ("mallory", False)],
)
def test_the_fleet_is_for_a_compliance_role_over_all_calls(rules, reviewer, allowed):
    decision = authorise(rules, reviewer, Read.FLEET)
    assert decision.allowed is allowed, decision.line()
    if reviewer in ("dana", "vik"):  # a manager of one team; a viewer of all, not compliance
        assert decision.rule.endswith(".kind") and "compliance role" in decision.message
