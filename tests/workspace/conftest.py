"""Workspace fixtures: a fresh embedded (SQLite file) workspace, and a fresh PostgreSQL database per test.

PostgreSQL tests use the server named by ``AQA_TEST_POSTGRES_URL`` (``.ci/setup/40-postgres.sh`` starts one on
127.0.0.1 and exports it). Without it they skip with the reason — except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
DIGITS = REPO / "sample_data" / "digits"
RETAIL = REPO / "sample_data" / "retail"


def postgres_server_url() -> str:
    """The test server's URL, or skip (fail under CI=true) when none is configured."""
    url = os.environ.get("AQA_TEST_POSTGRES_URL")
    if not url:
        reason = ("AQA_TEST_POSTGRES_URL is not set: start a server with .ci/setup/40-postgres.sh (Debian's "
                  "postgresql on 127.0.0.1) and export the URL it prints")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


def fresh_postgres_database() -> tuple[str, callable]:
    """A new empty database on the test server: ``(url, drop)``."""
    import sqlalchemy as sa

    server = sa.make_url(postgres_server_url()).set(drivername="postgresql+psycopg")
    name = f"aqa_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://"), drop


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request, tmp_path):
    """Where a new workspace goes: a file path (embedded) or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "pilot.aqa")
        return
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def pg_location():
    url, drop = fresh_postgres_database()
    try:
        yield url
    finally:
        drop()


@pytest.fixture(scope="session")
def digits_rounds():
    """The digits pilot's two rounds as two deliveries (AnnotationSets with gold, taxonomy)."""
    from analytics.samples import load_sample

    aset = load_sample("digits")
    return tuple(aset.subset((aset.frame["round"].astype(str) == r).to_numpy()) for r in ("1", "2"))


@pytest.fixture(scope="session")
def digits_round_files(tmp_path_factory):
    """The digits pilot's rounds as two CSV files (week1.csv, week2.csv) plus gold and taxonomy paths."""
    folder = tmp_path_factory.mktemp("digits_rounds")
    frame = pd.read_csv(DIGITS / "annotations.csv")
    for r in (1, 2):
        frame[frame["round"] == r].to_csv(folder / f"week{r}.csv", index=False)
    return {"week1": folder / "week1.csv", "week2": folder / "week2.csv", "gold": DIGITS / "gold.csv",
            "taxonomy": DIGITS / "taxonomy.yaml", "folder": folder}
