"""The web floor's own tables in the service's database: accounts, sessions, failed
sign-ins. Nothing here opens a call; a session names a person, never a key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class WebBase(DeclarativeBase):
    pass


class AccountRow(WebBase):
    """A local account: its argon2 hash and the person in `[access]` it signs in as."""

    __tablename__ = "web_accounts"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)
    person: Mapped[str] = mapped_column(String(240))  # "reviewer:dana" or "approver:legal"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SessionRow(WebBase):
    """A browser's session; `person` is empty before sign-in (CSRF and OIDC state only)."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[str | None] = mapped_column(String(240))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data: Mapped[str] = mapped_column(Text, default="{}")  # JSON: openings, OIDC state
    __table_args__ = (Index("web_sessions_by_age", "seen_at"),)


class FailedSignInRow(WebBase):
    """A wrong password (or an unknown name), for the rate limit."""

    __tablename__ = "web_failed_signins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("web_failed_by_name", "name", "at"),
        Index("web_failed_by_address", "address", "at"),
    )
