"""Alembic migrations of the workspace schema (run by :mod:`analytics.workspace._db`, never by hand)."""
