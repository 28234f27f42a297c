"""Alembic environment of the desk's own database (not the rep's store)."""

from alembic import context

from companion.desk.edges.models import DeskBase

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=DeskBase.metadata,
        version_table="desk_alembic_version",
        render_as_batch=True,
    )
    context.run_migrations()
