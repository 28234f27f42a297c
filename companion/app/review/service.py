"""`ReviewService`: one call's review, its moments (`moments`) and CRM side (`crm`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from companion.app.review.crm import CrmFieldView, CrmReview, crm_field_views, missing_labels
from companion.app.review.moments import MomentReview, MomentView, moment_view
from companion.app.review.records import ReviewDesk, get_call, get_review
from companion.core.policy.active import ActivePolicy
from companion.edges.audio.capture import SAMPLE_RATE
from companion.edges.store.recordings import kept_segments


@dataclass(frozen=True)
class CallReview:
    """Everything the review window shows for one call."""

    call_id: str
    account: str
    call_type: str
    started_at: datetime
    outcome: str
    outcome_reason: str
    moments: list[MomentView]
    crm_fields: list[CrmFieldView]
    human_nuance: str
    ready_to_sync: bool
    sync_state: str
    missing: list[str]  # labels of required CRM fields still empty
    call_ms: int = 0  # how long the call lasted, start to end
    recorded: list[tuple[int, int]] = field(default_factory=list)  # (call offset, length) ms


class ReviewService:
    """What the review window works with: `review()` to show, `moments` and `crm` to edit."""

    def __init__(
        self,
        store: sessionmaker[Session],
        policy: Callable[[], ActivePolicy],
        rep: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._desk = ReviewDesk(store, policy, rep, clock)
        self.moments = MomentReview(self._desk)
        self.crm = CrmReview(self._desk)

    def review(self, call_id: str) -> CallReview:
        policy = self._desk.current_policy()
        recorded = [
            (s.call_offset_ms, s.frames * 1000 // SAMPLE_RATE)
            for s in kept_segments(self._desk.store, call_id)
        ]
        with self._desk.store() as db:
            call = get_call(db, call_id)
            review = get_review(db, call_id)
            fields = crm_field_views(list(call.crm_notes), policy)
            moments = [moment_view(m, policy) for m in call.moments]
            ended = _utc(call.ended_at or call.started_at)
            lasted = int((ended - _utc(call.started_at)).total_seconds() * 1000)
            ends = [o + n for o, n in recorded] + [m.offset_ms for m in moments]
            return CallReview(
                call.id,
                call.account,
                call.call_type,
                call.started_at,
                call.outcome,
                call.outcome_reason,
                moments,
                fields,
                review.human_nuance,
                review.ready_to_sync,
                review.sync_state,
                missing_labels(fields),
                max([lasted, *ends]),
                recorded,
            )


def _utc(at: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)
