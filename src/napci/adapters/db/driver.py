"""The ledger's access to the database driver: connections, cursors, SQL.

The append and verify paths talk to the driver directly (DB-API cursors):
SQLAlchemy's connection, transaction and statement machinery costs more per
single-event append than SQLite's own work does. Driver errors still
surface as SQLAlchemy's exceptions. :class:`DriverAccess` is the base of
the ledger's reads (:mod:`~napci.adapters.db.ledger_reads`) and writes
(:mod:`~napci.adapters.db.ledger`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from napci.adapters.db.schema import events
from napci.domain.chain import KEY_TYPES

__all__ = ["COLUMNS", "FETCH", "DriverAccess", "Statements", "lost"]

#: Rows fetched from a cursor at a time by a long read (verify, a tail).
FETCH = 10_000

#: The events table's columns, in the order of every row the ledger reads
#: and writes (and of :class:`~napci.domain.envelope.RecordedEvent`'s fields).
COLUMNS = (
    events.c.seq,
    events.c.id,
    events.c.type,
    events.c.version,
    events.c.occurred_at,
    events.c.recorded_at,
    events.c.actor,
    events.c.principal,
    events.c.classification,
    events.c.payload,
    events.c.signer,
    events.c.signature,
    events.c.prev_hash,
    events.c.hash,
)


class DriverAccess:
    """Pooled driver connections and cursors over a SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = engine.dialect.name == "postgresql"
        self._sql = Statements(postgres=self._postgres)
        self._dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._integrity_error: type[Exception] = (
            engine.dialect.loaded_dbapi.IntegrityError
        )

    @contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """Raise the driver's errors as SQLAlchemy's, as ``Connection`` would."""
        try:
            yield
        except self._dbapi_error as exc:
            raise DBAPIError.instance(
                None, None, exc, self._dbapi_error, dialect=self.engine.dialect
            ) from exc

    @contextmanager
    def _driver_cursor(self) -> Iterator[tuple[Any, Any]]:
        """A pooled connection and a cursor on it, driver errors raised as
        SQLAlchemy's; both closed (the connection back to the pool) after."""
        connection = self.engine.raw_connection()
        try:
            with self._driver_errors():
                cursor = connection.cursor()
                try:
                    yield connection, cursor
                finally:
                    cursor.close()
        except BaseException:
            if lost(connection.dbapi_connection):  # the server went away:
                connection.invalidate()  # never back to the pool
            raise
        finally:
            connection.close()

    @contextmanager
    def _cursor(self, conn: Connection, name: str | None = None) -> Iterator[Any]:
        """A cursor in ``conn``'s transaction; ``name``: server-side (PostgreSQL)."""
        dbapi_connection = conn.connection
        try:
            with self._driver_errors():
                cursor = (
                    dbapi_connection.cursor()
                    if name is None
                    else dbapi_connection.cursor(name)
                )
                try:
                    yield cursor
                finally:
                    cursor.close()
        except BaseException:
            if lost(dbapi_connection.dbapi_connection):
                conn.invalidate()  # the server went away: never back to the pool
            raise


def lost(dbapi_connection: Any) -> bool:
    """Whether a driver's connection was lost (PostgreSQL; never on SQLite)."""
    return bool(
        getattr(dbapi_connection, "broken", False)
        or getattr(dbapi_connection, "closed", False)
    )


class Statements:
    """The append path's SQL, written for the driver's parameter style.

    Appends run these through ``exec_driver_sql``: the hot path of a ledger
    that must take a thousand single-event commits a second cannot afford
    building and compiling expression trees for every statement.
    """

    def __init__(self, *, postgres: bool) -> None:
        ph = "%s" if postgres else "?"
        self.ph = ph
        self.columns = ", ".join(c.name for c in COLUMNS)
        self.read_head = "SELECT seq, hash FROM ledger_head WHERE id = 1"
        self.lock_head = self.read_head + (" FOR UPDATE" if postgres else "")
        self.update_head = (
            f"UPDATE ledger_head SET seq = {ph}, hash = {ph} WHERE id = 1"
        )
        self.insert_event = (
            f"INSERT INTO events ({self.columns}) "
            f"VALUES ({', '.join([ph] * len(COLUMNS))})"
        )
        self.select_all = f"SELECT {self.columns} FROM events ORDER BY seq"
        self.fold_tail = (
            "SELECT seq, type, occurred_at, actor, payload, classification "
            f"FROM events WHERE seq > {ph} AND seq <= {ph} ORDER BY seq"
        )
        self.last_seq = "SELECT max(seq) FROM events"
        self.copy_events = f"COPY events ({self.columns}) FROM STDIN"
        self.key_events = (
            "SELECT seq, type, payload FROM events "
            f"WHERE type IN ({', '.join([ph] * len(KEY_TYPES))}) AND seq > {ph} "
            "ORDER BY seq"
        )
        self._select_ids: dict[int, str] = {}

    def select_ids(self, n: int) -> str:
        """SELECT the events whose id is one of ``n`` parameters."""
        text = self._select_ids.get(n)
        if text is None:
            marks = ", ".join([self.ph] * n)
            text = f"SELECT {self.columns} FROM events WHERE id IN ({marks})"
            self._select_ids[n] = text
        return text
