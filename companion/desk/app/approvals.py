"""Performance use inside the service: a reviewer asks for named calls with a reason, an
approver (the policy's `[access.approvers]` with `performance`) approves for some days or
refuses with a reason. Each step is a receipt on the chain of every rep concerned."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from companion.core.access.door import Read, authorise
from companion.core.access.rules import AccessRefused
from companion.core.errors import UserFacingError
from companion.core.policy.access import Power, Purpose
from companion.desk.app.reads import ReviewerSession, aware, call_ref
from companion.desk.edges.models import ApprovalRow, CallRow

if TYPE_CHECKING:
    from companion.desk.app.service import DeskService

MAX_DAYS = 30


def _as_json(row: ApprovalRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "reviewer": row.reviewer,
        "purpose": row.purpose,
        "calls": json.loads(row.calls),
        "reason": row.reason,
        "status": row.status,
        "approver": row.approver,
        "decision_reason": row.decision_reason,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
    }


def _receipts(
    service: DeskService, row: ApprovalRow, action: str, actor: tuple[str, str, str, str]
) -> None:
    """One receipt per call named, on its rep's chain."""
    who, name, role, kind = actor
    with service.db() as session:
        calls = session.execute(
            select(CallRow.package_id, CallRow.rep).where(
                CallRow.package_id.in_(json.loads(row.calls))
            )
        ).all()
    for package_id, rep in calls:
        service.ledger.commit(
            rep,
            service.clock(),
            actor=who,
            actor_name=name,
            role=role,
            role_kind=kind,
            purpose=row.purpose,
            reason=row.decision_reason or row.reason,
            approval=row.id,
            action=action,
            call=package_id,
            parts=[],
        )


def request_approval(
    session: ReviewerSession, calls: list[str], purpose: Purpose, reason: str
) -> dict[str, Any]:
    """Ask for performance use of `calls`; each must be one the reviewer's role covers."""
    service, rules = session.service, session.rules
    if not purpose.is_performance:
        raise UserFacingError(f"{purpose.label} needs no approval.")
    if not reason.strip() or not calls:
        raise UserFacingError("An approval request names calls and says why (reason).")
    wanted = []
    for call in calls:
        found = session.find_row(call)
        ref = call_ref(found) if found else None
        decision = authorise(rules, session.reviewer, Read.LIST, ref)
        if found is None or ref is None or not decision.allowed:
            raise service.refuse(session.reviewer, "approval_request", call, decision)
        wanted.append(found.package_id)
    entry = rules.reviewers[session.reviewer]
    role = rules.roles[entry.role]
    if purpose not in role.purposes:
        raise AccessRefused(
            f"Refused by access.roles.{entry.role}.purposes: role {entry.role} may not "
            f"open calls for {purpose.label}."
        )
    row = ApprovalRow(
        id=f"apr-{service.clock():%Y%m%d}-{secrets.token_hex(3)}",
        reviewer=session.reviewer,
        purpose=purpose.value,
        calls=json.dumps(sorted(set(wanted))),
        reason=reason.strip(),
        status="requested",
        requested_at=service.clock(),
    )
    with service.db.begin() as db:
        db.add(row)
    actor = (session.reviewer, entry.name, entry.role, role.kind.value)
    _receipts(service, row, "approval_requested", actor)
    return _as_json(row)


def my_requests(session: ReviewerSession) -> list[dict[str, Any]]:
    """The requests the reviewer made, newest first, each with its state now: pending,
    approved (until when), refused (why), or expired. Only theirs: the query says so."""
    now = session.service.clock()
    with session.service.db() as db:
        rows = db.execute(
            select(ApprovalRow)
            .where(ApprovalRow.reviewer == session.reviewer)
            .order_by(ApprovalRow.requested_at.desc(), ApprovalRow.id)
            .limit(200)
        ).scalars()
        found = []
        for row in rows:
            item = _as_json(row) | {"requested_at": row.requested_at.isoformat()}
            state = {"requested": "pending"}.get(row.status, row.status)
            if state == "approved" and (row.expires_at is None or aware(row.expires_at) <= now):
                state = "expired"
            found.append(item | {"state": state})
    return found


class ApproverSession:
    def __init__(self, service: DeskService, approver: str) -> None:
        self.service, self.approver = service, approver
        entry = service.policy.access.approvers.get(approver)
        if entry is None or Power.PERFORMANCE not in entry.may:
            raise AccessRefused(
                f"Refused by access.approvers: '{approver}' may not approve performance use."
            )
        self.name = entry.name

    def pending(self) -> list[dict[str, Any]]:
        with self.service.db() as session:
            rows = session.execute(
                select(ApprovalRow).where(ApprovalRow.status == "requested")
            ).scalars()
            return [_as_json(row) for row in rows]

    def decide(self, approval: str, *, approve: bool, reason: str, days: int = 7) -> dict[str, Any]:
        if not reason.strip():
            raise UserFacingError("A decision on an approval says why (reason).")
        if approve and not 0 < days <= MAX_DAYS:
            raise UserFacingError(f"An approval lasts 1 to {MAX_DAYS} days.")
        now: datetime = self.service.clock()
        with self.service.db.begin() as session:
            row = session.get(ApprovalRow, approval, with_for_update=True)
            if row is None or row.status != "requested":
                raise UserFacingError(f"There is no open request '{approval}'.")
            row.status = "approved" if approve else "refused"
            row.approver = self.approver
            row.decision_reason = reason.strip()
            row.decided_at = now
            row.expires_at = now + timedelta(days=days) if approve else None
        action = "approval_granted" if approve else "approval_refused"
        _receipts(self.service, row, action, (self.approver, self.name, "approver", "approver"))
        return _as_json(row)
