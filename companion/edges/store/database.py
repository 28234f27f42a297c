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


def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
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
        raise StoreError(f"{path}: cannot open the database: {error}") from error
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
