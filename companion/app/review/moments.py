"""Reviewing a call's moments afterwards: add, edit, retag, delete, confirm drafts.

Every method opens its own short transaction. Text is stored exactly as given (no
trimming, no escaping): displaying it safely is the viewer's job. Tags are the current
policy's keys; a moment keeps the tag's label and colour as they were when it was set,
so a tag a newer policy removed still shows (`MomentView`). Deleting a moment and
confirming a draft are audit events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from companion.app.review.records import ReviewDesk, ReviewError, get_call
from companion.core.policy.model import Policy
from companion.core.transcripts.key_phrases import confirmed_note
from companion.edges.store.models import MomentRecord

NO_TAG_COLOR = "#7f8c8d"


@dataclass(frozen=True)
class MomentView:
    id: int
    call_id: str
    offset_ms: int
    tag: str | None  # the policy key, or None
    tag_label: str | None  # what to show: label when set, else current policy's, else key
    tag_color: str | None
    note: str
    draft: bool  # automatic text awaiting the rep's confirmation
    had_audio: bool
    created_at: datetime
    updated_at: datetime | None


def tag_display(
    tag: str | None, label: str | None, color: str | None, policy: Policy | None
) -> tuple[str | None, str | None]:
    """(label, colour) for a moment's tag: as stored, else the policy's, else the bare key."""
    if tag is None:
        return None, None
    known = policy.tags.get(tag) if policy else None
    return (
        label or (known.label if known else tag),
        color or (known.color if known else NO_TAG_COLOR),
    )


def moment_view(record: MomentRecord, policy: Policy | None) -> MomentView:
    label, color = tag_display(record.tag, record.tag_label, record.tag_color, policy)
    return MomentView(
        record.id,
        record.call_id,
        record.offset_ms,
        record.tag,
        label,
        color,
        record.note,
        record.draft,
        record.had_audio,
        record.created_at,
        record.updated_at,
    )


class MomentReview:
    """The moments of ended calls, as the review window edits them."""

    def __init__(self, desk: ReviewDesk) -> None:
        self._desk = desk

    def for_call(self, call_id: str) -> list[MomentView]:
        policy = self._desk.current_policy()
        with self._desk.store() as db:
            get_call(db, call_id)
            records = db.scalars(
                select(MomentRecord)
                .where(MomentRecord.call_id == call_id)
                .order_by(MomentRecord.offset_ms, MomentRecord.id)
            ).all()
            return [moment_view(m, policy) for m in records]

    def add_moment(
        self,
        call_id: str,
        offset_ms: int,
        note: str = "",
        tag: str | None = None,
        draft: bool = False,
        had_audio: bool = False,
    ) -> MomentView:
        """A moment added in review; `draft=True` for automatic text the rep must confirm."""
        if offset_ms < 0:
            raise ReviewError("a moment cannot be before the call started")
        policy = self._desk.current_policy()
        label, color = self._tag_snapshot(policy, tag)
        now = self._desk.clock()
        with self._desk.store.begin() as db:
            get_call(db, call_id)
            record = MomentRecord(
                call_id=call_id,
                offset_ms=offset_ms,
                tag=tag,
                tag_label=label,
                tag_color=color,
                note=note,
                draft=draft,
                had_audio=had_audio,
                created_at=now,
                updated_at=now,
            )
            db.add(record)
            db.flush()
            return moment_view(record, policy)

    def edit_note(self, moment_id: int, note: str) -> MomentView:
        """Replace the note; a draft stays a draft until `confirm_draft`."""
        with self._desk.store.begin() as db:
            record = _moment(db, moment_id)
            record.note, record.updated_at = note, self._desk.clock()
            return moment_view(record, self._desk.current_policy())

    def retag(self, moment_id: int, tag: str | None) -> MomentView:
        """Set a tag of the current policy (or None), remembering its label and colour."""
        policy = self._desk.current_policy()
        label, color = self._tag_snapshot(policy, tag)
        with self._desk.store.begin() as db:
            record = _moment(db, moment_id)
            record.tag, record.tag_label, record.tag_color = tag, label, color
            record.updated_at = self._desk.clock()
            return moment_view(record, policy)

    def delete_moment(self, moment_id: int) -> None:
        with self._desk.store.begin() as db:
            record = _moment(db, moment_id)
            now = self._desk.clock()
            # The note's text stays out of the append-only trail: deleted means gone.
            details = {"moment_id": record.id, "offset_ms": record.offset_ms, "tag": record.tag}
            self._desk.audit(db, "moment.deleted", details, record.call_id, now)
            db.delete(record)

    def confirm_draft(self, moment_id: int) -> MomentView:
        """The rep accepts automatic text as theirs (audited as "moment.confirmed")."""
        with self._desk.store.begin() as db:
            record = _moment(db, moment_id)
            if record.draft:
                now = self._desk.clock()
                record.draft, record.updated_at = False, now
                record.note = confirmed_note(record.note)  # "suggested" nowhere any more
                self._desk.audit(
                    db, "moment.confirmed", {"moment_id": record.id}, record.call_id, now
                )
            return moment_view(record, self._desk.current_policy())

    def remember_tag_labels(self, call_id: str) -> int:
        """Store the current policy's label and colour on tagged moments lacking them.

        `CallService.mark_moment` stores only the tag key; call this when a call ends
        (or a review opens) so a later policy that drops the tag cannot lose its label.
        Returns how many moments were updated.
        """
        policy = self._desk.current_policy()
        if policy is None:
            return 0
        count = 0
        with self._desk.store.begin() as db:
            records = db.scalars(
                select(MomentRecord).where(
                    MomentRecord.call_id == call_id,
                    MomentRecord.tag.is_not(None),
                    MomentRecord.tag_label.is_(None),
                )
            ).all()
            for record in records:
                known = policy.tags.get(record.tag or "")
                if known is not None:
                    record.tag_label, record.tag_color = known.label, known.color
                    count += 1
        return count

    # -- internals -----------------------------------------------------------------------
    @staticmethod
    def _tag_snapshot(policy: Policy | None, tag: str | None) -> tuple[str | None, str | None]:
        if tag is None:
            return None, None
        known = policy.tags.get(tag) if policy else None
        if known is None:
            raise ReviewError(f"the policy has no tag '{tag}'")
        return known.label, known.color


def _moment(db: Session, moment_id: int) -> MomentRecord:
    record = db.get(MomentRecord, moment_id)
    if record is None:
        raise ReviewError(f"no moment {moment_id} (deleted?)")
    return record
