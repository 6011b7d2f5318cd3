"""Column extraction: payload fields pulled out by the database, not by Python.

The trust fold reads a million events in seconds, so it does not parse JSON
event by event in Python: for each event type it asks the database for the
fields it needs (SQLite's ``json_extract``, PostgreSQL's ``jsonb`` operators),
as typed columns, in ``seq`` order. Arrays come back as JSON text.

The statements run on the driver's own cursor: a million rows through
SQLAlchemy's result objects cost more than the query itself. Every fold
starts with :func:`read_tail`: the head and, for a tiny tail, its events,
whose fields :func:`extract_tail` takes from the payloads. A tail of up to
:data:`SMALL_TAIL` events is asked which types it holds (:func:`read_types`),
so that only those types are read, instead of one query per type the fold
knows.
On PostgreSQL a long stretch is read over two connections at once
(:func:`extract_parallel`): the server does the work, so two of its processes
work while this one waits.

The meeting events, most of any ledger, are served without parsing their
payloads, from a covering partial index per type: on SQLite over the same
``json_extract`` expressions (migrations 0003 and 0006), on PostgreSQL over
stored generated columns that hold those fields (migrations 0004 and 0006,
:data:`STORED_FIELDS`). Only the rows that meet their type's condition are
read (:data:`~napci.adapters.db.fields.CONDITIONS`: attendance that counts),
and the indexes hold only those. How each field and condition reads, in SQL
and in Python, is :mod:`napci.adapters.db.fields`.
"""

from __future__ import annotations

import queue
import re
import weakref
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from psycopg import errors as psycopg_errors
from psycopg import pq
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import NoResultFound

from napci.adapters.db.fields import (
    CONDITIONS,
    STORED_FIELDS,
    FieldKind,
    extract_tail,
    postgres_expr,
    sqlite_expr,
)

__all__ = [
    "SMALL_TAIL",
    "STORED_FIELDS",
    "TAIL_STATEMENT",
    "TINY_TAIL",
    "FieldKind",
    "TailRead",
    "extract_batch",
    "extract_parallel",
    "extract_rows",
    "extract_tail",
    "read_events",
    "read_tail",
    "read_types",
]

#: Up to this many new events, ask first which types they hold (read_types).
SMALL_TAIL: Final[int] = 1_000

#: Up to this many, read the events themselves (see :func:`read_tail`).
TINY_TAIL: Final[int] = 64


_TYPE = re.compile(r"[A-Z][A-Za-z0-9]*")

#: A payload as ``jsonb``, whatever NUL escapes it holds (see _statement).
_JSONB: Final[str] = "replace(payload, '\\u0000', '\\ufffd')::jsonb"


def _check_path(path: str) -> None:
    if not all(part.replace("_", "").isalnum() for part in path.split(".")):
        raise ValueError(f"unsafe JSON path {path!r}")


def _statement(
    postgres: bool,
    type_: str,
    fields: Sequence[tuple[str, FieldKind]],
    *,
    upto: bool,
    before: bool,
    classifications: int | None,
) -> str:
    """The SELECT of one event type's rows, in the driver's parameter style.

    The type is written into the statement (it is checked to be a plain
    name): a partial index of the type (migrations 0003 and 0004) is then
    certainly chosen, and serves the fields from its own entries.
    """
    for path, _ in fields:
        _check_path(path)
    if not _TYPE.fullmatch(type_):
        raise ValueError(f"unsafe event type name {type_!r}")
    ph = "%s" if postgres else "?"
    where = f"type = '{type_}' AND seq > {ph}"
    if upto:
        where += f" AND seq <= {ph}"
    if before:
        where += f" AND occurred_at < {ph}"
    if classifications is not None:
        where += f" AND classification IN ({', '.join([ph] * classifications)})"
    condition = CONDITIONS.get(type_)
    if condition is not None:  # as the partial indexes of migration 0006
        where += f" AND {condition.postgres if postgres else condition.sqlite}"
    stored = STORED_FIELDS.get(type_, frozenset())
    if postgres and all(path in stored for path, _ in fields):
        # The fields are columns already (migration 0004): no payload parsed.
        columns = "".join(", " + postgres_expr(p, k, stored=True) for p, k in fields)
        return (
            f"SELECT seq, occurred_at{columns} FROM events WHERE {where} ORDER BY seq"
        )
    if postgres:
        columns = "".join(", " + postgres_expr(p, k) for p, k in fields)
        # OFFSET 0 keeps the subquery from being flattened into the outer
        # SELECT, which would parse the payload once per column; ordered
        # inside, the rows need no second sort outside. ``jsonb`` refuses a
        # NUL (``\u0000``), which the ledger refuses too, but a record
        # stored before it did must still read: the escape becomes U+FFFD's,
        # of the same shape, so the JSON stays valid and the fields the fold
        # reads (codes, ids, dates: never a NUL) are untouched.
        return (
            f"SELECT seq, occurred_at{columns} FROM "
            f"(SELECT seq, occurred_at, {_JSONB} AS j FROM events "
            f"WHERE {where} ORDER BY seq OFFSET 0) AS e ORDER BY seq"
        )
    columns = "".join(", " + sqlite_expr(p, k) for p, k in fields)
    return f"SELECT seq, occurred_at{columns} FROM events WHERE {where} ORDER BY seq"


def read_types(dbapi: Any, postgres: bool, after: int, upto: int) -> frozenset[str]:
    """The types of the events after seq ``after`` up to ``upto`` (the head,
    as :func:`read_tail` read it). ``dbapi`` is the driver's connection."""
    ph = "%s" if postgres else "?"
    cursor = dbapi.cursor()
    try:
        cursor.execute(
            f"SELECT DISTINCT type FROM events WHERE seq > {ph} AND seq <= {ph}",
            (after, upto),
        )
        return frozenset(row[0] for row in cursor.fetchall())
    finally:
        cursor.close()


def read_tail(
    dbapi: Any, postgres: bool, after: int
) -> tuple[int, list[tuple[Any, ...]] | None]:
    """The ledger's head seq and, when at most :data:`TINY_TAIL` events
    follow ``after``, those events' ``(seq, type, occurred_at,
    classification, payload)`` (None for a longer tail): one round trip.

    Keeping figures current after an append or two then costs one statement;
    :func:`extract_tail` takes the fields out of the few payloads.
    """
    if postgres:
        return TailRead(dbapi, after).result()
    cursor = dbapi.cursor()
    try:
        cursor.execute(_TAIL_SQL_SQLITE, (after, after + TINY_TAIL, after + TINY_TAIL))
        return _tail(cursor.fetchall(), after)
    finally:
        cursor.close()


def read_events(dbapi: Any, after: int, upto: int) -> list[tuple[Any, ...]]:
    """The events after seq ``after`` up to ``upto`` (PostgreSQL), as
    :func:`read_tail` gives them, whatever the head: to check hints of
    them against the ledger."""
    cursor = dbapi.cursor()
    try:
        cursor.execute(_EVENTS_SQL, (after, upto))
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()


_EVENTS_SQL: Final[str] = (
    "SELECT seq, type, occurred_at, classification, payload FROM events "
    "WHERE seq > %s AND seq <= %s ORDER BY seq"
)


def _tail(
    found: list[tuple[Any, ...]], after: int
) -> tuple[int, list[tuple[Any, ...]] | None]:
    if not found:
        raise NoResultFound("the ledger has no head row: is the schema created?")
    head = int(found[0][0])
    if head - after > TINY_TAIL:
        return head, None
    return head, [row[1:] for row in found if row[1] is not None]


# The constant bound keeps a long tail from being read at all: without it
# the join fetched every event after ``after`` and only then dropped them
# for being too many (a whole ledger, on a first fold).
_TAIL_SQL: Final[str] = (
    "SELECT h.seq, e.seq, e.type, e.occurred_at, e.classification, e.payload "
    "FROM ledger_head AS h LEFT JOIN events AS e "
    "ON e.seq > {bound} AND e.seq <= {bound} AND e.seq <= h.seq "
    "AND h.seq <= {bound} "
    "WHERE h.id = 1 ORDER BY e.seq"
)
_TAIL_SQL_SQLITE: Final[str] = _TAIL_SQL.format(bound="?")

# On PostgreSQL the statement is prepared once per connection and run
# through the driver's libpq layer (``pgconn``): one call, which waits for
# the server without holding the interpreter, and little Python work besides
# reading the text of the few values: after an append, the commonest read of
# all. It runs outside any transaction block (the pooled connection is
# idle), so it reads what was committed when it began, and leaves the
# connection as it found it.
#
# The values come as scalar subqueries, which the planner cannot see into:
# a plan made for some values is no better than one made for none, so the
# server keeps one plan instead of planning it anew on every run (which took
# several times as long as running it).

#: The name of the tail read's prepared statement on PostgreSQL.
TAIL_STATEMENT: Final[bytes] = b"napci_read_tail"
_TAIL_SQL_POSTGRES: Final[bytes] = (
    _TAIL_SQL.format(bound="(SELECT ${}::bigint)").format(1, 2, 2).encode()
)
#: The libpq connections the statement was prepared on (while they live).
_PREPARED: weakref.WeakSet[Any] = weakref.WeakSet()
_UNDEFINED_STATEMENT: Final[bytes] = b"26000"  # SQLSTATE invalid_sql_statement_name


class TailRead:
    """:func:`read_tail` on PostgreSQL, sent now and received later: what
    the caller does meanwhile overlaps the server's answer.

    :meth:`result` waits for it; :meth:`discard` (after, in any case) leaves
    the connection ready for its next statement if the result was not
    taken.
    """

    def __init__(self, dbapi: Any, after: int) -> None:
        self._dbapi = dbapi
        self._after = after
        self._values = [str(after).encode(), str(after + TINY_TAIL).encode()]
        pgconn = dbapi.pgconn
        if pgconn not in _PREPARED:
            _prepare_tail(dbapi)
        pgconn.send_query_prepared(TAIL_STATEMENT, self._values)  # raises on failure
        self._waiting = True

    def result(self) -> tuple[int, list[tuple[Any, ...]] | None]:
        """The head and the tail, as :func:`read_tail` gives them."""
        dbapi = self._dbapi
        pgconn = dbapi.pgconn
        result = self._receive()
        if (
            result.status == pq.ExecStatus.FATAL_ERROR
            and result.error_field(pq.DiagnosticField.SQLSTATE) == _UNDEFINED_STATEMENT
        ):
            # gone with every prepared statement of the connection (the driver
            # deallocates them all when it rolls a transaction back)
            _prepare_tail(dbapi)
            result = pgconn.exec_prepared(TAIL_STATEMENT, self._values)
        _checked(dbapi, result)
        encoding = _encoding(dbapi)
        found = []
        for row in range(result.ntuples):
            head, seq, *text = (result.get_value(row, col) for col in range(6))
            found.append(
                (
                    int(head),
                    None if seq is None else int(seq),
                    *(None if v is None else v.decode(encoding) for v in text),
                )
            )
        return _tail(found, self._after)

    def discard(self) -> None:
        """Take and drop the answer, if :meth:`result` did not."""
        if self._waiting:
            self._receive()

    def _receive(self) -> Any:
        """The statement's result, the connection drained after it."""
        pgconn = self._dbapi.pgconn
        self._waiting = False
        result = pgconn.get_result()
        while pgconn.get_result() is not None:
            pass
        if result is None:  # the connection broke
            raise psycopg_errors.OperationalError(pgconn.get_error_message())
        return result


def _prepare_tail(dbapi: Any) -> None:
    pgconn = dbapi.pgconn
    _checked(dbapi, pgconn.prepare(TAIL_STATEMENT, _TAIL_SQL_POSTGRES))
    _PREPARED.add(pgconn)


#: The server's client encodings (as it reports them) -> Python's codecs.
_ENCODINGS: dict[bytes | None, str] = {}


def _encoding(dbapi: Any) -> str:
    """The Python codec of the connection's client encoding (the driver's
    answer, kept per encoding: the mapping never changes)."""
    status = dbapi.pgconn.parameter_status(b"client_encoding")
    encoding = _ENCODINGS.get(status)
    if encoding is None:
        encoding = _ENCODINGS[status] = dbapi.info.encoding
    return encoding


def _checked(dbapi: Any, result: Any) -> None:
    """Raise the driver's error for a failed libpq result."""
    if result.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        raise psycopg_errors.error_from_result(result, encoding=_encoding(dbapi))


def extract_batch(
    dbapi: Any,
    postgres: bool,
    spec: Mapping[str, Sequence[tuple[str, FieldKind]]],
    *,
    after: int = 0,
    upto: int | None = None,
    before_occurred: str | None = None,
    classifications: tuple[str, ...] | None = None,
    only: Collection[str] | None = None,
) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of every event type in ``spec`` (see :func:`extract_rows`), read
    on ``dbapi``, the driver's connection.

    ``upto`` keeps only events up to that seq (the head, read first: an
    append committed meanwhile is then not half seen). ``only`` skips the
    types not in it (see :func:`read_types`). Types without rows are left out
    of the result.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    if upto is not None and upto <= after:
        return out
    cursor = dbapi.cursor()
    try:
        for type_, fields in spec.items():
            if only is not None and type_ not in only:
                continue
            params: list[Any] = [after]
            if upto is not None:
                params.append(upto)
            if before_occurred is not None:
                params.append(before_occurred)
            if classifications is not None:
                params.extend(classifications)
            sql = _statement(
                postgres,
                type_,
                fields,
                upto=upto is not None,
                before=before_occurred is not None,
                classifications=None
                if classifications is None
                else len(classifications),
            )
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            if rows:
                out[type_] = rows
        return out
    finally:
        cursor.close()


def extract_rows(
    conn: Connection,
    type_: str,
    fields: Sequence[tuple[str, FieldKind]],
    *,
    after: int = 0,
    before_occurred: str | None = None,
    classifications: tuple[str, ...] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows ``(seq, occurred_at, field...)`` of events of ``type_`` in seq order.

    ``after`` skips events up to that seq; ``before_occurred`` keeps only
    events whose ``occurred_at`` sorts before it (canonical timestamps sort as
    text); ``classifications`` keeps only events a reader is cleared for.
    Booleans come back as 0/1, arrays and objects as JSON text.
    """
    rows = extract_batch(
        conn.connection.dbapi_connection,
        conn.dialect.name == "postgresql",
        {type_: fields},
        after=after,
        before_occurred=before_occurred,
        classifications=classifications,
    )
    return rows.get(type_, [])


def extract_parallel(
    engine: Engine,
    spec: Mapping[str, Sequence[tuple[str, FieldKind]]],
    *,
    after: int,
    upto: int,
    before_occurred: str | None = None,
    classifications: tuple[str, ...] | None = None,
    threads: int = 2,
) -> dict[str, list[tuple[Any, ...]]]:
    """:func:`extract_batch` over ``threads`` connections, a type at a time.

    Each connection takes the next type in ``spec`` order (so put the
    largest first). ``upto`` is required: it is what makes the connections'
    separate snapshots agree (the ledger only grows).
    """
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for type_ in spec:
        todo.put(type_)

    def work() -> dict[str, list[tuple[Any, ...]]]:
        found: dict[str, list[tuple[Any, ...]]] = {}
        with engine.connect() as conn, conn.begin():
            while True:
                try:
                    type_ = todo.get_nowait()
                except queue.Empty:
                    return found
                found.update(
                    extract_batch(
                        conn.connection.dbapi_connection,
                        conn.dialect.name == "postgresql",
                        {type_: spec[type_]},
                        after=after,
                        upto=upto,
                        before_occurred=before_occurred,
                        classifications=classifications,
                    )
                )

    with ThreadPoolExecutor(threads, thread_name_prefix="napci-extract") as pool:
        futures = [pool.submit(work) for _ in range(threads)]
        out: dict[str, list[tuple[Any, ...]]] = {}
        for future in futures:
            out.update(future.result())
    return {type_: out[type_] for type_ in spec if type_ in out}
