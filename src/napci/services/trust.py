"""Trust figures from the record: full replay, incremental, as of a date.

The service keeps one snapshot of the fold (a :class:`TrustState`) and, on
every read, folds only the events appended since: the figures are always
current, at the cost of the tail. A date in the past is a fresh replay of the
events that had occurred by then. Both use the same fold, so they agree.
"""

from __future__ import annotations

import gc
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Engine

from napci.adapters.db.engine import autocommit_connection
from napci.adapters.db.extract import (
    SMALL_TAIL,
    TINY_TAIL,
    TailRead,
    extract_batch,
    extract_parallel,
    extract_tail,
    read_events,
    read_tail,
    read_types,
)
from napci.adapters.db.recent import listen, recent_appends
from napci.domain.envelope import format_timestamp
from napci.domain.trust.explain import ExplainItem, explain
from napci.domain.trust.figures import TrustFigures, evaluate
from napci.domain.trust.kinds import EPOCH
from napci.domain.trust.operators import DEFAULT_HALF_LIFE_DAYS
from napci.domain.trust.rows import EXTRACT, Rows
from napci.domain.trust.state import TrustState

__all__ = ["TrustError", "TrustService"]


class TrustError(ValueError):
    """A trust query names something the record does not know."""


#: How many past dates' folds are kept current (least recently used dropped).
_PAST_STATES = 16

#: From this many new events on, PostgreSQL is read over two connections.
_PARALLEL_EVENTS = 50_000

#: The fold's event types, the usually largest first (for extract_parallel).
_BULK = (
    "AttendanceRecorded",
    "AttendanceConfirmed",
    "AttendanceAcknowledged",
    "MeetingConvened",
    "MeetingHeld",
)
_LARGEST_FIRST = {
    **{t: EXTRACT[t] for t in _BULK},
    **{t: f for t, f in EXTRACT.items() if t not in _BULK},
}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a read and fold.

    A full replay makes millions of rows, tuples and strings, none of them
    garbage until the fold is done: left on, the collector walks them again
    and again as they pile up, about a tenth of a replay's time. It is
    switched back on after, if it was on before (two folds at once in two
    threads: the first to finish switches it back on).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _day_of(state: TrustState, today: date) -> date:
    """The day of the current figures: today, or the record's last day if
    that is later (an event dated ahead)."""
    if state.last_day is None:
        return today
    return max(today, EPOCH + timedelta(days=state.last_day))


def _before_text(before: date | None) -> str | None:
    return None if before is None else format_timestamp(before)


class _Reader:
    """A connection of a service's own to read the ledger on (PostgreSQL).

    After an append the service's whole read is one statement
    (:func:`read_tail`); checking a pooled connection out and back in around
    it (the pool's bookkeeping, its reset on return, the switch to
    autocommit and back) cost more than the statement. So the service keeps
    one connection: taken from the engine's pool and detached from it, in
    autocommit for good. It is closed by :meth:`TrustService.close`, or when
    the service is collected; one the server has dropped is replaced.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dbapi: Any = None  # the driver's connection
        self._closer: weakref.finalize[Any, Any] | None = None

    def connection(self) -> Any:
        """The driver's connection, opened if need be."""
        if self._dbapi is None:
            dbapi = self._dbapi = autocommit_connection(self._engine)
            self._closer = weakref.finalize(self, dbapi.close)
        return self._dbapi

    def lost(self) -> bool:
        """Whether the connection was lost; if so it is let go, and the next
        :meth:`connection` opens another."""
        dbapi = self._dbapi
        if dbapi is None or not (dbapi.broken or dbapi.closed):
            return False
        self.close()
        return True

    def close(self) -> None:
        if self._closer is not None:
            self._closer()  # closes the connection, once
        self._dbapi = self._closer = None


class TrustService:
    """Trust figures over one ledger, as a reader with ``clearance`` sees it
    (every event when ``clearance`` is None)."""

    def __init__(
        self, engine: Engine, *, clearance: tuple[str, ...] | None = None
    ) -> None:
        self.engine = engine
        self.clearance = clearance
        # held from the fold through the evaluation: a fold changes the
        # snapshot in place, under an evaluation otherwise
        self._lock = threading.RLock()
        self._current: TrustState | None = None
        self._past: OrderedDict[date, TrustState] = OrderedDict()
        self._reader = _Reader(engine) if engine.dialect.name == "postgresql" else None
        self._recent = recent_appends(engine)

    def close(self) -> None:
        """Release the service's own database connection (a later read takes
        a new one)."""
        with self._lock:
            if self._reader is not None:
                self._reader.close()

    # -- folding ------------------------------------------------------------

    def _fold(self, state: TrustState, before: date | None = None) -> TrustState:
        """Fold the events after ``state.seq`` up to the head into ``state``.

        The head is read first and bounds the rows: an append committed
        meanwhile is folded next time, whole (the ledger only grows, so the
        reads need no common snapshot). Nothing new, nothing to do.
        """
        with _collector_paused():
            return self._fold_rows(state, before)

    def _fold_rows(self, state: TrustState, before: date | None) -> TrustState:
        if self._reader is None:  # SQLite: a pooled connection
            connection = self.engine.raw_connection()
            try:
                found = self._read(connection.dbapi_connection, False, state, before)
            finally:
                connection.close()  # back to the pool
        else:
            try:
                found = self._read(self._reader.connection(), True, state, before)
            except psycopg.Error:
                if not self._reader.lost():
                    raise
                # the server dropped it: once more, on a new connection
                found = self._read(self._reader.connection(), True, state, before)
        if found is None:
            return state
        head, rows = found
        if rows is None:
            rows = extract_parallel(
                self.engine,
                _LARGEST_FIRST,
                after=state.seq,
                upto=head,
                before_occurred=_before_text(before),
                classifications=self.clearance,
            )
        state.apply(rows, head)
        return state

    def _read(
        self, dbapi: Any, postgres: bool, state: TrustState, before: date | None
    ) -> tuple[int, Rows | None] | None:
        """The head and the rows of the events after ``state.seq`` up to it
        (None for rows to read over several connections); None if none.

        No transaction: each statement reads what was committed when it
        began, and the head bounds what is taken.
        """
        head, tail = read_tail(dbapi, postgres, state.seq)
        if head <= state.seq:
            return None
        if tail is not None:
            return head, extract_tail(
                tail,
                EXTRACT,
                before_occurred=_before_text(before),
                classifications=self.clearance,
            )
        if postgres and head - state.seq >= _PARALLEL_EVENTS:
            return head, None
        present = (
            read_types(dbapi, postgres, state.seq, head)
            if head - state.seq <= SMALL_TAIL
            else None
        )
        return head, extract_batch(
            dbapi,
            postgres,
            EXTRACT,
            after=state.seq,
            upto=head,
            before_occurred=_before_text(before),
            classifications=self.clearance,
            only=present,
        )

    def _replay(self, half_life: float, before: date | None) -> TrustState:
        return self._fold(TrustState(half_life), before)

    def current_state(self) -> TrustState:
        """The snapshot, brought up to the head of the ledger."""
        return self._current_on(datetime.now(UTC).date())

    def _current_on(self, today: date) -> TrustState:
        """:meth:`current_state`, with the half-life of the rules in force
        ``today``."""
        with self._lock:
            state = self._current
            state = (
                self._replay(DEFAULT_HALF_LIFE_DAYS, None)
                if state is None
                else self._fold(state)
            )
            if state.half_life_moved(today):
                state = self._replay(state.half_life_on(today), None)
            self._current = state
            return state

    def state_as_of(self, as_of: date | None) -> tuple[TrustState, date]:
        """The fold as the record stood at the end of ``as_of`` (today if None)."""
        if as_of is None:
            today = datetime.now(UTC).date()  # read once: one day throughout
            state = self._current_on(today)
            return state, _day_of(state, today)
        before = as_of + timedelta(days=1)
        with self._lock:
            # A past date's fold is kept too, and brought up to the head by
            # folding only the tail's events that occurred by then (usually
            # none): the same incremental fold as today's.
            cached = self._past.pop(as_of, None)
            if cached is None:
                probe = self._replay(DEFAULT_HALF_LIFE_DAYS, before)
            else:
                probe = self._fold(cached, before)
            if probe.last_day is None:
                raise TrustError(
                    f"the record has no event on or before {as_of.isoformat()}"
                )
            if probe.half_life_moved(as_of):
                probe = self._replay(probe.half_life_on(as_of), before)
            self._past[as_of] = probe
            while len(self._past) > _PAST_STATES:
                self._past.popitem(last=False)
            return probe, as_of

    # -- reading ------------------------------------------------------------

    def figures(self, as_of: date | None = None) -> TrustFigures:
        """Every trust figure as of a date (today's by default)."""
        with self._lock:
            current = self._current
            if as_of is None and self._reader is not None and current is not None:
                found = self._figures_now(self._reader, current)
                if found is not None:
                    return found
            state, day = self.state_as_of(as_of)
            return evaluate(state, day, state.rules_on(day))

    def _figures_now(self, reader: _Reader, state: TrustState) -> TrustFigures | None:
        """Today's figures on PostgreSQL, from a snapshot already made, with
        the server's answer overlapped (None if the caller must read again:
        the connection was lost, the snapshot was let go, or the rules in
        force today have another half-life than it was folded with).

        The read of the tail is sent first. While the server answers, the
        events known to have been committed since the snapshot are folded
        (:mod:`napci.adapters.db.recent`: this process's appends, and
        others' as the server announced them) and the figures evaluated.
        The answer then says what is current: the events folded early must
        be the ledger's own, and anything more is folded and the figures
        evaluated again.

        The snapshot is let go (the next read replays the record) if the
        events folded early cannot be confirmed: they differ from the
        ledger's, or the read failed before they could be compared.
        """
        today = datetime.now(UTC).date()
        try:
            read = TailRead(reader.connection(), state.seq)
        except psycopg.Error:
            if not reader.lost():
                raise
            return None
        hinted: list[tuple[Any, ...]] = []
        try:
            try:
                # others' appends as the server announced them (from the
                # second read on: a process that reads once never listens)
                listen(self.engine).take()
                hinted = self._recent.after(state.seq)[:TINY_TAIL]
                if hinted:
                    self._apply_tail(state, hinted, hinted[-1][0])
                figures = self._evaluated(state, today)
                head, tail = read.result()
            finally:
                read.discard()
            if hinted and not self._confirmed(reader, hinted, head, tail):
                self._current = None
                return None
        except psycopg.Error:
            if hinted:
                self._current = None
            if not reader.lost():
                raise
            return None
        except BaseException:
            self._current = None  # a fold failed part way
            raise
        if head > state.seq:  # more than was known here
            if tail is None:  # a long tail: read it all, as ever
                self._fold(state)
            else:
                newer = [row for row in tail if row[0] > state.seq]
                self._apply_tail(state, newer, head)
            figures = self._evaluated(state, today)
        return figures  # None for another half-life: the caller replays

    @staticmethod
    def _confirmed(
        reader: _Reader,
        hinted: list[tuple[Any, ...]],
        head: int,
        tail: list[tuple[Any, ...]] | None,
    ) -> bool:
        """Whether the events folded early are the ledger's, as the tail
        read's answer holds them; read for the purpose if it does not hold
        them all (its statement began before the last of them committed, or
        the tail was too long to send)."""
        last = hinted[-1][0]
        if tail is not None and last <= head:
            stored = [row for row in tail if row[0] <= last]
        else:
            stored = read_events(reader.connection(), hinted[0][0] - 1, last)
        return stored == hinted

    def _apply_tail(
        self, state: TrustState, tail: Sequence[tuple[Any, ...]], head: int
    ) -> None:
        """Fold tail rows (as :func:`read_tail` gives them) up to ``head``."""
        rows = extract_tail(tail, EXTRACT, classifications=self.clearance)
        state.apply(rows, head)

    def _evaluated(self, state: TrustState, today: date) -> TrustFigures | None:
        """The current figures of ``state``; None if the rules in force
        today have another half-life than it was folded with."""
        if state.half_life_moved(today):
            return None
        day = _day_of(state, today)
        return evaluate(state, day, state.rules_on(day))

    def explain(
        self,
        a: str,
        b: str,
        *,
        track: str | None = None,
        as_of: date | None = None,
    ) -> tuple[TrustFigures, list[ExplainItem]]:
        """The figures and every item of evidence between ``a`` and ``b``."""
        with self._lock:
            return self._explain(a, b, track, as_of)

    def _explain(
        self, a: str, b: str, track: str | None, as_of: date | None
    ) -> tuple[TrustFigures, list[ExplainItem]]:
        state, day = self.state_as_of(as_of)
        figures = evaluate(state, day, state.rules_on(day))
        for code in (a, b):
            if code not in figures.actors:
                raise TrustError(
                    f"unknown actor {code!r}; known: {', '.join(figures.actors)}"
                )
        if a == b:
            raise TrustError("trust is between two different actors")
        if track is not None and track not in figures.tracks:
            raise TrustError(
                f"unknown track {track!r}; on the agenda: {', '.join(figures.tracks)}"
            )
        items = explain(state, a, b, day, state.rules_on(day), track)
        return figures, items
