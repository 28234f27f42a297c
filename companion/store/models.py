"""SQLAlchemy 2.x typed models for the rep's calls, consent evidence, moments and audit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
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

    call: Mapped[CallRecord] = relationship(back_populates="moments")


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
