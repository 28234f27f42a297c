"""Fetching the organisation's current policy from the sync target.

The store is trusted only through signatures: without an organisation key nothing is
fetched at all. A published policy is checked over its exact bytes first (signature,
then size and syntax, then the schema), and installed only when strictly newer than
any version this laptop has had in force; it applies from the next call. A refused one
is audited and the old one kept; the rep is warned once per published file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.core.policy.model import Policy
from companion.core.policy.parse import PolicyError, parse_policy
from companion.core.policy.versions import is_newer, newest, version_key
from companion.edges.paths import AppPaths
from companion.edges.policy.files import load_active_policy
from companion.edges.policy.signing import signature_path
from companion.edges.policy.state import PolicyState, remember
from companion.edges.policy.trust import trust_anchor
from companion.edges.store import audit
from companion.edges.store.models import AuditEventRecord
from companion.edges.sync.targets import POLICY_NAME, SyncError, SyncTarget, TooLarge

NO_KEY = (
    "no organisation key on this computer, so the policy published at the sync target "
    "is not fetched (IT installs the key: see companion doctor)"
)


@dataclass(frozen=True)
class RefreshResult:
    changed: bool
    message: str
    # Calls whose local audio the next sweep deletes only because the new policy
    # shortened a window: the rep sees this number before the sweeper runs.
    newly_expiring: int = 0
    version: str = ""  # of the policy installed, when changed
    refused: bool = False  # the published policy was refused (a warning)
    repeated: bool = False  # ... and it is the same one refused at the last pass


def refresh_policy(
    paths: AppPaths, target: SyncTarget, store: sessionmaker[Session], actor: str
) -> RefreshResult:
    anchor = trust_anchor(paths)
    if anchor.problem:
        return RefreshResult(False, f"the policy is not refreshed: {anchor.problem}")
    if not anchor.keys:
        return RefreshResult(False, NO_KEY)
    try:
        raw = target.get_policy(POLICY_NAME)
        signature = target.get_policy(POLICY_NAME + ".sig", 1024) if raw is not None else None
    except TooLarge as error:
        return _refused(paths, store, actor, f"(file): {error}", "too-large")
    except (OSError, SyncError) as error:  # offline: keep the policy we have
        return RefreshResult(
            False, f"could not fetch the policy ({error}); keeping the current one"
        )
    if raw is None:
        return RefreshResult(False, "no policy published at the sync target")
    digest = hashlib.sha256(raw + b"\0" + (signature or b"")).hexdigest()
    from companion.edges.policy.signing import (
        SignatureError,
        load_public_keys,
        verify_policy_bytes,
    )

    try:  # the signature first, over the bytes: nothing unsigned is ever parsed
        text = signature.decode("ascii", errors="replace") if signature is not None else None
        verify_policy_bytes(raw, text, load_public_keys(anchor.keys))
        candidate = parse_policy(raw, POLICY_NAME)
    except SignatureError as error:
        return _refused(paths, store, actor, str(error), digest)
    except PolicyError as error:
        first = error.problems[0]
        return _refused(paths, store, actor, f"{first.field}: {first.message}", digest)
    current = load_active_policy(paths)
    floor = _floor(paths, store, current.policy)
    if floor is not None and not is_newer(candidate.version, floor):
        if version_key(candidate.version) == version_key(floor):
            return RefreshResult(False, f"policy {candidate.version} is current")
        reason = f"version: {candidate.version} is older than {floor} (a rollback)"
        return _refused(paths, store, actor, reason, digest)
    _install(paths.policy_override, raw, signature)
    remember(paths.policy_state, candidate.version, key_given=True)
    version = candidate.version
    _audit(store, actor, "policy.updated", {"version": version, "signed": True})
    going = _newly_expiring(store, current.policy, candidate, actor)
    warning = (
        f"; the next retention sweep will delete local audio of {going} call(s)" if going else ""
    )
    return RefreshResult(
        True, f"policy {version} installed; it applies from the next call{warning}", going, version
    )


def _floor(paths: AppPaths, store: sessionmaker[Session], current: Policy | None) -> str | None:
    """The newest version this laptop had in force, from three places a rep would have
    to change together: the state file, the policy in force, the audit trail."""
    with store() as db:
        payloads = db.scalars(
            select(AuditEventRecord.payload).where(AuditEventRecord.kind == "policy.updated")
        ).all()
    audited = [str(json.loads(p).get("version", "")) for p in payloads]
    state = PolicyState.load(paths.policy_state)
    return newest(state.highest_version, current.version if current else None, *audited)


def _refused(
    paths: AppPaths, store: sessionmaker[Session], actor: str, reason: str, mark: str
) -> RefreshResult:
    """Audited each time; the rep is warned once until the published file changes."""
    _audit(store, actor, "policy.refused", {"reason": reason})
    state = PolicyState.load(paths.policy_state)
    repeated = state.refused == mark
    if not repeated:
        replace(state, refused=mark).save(paths.policy_state)
    return RefreshResult(
        False, f"the published policy was refused ({reason})", refused=True, repeated=repeated
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
