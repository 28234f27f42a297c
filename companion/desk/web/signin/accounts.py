"""Local accounts: an admin creates them (`companion desk account add`); a password is
kept as an argon2 hash only. Failed sign-ins are counted per name and per address in the
database (every service process sees the same count), and past the limit a sign-in is
refused before the password is even checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, delete, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from companion.core.errors import UserFacingError
from companion.desk.web.signin.tables import AccountRow, FailedSignInRow

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6465736B776562  # "deskweb": one migrating process at a time
WINDOW = timedelta(minutes=15)
PER_NAME, PER_ADDRESS = 5, 30  # failed sign-ins allowed in WINDOW
# Checked when the name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_PASSWORD = "not a password of anyone"


class SignInRefused(UserFacingError):
    """A sign-in that did not work; the message never says whether the name exists."""


class TooManyAttempts(SignInRefused):
    """Too many failed sign-ins for this name or address; wait, then try again."""


def _current(engine: Engine) -> str | None:
    if not inspect(engine).has_table("desk_web_alembic_version"):
        return None
    with engine.connect() as connection:
        found = connection.execute(text("SELECT version_num FROM desk_web_alembic_version"))
        return found.scalar()


def migrate(engine: Engine) -> None:
    """Bring the web floor's tables to the newest schema (their own Alembic history).

    Several service processes may start at once on one PostgreSQL database: the first
    migrates under an advisory lock, the others wait for it and find the schema current.
    """
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    from companion.desk.edges.database import refuse_newer

    script = ScriptDirectory.from_config(config)
    head = script.get_current_head()
    current = _current(engine)
    refuse_newer(current, [r.revision for r in script.walk_revisions()], head)
    if current == head:
        return
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as guard:
        if postgres:
            guard.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            if _current(engine) != head:
                command.upgrade(config, "head")
        finally:
            if postgres:
                guard.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})


def _default_hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher()  # RFC 9106's low-memory profile (64 MiB, 3 passes)


@dataclass
class Accounts:
    db: sessionmaker[Session]
    # What new hashes cost; a stored hash carries its own parameters when it is checked.
    hasher: PasswordHasher = field(default_factory=_default_hasher)
    _dummy: str = field(init=False, default="")

    def add(self, name: str, password: str, person: str, now: datetime) -> None:
        if len(password) < 12:
            raise UserFacingError("A desk password has at least 12 characters.")
        with self.db.begin() as session:
            if session.get(AccountRow, name) is not None:
                raise UserFacingError(f"The account '{name}' exists already.")
            session.add(AccountRow(name=name, password_hash=self.hasher.hash(password),
                                   person=person, created_at=now))  # fmt: skip

    def remove(self, name: str) -> bool:
        with self.db.begin() as session:
            row = session.get(AccountRow, name)
            if row is None:
                return False
            session.delete(row)
            return True

    def _failures(self, session: Session, name: str, address: str, now: datetime) -> bool:
        since = now - WINDOW
        by_name = session.execute(
            select(func.count()).where(FailedSignInRow.name == name, FailedSignInRow.at >= since)
        ).scalar_one()
        by_address = session.execute(
            select(func.count()).where(
                FailedSignInRow.address == address, FailedSignInRow.at >= since
            )
        ).scalar_one()
        return by_name >= PER_NAME or by_address >= PER_ADDRESS

    def check(self, name: str, password: str, address: str, now: datetime) -> str:
        """The person `name` signs in as; refused on a wrong name or password, or when the
        name or address failed too often in the last 15 minutes."""
        from argon2.exceptions import InvalidHashError, VerificationError

        name = name.strip()[:200]
        with self.db() as session:
            if self._failures(session, name, address, now):
                raise TooManyAttempts(
                    "Too many failed sign-ins; this account is paused for 15 minutes.",
                    "Wait, then try again; ask the desk's administrator if you forgot it.",
                )
            row = session.get(AccountRow, name)
        hasher = self.hasher
        try:
            if row is None:
                self._dummy = self._dummy or hasher.hash(_DUMMY_PASSWORD)
                hasher.verify(self._dummy, password + "x")
            else:
                hasher.verify(row.password_hash, password)
                return row.person
        except (VerificationError, InvalidHashError):
            pass
        with self.db.begin() as session:
            session.add(FailedSignInRow(name=name, address=address[:80], at=now))
            session.execute(
                delete(FailedSignInRow).where(FailedSignInRow.at < now - 4 * WINDOW),
                execution_options={"synchronize_session": False},
            )
        raise SignInRefused("That name and password do not match an account.")
