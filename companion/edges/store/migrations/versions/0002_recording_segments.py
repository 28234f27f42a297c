"""Recording segments: one encrypted Ogg Opus file per stretch of consented recording.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recording_segments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "call_id", sa.String(36), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("path", sa.Text, nullable=False, unique=True),
        sa.Column("call_offset_ms", sa.Integer, nullable=False),
        sa.Column("frames", sa.Integer, nullable=False),
        sa.Column("sides", sa.String(32), nullable=False),
        sa.Column("overflows", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_recording_segments_call_id", "recording_segments", ["call_id"])


def downgrade() -> None:
    op.drop_table("recording_segments")
