"""The one door: every read of the desk (list, open, moments, transcript, audio, export,
report, fleet) asks `authorise` first, and nothing else decides.

Inputs: the reviewer (signed in), the policy's `[access]`, the call (its rep, from the
service's own index of signed, decrypted manifests; never a plain file in the store), what
is read, the purpose and reason, and for performance purposes the approval the service
holds. The answer names the rule that decided, in one line, so a refusal can be shown
and audited as it is. `hidden` refusals are for calls the reviewer may not know exist:
the service answers them exactly like a call that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from companion.core.access.rules import role_of, sees_rep
from companion.core.policy.access import AccessRules, Part, Purpose, RoleKind, Whose


class Read(StrEnum):
    LIST = "list"
    OPEN = "open"  # the call's facts, moments, notes and CRM fields
    MOMENTS = "moments"
    TRANSCRIPT = "transcript"
    AUDIO = "audio"
    EXPORT = "export"
    REPORT = "report"
    FLEET = "fleet"  # the laptops' heartbeats: versions and counts, nothing of a call
    TAGS = "tags"  # list calls by their moments' tags: that tells what the moments say

    @property
    def needs_purpose(self) -> bool:
        return self not in (Read.LIST, Read.REPORT, Read.FLEET, Read.TAGS)


PARTS = {
    Read.OPEN: (Part.MOMENTS_NOTES,),
    Read.MOMENTS: (Part.MOMENTS_NOTES,),
    Read.TRANSCRIPT: (Part.TRANSCRIPT,),
    Read.AUDIO: (Part.AUDIO,),
}


@dataclass(frozen=True)
class CallRef:
    """What the door knows of a call: its id, its rep, which parts it carries."""

    package_id: str
    rep: str
    parts: frozenset[Part] = frozenset({Part.MOMENTS_NOTES})


@dataclass(frozen=True)
class Grant:
    """An approval the service holds (approved by an approver): call-scoped, expiring."""

    id: str
    reviewer: str
    purpose: Purpose
    calls: frozenset[str]
    expires_at: datetime


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str  # the policy's path (or the desk's rule) that decided
    message: str  # one line, for the reviewer and the audit
    hidden: bool = False  # answer as if the call did not exist
    parts: tuple[Part, ...] = ()
    role: str | None = None
    approval: str | None = None

    def line(self) -> str:
        return f"{self.rule}: {self.message}"


def teams_of(rules: AccessRules, rep: str) -> list[str]:
    return sorted(team for team, reps in rules.teams.items() if rep in reps)


def _refused(rule: str, message: str, *, hidden: bool = False, role: str | None = None) -> Decision:
    return Decision(False, rule, message, hidden=hidden, role=role)


def parts_for(read: Read, call: CallRef) -> tuple[Part, ...]:
    if read is Read.EXPORT:  # the whole package as stored: every part it carries
        return tuple(p for p in Part if p in call.parts)
    return PARTS.get(read, ())


def authorise(
    rules: AccessRules,
    reviewer: str,
    read: Read,
    call: CallRef | None = None,
    *,
    purpose: Purpose | None = None,
    reason: str = "",
    grant: Grant | None = None,
    now: datetime | None = None,
) -> Decision:
    """Whether `reviewer` may do `read` (of `call`) now; the rule that decided, either way."""
    found = role_of(rules, reviewer)
    if found is None:
        return _refused(
            "access.reviewers", f"'{reviewer}' has no known role in the policy", hidden=True
        )
    entry, role = found
    here = f"access.roles.{entry.role}"
    if read is Read.REPORT:
        if role.calls is not Whose.ALL:
            return _refused(f"{here}.calls", "the program report needs a role over all calls")
        return Decision(True, f"{here}.calls", "allowed", role=entry.role)
    if read is Read.FLEET:  # who runs the program over every rep: compliance over all calls
        if role.kind is not RoleKind.COMPLIANCE or role.calls is not Whose.ALL:
            return _refused(
                f"{here}.kind", "the fleet is for a compliance role over all calls", role=entry.role
            )
        return Decision(True, f"{here}.kind", "allowed", role=entry.role)
    if read is Read.TAGS and Part.MOMENTS_NOTES not in role.parts:
        return _refused(
            f"{here}.parts",
            f"role {entry.role} does not include the moments, so not their tags either",
            role=entry.role,
        )
    if call is None:
        return Decision(True, here, "allowed", role=entry.role)  # a listing, filtered per call
    if not sees_rep(rules, role, call.rep):
        return _refused(f"{here}.calls", f"role {entry.role} does not cover this call", hidden=True)
    if read in (Read.LIST, Read.TAGS):
        return Decision(True, f"{here}.calls", "allowed", role=entry.role)
    parts = parts_for(read, call)
    missing = [p for p in parts if p not in role.parts]
    if missing:
        return _refused(
            f"{here}.parts",
            f"role {entry.role} does not include the {missing[0].value.replace('_', ' ')}",
            role=entry.role,
        )
    absent = [p for p in parts if p not in call.parts]
    if absent or not parts:
        return _refused("call.parts", "the call has no such part", role=entry.role)
    if purpose is None or purpose not in role.purposes:
        label = purpose.label if purpose else "no purpose"
        return _refused(
            f"{here}.purposes", f"role {entry.role} may not open calls for {label}", role=entry.role
        )
    if not reason.strip():
        return _refused("desk.reason", "say why you open this call", role=entry.role)
    if not purpose.is_performance:
        return Decision(True, f"{here}.purposes", "allowed", parts=parts, role=entry.role)
    problem = _grant_problem(grant, reviewer, call.package_id, purpose, now)
    if problem is not None:
        return _refused("desk.approvals", problem, role=entry.role)
    assert grant is not None
    return Decision(
        True, "desk.approvals", "allowed", parts=parts, role=entry.role, approval=grant.id
    )


def _grant_problem(
    grant: Grant | None, reviewer: str, package_id: str, purpose: Purpose, now: datetime | None
) -> str | None:
    if grant is None:
        return f"{purpose.label} needs an approval from an approver"
    if grant.reviewer != reviewer:
        return f"approval {grant.id} is for {grant.reviewer}, not for {reviewer}"
    if grant.purpose is not purpose:
        return f"approval {grant.id} is for {grant.purpose.label}, not for {purpose.label}"
    if package_id not in grant.calls:
        return f"approval {grant.id} does not name this call"
    if now is None or now >= grant.expires_at:
        return f"approval {grant.id} expired on {grant.expires_at:%d %b %Y, %H:%M} (UTC)"
    return None
