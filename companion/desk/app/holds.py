"""Placing and releasing legal holds (approvers): signed files into the organisation's store.

Each is written once (never replaced) and audited in the approver's own profile too.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from companion.core.access import signed
from companion.core.errors import UserFacingError
from companion.desk.app.compose import DeskProfile
from companion.edges.policy.signing import load_private_key
from companion.edges.store import audit


def _publish(context: DeskProfile, key: str, body: dict[str, Any], approver: str, pem: Path,
             keep_until: datetime | None) -> str:  # fmt: skip
    document = signed.sign(body, approver, load_private_key(pem))
    data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if not context.org_store().put_new(key, data, keep_until):
        raise UserFacingError(f"{key} is already in the store; holds are never replaced.")
    with context.store.begin() as db:
        audit.append(db, f"legal_hold.{body['kind']}", approver, body)
    return key


def place_hold(
    context: DeskProfile,
    *,
    approver: str,
    private_key: Path,
    hold_id: str,
    matter: str,
    scope: dict[str, list[str]],
    review_on: date,
) -> str:
    if not any(scope.values()):
        raise UserFacingError("A hold names calls, accounts or reps (--call, --account, --rep).")
    calls = [c if c.startswith("call-") else f"call-{c}" for c in scope.get("calls", [])]
    body = {
        "kind": "hold",
        "id": hold_id,
        "matter": matter,
        "calls": calls,
        "accounts": scope.get("accounts", []),
        "reps": scope.get("reps", []),
        "review_on": review_on.isoformat(),
        "placed_at": context.clock().isoformat(),
    }
    keep = datetime.combine(review_on, time(0), tzinfo=UTC)
    return _publish(context, f"holds/{hold_id}.json", body, approver, private_key, keep)


def release_hold(
    context: DeskProfile, *, approver: str, private_key: Path, hold_id: str, reason: str
) -> str:
    if not reason.strip():
        raise UserFacingError("A release needs a reason (--reason).")
    body = {
        "kind": "release",
        "hold": hold_id,
        "reason": reason.strip(),
        "released_at": context.clock().isoformat(),
    }
    return _publish(context, f"holds/{hold_id}.release.json", body, approver, private_key, None)
