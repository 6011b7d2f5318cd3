"""Which database errors mean "the database cannot be reached right now".

A PostgreSQL server stopped or restarting, a connection lost, a pool with no
connection to give, a SQLite file that cannot be opened, read or locked in
time: the request failed through no fault of its own, and the same request a
moment later may well succeed. Any other database error (a constraint, a
statement the database refuses) is a fault of the program, not an outage.
"""

from __future__ import annotations

import sqlite3
from typing import Final

import psycopg
from sqlalchemy import exc as sa_exc

__all__ = ["OUTAGE_TYPES", "is_outage"]

#: The exception types an outage may surface as (:func:`is_outage` decides).
OUTAGE_TYPES: Final[tuple[type[Exception], ...]] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.Error,
)

#: SQLite's primary result codes of a database that cannot be used right now.
_SQLITE_OUTAGES: Final = frozenset(
    {
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_NOTADB,
    }
)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be used right now."""
    if isinstance(exc, sa_exc.TimeoutError):  # no connection left in the pool
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        orig = exc.orig
        return isinstance(orig, BaseException) and is_outage(orig)
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return isinstance(code, int) and (code & 0xFF) in _SQLITE_OUTAGES
    return False
