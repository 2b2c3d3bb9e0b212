"""Opening a workspace: where it is (a file or a URL), the engine, the write lock and the schema revision.

**Location.** A path is an embedded workspace: one SQLite file (created by ``aqa add``; no server). A URL
``postgresql://user:password@host:5432/db`` (driver psycopg 3, the ``postgres`` extra) is a team workspace on a
PostgreSQL server; ``sqlite:///path`` is also accepted. The same SQLAlchemy Core code runs on both.

**Writes** happen in one transaction each, and one at a time per workspace: SQLite takes its write lock at the
start (``BEGIN IMMEDIATE``; journal in WAL mode, so readers never wait for a writer and a writer never waits for
readers), PostgreSQL a transaction-scoped advisory lock. A second writer *waits* for the first, up to
``timeout`` seconds (``AQA_WORKSPACE_TIMEOUT``, default 120), then fails with :class:`WorkspaceBusyError` having
written nothing. A process killed in the middle of a write leaves the workspace as it was: the transaction
never committed (SQLite's journal, PostgreSQL's WAL).

**Schema revisions** are Alembic migrations (``migrations/versions``). Opening compares the stored revision with
:data:`HEAD_REVISION` (one small query; Alembic itself is imported only when there is something to migrate) and
upgrades an older workspace under the write lock, in one transaction.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool

from ._errors import WorkspaceBusyError, WorkspaceError, WorkspaceNotFoundError, WorkspaceVersionError
from ._tables import HEAD_REVISION, KNOWN_REVISIONS

__all__ = ["resolve_url", "display_url", "make_engine", "write_transaction", "read_connection", "ensure_schema",
           "stored_revision", "default_timeout"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_LOCK_KEY = 0x41514157  # "AQAW": the advisory lock of every workspace write on a PostgreSQL database
_WRITE = "aqa_write"


def default_timeout() -> float:
    """Seconds a writer waits for another one (``AQA_WORKSPACE_TIMEOUT``, default 120)."""
    raw = os.environ.get("AQA_WORKSPACE_TIMEOUT", "120")
    try:
        value = float(raw)
    except ValueError:
        raise WorkspaceError(f"AQA_WORKSPACE_TIMEOUT must be a number of seconds, not {raw!r}.") from None
    if not value > 0:
        raise WorkspaceError(f"AQA_WORKSPACE_TIMEOUT must be positive, not {raw!r}.")
    return value


def resolve_url(location: "str | os.PathLike[str]", *, create: bool) -> sa.URL:
    """The SQLAlchemy URL of a workspace given as a path or a URL (see the module docstring)."""
    text = os.fspath(location)
    if not text.strip():
        raise WorkspaceError("The workspace location is empty: give a file path (e.g. pilot.aqa) or a "
                             "postgresql:// URL.")
    if "://" in text:
        try:
            url = sa.make_url(text)
        except sa.exc.ArgumentError as exc:
            raise WorkspaceError(f"{display_url(text)} is not a valid database URL: {exc}.") from None
        backend = url.get_backend_name()
        if backend == "postgresql":
            return url.set(drivername="postgresql+psycopg")
        if backend == "sqlite" and url.database:
            return resolve_url(url.database, create=create)
        raise WorkspaceError(f"Unsupported workspace URL {display_url(text)}: use a file path (embedded SQLite) or "
                             "postgresql://user:password@host:port/database.")
    path = Path(text).expanduser()
    if path.is_dir():
        raise WorkspaceError(f"{path} is a folder; a workspace is one file: give a file path such as {path / 'workspace.aqa'}.")
    if path.exists():
        with open(path, "rb") as fh:
            head = fh.read(16)
        if head and head != _SQLITE_MAGIC:
            raise WorkspaceError(f"{path} is not an annotation-qa workspace (not an SQLite database file). Give the "
                                 "workspace file, or a new path to create one with aqa add.")
    elif not create:
        raise WorkspaceNotFoundError(f"No workspace at {path}. Create one by adding a delivery: "
                                     f"aqa add FILE --workspace {path}")
    elif not path.parent.exists():
        raise WorkspaceError(f"Cannot create the workspace {path}: the folder {path.parent} does not exist.")
    return sa.URL.create("sqlite+pysqlite", database=str(path.resolve()))


def display_url(url: "sa.URL | str") -> str:
    """The location for messages: the file path, or the URL with its password hidden."""
    if isinstance(url, str):
        return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def make_engine(url: sa.URL, *, timeout: float) -> sa.Engine:
    """An engine with the workspace's connection settings and write-lock hooks."""
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": timeout})

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, _record) -> None:  # pragma: no cover - exercised through every test
            dbapi_conn.isolation_level = None  # SQLAlchemy's begin hook below issues BEGIN itself
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.execute("PRAGMA journal_mode = WAL")  # persistent; a no-op once set
            cur.execute("PRAGMA synchronous = FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

        return engine
    try:
        return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except ModuleNotFoundError as exc:
        raise WorkspaceError(f"A PostgreSQL workspace needs the psycopg driver: pip install "
                             f"'annotation-qa[postgres]' ({exc}).") from None


def _busy(exc: Exception, url: sa.URL, timeout: float) -> WorkspaceError:
    return WorkspaceBusyError(
        f"The workspace {display_url(url)} is busy: another process held its write lock for more than {timeout:g} s "
        f"(an 'aqa add' still running?). Nothing was written; try again, or wait longer with AQA_WORKSPACE_TIMEOUT "
        f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}).")


def _is_lock_error(exc: BaseException) -> bool:
    text = str(exc).lower()
    return ("database is locked" in text or "lock timeout" in text or "canceling statement due to lock" in text
            or "locknotavailable" in type(getattr(exc, "orig", exc)).__name__.lower())


@contextlib.contextmanager
def write_transaction(engine: sa.Engine, *, timeout: float) -> Iterator[sa.Connection]:
    """One write transaction holding the workspace's write lock; commits on success, rolls back on error."""
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(**{_WRITE: True})
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(timeout * 1000)}ms'")
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
                yield conn
    except sa.exc.OperationalError as exc:
        if _is_lock_error(exc):
            raise _busy(exc, engine.url, timeout) from None
        raise WorkspaceError(f"The workspace {display_url(engine.url)} cannot be written: {exc.orig}") from None


@contextlib.contextmanager
def read_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection for reading (one consistent snapshot per transaction)."""
    try:
        with engine.connect() as conn:
            with conn.begin():
                yield conn
    except sa.exc.OperationalError as exc:
        raise WorkspaceError(f"The workspace {display_url(engine.url)} cannot be read: {exc.orig}") from None


def stored_revision(conn: sa.Connection) -> str | None:
    """The workspace's schema revision (None for an empty database).

    The tables are listed by one catalog query: under PostgreSQL's read-committed isolation each statement sees the
    commits made before it, so a check of ``alembic_version`` followed by a second listing could straddle another
    process's first migration and see its tables without their version table (a new workspace misread as a foreign
    database; ``test_concurrent_adds_on_postgresql_all_land``)."""
    names = sa.inspect(conn).get_table_names()
    if "alembic_version" not in names:
        if names:
            raise WorkspaceError(
                f"{display_url(conn.engine.url)} is a database but not an annotation-qa workspace (it holds the "
                f"tables {', '.join(sorted(names)[:8])}). Give a new file or an empty database.")
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(engine: sa.Engine, *, timeout: float) -> str:
    """Create or upgrade the schema to :data:`HEAD_REVISION`; returns the revision found before."""
    try:
        with read_connection(engine) as conn:
            found = stored_revision(conn)
    except sa.exc.DBAPIError as exc:
        raise WorkspaceError(f"Cannot open the workspace {display_url(engine.url)}: {exc.orig}") from None
    if found == HEAD_REVISION:
        return found
    if found is not None and found not in KNOWN_REVISIONS:
        raise WorkspaceVersionError(
            f"The workspace {display_url(engine.url)} has schema revision {found!r}, written by a newer version of "
            f"annotation-qa (this one knows {', '.join(KNOWN_REVISIONS)}). Upgrade annotation-qa to open it.")
    with write_transaction(engine, timeout=timeout) as conn:
        again = stored_revision(conn)  # another process may have migrated meanwhile
        if again != HEAD_REVISION:
            upgrade(conn)
    return "" if found is None else found


def upgrade(conn: sa.Connection, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` on ``conn`` (inside the caller's write transaction)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    config.attributes["connection"] = conn
    command.upgrade(config, revision)
