"""What the review modules share: the error, the review's wiring and row lookups.

Its own module so `moments` and `crm` can both use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.core.errors import UserFacingError
from companion.core.policy.active import ActivePolicy
from companion.core.policy.model import Policy
from companion.edges.store import audit
from companion.edges.store.models import CallRecord, CallReviewRecord


class ReviewError(UserFacingError):
    """The review step cannot be done; the message says why, in the rep's words."""


class ReviewDesk:
    """The store, policy, rep and clock that the moment and CRM reviews share."""

    def __init__(
        self,
        store: sessionmaker[Session],
        policy: Callable[[], ActivePolicy],
        rep: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self._policy = policy
        self._rep = rep
        self.clock = clock

    def current_policy(self) -> Policy | None:
        return self._policy().policy

    def audit(
        self, db: Session, kind: str, payload: dict[str, Any], call_id: str, at: datetime
    ) -> None:
        """An audit event by this rep, in the caller's transaction (lands with the change)."""
        audit.append(db, kind, self._rep, payload, call_id=call_id, at=at)


def get_call(db: Session, call_id: str) -> CallRecord:
    call = db.get(CallRecord, call_id)
    if call is None:
        raise ReviewError(f"no call {call_id}")
    return call


def get_review(db: Session, call_id: str) -> CallReviewRecord:
    review = db.scalar(select(CallReviewRecord).where(CallReviewRecord.call_id == call_id))
    if review is None:  # the trigger makes one per call; only a missing call lands here
        get_call(db, call_id)
        review = CallReviewRecord(call_id=call_id)
        db.add(review)
        db.flush()
    return review
