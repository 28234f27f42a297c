"""The `[access]` section: who in the organisation may see which calls, parts and purposes.

    [access.teams]
    team_a = ["alice", "bob"]          # team -> the reps' user names

    [access.roles.manager_a]
    kind = "manager"                   # manager, enablement, compliance, viewer
    calls = "own_team"                 # own_team (needs `team`), named (needs `reps`), all
    team = "team_a"
    parts = ["moments_notes", "transcript", "audio"]
    purposes = ["coaching"]            # coaching; compliance_check, investigation, hr_review

    [access.reviewers.dana]
    name = "Dana Lee"
    role = "manager_a"
    key = "<base64 of the raw 32-byte Ed25519 public key that signs Dana's receipts>"

    [access.approvers.legal]
    name = "Legal"
    key = "<base64 Ed25519 public key>"
    may = ["performance", "legal_hold"]

    [access.service]                   # the desk service: the one holder of the org's key
    key = "<base64 Ed25519 public key that signs every access receipt>"

    [access.devices.alice_laptop]      # a rep's companion, enrolled by listing its key
    rep = "alice"
    key = "<base64 Ed25519 public key of the device that signs alice's packages>"

A reviewer not listed, or whose role is not listed, sees nothing. Performance purposes
also need an approval signed by an approver who `may` approve performance use.
"""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _ed25519_key(value: str) -> str:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64 (an Ed25519 public key, 32 bytes, base64)") from error
    if len(raw) != 32:
        raise ValueError(f"an Ed25519 public key is 32 bytes, this one is {len(raw)}")
    return value


PublicKey = Annotated[str, AfterValidator(_ed25519_key)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleKind(StrEnum):
    MANAGER = "manager"
    ENABLEMENT = "enablement"
    COMPLIANCE = "compliance"
    VIEWER = "viewer"  # cross-functional


class Whose(StrEnum):
    OWN_TEAM = "own_team"
    NAMED = "named"
    ALL = "all"


class Part(StrEnum):
    MOMENTS_NOTES = "moments_notes"
    TRANSCRIPT = "transcript"
    AUDIO = "audio"


class Purpose(StrEnum):
    COACHING = "coaching"
    COMPLIANCE_CHECK = "compliance_check"
    INVESTIGATION = "investigation"
    HR_REVIEW = "hr_review"

    @property
    def is_performance(self) -> bool:
        return self is not Purpose.COACHING

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Power(StrEnum):
    PERFORMANCE = "performance"
    LEGAL_HOLD = "legal_hold"


class Role(_Strict):
    kind: RoleKind
    calls: Whose
    team: Key | None = None
    reps: list[Text] = Field(default_factory=list)
    parts: list[Part] = Field(min_length=1)
    purposes: list[Purpose] = Field(min_length=1)

    @model_validator(mode="after")
    def _whose_is_named(self) -> Self:
        if self.calls is Whose.OWN_TEAM and not self.team:
            raise ValueError("a role that sees its 'own_team' names the 'team'")
        if self.calls is Whose.NAMED and not self.reps:
            raise ValueError("a role that sees 'named' reps lists them in 'reps'")
        return self


class Reviewer(_Strict):
    name: Text
    role: Key
    key: PublicKey


class Approver(_Strict):
    name: Text
    key: PublicKey
    may: list[Power] = Field(min_length=1)


class DeskService(_Strict):
    """The desk service: its key signs access receipts (reviewers sign nothing)."""

    key: PublicKey


class Device(_Strict):
    """A rep's companion whose packages the desk service accepts."""

    rep: Text
    key: PublicKey


class AccessRules(_Strict):
    teams: dict[Key, list[Text]] = Field(default_factory=dict)
    roles: dict[Key, Role] = Field(default_factory=dict)
    reviewers: dict[Text, Reviewer] = Field(default_factory=dict)
    approvers: dict[Key, Approver] = Field(default_factory=dict)
    service: DeskService | None = None
    devices: dict[Key, Device] = Field(default_factory=dict)
    # Whether the rep's companion shows a hold's matter name (else only that a hold exists).
    show_hold_matter: bool = False


def access_problems(rules: AccessRules) -> list[str]:
    """Cross-references of `[access]`, each with its field path."""
    problems = []
    for key, role in rules.roles.items():
        if role.team and role.team not in rules.teams:
            problems.append(
                f"access.roles.{key}.team: unknown team '{role.team}' "
                f"(known: {', '.join(sorted(rules.teams)) or 'none'})"
            )
    for name, reviewer in rules.reviewers.items():
        if reviewer.role not in rules.roles:
            problems.append(
                f"access.reviewers.{name}.role: unknown role '{reviewer.role}' "
                f"(known: {', '.join(sorted(rules.roles)) or 'none'})"
            )
    return problems
