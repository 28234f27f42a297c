"""The web floor's tables: accounts, sessions, failed sign-ins

Revision ID: w0001
Revises:
Create Date: 2026-12-07 13:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "w0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_accounts",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("person", sa.String(length=240), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person", sa.String(length=240), nullable=True),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_index("web_sessions_by_age", "web_sessions", ["seen_at"])
    op.create_table(
        "web_failed_signins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("web_failed_by_name", "web_failed_signins", ["name", "at"])
    op.create_index("web_failed_by_address", "web_failed_signins", ["address", "at"])


def downgrade() -> None:
    op.drop_table("web_failed_signins")
    op.drop_index("web_sessions_by_age", "web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("web_accounts")
