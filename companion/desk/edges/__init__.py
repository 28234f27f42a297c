"""The desk service's own edges: its database (SQLAlchemy, SQLite or PostgreSQL, Alembic),
the key custodian (the one holder of the organisation's age identity), the service's
configuration file and reading the store for ingest. Never imports `desk.app` or above."""
