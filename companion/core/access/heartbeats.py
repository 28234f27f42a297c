"""Heartbeats: what each laptop says about itself at every sync, and the fleet the desk
shows from them.

A heartbeat is a signed document (`signed`) at `fleet/<rep>/heartbeat.json` in the
organisation's store, replaced at each sync:

    body = {"kind": "heartbeat", "rep": "alice@example.com",
            "device": "<base64 Ed25519 public key of the laptop's device key>",
            "app_version": "0.1.0", "policy_version": "2026.12.1",
            "sent_at": "<ISO time of this sync>", "last_delivery": "<ISO time or null>",
            "queue": 2, "refusals": 0}

signed by that device key (the signer is the rep). Nothing in it is about a customer or
a call: counts and versions only. The desk trusts the signature only where the device
key is the one the rep's laptop published (`reps/<rep>/device.txt`); any other is shown
as "unverified", never silently believed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from companion.core.access import signed
from companion.core.policy.versions import is_newer, version_problem

KIND = "heartbeat"
SILENT_DAYS = 7  # no heartbeat for this long: the laptop is "silent"


@dataclass(frozen=True)
class Heartbeat:
    rep: str
    app_version: str
    policy_version: str | None
    sent_at: datetime
    last_delivery: datetime | None
    queue: int  # calls marked ready and not yet in the store
    refusals: int  # calls the store refused in this pass (each retried later)
    device: str = ""  # the laptop's device key (base64), as the signed heartbeat names it


def heartbeat_document(beat: Heartbeat, key: Ed25519PrivateKey) -> dict[str, Any]:
    body = {
        "kind": KIND,
        "rep": beat.rep,
        "device": signed.public_key_text(key),
        "app_version": beat.app_version,
        "policy_version": beat.policy_version,
        "sent_at": beat.sent_at.isoformat(),
        "last_delivery": beat.last_delivery.isoformat() if beat.last_delivery else None,
        "queue": beat.queue,
        "refusals": beat.refusals,
    }
    return signed.sign(body, beat.rep, key)


@dataclass(frozen=True)
class FleetRow:
    """One laptop as the desk shows it; `problems` empty: all well."""

    rep: str
    heartbeat: Heartbeat | None  # None: the heartbeat could not be read or checked
    verified: bool  # signed by the device key the rep's laptop published
    problems: tuple[str, ...]

    @property
    def status(self) -> str:
        return "ok" if not self.problems else "; ".join(self.problems)


def read_heartbeat(
    raw: bytes, folder_rep: str, device_key: str | None
) -> tuple[Heartbeat | None, bool, str | None]:
    """(the heartbeat, verified, a problem) from the bytes stored under `folder_rep`."""
    try:
        document = signed.parse(raw, "heartbeat")
        body = document["body"]
        if body.get("kind") != KIND or body.get("rep") != folder_rep:
            return None, False, "heartbeat is not this rep's"
        signed.verify(document, str(body["device"]), "heartbeat")
        beat = Heartbeat(
            rep=folder_rep,
            app_version=str(body["app_version"]),
            policy_version=body["policy_version"] and str(body["policy_version"]),
            sent_at=datetime.fromisoformat(body["sent_at"]),
            last_delivery=(
                datetime.fromisoformat(body["last_delivery"]) if body["last_delivery"] else None
            ),
            queue=int(body["queue"]),
            refusals=int(body["refusals"]),
            device=str(body["device"]),
        )
    except (signed.SignedDocumentError, KeyError, TypeError, ValueError) as error:
        return None, False, f"heartbeat unreadable ({error})"
    return beat, device_key is not None and body["device"] == device_key.strip(), None


def fleet_row(
    rep: str,
    beat: Heartbeat | None,
    verified: bool,
    problem: str | None,
    policy_version: str | None,
    now: datetime,
    silent_days: int = SILENT_DAYS,
) -> FleetRow:
    """Who is silent, on an old policy, or behind (calls waiting, refused)."""
    if beat is None:
        return FleetRow(rep, None, False, (problem or "no heartbeat",))
    problems = []
    if not verified:
        problems.append("unverified device")
    silent_for = now - beat.sent_at
    if silent_for > timedelta(days=silent_days):
        problems.append(f"silent for {silent_for.days} days")
    if policy_version and (
        beat.policy_version is None
        or version_problem(beat.policy_version)
        or is_newer(policy_version, beat.policy_version)
    ):
        problems.append(f"old policy {beat.policy_version or '(none)'}")
    if beat.queue:
        problems.append(f"behind: {beat.queue} call(s) waiting")
    if beat.refusals:
        problems.append(f"{beat.refusals} call(s) refused by the store")
    return FleetRow(rep, beat, verified, tuple(problems))
