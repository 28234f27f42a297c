"""The policy in force, or why there is none: what every use case decides by."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from companion.core.policy.model import Policy
from companion.core.policy.parse import PolicyError


@dataclass(frozen=True)
class ActivePolicy:
    """The policy in force, or the reason there is none (then: notes only)."""

    path: Path
    policy: Policy | None
    error: PolicyError | None
    signed: bool

    @property
    def usable(self) -> bool:
        return self.policy is not None
