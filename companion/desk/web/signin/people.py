"""Who a signed-in browser is: a reviewer or an approver of the policy's `[access]`.

A session stores `reviewer:<id>` or `approver:<id>`; each request looks the person up in
the policy in force, so someone removed from the policy is signed out at their next click.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.core.policy.access import AccessRules, Power, Whose


@dataclass(frozen=True)
class Person:
    kind: str  # "reviewer" or "approver"
    id: str
    name: str
    role: str = ""  # a reviewer's role key, "approver" for approvers
    role_kind: str = ""
    sees_all: bool = False  # the program report needs a role over all calls
    may_approve: bool = False
    may_hold: bool = False
    asks_approvals: bool = False  # the role has a purpose that needs an approver's yes

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_reviewer(self) -> bool:
        return self.kind == "reviewer"


def person_of(rules: AccessRules, key: str | None) -> Person | None:
    kind, _, who = (key or "").partition(":")
    if kind == "reviewer" and who in rules.reviewers:
        entry = rules.reviewers[who]
        role = rules.roles.get(entry.role)
        if role is None:
            return None
        return Person(
            kind,
            who,
            entry.name,
            entry.role,
            role.kind.value,
            role.calls is Whose.ALL,
            asks_approvals=any(p.is_performance for p in role.purposes),
        )
    if kind == "approver" and who in rules.approvers:
        approver = rules.approvers[who]
        return Person(
            kind,
            who,
            approver.name,
            "approver",
            "approver",
            may_approve=Power.PERFORMANCE in approver.may,
            may_hold=Power.LEGAL_HOLD in approver.may,
        )
    return None


def person_for_claim(rules: AccessRules, people: dict[str, str], value: str) -> Person | None:
    """The person an ID token's claim names: `[web.people]` first, then an `[access]` id."""
    if value in people:
        return person_of(rules, people[value])
    return person_of(rules, f"reviewer:{value}") or person_of(rules, f"approver:{value}")
