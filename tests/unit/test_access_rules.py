"""The `[access]` rules: a policy names teams, roles, reviewers and approvers, and the
desk's decisions (whose calls, which parts, which purposes, valid approvals) follow them."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from access_helpers import Org

from companion.core.access.approvals import check_approval
from companion.core.access.rules import AccessRefused, check_access, may_list
from companion.core.policy.access import Part, Purpose
from companion.core.policy.parse import PolicyError, parse_policy

NOW = datetime(2026, 12, 3, 14, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def org():
    return Org()


@pytest.fixture(scope="module")
def rules(org):
    return parse_policy(org.policy_text().encode(), "org.toml").access


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.encode(), "org.toml")
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


def test_a_role_naming_an_unknown_team_is_refused_with_its_field(org):
    text = org.policy_text().replace('team = "team_a"', 'team = "team_c"')
    assert any(
        p.startswith("access.roles.manager_a.team: unknown team 'team_c'") for p in problems(text)
    )


def test_a_reviewer_with_an_unknown_role_is_refused(org):
    text = org.policy_text().replace('role = "viewer"', 'role = "auditor"')
    found = problems(text)
    assert any(p.startswith("access.reviewers.vik.role: unknown role 'auditor'") for p in found)


def test_a_reviewer_key_that_is_not_an_ed25519_key_is_refused(org):
    found = problems(org.policy_text().replace(org.public("cora"), "not-a-key"))
    assert any(p.startswith("access.reviewers.cora.key") and "base64" in p for p in found)


def test_a_misspelt_part_is_refused(org):
    text = org.policy_text().replace('parts = ["moments_notes"]', 'parts = ["notes"]')
    assert any(p.startswith("access.roles.viewer.parts[0]") for p in problems(text))


def test_a_manager_sees_own_team_only(rules):
    assert may_list(rules, "dana", "alice") and may_list(rules, "dana", "bob")
    assert not may_list(rules, "dana", "carol")
    assert check_access(rules, "dana", "alice", Part.AUDIO, Purpose.COACHING).kind == "manager"
    with pytest.raises(AccessRefused, match="does not cover carol's calls"):
        check_access(rules, "dana", "carol", Part.MOMENTS_NOTES, Purpose.COACHING)


def test_a_manager_may_not_open_for_performance_purposes(rules):
    with pytest.raises(AccessRefused, match="may not open calls for investigation"):
        check_access(rules, "dana", "alice", Part.AUDIO, Purpose.INVESTIGATION)


def test_a_viewer_gets_moments_and_notes_but_no_audio_or_transcript(rules):
    check_access(rules, "vik", "carol", Part.MOMENTS_NOTES, Purpose.COACHING)
    for part in (Part.AUDIO, Part.TRANSCRIPT):
        with pytest.raises(AccessRefused, match="does not include"):
            check_access(rules, "vik", "carol", part, Purpose.COACHING)


def test_an_unknown_reviewer_sees_nothing(rules):
    assert not may_list(rules, "intruder", "alice")
    with pytest.raises(AccessRefused, match="no reviewer role"):
        check_access(rules, "intruder", "alice", Part.MOMENTS_NOTES, Purpose.COACHING)


def approve(rules, raw, *, reviewer="cora", package="call-1", purpose=Purpose.INVESTIGATION):
    return check_approval(
        raw, rules, reviewer=reviewer, package_id=package, purpose=purpose, now=NOW
    )


def test_a_valid_approval_gives_its_id(org, rules):
    raw = org.approval(["call-1"], expires=NOW + timedelta(days=1))
    assert approve(rules, raw) == "apr-2026-014"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"expires": NOW - timedelta(minutes=1)}, "expired on"),
        ({"issued": NOW + timedelta(hours=1)}, "valid only from"),
        ({"reviewer": "dana"}, "is for dana, not for you"),
        ({"purpose": "hr_review"}, "is for hr review, not for investigation"),
        ({"calls": ["call-2"]}, "does not name the call call-1"),
        ({"signer": "cora"}, "not an approver"),
    ],
)
def test_an_approval_that_does_not_fit_is_refused_with_the_reason(org, rules, change, why):
    options = {"calls": ["call-1"], "expires": NOW + timedelta(days=1)} | change
    raw = org.approval(options.pop("calls"), **options)
    with pytest.raises(AccessRefused, match=why):
        approve(rules, raw)


def test_a_tampered_approval_is_refused(org, rules):
    document = json.loads(org.approval(["call-1"], expires=NOW + timedelta(days=1)))
    document["body"]["expires_at"] = (NOW + timedelta(days=365)).isoformat()
    with pytest.raises(AccessRefused, match="signature does not match"):
        approve(rules, json.dumps(document).encode())


def test_an_approval_signed_by_an_unlisted_key_is_refused(org, rules):
    raw = org.approval(["call-1"], expires=NOW + timedelta(days=1), signer="intruder")
    with pytest.raises(AccessRefused, match="not an approver"):
        approve(rules, raw)
