"""Alembic's entry point: migrations run on the connection that ``reference.db.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from reference.db.tables import Base

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
