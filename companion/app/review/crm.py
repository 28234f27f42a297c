"""Reviewing a call's CRM side: the policy's fields, the human nuance note, readiness.

CRM fields are the current policy's `crm_fields`; a call is ready to sync only when
every required one has non-blank text and no automatic draft is left unconfirmed.
Confirming a CRM draft and marking a call ready are audit events. `ReviewService` (in
`review`) is the one class the app uses; this half is split out only to keep the
moments and the CRM rules each in a file one can read at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from companion.app.review.records import ReviewDesk, ReviewError, get_call, get_review
from companion.core.policy.model import Policy
from companion.edges.store.models import CrmNoteRecord


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
class CrmFieldView:
    key: str
    label: str  # the key itself for a field a newer policy dropped
    required: bool
    text: str
    draft: bool
    in_policy: bool


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


class CrmReview:
    """A call's CRM fields, the human nuance note and readiness to sync."""

    def __init__(self, desk: ReviewDesk) -> None:
        self._desk = desk

    def crm_fields(self, call_id: str) -> list[CrmFieldView]:
        with self._desk.store() as db:
            return crm_field_views(
                list(get_call(db, call_id).crm_notes), self._desk.current_policy()
            )

    def missing_crm_fields(self, call_id: str) -> list[str]:
        """Labels of the required CRM fields that are blank or an unconfirmed draft."""
        return missing_labels(self.crm_fields(call_id))

    def human_nuance(self, call_id: str) -> str:
        with self._desk.store() as db:
            return get_review(db, call_id).human_nuance

    def set_crm_field(self, call_id: str, key: str, text: str, draft: bool | None = None) -> None:
        """Store a CRM field's text (verbatim). Emptying a required field un-readies the call.

        `draft=True` stores automatic text; None keeps the field's draft flag as it is, so
        saving a form never confirms a draft silently (that is `confirm_crm_field`).
        """
        policy = self._desk.current_policy()
        field = next((f for f in policy.crm_fields if f.key == key), None) if policy else None
        now = self._desk.clock()
        with self._desk.store.begin() as db:
            get_call(db, call_id)
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
                get_review(db, call_id).ready_to_sync = False

    def draft_crm_field(self, call_id: str, key: str, text: str, source: str) -> None:
        """Automatic text for a field, as a draft (audited as "crm.drafted" with its source)."""
        self.set_crm_field(call_id, key, text, draft=True)
        with self._desk.store.begin() as db:
            self._desk.audit(
                db, "crm.drafted", {"field": key, "source": source}, call_id, self._desk.clock()
            )

    def confirm_crm_field(self, call_id: str, key: str) -> None:
        """The rep accepts an automatic CRM draft (audited as "crm.confirmed")."""
        with self._desk.store.begin() as db:
            note = db.scalar(
                select(CrmNoteRecord).where(
                    CrmNoteRecord.call_id == call_id, CrmNoteRecord.field_key == key
                )
            )
            if note is None:
                raise ReviewError(f"no text for CRM field '{key}' on this call")
            if note.draft:
                now = self._desk.clock()
                note.draft, note.updated_at = False, now
                self._desk.audit(db, "crm.confirmed", {"field": key}, call_id, now)

    def set_human_nuance(self, call_id: str, text: str) -> None:
        """The free note on what the fields cannot hold (tone, hesitation, politics)."""
        with self._desk.store.begin() as db:
            review = get_review(db, call_id)
            review.human_nuance, review.updated_at = text, self._desk.clock()

    def mark_ready(self, call_id: str) -> None:
        """Mark the call ready to sync; raises `NotReadyToSync` naming what is missing."""
        policy = self._desk.current_policy()
        if policy is None:
            raise ReviewError(
                "The policy in force cannot be used, so the required CRM fields are unknown; "
                "the call stays local until a valid policy is in place."
            )
        with self._desk.store.begin() as db:
            call = get_call(db, call_id)
            if call.state != "ended":
                raise ReviewError("end the call before marking it ready to sync")
            missing = missing_labels(crm_field_views(list(call.crm_notes), policy))
            drafts = sum(1 for m in call.moments if m.draft)
            if missing or drafts:
                raise NotReadyToSync(missing, drafts)
            review = get_review(db, call_id)
            if review.ready_to_sync:
                return
            now = self._desk.clock()
            review.ready_to_sync, review.updated_at = True, now
            self._desk.audit(
                db, "call.ready_to_sync", {"policy_version": policy.version}, call_id, now
            )
