"""Opening the SQLite store: WAL, foreign keys, a backup, then Alembic migrations.

A database written by a newer app version is refused, never changed: the rep's
data stays readable by the version that wrote it.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from companion.core.errors import UserFacingError

if TYPE_CHECKING:  # alembic loads only when the store is opened
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(UserFacingError):
    """A store problem the rep or IT can act on (newer version, disk full, locked, corrupt)."""


class StoreFull(StoreError):
    """The disk under the store is full: the write can be tried again once there is room."""


# SQLite's own words (sqlite3 error messages) -> what the rep reads, and what to do.
_SQLITE_PROBLEMS: tuple[tuple[str, type[StoreError], str, str], ...] = (
    (
        "database or disk is full",
        StoreFull,
        "the disk is full, so Rep Companion cannot save",
        "Free some disk space; what you mark meanwhile is kept and saved as soon as there is room.",
    ),
    (
        "database is locked",
        StoreError,
        "the database is busy in another program",
        "Close other copies of Rep Companion, then try again.",
    ),
    (
        "disk i/o error",
        StoreError,
        "the disk reported a read or write error",
        "Check the disk (or the network drive) that holds your profile, then try again.",
    ),
    (
        "readonly database",
        StoreError,
        "the database cannot be written (read-only)",
        "Check the permissions of your profile folder.",
    ),
    (
        "unable to open database file",
        StoreError,
        "the database file cannot be opened",
        "Check that the profile folder exists and can be written.",
    ),
    (
        "file is not a database",
        StoreError,
        "cannot open the database: the file is damaged or not a Rep Companion database",
        "Restore it from a .bak copy next to it, or move it aside to start afresh.",
    ),
    (
        "database disk image is malformed",
        StoreError,
        "cannot open the database: the file is damaged",
        "Restore it from a .bak copy next to it, or move it aside to start afresh.",
    ),
)


def store_problem(error: BaseException, path: Path | None = None) -> StoreError | None:
    """The user-facing form of a SQLite failure, in one line; None for anything else (a bug).

    SQLAlchemy's own text ("Background on this error at: ...") stays in the log.
    """
    original = getattr(error, "orig", None) or error
    text = str(original).lower()
    where = f"{path}: " if path else ""
    for words, kind, message, fix in _SQLITE_PROBLEMS:
        if words in text:
            return kind(f"{where}{message}.", fix)
    return None


def _translate(context: ExceptionContext) -> StoreError | None:
    """Every store read and write fails with a StoreError where the environment is at fault."""
    problem = store_problem(context.original_exception, _database_path(context.engine))
    if problem is not None:
        log.info("store: %s (%s)", problem, context.original_exception)
    return problem


def _database_path(engine: Engine | None) -> Path | None:
    database = engine.url.database if engine is not None else None
    return Path(database) if database else None


def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "handle_error", _translate)
    return engine


def _alembic_config(engine: Engine, migrations: Path) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.attributes["engine"] = engine
    return config


def _current_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table("alembic_version"):
        return None
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup_database(path: Path, label: str) -> Path:
    """A consistent copy via SQLite's online backup, even with WAL pages pending."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.{label}.{stamp}.bak")
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target


def _revisions_on_disk(migrations: Path) -> set[str]:
    """Revision ids by file name (`NNNN_*.py`): enough to skip Alembic when up to date."""
    return {p.name.split("_", 1)[0] for p in (migrations / "versions").glob("[0-9]*_*.py")}


def open_store(path: Path, migrations: Path = MIGRATIONS) -> sessionmaker:
    """Migrate (after a backup) and return a session factory; raise StoreError if refused."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(path)
    try:
        current = _current_revision(engine)
        if current is None or current != max(_revisions_on_disk(migrations)):
            _migrate(path, engine, migrations, current)
    except (sqlite3.DatabaseError, DatabaseError) as error:
        engine.dispose()
        problem = store_problem(error, path)
        if problem is not None:
            raise problem from error
        raise StoreError(f"{path}: cannot open the database: {error.__class__.__name__}") from error
    return sessionmaker(engine, expire_on_commit=False)


def _migrate(path: Path, engine: Engine, migrations: Path, current: str | None) -> None:
    """Alembic is imported only here: most starts find the store up to date."""
    from alembic import command
    from alembic.script import ScriptDirectory

    config = _alembic_config(engine, migrations)
    scripts = ScriptDirectory.from_config(config)
    head = scripts.get_current_head()
    if current is not None and current != head:
        if current not in {rev.revision for rev in scripts.walk_revisions()}:
            raise StoreError(
                f"{path} was written by a newer Rep Companion (schema {current}); "
                "update the app to open it. Nothing was changed."
            )
        kept = backup_database(path, f"before-{head}")
        log.info("backed up %s to %s before migrating %s -> %s", path, kept, current, head)
    if current != head:
        command.upgrade(config, "head")
