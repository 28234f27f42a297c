"""The desk service's tables: its index of calls (and concerns' categories), receipt
chains, approvals, holds, refusals, reps' recipients, enrolled devices, the ingest cursor
and signed requests' nonces.

Separate from the rep's store (`companion.edges.store`): its own metadata and migrations.
Nothing here holds key material: the organisation's identity lives in the custodian's file.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class DeskBase(DeclarativeBase):
    pass


class CallRow(DeskBase):
    """A call the service ingested: its facts come from the decrypted, checked manifest."""

    __tablename__ = "calls"
    package_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    rep: Mapped[str] = mapped_column(String(200))
    call_type: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    has_audio: Mapped[bool] = mapped_column(Boolean)
    has_transcript: Mapped[bool] = mapped_column(Boolean)
    retain_until: Mapped[date | None] = mapped_column(Date)
    files: Mapped[str] = mapped_column(Text)  # JSON: encrypted name -> {size, sha256}
    device: Mapped[str | None] = mapped_column(String(120))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Whether `call_tags` holds this call's tags; NULL for calls ingested before tags were
    # indexed (the next ingest reads their signed manifest again and fills them in).
    tags_read: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # What the program report counts and legal holds match, from the same manifest, so
    # the report decrypts nothing (None: ingested before these were kept; ingest fills in).
    account: Mapped[str | None] = mapped_column(String(200))
    consent_status: Mapped[str | None] = mapped_column(String(40))
    consent_reason: Mapped[str | None] = mapped_column(Text)
    unclear_answers: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        Index("calls_by_rep", "rep", "started_at"),
        Index("calls_by_time", "started_at"),
        Index("calls_by_type", "call_type", "started_at"),
    )


class CallTagRow(DeskBase):
    """A tag of one of the call's moments, from its signed, decrypted manifest."""

    __tablename__ = "call_tags"
    package_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    tag: Mapped[str] = mapped_column(String(120), primary_key=True)
    __table_args__ = (Index("call_tags_by_tag", "tag", "package_id"),)


class PlayRow(DeskBase):
    """One play of a call's audio: its receipt is written when it starts; the byte-range
    requests of that play carry its token (only its hash is kept) and write none."""

    __tablename__ = "plays"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    holder: Mapped[str] = mapped_column(String(64))  # the browser session's hash
    call: Mapped[str] = mapped_column(String(120))
    part: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    approval: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class QuarantineRow(DeskBase):
    """A package the service would not list, and why (unsigned, unknown device, mismatch)."""

    __tablename__ = "quarantine"
    package_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChainHead(DeskBase):
    """The newest receipt of a rep's chain: the row each writer locks first."""

    __tablename__ = "chain_heads"
    rep: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class ReceiptRow(DeskBase):
    __tablename__ = "receipts"
    rep: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64))
    prev: Mapped[str] = mapped_column(String(64))
    call: Mapped[str | None] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)  # the signed document, canonical JSON
    sealed_for_rep: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApprovalRow(DeskBase):
    __tablename__ = "approvals"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(200), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    calls: Mapped[str] = mapped_column(Text)  # JSON list of package ids
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # requested, approved, refused
    approver: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HoldRow(DeskBase):
    __tablename__ = "holds"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    matter: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)  # JSON {calls, accounts, reps}
    approver: Mapped[str] = mapped_column(String(200))
    review_on: Mapped[date] = mapped_column(Date)
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[str | None] = mapped_column(String(200))
    release_reason: Mapped[str | None] = mapped_column(Text)


class RefusalRow(DeskBase):
    """Every refusal of the one door, audited: who, what, which rule."""

    __tablename__ = "refusals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewer: Mapped[str] = mapped_column(String(200))
    read: Mapped[str] = mapped_column(String(40))
    call: Mapped[str | None] = mapped_column(String(120))
    rule: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)


class RepRow(DeskBase):
    """A rep's own age recipient, once published: receipts are sealed to it too."""

    __tablename__ = "reps"
    rep: Mapped[str] = mapped_column(String(200), primary_key=True)
    recipient: Mapped[str | None] = mapped_column(String(200))


class DeviceRow(DeskBase):
    """An enrolled device: its Ed25519 key signs the rep's packages."""

    __tablename__ = "devices"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # base64 public key
    rep: Mapped[str] = mapped_column(String(200))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    enrolled_by: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(80))


class EnrolmentCodeRow(DeskBase):
    """A one-time enrolment code an admin made for a rep: only its SHA-256 is kept."""

    __tablename__ = "enrolment_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    rep: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    team: Mapped[str | None] = mapped_column(String(80))
    made_by: Mapped[str | None] = mapped_column(String(200))
    made_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    device: Mapped[str | None] = mapped_column(String(64))  # the key it bound, once used


class IngestState(DeskBase):
    __tablename__ = "ingest_state"
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class NonceRow(DeskBase):
    """A signed request's nonce, kept for the signing window: a second request with it
    is a replay (`desk.edges.nonces`)."""

    __tablename__ = "request_nonces"
    signer: Mapped[str] = mapped_column(String(200), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ConcernRow(DeskBase):
    """A concern a rep raised, as the program report counts it: its category, nothing of
    its text or its rep (anonymous ones name none)."""

    __tablename__ = "concerns"
    package_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    category_label: Mapped[str] = mapped_column(String(200))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
