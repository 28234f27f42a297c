"""Nonces of signed requests the service has accepted, kept in its database so that every
service process sharing it refuses the same replay.

A nonce is kept for twice the signing window (`SKEW` either side of a request's time):
after that the request's time alone refuses it. Older nonces are deleted as new ones
come in, so the table stays the size of a few minutes' traffic.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from companion.core.access.signed_request import SKEW
from companion.desk.edges.database import insert_ignoring
from companion.desk.edges.models import NonceRow

KEEP = timedelta(seconds=2 * SKEW)


def first_use(db: sessionmaker[Session], signer: str, nonce: str, now: datetime) -> bool:
    """Record the nonce; False if this signer used it before (a replay)."""
    try:
        with db.begin() as session:
            added = session.execute(
                insert_ignoring(session, NonceRow)
                .values(signer=signer, nonce=nonce, seen_at=now)
                .returning(NonceRow.nonce)
            ).first()
    except IntegrityError:  # a race the ON CONFLICT did not see: the other one won
        return False
    try:  # apart from the insert: two processes clearing at once never undo a nonce
        with db.begin() as session:
            session.execute(delete(NonceRow).where(NonceRow.seen_at < now - KEEP))
    except SQLAlchemyError:  # the next request clears them
        pass
    return added is not None
