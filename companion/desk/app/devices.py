"""Enrolling a rep's device with the service: its packages are listed from then on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from companion.core.access import signed
from companion.core.errors import UserFacingError
from companion.desk.edges.models import DeviceRow, QuarantineRow

if TYPE_CHECKING:
    from companion.desk.app.service import DeskService


def enrol_device(service: DeskService, rep: str, key: str, by: str) -> None:
    try:
        signed.public_key(key)
    except ValueError as error:
        raise UserFacingError("That is not a device key (base64 of 32 bytes).") from error
    with service.db.begin() as session:
        existing = session.get(DeviceRow, key)
        if existing is not None and existing.rep != rep:
            raise UserFacingError(f"That device is enrolled for {existing.rep} already.")
        if existing is None:
            session.add(DeviceRow(key=key, rep=rep, enrolled_at=service.clock(), enrolled_by=by))
        # packages quarantined as "not enrolled" get another look at the next ingest
        session.query(QuarantineRow).filter(
            QuarantineRow.reason == "it is signed by a device that is not enrolled"
        ).delete()
