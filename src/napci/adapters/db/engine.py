"""Engines for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL``: a transaction is on disk
when ``COMMIT`` returns, so an acknowledged append survives a crash of the
process or of the machine. Writes open with ``BEGIN IMMEDIATE``, which takes
the database's single write lock at once instead of on the first write, so
two appenders can never both read the same head.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["SQLITE_BEGIN_WRITE", "WRITE", "make_engine"]

#: Execution option that marks a connection as a writer.
WRITE = "napci_write"

#: How a writer's transaction begins on SQLite: with the write lock taken.
SQLITE_BEGIN_WRITE = "BEGIN IMMEDIATE"

SQLITE_BUSY_TIMEOUT_MS = 60_000


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``, configured for the ledger's guarantees."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.get_driver_name() not in ("pysqlite", ""):
            raise ValueError(f"unsupported SQLite driver in {url!r}")
        engine = create_engine(parsed.set(drivername="sqlite+pysqlite"), **kwargs)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", ""):
            raise ValueError(
                f"use the psycopg (version 3) driver: postgresql+psycopg://… ({url!r})"
            )
        return create_engine(parsed.set(drivername="postgresql+psycopg"), **kwargs)
    raise ValueError(
        f"unsupported database URL {url!r}: use sqlite:///FILE or "
        "postgresql+psycopg://USER@HOST:PORT/DB"
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writer = connection.get_execution_options().get(WRITE)
        connection.exec_driver_sql(SQLITE_BEGIN_WRITE if writer else "BEGIN")
