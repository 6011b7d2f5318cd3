"""Alembic environment: napci always runs migrations on a connection it passes in."""

from __future__ import annotations

from alembic import context

from napci.adapters.db.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("napci migrations run through napci.adapters.db.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
