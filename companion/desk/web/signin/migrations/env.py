"""Alembic environment of the web floor's tables (their own version table, beside the
service's `desk_alembic_version`)."""

from alembic import context

from companion.desk.web.signin.tables import WebBase

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=WebBase.metadata,
        version_table="desk_web_alembic_version",
        render_as_batch=True,
    )
    context.run_migrations()
