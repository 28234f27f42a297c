"""Who may see what, for which purpose: decisions from the policy's `[access]` section."""

from __future__ import annotations

from companion.core.errors import UserFacingError
from companion.core.policy.access import AccessRules, Part, Purpose, Reviewer, Role, Whose


class AccessRefused(UserFacingError):
    """The desk will not show this; the message says why in a sentence."""


def role_of(rules: AccessRules, reviewer: str) -> tuple[Reviewer, Role] | None:
    """The reviewer and their role, or None: someone unknown has no role and sees nothing."""
    entry = rules.reviewers.get(reviewer)
    if entry is None or entry.role not in rules.roles:
        return None
    return entry, rules.roles[entry.role]


def sees_rep(rules: AccessRules, role: Role, rep: str) -> bool:
    if role.calls is Whose.ALL:
        return True
    if role.calls is Whose.NAMED:
        return rep in role.reps
    return role.team is not None and rep in rules.teams.get(role.team, [])


def may_list(rules: AccessRules, reviewer: str, rep: str) -> bool:
    found = role_of(rules, reviewer)
    return found is not None and sees_rep(rules, found[1], rep)


def check_access(rules: AccessRules, reviewer: str, rep: str, part: Part, purpose: Purpose) -> Role:
    """The reviewer's role when they may see `part` of `rep`'s call for `purpose`.

    Approvals for performance purposes are checked apart (see `approvals`): the role must
    allow the purpose either way.
    """
    found = role_of(rules, reviewer)
    if found is None:
        raise AccessRefused(
            f"'{reviewer}' has no reviewer role in the organisation's policy, so nothing can "
            "be opened.",
            "Ask the policy's owner to add you under [access.reviewers].",
        )
    entry, role = found
    if not sees_rep(rules, role, rep):
        raise AccessRefused(f"Your role ({entry.role}) does not cover {rep}'s calls.")
    if purpose not in role.purposes:
        raise AccessRefused(f"Your role ({entry.role}) may not open calls for {purpose.label}.")
    if part not in role.parts:
        raise AccessRefused(
            f"Your role ({entry.role}) does not include the {part.value.replace('_', ' ')}."
        )
    return role
