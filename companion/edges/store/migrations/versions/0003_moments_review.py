"""Review after the call: tag snapshots, drafts, CRM notes, nuance, readiness, search.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

- moments: tag_label/tag_color (the tag as the policy showed it when it was set, so a
  tag a newer policy removed still displays), draft (automatic text the rep has not
  confirmed), updated_at.
- call_reviews: one row per call (created by a trigger on calls) with the human nuance
  note, ready_to_sync and sync_state. A side table rather than new columns on calls,
  so `INSERT INTO calls VALUES (...)` written against the 0001 shape keeps working and
  the call record stays the evidence it was.
- crm_notes: the text of each CRM field the policy asks for, per call.
- call_search: an FTS5 table, one document per call (rowid = call_reviews.id): account,
  moment notes and tag labels, CRM text, nuance. Triggers keep it in step with every
  writer (CallService, ReviewService, bulk loads) inside the writer's own transaction,
  so the index can never disagree with the data, whoever wrote it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

# Rebuild one call's search document; {call} is an SQL expression giving the call id.
REFRESH = """
INSERT OR REPLACE INTO call_search(rowid, account, moments, crm, nuance)
SELECT r.id, c.account,
  COALESCE((SELECT group_concat(COALESCE(m.tag_label, m.tag, '') || ' ' || m.note, char(10))
            FROM moments m WHERE m.call_id = c.id), ''),
  COALESCE((SELECT group_concat(n.text, char(10)) FROM crm_notes n WHERE n.call_id = c.id), ''),
  r.human_nuance
FROM calls c JOIN call_reviews r ON r.call_id = c.id WHERE c.id = {call};
"""

TRIGGERS = {
    "calls_review_row": (
        "AFTER INSERT ON calls BEGIN "
        "INSERT OR IGNORE INTO call_reviews(call_id, human_nuance, ready_to_sync, sync_state) "
        "VALUES (NEW.id, '', 0, 'local');" + REFRESH.format(call="NEW.id") + " END"
    ),
    "calls_search_account": (
        "AFTER UPDATE OF account ON calls BEGIN " + REFRESH.format(call="NEW.id") + " END"
    ),
    "call_reviews_search_nuance": (
        "AFTER UPDATE OF human_nuance ON call_reviews BEGIN "
        + REFRESH.format(call="NEW.call_id")
        + " END"
    ),
    "call_reviews_search_delete": (
        "AFTER DELETE ON call_reviews BEGIN DELETE FROM call_search WHERE rowid = OLD.id; END"
    ),
    "moments_search_insert": (
        "AFTER INSERT ON moments BEGIN " + REFRESH.format(call="NEW.call_id") + " END"
    ),
    "moments_search_update": (
        "AFTER UPDATE OF note, tag, tag_label ON moments BEGIN "
        + REFRESH.format(call="NEW.call_id")
        + " END"
    ),
    "moments_search_delete": (
        "AFTER DELETE ON moments BEGIN " + REFRESH.format(call="OLD.call_id") + " END"
    ),
    "crm_notes_search_insert": (
        "AFTER INSERT ON crm_notes BEGIN " + REFRESH.format(call="NEW.call_id") + " END"
    ),
    "crm_notes_search_update": (
        "AFTER UPDATE OF text ON crm_notes BEGIN " + REFRESH.format(call="NEW.call_id") + " END"
    ),
    "crm_notes_search_delete": (
        "AFTER DELETE ON crm_notes BEGIN " + REFRESH.format(call="OLD.call_id") + " END"
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("moments") as batch:
        batch.add_column(sa.Column("tag_label", sa.Text, nullable=True))
        batch.add_column(sa.Column("tag_color", sa.String(7), nullable=True))
        batch.add_column(
            sa.Column("draft", sa.Boolean, nullable=False, server_default=sa.text("0"))
        )
        batch.add_column(sa.Column("updated_at", TZ, nullable=True))
    op.create_index("ix_moments_tag_call_id", "moments", ["tag", "call_id"])
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_table(
        "call_reviews",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_id",
            sa.String(36),
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("human_nuance", sa.Text, nullable=False, server_default=""),
        sa.Column("ready_to_sync", sa.Boolean, nullable=False, server_default=sa.text("0")),
        sa.Column("sync_state", sa.String(16), nullable=False, server_default="local"),
        sa.Column("updated_at", TZ, nullable=True),
    )
    op.create_table(
        "crm_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("field_key", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("draft", sa.Boolean, nullable=False, server_default=sa.text("0")),
        sa.Column("updated_at", TZ, nullable=True),
        sa.UniqueConstraint("call_id", "field_key", name="uq_crm_notes_call_field"),
    )
    op.execute(
        "CREATE VIRTUAL TABLE call_search USING fts5("
        "account, moments, crm, nuance, tokenize = 'unicode61 remove_diacritics 2')"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    # Calls written before this revision get their review row and search document now.
    op.execute(
        "INSERT INTO call_reviews(call_id, human_nuance, ready_to_sync, sync_state) "
        "SELECT id, '', 0, 'local' FROM calls"
    )
    op.execute(REFRESH.format(call="c.id"))  # every call


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS call_search")
    op.drop_table("crm_notes")
    op.drop_table("call_reviews")
    op.drop_index("ix_calls_started_at", "calls")
    op.drop_index("ix_moments_tag_call_id", "moments")
    with op.batch_alter_table("moments") as batch:
        for column in ("updated_at", "draft", "tag_color", "tag_label"):
            batch.drop_column(column)
