"""The program report's numbers kept at ingest (consent, account; concerns' categories)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 16:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("consent_status", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("consent_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("unclear_answers", sa.Integer(), nullable=True))
    op.create_table(
        "concerns",
        sa.Column("package_id", sa.String(length=120), nullable=False),
        sa.Column("category_label", sa.String(length=200), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("package_id"),
    )


def downgrade() -> None:
    op.drop_table("concerns")
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.drop_column("unclear_answers")
        batch_op.drop_column("consent_reason")
        batch_op.drop_column("consent_status")
        batch_op.drop_column("account")
