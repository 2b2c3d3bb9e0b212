"""Alembic environment of the workspace: migrations run on the connection the workspace hands over.

:func:`analytics.workspace._db.upgrade` opens the write transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL an
advisory lock), passes its connection in ``config.attributes["connection"]`` and commits after every migration
has run, so an interrupted upgrade leaves the workspace at its old revision.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only run through analytics.workspace._db.upgrade
    raise RuntimeError("Workspace migrations run through analytics.workspace (Workspace.open), not the alembic CLI.")

context.configure(connection=connection, target_metadata=None, render_as_batch=True,
                  transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
