"""Opening the desk's database: a SQLite file by default, PostgreSQL at scale, the same
code through SQLAlchemy; Alembic brings either to the newest schema on open.

Several service processes may share one PostgreSQL database: they keep no state of their
own, and a receipt chain's head row is locked (`SELECT ... FOR UPDATE`; on SQLite the
database's one write lock) before its next receipt is numbered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from companion.core.errors import UserFacingError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DeskDatabaseError(UserFacingError):
    """The desk's database cannot be opened or written; the message says why."""


def database_url(value: str) -> str:
    """A SQLAlchemy URL; a plain path means a SQLite file there."""
    if "://" in value:
        return value.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def _sqlite_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=FULL")  # a receipt committed is a receipt kept
    cursor.close()


def make_engine(url: str) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_connect)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _revisions_on_disk() -> list[str]:
    """The revisions this desk knows, by file name (`NNNN_*.py`): no Alembic import."""
    return sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


class NewerSchema(DeskDatabaseError):
    """The database was migrated by a newer desk: this one must not touch it."""


def refuse_newer(current: str | None, known: list[str], head: str | None) -> None:
    """Raise when the database's revision is one this desk's migrations do not know."""
    if current is not None and current not in known:
        raise NewerSchema(
            f"the desk database is at schema {current}, newer than this desk ({head}): "
            "upgrade the desk, do not downgrade the database"
        )


def _migrate(engine: Engine) -> None:
    known = _revisions_on_disk()
    if inspect(engine).has_table("desk_alembic_version"):
        with engine.connect() as connection:
            current = connection.execute(
                text("SELECT version_num FROM desk_alembic_version")
            ).scalar()
        refuse_newer(current, known, known[-1])  # before Alembic could write anything
        if current == known[-1]:
            return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    command.upgrade(config, "head")


def open_database(url: str) -> sessionmaker[Session]:
    """Migrate to the newest schema and return a session factory."""
    engine = make_engine(url)
    try:
        _migrate(engine)
    except NewerSchema:
        engine.dispose()
        raise
    except SQLAlchemyError as error:
        engine.dispose()
        raise DeskDatabaseError(
            f"The desk's database cannot be opened: {first_line(error)}",
            "Check the `database` setting in the desk's configuration and that the "
            "database server is running.",
        ) from error
    return sessionmaker(engine, expire_on_commit=False)


def first_line(error: BaseException) -> str:
    original: Any = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_ignoring(session: Session, table: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING, on either database."""
    if dialect(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()
