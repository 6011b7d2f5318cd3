"""Reading the ledger: its head, its events, the fold's rows, verification."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from typing import Any

from sqlalchemy import Row, func, select

from napci.adapters.db.driver import COLUMNS, FETCH, DriverAccess
from napci.adapters.db.schema import events, ledger_head
from napci.domain.canonical import GENESIS_HASH
from napci.domain.chain import ChainVerifier, VerifyReport
from napci.domain.envelope import (
    RecordedEvent,
)

__all__ = ["LedgerReader"]


def _row_event(row: Row[Any] | Sequence[Any]) -> RecordedEvent:
    return RecordedEvent(*row)  # columns in COLUMNS order


class LedgerReader(DriverAccess):
    """The ledger's reads; :class:`~napci.adapters.db.ledger.SqlLedger` adds
    its writes."""

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
                select(*COLUMNS).where(events.c.id == event_id)
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
        query = select(*COLUMNS).where(events.c.seq > after).order_by(events.c.seq)
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
                while rows := cursor.fetchmany(FETCH):
                    yield from rows

    def page(self, *, after: int = 0, limit: int = 100) -> list[RecordedEvent]:
        """Up to ``limit`` events after ``after``."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*COLUMNS)
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
                        while rows := cursor.fetchmany(FETCH):
                            feed_rows(rows)
            head = None if recorded is None else (int(recorded.seq), str(recorded.hash))
            return verifier.finish(head, head_required=True)
