"""Engines for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL``: a transaction is on disk
when ``COMMIT`` returns, so an acknowledged append survives a crash of the
process or of the machine. Writes open with ``BEGIN IMMEDIATE``, which takes
the database's single write lock at once instead of on the first write, so
two appenders can never both read the same head.

``NAPCI_SQLITE_SYNCHRONOUS=NORMAL`` in the environment trades that for speed:
a commit no longer waits for the disk (the WAL is synced at checkpoints), so
an acknowledged append still survives a crash of the process, but the last
appends before a power loss or an operating-system crash may be lost (the
database stays consistent: it loses a tail, the chain does not break). Single
event appends then run several times faster. Only ``FULL`` (the default) and
``NORMAL`` are accepted.

Two settings are for speed and change no guarantee (see docs/benchmarks.md):
the WAL is checkpointed into the database every 10,000 pages (about 40 MB)
rather than SQLite's default 1,000, so a page that successive appends touch
(the random-order ``id`` index) is copied once per checkpoint rather than
once per append, and the WAL file is cut back to 64 MiB after a checkpoint so
its size stays bounded; and each connection keeps up to 64 MiB of pages in its
cache (SQLite's default is 2 MiB), enough for the ``id`` index of a
million-event ledger.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = [
    "SQLITE_BEGIN_WRITE",
    "SYNCHRONOUS_ENV",
    "WRITE",
    "autocommit_connection",
    "make_engine",
    "sqlite_synchronous",
]

#: Execution option that marks a connection as a writer.
WRITE = "napci_write"

#: How a writer's transaction begins on SQLite: with the write lock taken.
SQLITE_BEGIN_WRITE = "BEGIN IMMEDIATE"

SQLITE_BUSY_TIMEOUT_MS = 60_000
SQLITE_WAL_AUTOCHECKPOINT_PAGES = 10_000
SQLITE_JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
SQLITE_CACHE_KIB = 64 * 1024

#: Environment variable that chooses SQLite's ``synchronous`` setting.
SYNCHRONOUS_ENV = "NAPCI_SQLITE_SYNCHRONOUS"
_SYNCHRONOUS = ("FULL", "NORMAL")


def sqlite_synchronous() -> str:
    """SQLite's ``synchronous`` setting: ``FULL`` unless the environment says."""
    value = os.environ.get(SYNCHRONOUS_ENV, "").strip().upper() or "FULL"
    if value not in _SYNCHRONOUS:
        raise ValueError(
            f"{SYNCHRONOUS_ENV}={value!r}: use {' or '.join(_SYNCHRONOUS)}"
        )
    return value


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


def autocommit_connection(engine: Engine) -> Any:
    """A driver connection of the caller's own: opened as ``engine`` opens
    one, detached from its pool (which neither counts nor resets it), in
    autocommit for good. The caller closes it."""
    held = engine.raw_connection()
    held.detach()
    dbapi = held.dbapi_connection
    assert dbapi is not None
    try:
        dbapi.autocommit = True
    except BaseException:
        dbapi.close()
        raise
    return dbapi


def _configure_sqlite(engine: Engine) -> None:
    synchronous = sqlite_synchronous()  # fixed for the engine's lifetime

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_WAL_AUTOCHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit = {SQLITE_JOURNAL_SIZE_LIMIT_BYTES}")
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")  # negative: KiB
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writer = connection.get_execution_options().get(WRITE)
        connection.exec_driver_sql(SQLITE_BEGIN_WRITE if writer else "BEGIN")
