"""The schema is what the migrations make: the head revision, and no difference between the upgraded database and
the tables the code uses (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import analytics.workspace as aw
from analytics.workspace import _tables, open_workspace

MIGRATIONS = Path(aw.__file__).with_name("migrations")


def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_head_revision_is_the_last_migration():
    scripts = _scripts()
    assert scripts.get_heads() == [_tables.HEAD_REVISION]
    chain = [s.revision for s in scripts.walk_revisions()][::-1]
    assert tuple(chain) == _tables.KNOWN_REVISIONS


def test_upgraded_database_matches_the_tables(location):
    with open_workspace(location, create=True) as ws:
        with ws.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), _tables.metadata)
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert revision == _tables.HEAD_REVISION
    assert diffs == []


def test_opening_twice_does_not_migrate_again(tmp_path):
    path = tmp_path / "w.aqa"
    open_workspace(path, create=True).close()
    mtime = path.stat().st_mtime_ns
    with open_workspace(path) as ws:
        assert ws.deliveries() == ()
    assert path.stat().st_mtime_ns == mtime


def test_a_newer_schema_is_refused(tmp_path):
    from analytics.workspace import WorkspaceVersionError

    path = tmp_path / "w.aqa"
    open_workspace(path, create=True).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    import pytest

    with pytest.raises(WorkspaceVersionError, match="newer version of annotation-qa"):
        open_workspace(path)
