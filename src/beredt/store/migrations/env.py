"""Alembic environment: runs on the connection the store hands over (``config.attributes``)."""

from __future__ import annotations

from alembic import context

from beredt.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for `alembic` run by hand with a URL
    import sqlalchemy as sa

    engine = sa.create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///beredt.db")
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
