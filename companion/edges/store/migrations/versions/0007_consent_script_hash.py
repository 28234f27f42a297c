"""Consent evidence that stands on its own: the SHA-256 of the exact script text read.

`script_sha256` (hex, empty for events recorded before this revision) and, where the
policy asks for it (`[consent] include_script_text = true`), `script_text` itself, so
an auditor needs no archive of old policies to know what the customer heard.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consent_events") as batch:
        batch.add_column(
            sa.Column("script_sha256", sa.String(64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("script_text", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("consent_events") as batch:
        batch.drop_column("script_text")
        batch.drop_column("script_sha256")
