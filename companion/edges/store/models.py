"""SQLAlchemy 2.x typed models for the rep's calls, consent evidence, moments and audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class CallRecord(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account: Mapped[str] = mapped_column(Text)
    call_type: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(16))
    rep: Mapped[str] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32), default="pending")
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    consent_events: Mapped[list[ConsentEventRecord]] = relationship(
        back_populates="call", order_by="ConsentEventRecord.id", cascade="all, delete-orphan"
    )
    moments: Mapped[list[MomentRecord]] = relationship(
        back_populates="call", order_by="MomentRecord.offset_ms", cascade="all, delete-orphan"
    )
    # Created by a database trigger when the call is inserted (see migration 0003).
    review: Mapped[CallReviewRecord | None] = relationship(
        back_populates="call", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )
    crm_notes: Mapped[list[CrmNoteRecord]] = relationship(
        back_populates="call",
        order_by="CrmNoteRecord.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ConsentEventRecord(Base):
    """Evidence an auditor can check: what was asked, in which words, and the answer."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # granted, declined, withdrawn
    policy_version: Mapped[str] = mapped_column(String(64))
    script_version: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    rep: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # SHA-256 of the exact script text read (empty before revision 0007), and the text
    # itself where the policy asks for it.
    script_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    script_text: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)

    call: Mapped[CallRecord] = relationship(back_populates="consent_events")


class MomentRecord(Base):
    __tablename__ = "moments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    offset_ms: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    had_audio: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The tag as the policy showed it when set: a tag a newer policy dropped still displays.
    tag_label: Mapped[str | None] = mapped_column(Text, nullable=True)
    tag_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    # Automatic (e.g. AI) text the rep has not confirmed yet: shown as a draft.
    draft: Mapped[bool] = mapped_column(default=False, server_default=sql_text("0"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    call: Mapped[CallRecord] = relationship(back_populates="moments")


class CallReviewRecord(Base):
    """The after-call review of one call: nuance note, readiness and sync state.

    Its integer id is also the rowid of the call's document in the `call_search` FTS5
    table, which triggers keep up to date (migration 0003).
    """

    __tablename__ = "call_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), unique=True)
    human_nuance: Mapped[str] = mapped_column(Text, default="", server_default="")
    ready_to_sync: Mapped[bool] = mapped_column(default=False, server_default=sql_text("0"))
    sync_state: Mapped[str] = mapped_column(String(16), default="local", server_default="local")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    call: Mapped[CallRecord] = relationship(back_populates="review")


class CrmNoteRecord(Base):
    """The rep's text for one CRM field the policy asks for (key as in `crm_fields`)."""

    __tablename__ = "crm_notes"
    __table_args__ = (UniqueConstraint("call_id", "field_key", name="uq_crm_notes_call_field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    field_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    draft: Mapped[bool] = mapped_column(default=False, server_default=sql_text("0"))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    call: Mapped[CallRecord] = relationship(back_populates="crm_notes")


class AuditEventRecord(Base):
    """One link of the append-only, hash-chained audit trail (triggers forbid edits)."""

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO text: hashed exactly as stored
    actor: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchorRecord(Base):
    """The chain's head (count and last hash), so a deleted tail entry is noticed too."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class RecordingSegmentRecord(Base):
    """One encrypted audio file: a stretch of recording from a grant to a pause or stop."""

    __tablename__ = "recording_segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    call_offset_ms: Mapped[int] = mapped_column(Integer)  # where it starts in the call
    frames: Mapped[int] = mapped_column(Integer, default=0)
    sides: Mapped[str] = mapped_column(String(32), default="")  # e.g. "mic,far_end"
    overflows: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16))  # recording, complete, recovered, discarded
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SyncJobRecord(Base):
    """The durable sync queue: one row per call that is ready, surviving restarts."""

    __tablename__ = "sync_jobs"

    call_id: Mapped[str] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))  # queued, delivered
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ConcernRecord(Base):
    """A concern raised by the rep ("speak up"); anonymous ones carry no rep name."""

    __tablename__ = "concerns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    rep: Mapped[str | None] = mapped_column(Text, nullable=True)  # None when anonymous
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TranscriptRecord(Base):
    """A call's transcription: its job state, and where the encrypted transcript is."""

    __tablename__ = "transcripts"

    call_id: Mapped[str] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))  # queued, running, done, failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    engine: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    path: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[int] = mapped_column(Integer, default=0)
    redactions: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
