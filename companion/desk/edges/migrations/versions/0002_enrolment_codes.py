"""Enrolment codes carry their team, who made them, and the device they bound

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("enrolment_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("made_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("made_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("device", sa.String(length=64), nullable=True))
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("team")
    with op.batch_alter_table("enrolment_codes", schema=None) as batch_op:
        batch_op.drop_column("device")
        batch_op.drop_column("made_at")
        batch_op.drop_column("made_by")
        batch_op.drop_column("team")
