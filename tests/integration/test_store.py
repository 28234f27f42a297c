"""The SQLite store: WAL, foreign keys, migrations, refusal of a newer database."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from companion.edges.store.database import (
    MIGRATIONS,
    StoreError,
    _revisions_on_disk,
    backup_database,
    open_store,
)

HEAD = max(_revisions_on_disk(MIGRATIONS))


def test_a_new_store_is_migrated_with_wal_and_foreign_keys(tmp_path):
    factory = open_store(tmp_path / "c.db")
    with factory() as db:
        assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
        with pytest.raises(Exception, match="FOREIGN KEY"):
            db.execute(
                text(
                    "INSERT INTO moments (call_id, offset_ms, note, had_audio, created_at) "
                    "VALUES ('no-such-call', 0, '', 0, '2026-01-01')"
                )
            )


def test_a_database_from_a_newer_version_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "c.db"
    open_store(path).kw["bind"].dispose()
    db = sqlite3.connect(path)
    db.execute("UPDATE alembic_version SET version_num = '0099'")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer Rep Companion"):
        open_store(path)
    assert path.read_bytes() == before


def test_a_file_that_is_not_a_database_gets_a_clear_error(tmp_path):
    path = tmp_path / "c.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the database") as refused:
        open_store(path)
    # One line naming the file and the fix; SQLAlchemy's own text stays out of it.
    assert "\n" not in str(refused.value) and str(path) in str(refused.value)
    assert "sqlalche.me" not in refused.value.shown() and "Background" not in str(refused.value)
    assert ".bak" in refused.value.fix


def test_backup_is_a_complete_readable_copy(tmp_path):
    path = tmp_path / "c.db"
    factory = open_store(path)
    with factory.begin() as db:
        db.execute(
            text(
                "INSERT INTO calls VALUES ('c1','Acme','demo','DE','rep','1','ended','declined','',"
                "'2026-01-01','2026-01-01')"
            )
        )
    copy = backup_database(path, "test")
    assert sqlite3.connect(copy).execute("SELECT account FROM calls").fetchall() == [("Acme",)]


NEXT_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "0999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("colour", sa.Text, nullable=True))
"""


def test_migrating_an_existing_database_keeps_a_backup_first(tmp_path):
    import shutil

    from companion.edges.store.database import MIGRATIONS

    path = tmp_path / "c.db"
    with open_store(path).begin() as db:
        db.execute(
            text(
                "INSERT INTO calls VALUES ('c1','Acme','demo','DE','rep','1','ended','declined','',"
                "'2026-01-01','2026-01-01')"
            )
        )
    newer = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, newer)
    (newer / "versions" / "0999_colour.py").write_text(
        NEXT_MIGRATION.format(head=HEAD), encoding="utf-8"
    )
    factory = open_store(path, migrations=newer)
    with factory() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0999"
        assert db.execute(text("SELECT account, colour FROM calls")).all() == [("Acme", None)]
    backups = list(tmp_path.glob("c.db.before-0999.*.bak"))
    assert len(backups) == 1
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    assert old.execute("SELECT account FROM calls").fetchall() == [("Acme",)]


def test_the_quick_up_to_date_check_agrees_with_alembic():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from companion.edges.store.database import MIGRATIONS, _revisions_on_disk

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(config)
    assert max(_revisions_on_disk(MIGRATIONS)) == scripts.get_current_head()
    assert _revisions_on_disk(MIGRATIONS) == {r.revision for r in scripts.walk_revisions()}
