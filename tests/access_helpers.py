"""An organisation for the review-desk tests: keys, teams, roles and a policy naming them.

Reps: alice and bob in team A, carol in team B. Reviewers: dana (manager of team A),
vik (cross-functional viewer of all calls, moments and notes only), cora (compliance, all
parts, every purpose). Approver: legal (performance use and legal holds).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from companion.core.access import signed
from companion.edges.policy.files import default_policy_path

PEOPLE = ("dana", "vik", "cora", "legal", "intruder")


@dataclass
class Org:
    age: pyrage.x25519.Identity = field(default_factory=pyrage.x25519.Identity.generate)
    keys: dict[str, Ed25519PrivateKey] = field(
        default_factory=lambda: {name: Ed25519PrivateKey.generate() for name in PEOPLE}
    )
    service_key: str | None = None  # the desk service's public key, once it has one
    devices: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (rep, key)

    def public(self, name: str) -> str:
        return signed.public_key_text(self.keys[name])

    def access_toml(self, team_a: tuple[str, ...] = ("alice", "bob")) -> str:
        reps = ", ".join(f'"{rep}"' for rep in team_a)
        return f"""
[access.teams]
team_a = [{reps}]
team_b = ["carol"]

[access.roles.manager_a]
kind = "manager"
calls = "own_team"
team = "team_a"
parts = ["moments_notes", "transcript", "audio"]
purposes = ["coaching"]

[access.roles.viewer]
kind = "viewer"
calls = "all"
parts = ["moments_notes"]
purposes = ["coaching"]

[access.roles.compliance]
kind = "compliance"
calls = "all"
parts = ["moments_notes", "transcript", "audio"]
purposes = ["coaching", "compliance_check", "investigation", "hr_review"]

[access.reviewers.dana]
name = "Dana Lee"
role = "manager_a"
key = "{self.public("dana")}"

[access.reviewers.vik]
name = "Vik Rao"
role = "viewer"
key = "{self.public("vik")}"

[access.reviewers.cora]
name = "Cora Diaz"
role = "compliance"
key = "{self.public("cora")}"

[access.approvers.legal]
name = "Legal"
key = "{self.public("legal")}"
may = ["performance", "legal_hold"]
""" + self._service_toml()

    def _service_toml(self) -> str:
        text = f'\n[access.service]\nkey = "{self.service_key}"\n' if self.service_key else ""
        for name, (rep, key) in self.devices.items():
            text += f'\n[access.devices.{name}]\nrep = "{rep}"\nkey = "{key}"\n'
        return text

    def policy_text(self, team_a: tuple[str, ...] = ("alice", "bob")) -> str:
        default = default_policy_path().read_text(encoding="utf-8")
        recipient = self.age.to_public()
        return default + f'\n[sync]\nrecipients = ["{recipient}"]\n' + self.access_toml(team_a)

    def approval(
        self,
        calls: list[str],
        *,
        purpose: str = "investigation",
        reviewer: str = "cora",
        expires: datetime,
        signer: str = "legal",
        approval_id: str = "apr-2026-014",
        issued: datetime | None = None,
    ) -> bytes:
        body = {
            "kind": "approval",
            "id": approval_id,
            "calls": calls,
            "purpose": purpose,
            "reviewer": reviewer,
            "issued_at": (issued or expires - timedelta(days=7)).isoformat(),
            "expires_at": expires.isoformat(),
        }
        return json.dumps(signed.sign(body, signer, self.keys[signer]), indent=2).encode()
