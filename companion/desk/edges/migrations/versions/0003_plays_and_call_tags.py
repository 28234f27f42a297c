"""Plays (one receipt per play of a call's audio) and the calls' moment tags

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plays",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("call", sa.String(length=120), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approval", sa.String(length=80), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plays_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "call_tags",
        sa.Column("package_id", sa.String(length=120), nullable=False),
        sa.Column("tag", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("package_id", "tag"),
    )
    with op.batch_alter_table("call_tags", schema=None) as batch_op:
        batch_op.create_index("call_tags_by_tag", ["tag", "package_id"], unique=False)
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tags_read", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("tags_read")
    with op.batch_alter_table("call_tags", schema=None) as batch_op:
        batch_op.drop_index("call_tags_by_tag")
    op.drop_table("call_tags")
    with op.batch_alter_table("plays", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plays_expires_at"))
    op.drop_table("plays")
