"""Enrolling a rep's device with the service: its packages are listed from then on.

Two ways: an admin enrols a device key they were given (`enrol_device`), or an admin
makes a one-time code for a rep (and team) and the rep's laptop redeems it once, before
it expires (`make_code`, `redeem`); its device key is then bound to that rep.

Only the code's SHA-256 is stored. Redeeming is one transaction: the code is marked used
only if it was unused (a conditional UPDATE, so two laptops racing with one code cannot
both win) and the device is bound in the same commit. Every refusal is audited in the
refusals table, and too many from one address in 15 minutes pause that address (as
failed sign-ins do on the web desk).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from companion.core.access import signed
from companion.core.access.enrolment import (
    ALPHABET,
    EnrolmentRefused,
    code_hash,
    normalise,
    read_enrolment_request,
    same_hash,
)
from companion.core.errors import UserFacingError
from companion.desk.edges.models import DeviceRow, EnrolmentCodeRow, QuarantineRow, RefusalRow

if TYPE_CHECKING:
    from sqlalchemy.engine import CursorResult

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


log = logging.getLogger(__name__)
WINDOW = timedelta(minutes=15)
PER_ADDRESS = 10  # refused enrolments allowed from one address in WINDOW
READ = "enrol"
USED = "That enrolment code was used already; ask for a new one."


class TooManyEnrolments(EnrolmentRefused):
    """Too many refused enrolments from this address; it waits."""


@dataclass(frozen=True)
class Enrolled:
    rep: str
    team: str | None
    device: str


def new_code() -> str:
    """Four groups of five characters: about 98 bits, typed from a note without slips."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(20))
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def make_code(service: DeskService, rep: str, team: str | None, days: int, by: str) -> str:
    """A new one-time code for `rep`; the caller shows it once, the service keeps its hash."""
    teams = service.policy.access.teams
    if team is not None and rep not in teams.get(team, []):
        raise UserFacingError(
            f"The policy's team '{team}' does not list {rep}.",
            "Teams come from the signed policy's [access.teams]: add the rep there first, "
            "or leave --team out.",
        )
    if not 1 <= days <= 90:
        raise UserFacingError("An enrolment code is valid for 1 to 90 days.")
    code, now = new_code(), service.clock()
    with service.db.begin() as session:
        session.add(
            EnrolmentCodeRow(
                code_hash=code_hash(code),
                rep=rep,
                team=team,
                expires_at=now + timedelta(days=days),
                made_by=by,
                made_at=now,
            )
        )
    log.info("enrolment code made for %s by %s", rep, by)
    return code


def _refuse(service: DeskService, address: str, message: str) -> EnrolmentRefused:
    with service.db.begin() as session:
        session.add(RefusalRow(at=service.clock(), reviewer=f"address:{address}", read=READ,
                               call=None, rule="desk.enrolment", message=message))  # fmt: skip
    log.warning("enrolment refused for %s: %s", address, message)
    return EnrolmentRefused(message)


def _paused(service: DeskService, address: str, now: datetime) -> bool:
    with service.db() as session:
        refused = session.execute(
            select(func.count()).where(
                RefusalRow.read == READ,
                RefusalRow.reviewer == f"address:{address}",
                RefusalRow.at >= now - WINDOW,
            )
        ).scalar_one()
    return int(refused) >= PER_ADDRESS


def _expired(at: datetime, now: datetime) -> bool:
    # SQLite gives back naive times (written as UTC); PostgreSQL aware ones.
    return (at if at.tzinfo else at.replace(tzinfo=now.tzinfo)) <= now


def redeem(service: DeskService, raw: bytes, address: str) -> Enrolled:
    """Bind the requesting device to the code's rep, or refuse in one line (audited)."""
    now = service.clock()
    if _paused(service, address, now):
        raise TooManyEnrolments(
            "Too many wrong enrolment codes from this address; try again in 15 minutes."
        )
    try:
        code, device = read_enrolment_request(raw)
    except EnrolmentRefused as error:
        raise _refuse(service, address, error.message) from error
    with service.db() as session:
        row = session.get(EnrolmentCodeRow, code_hash(code)) if normalise(code) else None
    if row is None or not same_hash(row.code_hash, code):
        raise _refuse(service, address, "That is not an enrolment code of this desk.")
    if row.used_at is not None:
        raise _refuse(service, address, USED)
    if _expired(row.expires_at, now):
        raise _refuse(
            service, address,
            f"That enrolment code expired on {row.expires_at:%d %b %Y}; ask for a new one.",
        )  # fmt: skip
    problem = _bind(service, row, device, address, now)
    if problem is not None:  # nothing was bound: the transaction rolled back
        raise _refuse(service, address, problem)
    log.info("device enrolled for %s with a code, from %s", row.rep, address)
    return Enrolled(row.rep, row.team, device)


class _NotBound(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _bind(
    service: DeskService, row: EnrolmentCodeRow, device: str, address: str, now: datetime
) -> str | None:
    """Mark the code used and bind the device, in one commit; why not, if not."""
    try:
        with service.db.begin() as session:
            taken = session.execute(
                update(EnrolmentCodeRow)
                .where(
                    EnrolmentCodeRow.code_hash == row.code_hash, EnrolmentCodeRow.used_at.is_(None)
                )
                .values(used_at=now, device=device)
            )
            # zero rows: another laptop redeemed it a moment ago
            if cast("CursorResult[Any]", taken).rowcount != 1:
                raise _NotBound(USED)
            by = f"code from {row.made_by or 'admin'} ({address})"[:200]
            problem = bind_device(session, service, row.rep, device, by, row.team)
            if problem is not None:
                raise _NotBound(problem)
    except _NotBound as not_bound:
        return not_bound.why
    return None
