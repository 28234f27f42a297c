"""Transcripts: the job queue per call, and a blind search index.

The transcript text itself is never in this database: it is an encrypted file (the
audio container, under the audio master key). `transcript_search` holds keyed hashes
of the spoken words (HMAC-SHA256 under a key derived from the master key), so the
library finds calls by what was said while a copy of the database reveals no words.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transcripts",
        sa.Column(
            "call_id",
            sa.String(36),
            sa.ForeignKey("calls.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("state", sa.String(16), nullable=False),  # queued, running, done, failed
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("engine", sa.Text, nullable=False, server_default=""),
        sa.Column("model", sa.Text, nullable=False, server_default=""),
        sa.Column("language", sa.String(16), nullable=False, server_default=""),
        sa.Column("path", sa.Text, nullable=False, server_default=""),
        sa.Column("lines", sa.Integer, nullable=False, server_default="0"),
        sa.Column("redactions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute("CREATE VIRTUAL TABLE transcript_search USING fts5(call_id UNINDEXED, terms)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS transcript_search")
    op.drop_table("transcripts")
