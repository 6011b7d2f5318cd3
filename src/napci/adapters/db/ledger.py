"""The ledger store: append, read and verify events on SQLite or PostgreSQL.

Appends are serialised: on SQLite by ``BEGIN IMMEDIATE`` (one writer at a
time), on PostgreSQL by a row lock on ``ledger_head``. Inside that one
transaction the store reads the head, refuses anything invalid, numbers and
chains the new events, inserts them and moves the head: a batch lands whole or
not at all, and no two appenders can ever read the same head.

A judged append (:meth:`SqlLedger.append_judged`) decides what to append in
that same transaction, with the head locked: the caller is shown the events
after what it knows, up to the locked head, and returns its drafts (or raises,
and nothing is appended). The store knows drafts, not commands: what decides
is the caller's.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, func, select
from sqlalchemy.exc import DBAPIError, NoResultFound

from napci.adapters.db.engine import SQLITE_BEGIN_WRITE
from napci.adapters.db.recent import recent_appends
from napci.adapters.db.schema import events, ledger_head
from napci.domain.admission import (
    UUID_PATTERN,
    AppendResult,
    ChainBuilder,
    IdConflictError,
    LedgerError,
    check_draft_after_id,
    check_id,
    check_keys,
    seen_before,
)
from napci.domain.canonical import GENESIS_HASH
from napci.domain.chain import KEY_TYPES, ChainVerifier, KeyRing, VerifyReport
from napci.domain.envelope import (
    EventDraft,
    RecordedEvent,
    format_timestamp,
)
from napci.domain.registry import FoldRow
from napci.domain.text import unstorable

__all__ = [
    "AppendResult",
    "Decide",
    "IdConflictError",
    "LedgerError",
    "SqlLedger",
]

#: What a judged append runs with the head locked: given the head's seq and a
#: reader of the events after a seq (up to that head, in the transaction),
#: the drafts to append.
Decide = Callable[[int, Callable[[int], Iterator[FoldRow]]], Sequence[EventDraft]]

_KEY_TYPES = KEY_TYPES
_ID_CHUNK = 500
_INSERT_CHUNK = 10_000
_VERIFY_FETCH = 10_000
_COLUMNS = (
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


class _AlreadyRecorded(Exception):
    """An append's first attempt met an id already recorded (see ``_append``)."""


def _row_event(row: Row[Any] | Sequence[Any]) -> RecordedEvent:
    return RecordedEvent(*row)  # columns in _COLUMNS order


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _tail_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row in _COLUMNS order as the tail read gives it: seq, type,
    occurred_at, classification, payload."""
    return row[0], row[2], row[4], row[8], row[9]


class SqlLedger:
    """The append-only, hash-chained event store over a SQLAlchemy engine."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.engine = engine
        self._clock = clock
        self._postgres = engine.dialect.name == "postgresql"
        self._sql = _Statements(postgres=self._postgres)
        self._dbapi_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._integrity_error: type[Exception] = (
            engine.dialect.loaded_dbapi.IntegrityError
        )
        self._keys = KeyRing()
        self._recent = recent_appends(engine)
        self._keys_seq = 0
        #: Called before every write transaction; raises to refuse the write
        #: (a server refuses writes once it finds the record broken).
        self.write_guard: Callable[[], None] | None = None

    # -- writing ------------------------------------------------------------

    def append(
        self, drafts: Sequence[EventDraft], *, principal: str | None
    ) -> AppendResult:
        """Append ``drafts`` atomically, in order.

        A draft whose id is already recorded with the same content is skipped
        (appends are idempotent); with other content the whole batch is
        refused with :class:`IdConflictError`. Any invalid draft, or a
        signature that does not verify against a registered key, refuses the
        whole batch with :class:`LedgerError`.
        """
        if principal is not None and len(principal) > 128:
            raise LedgerError("a principal's name has at most 128 characters")
        if principal is not None and (problem := unstorable(principal)) is not None:
            raise LedgerError(f"the principal's name {problem}")
        for draft in drafts:  # a lookup by id needs well-formed ids
            check_id(draft)
        try:
            return self._append(drafts, principal, look_up=False)
        except (_AlreadyRecorded, LedgerError):
            # Judged again with the ids looked up first: what is skipped, and
            # which refusal is raised, are then exactly a careful append's.
            return self._append(drafts, principal, look_up=True)

    def _append(
        self, drafts: Sequence[EventDraft], principal: str | None, *, look_up: bool
    ) -> AppendResult:
        """One attempt at :meth:`append`, in one write transaction.

        Most batches are new, so the first attempt does not look their ids
        up: the unique constraint on ``events.id`` tells if one is already
        recorded, and then the attempt is rolled back with
        :class:`_AlreadyRecorded`. The second attempt (``look_up``) reads the
        stored events with the batch's ids before anything else, skips those
        stored with the same content and refuses other content. A first
        attempt commits only when no id of the batch was recorded, which is
        when the lookup would have found nothing: its result is the second
        attempt's. Any refusal of the first is left to the second to make.
        """
        with self._write() as cursor:
            head_seq, head_hash = self._head_of(cursor)
            chain, already, keys = self._add(
                cursor, head_seq, head_hash, drafts, principal, look_up=look_up
            )
        return self._committed(chain, already, keys)

    def append_judged(self, decide: Decide, *, principal: str | None) -> AppendResult:
        """Decide what to append with the write lock held, and append it.

        ``decide(head_seq, rows_after)`` runs inside the write transaction,
        once the head is locked: no other appender, in this process or
        another, can append until its drafts are in and committed.
        ``rows_after(seq)`` gives, as :meth:`iter_fold_rows` does, the events
        after ``seq`` up to the locked head, read in that transaction (read
        them before returning). Whatever ``decide`` raises rolls the
        transaction back and propagates: nothing is appended. Its drafts are
        appended as :meth:`append` appends them (a draft whose id is
        recorded with the same content is skipped), all or none.
        """
        if principal is not None and len(principal) > 128:
            raise LedgerError("a principal's name has at most 128 characters")
        with self._write() as cursor:
            head_seq, head_hash = self._head_of(cursor)

            def rows_after(seq: int) -> Iterator[FoldRow]:
                cursor.execute(self._sql.fold_tail, (seq, head_seq))
                while rows := cursor.fetchmany(_VERIFY_FETCH):
                    yield from rows

            drafts = decide(head_seq, rows_after)
            for draft in drafts:
                check_id(draft)
            chain, already, keys = self._add(
                cursor, head_seq, head_hash, drafts, principal, look_up=True
            )
        return self._committed(chain, already, keys)

    def _add(
        self,
        cursor: Any,
        head_seq: int,
        head_hash: str,
        drafts: Sequence[EventDraft],
        principal: str | None,
        *,
        look_up: bool,
    ) -> tuple[ChainBuilder, list[str], KeyRing]:
        """Check, number, chain and insert ``drafts`` after the locked head.

        What :meth:`_append` does inside its transaction (see there for
        ``look_up``); the chain, the ids already recorded, and the key ring
        as it will be once the transaction commits.
        """
        existing = (
            self._rows_with_ids(cursor, [d.id for d in drafts]) if look_up else {}
        )
        keys = self._keyring(cursor, head_seq)
        chain = ChainBuilder(
            head_seq, head_hash, format_timestamp(self._clock()), principal
        )
        in_batch: dict[str, EventDraft] = {}
        already: list[str] = []
        for draft in drafts:
            payload = check_draft_after_id(draft)  # ids checked by the caller
            if (existing or draft.id in in_batch) and seen_before(
                draft, existing, in_batch
            ):
                already.append(draft.id)
                continue
            in_batch[draft.id] = draft
            if (
                draft.signer is not None
                or draft.signature is not None
                or draft.type in _KEY_TYPES
            ):
                check_keys(keys, draft, payload)
            row = chain.add(draft)
            if draft.type in _KEY_TYPES:
                keys.observe(row[0], draft.type, payload)
        if chain.rows:
            try:
                self._insert_rows(cursor, chain.rows)
            except self._integrity_error as exc:
                if look_up:  # not an id recorded before: a real failure
                    raise
                raise _AlreadyRecorded from exc
        return chain, already, keys

    def _committed(
        self, chain: ChainBuilder, already: list[str], keys: KeyRing
    ) -> AppendResult:
        """The result of an append whose transaction has committed."""
        if chain.rows:  # committed: the key ring is the ledger's now
            self._keys, self._keys_seq = keys, chain.seq
            self._recent.committed(_tail_row(row) for row in chain.rows)
        return AppendResult(tuple(chain.rows), tuple(already), chain.seq, chain.prev)

    def restore(self, recorded: Iterable[RecordedEvent]) -> int:
        """Append events recorded elsewhere, exactly as they are; return how many.

        Used by import. The events must continue this ledger's chain: the
        first follows the current head, each the one before. They land in
        one transaction, streamed in chunks, and the head moves to the last
        of them in that transaction: all of them or none. The caller has
        verified their hashes and signatures.

        An id already recorded here, or repeated among the events, refuses
        them all with :class:`IdConflictError` naming it. Nothing is looked
        up beforehand: the unique constraint on ``events.id`` catches the
        clash as the rows go in, and only then is the culprit looked for.
        On PostgreSQL the rows go in by ``COPY``, on SQLite by
        ``executemany``.
        """
        count = 0
        with self._write() as cursor:
            start, prev = self._head_of(cursor)
            cursor.execute(self._sql.last_seq)
            last = cursor.fetchone()[0]
            if last is not None and last > start:
                raise LedgerError(
                    f"this database holds events beyond its recorded head (seq "
                    f"{last}, head at seq {start}): it was changed behind "
                    "napci's back; 'napci ledger verify' shows where"
                )
            seq = start
            chunk: list[tuple[Any, ...]] = []
            for event in recorded:
                if event.seq != seq + 1 or event.prev_hash != prev:
                    raise LedgerError(
                        f"event seq {event.seq} does not continue this "
                        f"ledger's chain at seq {seq} ({prev[:12]}…)"
                    )
                seq, prev = event.seq, event.hash
                chunk.append(_row_tuple(event))
                if len(chunk) == _INSERT_CHUNK:
                    self._restore_rows(cursor, chunk, start)
                    count += len(chunk)
                    chunk = []
            if chunk:
                self._restore_rows(cursor, chunk, start)
                count += len(chunk)
            if count:
                cursor.execute(self._sql.update_head, (seq, prev))
        return count

    def _restore_rows(
        self, cursor: Any, rows: list[tuple[Any, ...]], start: int
    ) -> None:
        """Insert one chunk of a restore; name the id if one is not unique.

        ``start``: the head's seq when the restore began.
        """
        try:
            self._write_rows(cursor, rows)
        except self._integrity_error as exc:
            if self._postgres:  # the failed COPY aborted the transaction
                cursor.connection.rollback()
            conflict = self._restore_conflict(cursor, rows, start, exc)
            if conflict is None:
                raise
            raise conflict from None

    def _restore_conflict(
        self,
        cursor: Any,
        rows: list[tuple[Any, ...]],
        start: int,
        exc: Exception,
    ) -> IdConflictError | None:
        """The id that broke the unique constraint as ``rows`` went in, if any.

        ``start``: the head's seq when the restore began; no row lies beyond
        it but the restore's own (``restore`` made sure). On SQLite the failed
        ``executemany`` leaves the transaction open, with the restore's
        earlier rows, and this chunk's rows before the failing one, in place:
        the lookup sees them. A failed ``COPY`` aborts a PostgreSQL
        transaction, which has been rolled back: the lookup sees only what
        was recorded before, and the server's error names the key of a clash
        with an earlier chunk of the restore.
        """
        by_id = {row[1]: row[0] for row in rows}  # id -> seq (its last, if twice)
        found = self._rows_with_ids(cursor, list(by_id))
        for row in rows:
            stored = found.get(row[1])
            if stored is None or stored[0] == row[0]:  # not here, or this very row
                continue
            if stored[0] <= start:
                return IdConflictError(
                    f"event id {row[1]} is already recorded here at seq "
                    f"{stored[0]} (the import's seq {row[0]})"
                )
            return _repeated(row[1], stored[0], by_id[row[1]])
        first: dict[str, int] = {}
        for row in rows:
            earlier = first.setdefault(row[1], row[0])
            if earlier != row[0]:
                return _repeated(row[1], earlier, row[0])
        named = _id_named_in(exc, by_id)
        if named is not None and named not in found:
            return _repeated(named, None, by_id[named])
        return None

    # The append and verify paths talk to the driver directly (DB-API
    # cursors): SQLAlchemy's connection, transaction and statement machinery
    # costs more per single-event append than SQLite's own work does. Driver
    # errors still surface as SQLAlchemy's exceptions.

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
    def _write(self) -> Iterator[Any]:
        """A cursor in a write transaction: committed if the block returns.

        What a ``WRITE`` connection's ``begin()`` does (see the engine): on
        SQLite ``BEGIN IMMEDIATE``, which takes the write lock at once; on
        PostgreSQL the driver's implicit transaction, which the head's row
        lock (``SELECT ... FOR UPDATE``) serialises. :attr:`write_guard`
        may refuse it first.
        """
        if self.write_guard is not None:
            self.write_guard()
        with self._driver_cursor() as (connection, cursor):
            if not self._postgres:
                cursor.execute(SQLITE_BEGIN_WRITE)
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

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
            if _lost(connection.dbapi_connection):  # the server went away:
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
            if _lost(dbapi_connection.dbapi_connection):
                conn.invalidate()  # the server went away: never back to the pool
            raise

    def _head_of(self, cursor: Any) -> tuple[int, str]:
        """The head's (seq, hash), locked for this transaction."""
        cursor.execute(self._sql.lock_head)
        row = cursor.fetchone()
        if row is None:  # as Result.one() would say
            raise NoResultFound("No row was found when one was required")
        return int(row[0]), str(row[1])

    def _insert_rows(self, cursor: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert events as rows in _COLUMNS order; move the head to the last."""
        self._write_rows(cursor, rows)
        last = rows[-1]
        cursor.execute(self._sql.update_head, (last[0], last[-1]))

    def _write_rows(self, cursor: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert events as rows in _COLUMNS order: by ``COPY`` on PostgreSQL,
        where the table's generated columns (migration 0004) would otherwise
        be set up again for every row, and by ``executemany`` on SQLite."""
        if self._postgres:
            with cursor.copy(self._sql.copy_events) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), _INSERT_CHUNK):
            cursor.executemany(
                self._sql.insert_event, rows[start : start + _INSERT_CHUNK]
            )

    def _rows_with_ids(
        self, cursor: Any, ids: Sequence[str]
    ) -> dict[str, tuple[Any, ...]]:
        """The stored rows (in _COLUMNS order) of those of ``ids`` recorded here."""
        found: dict[str, tuple[Any, ...]] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = tuple(ids[start : start + _ID_CHUNK])
            cursor.execute(self._sql.select_ids(len(chunk)), chunk)
            for row in cursor.fetchall():
                found[row[1]] = tuple(row)
        return found

    def _keyring(self, cursor: Any, head_seq: int) -> KeyRing:
        """The key ring as of ``head_seq``: the cached one plus newer key events."""
        if head_seq < self._keys_seq:  # the database was replaced under us
            self._keys, self._keys_seq = KeyRing(), 0
        ring = KeyRing(dict(self._keys.keys))
        if head_seq > self._keys_seq:
            cursor.execute(self._sql.key_events, (*_KEY_TYPES, self._keys_seq))
            for seq, type_, payload in cursor.fetchall():
                ring.observe(seq, type_, json.loads(payload))
        return ring

    # -- reading ------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """The (seq, hash) of the last event; (0, 64 zeros) when empty.

        On the driver's cursor: the web app asks on every read request.
        """
        with self._driver_cursor() as (connection, cursor):
            cursor.execute(self._sql.read_head)
            row = cursor.fetchone()
            if self._postgres:
                connection.rollback()  # end the implicit transaction
        if row is None:
            return 0, GENESIS_HASH
        return int(row[0]), str(row[1])

    def get(self, event_id: str) -> RecordedEvent | None:
        """The event with id ``event_id``, if recorded."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_COLUMNS).where(events.c.id == event_id)
            ).one_or_none()
        return None if row is None else _row_event(row)

    def iter_events(
        self,
        *,
        after: int = 0,
        upto: int | None = None,
        types: Sequence[str] | None = None,
        batch: int = 5_000,
    ) -> Iterator[RecordedEvent]:
        """Events in ``seq`` order, streamed in batches."""
        query = select(*_COLUMNS).where(events.c.seq > after).order_by(events.c.seq)
        if upto is not None:
            query = query.where(events.c.seq <= upto)
        if types is not None:
            query = query.where(events.c.type.in_(list(types)))
        with self.engine.connect() as conn:
            result = conn.execution_options(yield_per=batch).execute(query)
            for row in result:
                yield _row_event(row)

    def iter_fold_rows(
        self,
        *,
        after: int = 0,
        upto: int | None = None,
        before_occurred: str | None = None,
        classifications: Sequence[str] | None = None,
    ) -> Iterator[tuple[int, str, str, str | None, str, str]]:
        """``(seq, type, occurred_at, actor, payload, classification)`` of
        events in seq order.

        What a fold of the record reads, and nothing more: straight from the
        driver, in one snapshot, server-side on PostgreSQL. ``upto`` keeps
        events up to that seq, ``before_occurred`` those that occurred
        before that timestamp, ``classifications`` those of these
        classifications.
        """
        ph = self._sql.ph
        where: list[str] = [f"seq > {ph}"]
        params: list[Any] = [after]
        if upto is not None:
            where.append(f"seq <= {ph}")
            params.append(upto)
        if before_occurred is not None:
            where.append(f"occurred_at < {ph}")
            params.append(before_occurred)
        if classifications is not None:
            if not classifications:
                return
            where.append(
                f"classification IN ({', '.join([ph] * len(classifications))})"
            )
            params.extend(classifications)
        sql = (
            "SELECT seq, type, occurred_at, actor, payload, classification "
            "FROM events "
            f"WHERE {' AND '.join(where)} ORDER BY seq"
        )
        with self.engine.connect() as conn, conn.begin():
            name = "napci_fold" if self._postgres else None
            with self._cursor(conn, name) as cursor:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(_VERIFY_FETCH):
                    yield from rows

    def page(self, *, after: int = 0, limit: int = 100) -> list[RecordedEvent]:
        """Up to ``limit`` events after ``after``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*_COLUMNS)
                .where(events.c.seq > after)
                .order_by(events.c.seq)
                .limit(limit)
            ).all()
        return [_row_event(r) for r in rows]

    def count(self) -> int:
        """How many events the store holds."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(events)).scalar_one()
            )

    def verify(
        self, *, check_signatures: bool = True, workers: int = 1
    ) -> VerifyReport:
        """Recompute the whole chain and every signature from the stored rows.

        Reads in one transaction, so a verify that runs beside appenders sees
        one consistent snapshot (rows and head together). With ``workers`` >
        1 the Ed25519 checks run in a pool of that many processes: the same
        report, sooner on a ledger of many signed events (starting the pool
        takes a moment). Where processes are spawned rather than forked, the
        calling script must guard its main code (``if __name__ ==
        "__main__"``), as for any process pool.
        """
        with ExitStack() as stack:
            executor = None
            if check_signatures and workers > 1:
                executor = stack.enter_context(ProcessPoolExecutor(workers))
            verifier = ChainVerifier(
                check_signatures=check_signatures, executor=executor
            )
            with self.engine.connect() as conn:
                if self._postgres:
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    recorded = conn.execute(
                        select(ledger_head.c.seq, ledger_head.c.hash).where(
                            ledger_head.c.id == 1
                        )
                    ).one_or_none()
                    # Rows go straight from the driver to the verifier: no Row
                    # or RecordedEvent per event. Server-side on PostgreSQL.
                    name = "napci_verify" if self._postgres else None
                    with self._cursor(conn, name) as cursor:
                        cursor.execute(self._sql.select_all)
                        feed_rows = verifier.feed_rows
                        while rows := cursor.fetchmany(_VERIFY_FETCH):
                            feed_rows(rows)
            head = None if recorded is None else (int(recorded.seq), str(recorded.hash))
            return verifier.finish(head, head_required=True)


def _lost(dbapi_connection: Any) -> bool:
    """Whether a driver's connection was lost (PostgreSQL; never on SQLite)."""
    return bool(
        getattr(dbapi_connection, "broken", False)
        or getattr(dbapi_connection, "closed", False)
    )


def _row_tuple(event: RecordedEvent) -> tuple[Any, ...]:
    return (
        event.seq,
        event.id,
        event.type,
        event.version,
        event.occurred_at,
        event.recorded_at,
        event.actor,
        event.principal,
        event.classification,
        event.payload_json,
        event.signer,
        event.signature,
        event.prev_hash,
        event.hash,
    )


def _repeated(event_id: str, earlier: int | None, seq: int) -> IdConflictError:
    where = (
        f"the second time at seq {seq}"
        if earlier is None
        else f"at seq {earlier} and seq {seq}"
    )
    return IdConflictError(f"event id {event_id} appears twice in the import ({where})")


def _id_named_in(exc: Exception, ids: Collection[str]) -> str | None:
    """The first of ``ids`` that the driver's error names, if any.

    PostgreSQL's unique violation names the key in its detail, ``Key
    (id)=(…) already exists.`` (the words may be translated, the id is not).
    """
    diag = getattr(exc, "diag", None)
    detail = getattr(diag, "message_detail", None)
    for match in UUID_PATTERN.finditer(f"{exc}\n{detail or ''}"):
        if match.group() in ids:
            return match.group()
    return None


class _Statements:
    """The append path's SQL, written for the driver's parameter style.

    Appends run these through ``exec_driver_sql``: the hot path of a ledger
    that must take a thousand single-event commits a second cannot afford
    building and compiling expression trees for every statement.
    """

    def __init__(self, *, postgres: bool) -> None:
        ph = "%s" if postgres else "?"
        self.ph = ph
        self.columns = ", ".join(c.name for c in _COLUMNS)
        self.read_head = "SELECT seq, hash FROM ledger_head WHERE id = 1"
        self.lock_head = self.read_head + (" FOR UPDATE" if postgres else "")
        self.update_head = (
            f"UPDATE ledger_head SET seq = {ph}, hash = {ph} WHERE id = 1"
        )
        self.insert_event = (
            f"INSERT INTO events ({self.columns}) "
            f"VALUES ({', '.join([ph] * len(_COLUMNS))})"
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
            f"WHERE type IN ({', '.join([ph] * len(_KEY_TYPES))}) AND seq > {ph} "
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
