"""Browser sessions: a random token in a cookie, its SHA-256 in the database.

The cookie is `HttpOnly`, `SameSite=Lax` (the identity provider's redirect back is a
top-level GET, which Lax lets through; a cross-site POST never carries it) and `Secure`
unless the settings allow plain HTTP on loopback. A session ends after `idle` without a
request, after `longest` in any case, and at sign-out (its row is marked ended, so the
same cookie replayed later is refused). Signing in starts a new session (no fixation).
Each session has its CSRF token; every form carries it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from companion.desk.web.signin.tables import SessionRow

TOUCH_EVERY = timedelta(seconds=30)  # write `seen_at` at most this often


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class BrowserSession:
    """One browser's session as loaded for a request."""

    token: str
    person: str | None
    csrf: str
    data: dict[str, Any] = field(default_factory=dict)
    new: bool = False  # the cookie must be (re)sent

    @property
    def holder(self) -> str:
        """This session as the service's plays know it: the hash, never the token."""
        return _hash(self.token)

    def csrf_matches(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(self.csrf, str(sent))


@dataclass
class Sessions:
    db: sessionmaker[Session]
    idle: timedelta
    longest: timedelta = timedelta(hours=12)

    def start(self, now: datetime, person: str | None = None) -> BrowserSession:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.db.begin() as session:
            session.add(
                SessionRow(token_hash=_hash(token), person=person, csrf=csrf, created_at=now,
                           seen_at=now, ended_at=None, data="{}")
            )  # fmt: skip
        return BrowserSession(token, person, csrf, {}, new=True)

    def load(self, token: str | None, now: datetime) -> BrowserSession | None:
        """The live session of `token`, or None (unknown, ended, idle or too old)."""
        if not token or len(token) > 100:
            return None
        with self.db.begin() as session:
            row = session.get(SessionRow, _hash(token))
            if row is None or row.ended_at is not None:
                return None
            if now - _aware(row.seen_at) > self.idle or now - _aware(row.created_at) > self.longest:
                row.ended_at = now
                return None
            if now - _aware(row.seen_at) > TOUCH_EVERY:
                row.seen_at = now
            return BrowserSession(token, row.person, row.csrf, json.loads(row.data or "{}"))

    def save_data(self, browser: BrowserSession) -> None:
        with self.db.begin() as session:
            row = session.get(SessionRow, _hash(browser.token))
            if row is not None:
                row.data = json.dumps(browser.data)

    def end(self, token: str, now: datetime) -> None:
        with self.db.begin() as session:
            row = session.get(SessionRow, _hash(token))
            if row is not None:
                row.ended_at = now
                row.data = "{}"
            # Old rows are of no use: drop what ended or went idle long ago.
            session.execute(
                delete(SessionRow).where(SessionRow.seen_at < now - self.longest * 2),
                execution_options={"synchronize_session": False},
            )

    def sign_in(self, old: BrowserSession | None, person: str, now: datetime) -> BrowserSession:
        """A new session for `person`; the visitor's session before it ends."""
        if old is not None:
            self.end(old.token, now)
        return self.start(now, person)
