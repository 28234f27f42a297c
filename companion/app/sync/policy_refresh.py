"""Fetching the organisation's current policy from the sync target.

A newer valid policy (signed, when an organisation key is configured) replaces
the local one and applies from the next call; an invalid or unsigned one is
refused and the old one kept. Both outcomes are audited.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from companion.core.policy.model import Policy
from companion.edges.paths import AppPaths
from companion.edges.policy.files import check_policy_file, load_active_policy
from companion.edges.policy.signing import signature_path
from companion.edges.store import audit
from companion.edges.sync.targets import POLICY_NAME, SyncError, SyncTarget


@dataclass(frozen=True)
class RefreshResult:
    changed: bool
    message: str
    # Calls whose local audio the next sweep deletes only because the new policy
    # shortened a window: the rep sees this number before the sweeper runs.
    newly_expiring: int = 0
    version: str = ""  # of the policy installed, when changed


def refresh_policy(
    paths: AppPaths, target: SyncTarget, store: sessionmaker[Session], actor: str
) -> RefreshResult:
    try:
        raw = target.get_policy(POLICY_NAME)
        signature = target.get_policy(POLICY_NAME + ".sig") if raw is not None else None
    except (OSError, SyncError) as error:  # offline: keep the policy we have
        return RefreshResult(
            False, f"could not fetch the policy ({error}); keeping the current one"
        )
    if raw is None:
        return RefreshResult(False, "no policy published at the sync target")
    current = load_active_policy(paths)
    key = paths.organisation_key if paths.organisation_key.exists() else None
    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / "policy.toml"
        candidate.write_bytes(raw)
        if signature is not None:
            signature_path(candidate).write_bytes(signature)
        checked = check_policy_file(candidate, key)
        if checked.policy is None:
            assert checked.error is not None
            first = checked.error.problems[0]
            reason = f"{first.field}: {first.message}"
            _audit(store, actor, "policy.refused", {"reason": reason})
            return RefreshResult(False, f"the published policy was refused ({reason})")
        if current.policy is not None and current.policy.version == checked.policy.version:
            return RefreshResult(False, f"policy {current.policy.version} is current")
        _install(paths.policy_override, raw, signature)
    version = checked.policy.version
    _audit(store, actor, "policy.updated", {"version": version, "signed": checked.signed})
    going = _newly_expiring(store, current.policy, checked.policy, actor)
    warning = (
        f"; the next retention sweep will delete local audio of {going} call(s)" if going else ""
    )
    return RefreshResult(
        True, f"policy {version} installed; it applies from the next call{warning}", going, version
    )


def _newly_expiring(
    store: sessionmaker[Session], old: Policy | None, new: Policy, actor: str
) -> int:
    """Calls the new policy's sweep would delete that the old one would have kept."""
    from companion.app.retention_sweep import sweep

    def doomed(policy: Policy) -> set[str]:
        return {call for call, _, _ in sweep(store, policy, actor, dry_run=True).deleted}

    return len(doomed(new) - (doomed(old) if old is not None else set()))


def _install(target: Path, raw: bytes, signature: bytes | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    sig = signature_path(target)
    if signature is not None:
        _atomic_write(sig, signature)
    else:
        sig.unlink(missing_ok=True)
    _atomic_write(target, raw)


def _atomic_write(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def _audit(store: sessionmaker[Session], actor: str, kind: str, payload: dict[str, object]) -> None:
    with store.begin() as db:
        audit.append(db, kind, actor, payload, at=datetime.now(UTC))
