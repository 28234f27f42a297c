"""Enrolling a rep's device with the service: its packages are listed from then on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from companion.core.access import signed
from companion.core.errors import UserFacingError
from companion.desk.edges.models import DeviceRow, QuarantineRow

if TYPE_CHECKING:
    from companion.desk.app.service import DeskService

NOT_ENROLLED = "it is signed by a device that is not enrolled"


def bind_device(
    session: Session, service: DeskService, rep: str, key: str, by: str, team: str | None = None
) -> str | None:
    """Bind `key` to `rep` in `session`; why not, when the key is another rep's already."""
    existing = session.get(DeviceRow, key)
    if existing is not None and existing.rep != rep:
        return f"That device is enrolled for {existing.rep} already."
    if existing is None:
        session.add(
            DeviceRow(key=key, rep=rep, team=team, enrolled_at=service.clock(), enrolled_by=by)
        )
    # packages quarantined as "not enrolled" get another look at the next ingest
    session.query(QuarantineRow).filter(QuarantineRow.reason == NOT_ENROLLED).delete()
    return None


def enrol_device(service: DeskService, rep: str, key: str, by: str) -> None:
    try:
        signed.public_key(key)
    except ValueError as error:
        raise UserFacingError("That is not a device key (base64 of 32 bytes).") from error
    with service.db.begin() as session:
        problem = bind_device(session, service, rep, key, by)
        if problem is not None:
            raise UserFacingError(problem)
