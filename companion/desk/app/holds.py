"""Legal holds through the service: an approver signs the hold (or its release, with a
reason) on their own machine and hands it to the service, which checks it against the
policy, records it and writes it once into the store, where the reps' companions honour
it at sync as before (`core.access.holds`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from companion.core.access import signed
from companion.core.access.holds import check_hold, check_release
from companion.core.access.rules import AccessRefused
from companion.core.errors import UserFacingError
from companion.desk.edges.models import HoldRow

if TYPE_CHECKING:
    from companion.desk.app.service import DeskService


def _signer(raw: bytes, approver: str, what: str) -> None:
    if signed.parse(raw, what)["signer"] != approver:
        raise AccessRefused(f"The {what} is signed by someone else than you ({approver}).")


def place_hold(service: DeskService, approver: str, raw: bytes) -> dict[str, Any]:
    _signer(raw, approver, "legal hold")
    hold = check_hold(raw, service.policy.access)
    review_on = date.fromisoformat(hold.review_on)
    keep = datetime.combine(review_on, time(0), tzinfo=UTC)
    with service.db.begin() as session:
        if session.get(HoldRow, hold.id) is not None:
            raise UserFacingError(f"Hold {hold.id} exists already; holds are never replaced.")
        scope = {"calls": hold.calls, "accounts": hold.accounts, "reps": hold.reps}
        session.add(
            HoldRow(
                id=hold.id,
                matter=hold.matter,
                scope=json.dumps(scope),
                approver=approver,
                review_on=review_on,
                placed_at=service.clock(),
            )
        )
        if not service.store.put_new(f"holds/{hold.id}.json", raw, keep):
            raise UserFacingError(f"holds/{hold.id}.json is already in the store.")
    return {"id": hold.id, "matter": hold.matter, "review_on": hold.review_on}


def release_hold(service: DeskService, approver: str, hold_id: str, raw: bytes) -> dict[str, Any]:
    _signer(raw, approver, "hold release")
    reason = check_release(raw, service.policy.access, hold_id)
    with service.db.begin() as session:
        row = session.get(HoldRow, hold_id, with_for_update=True)
        if row is None or row.released_at is not None:
            raise UserFacingError(f"There is no standing hold '{hold_id}'.")
        row.released_at, row.released_by, row.release_reason = service.clock(), approver, reason
        if not service.store.put_new(f"holds/{hold_id}.release.json", raw, None):
            raise UserFacingError(f"holds/{hold_id}.release.json is already in the store.")
    return {"id": hold_id, "released": True, "reason": reason}


def standing_holds(service: DeskService) -> list[dict[str, Any]]:
    with service.db() as session:
        rows = session.execute(select(HoldRow).where(HoldRow.released_at.is_(None))).scalars()
        return [
            {
                "id": r.id,
                "matter": r.matter,
                "scope": json.loads(r.scope),
                "approver": r.approver,
                "review_on": r.review_on.isoformat(),
            }
            for r in rows
        ]
