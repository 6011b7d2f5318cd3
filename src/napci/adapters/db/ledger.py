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
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import NoResultFound

from napci.adapters.db.driver import FETCH
from napci.adapters.db.engine import SQLITE_BEGIN_WRITE
from napci.adapters.db.ledger_reads import LedgerReader
from napci.adapters.db.recent import recent_appends
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
from napci.domain.chain import KEY_TYPES, KeyRing
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

KEY_TYPES = KEY_TYPES
_ID_CHUNK = 500
_INSERT_CHUNK = 10_000


class _AlreadyRecorded(Exception):
    """An append's first attempt met an id already recorded (see ``_append``)."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _tail_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row in COLUMNS order as the tail read gives it: seq, type,
    occurred_at, classification, payload."""
    return row[0], row[2], row[4], row[8], row[9]


class SqlLedger(LedgerReader):
    """The append-only, hash-chained event store over a SQLAlchemy engine."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        super().__init__(engine)
        self._clock = clock
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
                while rows := cursor.fetchmany(FETCH):
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
                or draft.type in KEY_TYPES
            ):
                check_keys(keys, draft, payload)
            row = chain.add(draft)
            if draft.type in KEY_TYPES:
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
                chunk.append(event.row())
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

    def _head_of(self, cursor: Any) -> tuple[int, str]:
        """The head's (seq, hash), locked for this transaction."""
        cursor.execute(self._sql.lock_head)
        row = cursor.fetchone()
        if row is None:  # as Result.one() would say
            raise NoResultFound("No row was found when one was required")
        return int(row[0]), str(row[1])

    def _insert_rows(self, cursor: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert events as rows in COLUMNS order; move the head to the last."""
        self._write_rows(cursor, rows)
        last = rows[-1]
        cursor.execute(self._sql.update_head, (last[0], last[-1]))

    def _write_rows(self, cursor: Any, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert events as rows in COLUMNS order: by ``COPY`` on PostgreSQL,
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
        """The stored rows (in COLUMNS order) of those of ``ids`` recorded here."""
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
            cursor.execute(self._sql.key_events, (*KEY_TYPES, self._keys_seq))
            for seq, type_, payload in cursor.fetchall():
                ring.observe(seq, type_, json.loads(payload))
        return ring


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
