"""Reviewing a call afterwards: moments, CRM fields, the human nuance note, readiness.

Qt-free; the review window calls these and shows what they return. Every method opens
its own short transaction. Text is stored exactly as given (no trimming, no escaping):
displaying it safely is the viewer's job.

- Tags are the current policy's keys; a moment keeps the tag's label and colour as they
  were when it was set, so a tag a newer policy removed still shows (`MomentView`).
- CRM fields are the current policy's `crm_fields`; a call is ready to sync only when
  every required one has non-blank text and no automatic draft is left unconfirmed.
- Deleting a moment, confirming a draft and marking a call ready are audit events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from companion.policy.model import Policy
from companion.policy.source import ActivePolicy
from companion.store import audit
from companion.store.models import CallRecord, CallReviewRecord, CrmNoteRecord, MomentRecord

NO_TAG_COLOR = "#7f8c8d"


class ReviewError(Exception):
    """The review step cannot be done; the message says why, in the rep's words."""


class NotReadyToSync(ReviewError):
    """`mark_ready` refused: `missing` lists the labels of required fields still empty."""

    def __init__(self, missing: list[str], drafts: int = 0) -> None:
        self.missing = missing
        self.drafts = drafts
        parts = []
        if missing:
            parts.append("fill in the required CRM fields: " + ", ".join(missing))
        if drafts:
            parts.append(f"confirm or edit {drafts} automatic draft(s)")
        super().__init__("Not ready to sync yet: " + "; ".join(parts) + ".")


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


@dataclass(frozen=True)
class CrmFieldView:
    key: str
    label: str  # the key itself for a field a newer policy dropped
    required: bool
    text: str
    draft: bool
    in_policy: bool


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


def crm_field_views(notes: list[CrmNoteRecord], policy: Policy | None) -> list[CrmFieldView]:
    """The policy's fields in policy order, then stored text for fields it no longer has."""
    stored = {note.field_key: note for note in notes}
    views = []
    for field in policy.crm_fields if policy else []:
        note = stored.pop(field.key, None)
        views.append(
            CrmFieldView(
                field.key,
                field.label,
                field.required,
                note.text if note else "",
                note.draft if note else False,
                True,
            )
        )
    for key, note in stored.items():
        views.append(CrmFieldView(key, key, False, note.text, note.draft, False))
    return views


def missing_labels(fields: list[CrmFieldView]) -> list[str]:
    return [f.label for f in fields if f.required and (not f.text.strip() or f.draft)]


class ReviewService:
    def __init__(
        self,
        store: sessionmaker[Session],
        policy: Callable[[], ActivePolicy],
        rep: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._policy = policy
        self._rep = rep
        self._clock = clock

    def _current_policy(self) -> Policy | None:
        return self._policy().policy

    # -- reading -----------------------------------------------------------------------
    def review(self, call_id: str) -> CallReview:
        policy = self._current_policy()
        with self._store() as db:
            call = _call(db, call_id)
            review = _review(db, call_id)
            fields = crm_field_views(list(call.crm_notes), policy)
            return CallReview(
                call.id,
                call.account,
                call.call_type,
                call.started_at,
                call.outcome,
                call.outcome_reason,
                [moment_view(m, policy) for m in call.moments],
                fields,
                review.human_nuance,
                review.ready_to_sync,
                review.sync_state,
                missing_labels(fields),
            )

    def moments(self, call_id: str) -> list[MomentView]:
        policy = self._current_policy()
        with self._store() as db:
            _call(db, call_id)
            records = db.scalars(
                select(MomentRecord)
                .where(MomentRecord.call_id == call_id)
                .order_by(MomentRecord.offset_ms, MomentRecord.id)
            ).all()
            return [moment_view(m, policy) for m in records]

    def crm_fields(self, call_id: str) -> list[CrmFieldView]:
        with self._store() as db:
            return crm_field_views(list(_call(db, call_id).crm_notes), self._current_policy())

    def missing_crm_fields(self, call_id: str) -> list[str]:
        """Labels of the required CRM fields that are blank or an unconfirmed draft."""
        return missing_labels(self.crm_fields(call_id))

    def human_nuance(self, call_id: str) -> str:
        with self._store() as db:
            return _review(db, call_id).human_nuance

    # -- moments -----------------------------------------------------------------------
    def add_moment(
        self,
        call_id: str,
        offset_ms: int,
        note: str = "",
        tag: str | None = None,
        draft: bool = False,
    ) -> MomentView:
        """A moment added in review; `draft=True` for automatic text the rep must confirm."""
        if offset_ms < 0:
            raise ReviewError("a moment cannot be before the call started")
        policy = self._current_policy()
        label, color = self._tag_snapshot(policy, tag)
        now = self._clock()
        with self._store.begin() as db:
            _call(db, call_id)
            record = MomentRecord(
                call_id=call_id,
                offset_ms=offset_ms,
                tag=tag,
                tag_label=label,
                tag_color=color,
                note=note,
                draft=draft,
                had_audio=False,
                created_at=now,
                updated_at=now,
            )
            db.add(record)
            db.flush()
            return moment_view(record, policy)

    def edit_note(self, moment_id: int, note: str) -> MomentView:
        """Replace the note; a draft stays a draft until `confirm_draft`."""
        with self._store.begin() as db:
            record = _moment(db, moment_id)
            record.note, record.updated_at = note, self._clock()
            return moment_view(record, self._current_policy())

    def retag(self, moment_id: int, tag: str | None) -> MomentView:
        """Set a tag of the current policy (or None), remembering its label and colour."""
        policy = self._current_policy()
        label, color = self._tag_snapshot(policy, tag)
        with self._store.begin() as db:
            record = _moment(db, moment_id)
            record.tag, record.tag_label, record.tag_color = tag, label, color
            record.updated_at = self._clock()
            return moment_view(record, policy)

    def delete_moment(self, moment_id: int) -> None:
        with self._store.begin() as db:
            record = _moment(db, moment_id)
            now = self._clock()
            # The note's text stays out of the append-only trail: deleted means gone.
            audit.append(
                db,
                "moment.deleted",
                self._rep,
                {"moment_id": record.id, "offset_ms": record.offset_ms, "tag": record.tag},
                call_id=record.call_id,
                at=now,
            )
            db.delete(record)

    def confirm_draft(self, moment_id: int) -> MomentView:
        """The rep accepts automatic text as theirs (audited as "moment.confirmed")."""
        with self._store.begin() as db:
            record = _moment(db, moment_id)
            if record.draft:
                now = self._clock()
                record.draft, record.updated_at = False, now
                audit.append(
                    db,
                    "moment.confirmed",
                    self._rep,
                    {"moment_id": record.id},
                    call_id=record.call_id,
                    at=now,
                )
            return moment_view(record, self._current_policy())

    def remember_tag_labels(self, call_id: str) -> int:
        """Store the current policy's label and colour on tagged moments lacking them.

        `CallService.mark_moment` stores only the tag key; call this when a call ends
        (or a review opens) so a later policy that drops the tag cannot lose its label.
        Returns how many moments were updated.
        """
        policy = self._current_policy()
        if policy is None:
            return 0
        count = 0
        with self._store.begin() as db:
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

    # -- CRM fields, nuance, readiness ---------------------------------------------------
    def set_crm_field(self, call_id: str, key: str, text: str, draft: bool | None = None) -> None:
        """Store a CRM field's text (verbatim). Emptying a required field un-readies the call.

        `draft=True` stores automatic text; None keeps the field's draft flag as it is, so
        saving a form never confirms a draft silently (that is `confirm_crm_field`).
        """
        policy = self._current_policy()
        field = next((f for f in policy.crm_fields if f.key == key), None) if policy else None
        now = self._clock()
        with self._store.begin() as db:
            _call(db, call_id)
            note = db.scalar(
                select(CrmNoteRecord).where(
                    CrmNoteRecord.call_id == call_id, CrmNoteRecord.field_key == key
                )
            )
            if field is None and note is None:
                raise ReviewError(f"the policy has no CRM field '{key}'")
            if note is None:
                note = CrmNoteRecord(call_id=call_id, field_key=key)
                db.add(note)
            note.text, note.updated_at = text, now
            if draft is not None:
                note.draft = draft
            elif note.draft is None:  # a new row before flush
                note.draft = False
            if field is not None and field.required and (note.draft or not text.strip()):
                _review(db, call_id).ready_to_sync = False

    def confirm_crm_field(self, call_id: str, key: str) -> None:
        """The rep accepts an automatic CRM draft (audited as "crm.confirmed")."""
        with self._store.begin() as db:
            note = db.scalar(
                select(CrmNoteRecord).where(
                    CrmNoteRecord.call_id == call_id, CrmNoteRecord.field_key == key
                )
            )
            if note is None:
                raise ReviewError(f"no text for CRM field '{key}' on this call")
            if note.draft:
                now = self._clock()
                note.draft, note.updated_at = False, now
                audit.append(db, "crm.confirmed", self._rep, {"field": key}, call_id, now)

    def set_human_nuance(self, call_id: str, text: str) -> None:
        """The free note on what the fields cannot hold (tone, hesitation, politics)."""
        with self._store.begin() as db:
            review = _review(db, call_id)
            review.human_nuance, review.updated_at = text, self._clock()

    def mark_ready(self, call_id: str) -> None:
        """Mark the call ready to sync; raises `NotReadyToSync` naming what is missing."""
        policy = self._current_policy()
        if policy is None:
            raise ReviewError(
                "The policy in force cannot be used, so the required CRM fields are unknown; "
                "the call stays local until a valid policy is in place."
            )
        with self._store.begin() as db:
            call = _call(db, call_id)
            if call.state != "ended":
                raise ReviewError("end the call before marking it ready to sync")
            missing = missing_labels(crm_field_views(list(call.crm_notes), policy))
            drafts = sum(1 for m in call.moments if m.draft)
            if missing or drafts:
                raise NotReadyToSync(missing, drafts)
            review = _review(db, call_id)
            if review.ready_to_sync:
                return
            now = self._clock()
            review.ready_to_sync, review.updated_at = True, now
            audit.append(
                db,
                "call.ready_to_sync",
                self._rep,
                {"policy_version": policy.version},
                call_id=call_id,
                at=now,
            )

    # -- internals -----------------------------------------------------------------------
    @staticmethod
    def _tag_snapshot(policy: Policy | None, tag: str | None) -> tuple[str | None, str | None]:
        if tag is None:
            return None, None
        known = policy.tags.get(tag) if policy else None
        if known is None:
            raise ReviewError(f"the policy has no tag '{tag}'")
        return known.label, known.color


def _call(db: Session, call_id: str) -> CallRecord:
    call = db.get(CallRecord, call_id)
    if call is None:
        raise ReviewError(f"no call {call_id}")
    return call


def _review(db: Session, call_id: str) -> CallReviewRecord:
    review = db.scalar(select(CallReviewRecord).where(CallReviewRecord.call_id == call_id))
    if review is None:  # the trigger makes one per call; only a missing call lands here
        _call(db, call_id)
        review = CallReviewRecord(call_id=call_id)
        db.add(review)
        db.flush()
    return review


def _moment(db: Session, moment_id: int) -> MomentRecord:
    record = db.get(MomentRecord, moment_id)
    if record is None:
        raise ReviewError(f"no moment {moment_id} (deleted?)")
    return record
