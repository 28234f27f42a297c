"""A desk older than its database refuses it: one line, exit 2, the database untouched
(an older desk's migrations would not know the newer tables, and must not guess)."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest
from peers.commands import companion

from companion.desk.edges.database import open_database
from companion.desk.web.signin.accounts import migrate

NEWER = "9999"


def _stamped(world, table: str = "desk_alembic_version", newer: str = NEWER) -> str:
    """The world's SQLite database, migrated, then stamped as a newer desk would leave it."""
    engine = open_database(world.database).kw["bind"]
    migrate(engine)  # the web desk's tables too
    engine.dispose()
    with sqlite3.connect(world.database) as connection:
        connection.execute(f"UPDATE {table} SET version_num = ?", (newer,))
    return world.database


def _contents(path: str) -> str:
    """Every table's schema and rows (the file's bytes move when its WAL is checkpointed)."""
    with sqlite3.connect(path) as connection:
        return hashlib.sha256("\n".join(connection.iterdump()).encode()).hexdigest()


@pytest.mark.parametrize("verb", [["serve", "--listen", "127.0.0.1:0"], ["ingest"]])
def test_a_desk_refuses_a_database_a_newer_desk_migrated(world, verb):
    database = _stamped(world)
    before = _contents(database)

    done = companion("desk", verb[0], "--config", str(world.config_file()), *verb[1:])

    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # one line, no traceback
    assert f"the desk database is at schema {NEWER}, newer than this desk (" in lines[0]
    assert "upgrade the desk, do not downgrade the database" in lines[0]
    assert _contents(database) == before
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT version_num FROM desk_alembic_version").fetchall() == [
            (NEWER,)
        ]


def test_the_service_refuses_web_tables_a_newer_desk_migrated(world):
    database = _stamped(world, "desk_web_alembic_version", "w9999")
    before = _contents(database)

    done = companion("desk", "serve", "--config", str(world.config_file()), "--listen",
                     "127.0.0.1:0")  # fmt: skip

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: the desk database is at schema w9999, newer than this desk (w0001): "
        "upgrade the desk, do not downgrade the database"
    ]
    assert _contents(database) == before
