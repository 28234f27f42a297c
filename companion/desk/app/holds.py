"""Legal holds through the service: an approver signs the hold (or its release, with a
reason) on their own machine and hands it to the service, which checks it against the
policy, records it and writes it once into the store, where the reps' companions honour
it at sync as before (`core.access.holds`).

An approver signed in to the web desk holds no key there: `place_hold_for` and
`release_hold_for` have the service sign the document with its own key, naming the
approver `on_behalf_of`; the same checks, records and store writes follow."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from companion.core.access import signed
from companion.core.access.holds import check_hold, check_release
from companion.core.access.receipts import SERVICE_SIGNER
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
    return _place(service, raw)


def _signed_by_service(service: DeskService, body: dict[str, Any]) -> bytes:
    document = signed.sign(body, SERVICE_SIGNER, service.custodian.signing_key)
    return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"


CALL = re.compile(r"^(call-)?[A-Za-z0-9][A-Za-z0-9._-]{0,118}$")


def place_hold_for(
    service: DeskService,
    approver: str,
    matter: str,
    review_on: date,
    *,
    calls: list[str],
    accounts: list[str],
    reps: list[str],
) -> dict[str, Any]:
    """A hold placed by a signed-in approver (the web desk): the service signs it for them."""
    if not matter.strip():
        raise UserFacingError("Name the matter the hold is for.")
    if not (calls or accounts or reps):
        raise UserFacingError("Name the calls, accounts or reps the hold keeps (at least one).")
    if review_on <= service.clock().date():
        raise UserFacingError("The review date is after today.")
    wrong = [c for c in calls if not CALL.match(c)]
    if wrong:
        raise UserFacingError(f"'{wrong[0]}' is not a call id (call-...).")
    now = service.clock()
    body = {
        "kind": "hold",
        "id": f"hold-{now:%Y%m%d}-{secrets.token_hex(3)}",
        "matter": matter.strip(),
        "calls": [c if c.startswith("call-") else f"call-{c}" for c in calls],
        "accounts": accounts,
        "reps": reps,
        "review_on": review_on.isoformat(),
        "placed_at": now.isoformat(),
        "on_behalf_of": approver,
    }
    return _place(service, _signed_by_service(service, body))


def _place(service: DeskService, raw: bytes) -> dict[str, Any]:
    hold = check_hold(raw, service.policy.access)  # refuses an approver without the power
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
                approver=hold.approver,
                review_on=review_on,
                placed_at=service.clock(),
            )
        )
        if not service.store.put_new(f"holds/{hold.id}.json", raw, keep):
            raise UserFacingError(f"holds/{hold.id}.json is already in the store.")
    return {"id": hold.id, "matter": hold.matter, "review_on": hold.review_on}


def release_hold(service: DeskService, approver: str, hold_id: str, raw: bytes) -> dict[str, Any]:
    _signer(raw, approver, "hold release")
    return _release(service, approver, hold_id, raw)


def release_hold_for(
    service: DeskService, approver: str, hold_id: str, reason: str
) -> dict[str, Any]:
    """A release by a signed-in approver (the web desk), with a reason; the service signs."""
    if not reason.strip():
        raise UserFacingError("Say why the hold is released: the reason is kept with it.")
    body = {
        "kind": "release",
        "hold": hold_id,
        "reason": reason.strip(),
        "released_at": service.clock().isoformat(),
        "on_behalf_of": approver,
    }
    return _release(service, approver, hold_id, _signed_by_service(service, body))


def _release(service: DeskService, approver: str, hold_id: str, raw: bytes) -> dict[str, Any]:
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
