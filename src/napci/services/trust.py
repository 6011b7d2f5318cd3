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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from napci.adapters.db.extract import (
    SMALL_TAIL,
    extract_batch,
    extract_parallel,
    extract_tail,
    read_tail,
    read_types,
)
from napci.domain.envelope import format_timestamp
from napci.domain.rules_of_procedure import Rules, rules_in_force
from napci.domain.trust_figures import ExplainItem, TrustFigures, evaluate, explain
from napci.domain.trust_state import EPOCH, EXTRACT, TrustState

__all__ = ["TrustError", "TrustService"]


class TrustError(ValueError):
    """A trust query names something the record does not know."""


#: Rules already folded, per state: (amendments folded so far, day) -> rules.
#: A state's amendments only grow, so the key names the rules exactly.
_RULES: weakref.WeakKeyDictionary[TrustState, dict[tuple[int, date], Rules]] = (
    weakref.WeakKeyDictionary()
)


def rules_on(state: TrustState, day: date) -> Rules:
    """The rules of procedure in force on ``day`` by the state's amendments."""
    cache = _RULES.setdefault(state, {})
    key = (len(state.amendments), day)
    rules = cache.get(key)
    if rules is None:
        if len(cache) >= 64:
            cache.clear()
        rules = cache[key] = rules_in_force(
            (
                (EPOCH + timedelta(days=effective), changes)
                for effective, changes in state.amendments
            ),
            day,
        )
    return rules


#: How many past dates' folds are kept current (least recently used dropped).
_PAST_STATES = 16

#: From this many new events on, PostgreSQL is read over two connections.
_PARALLEL_EVENTS = 50_000

#: The fold's event types, the usually largest first (for extract_parallel).
_BULK = ("AttendanceRecorded", "AttendanceConfirmed", "MeetingConvened", "MeetingHeld")
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


class TrustService:
    """Trust figures over one ledger, as a reader with ``clearance`` sees it
    (every event when ``clearance`` is None)."""

    def __init__(
        self, engine: Engine, *, clearance: tuple[str, ...] | None = None
    ) -> None:
        self.engine = engine
        self.clearance = clearance
        self._lock = threading.Lock()
        self._current: TrustState | None = None
        self._past: OrderedDict[date, TrustState] = OrderedDict()

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
        before_text = None if before is None else format_timestamp(before)
        postgres = self.engine.dialect.name == "postgresql"
        connection = self.engine.raw_connection()  # a pooled connection
        dbapi = connection.dbapi_connection
        autocommit = False
        try:
            # No transaction: each statement reads what was committed when it
            # began, and the head bounds what is taken. read_tail runs outside
            # one by itself; on PostgreSQL the longer reads run in autocommit
            # (no BEGIN and COMMIT round trips).
            head, tail = read_tail(dbapi, postgres, state.seq)
            if head <= state.seq:
                return state
            parallel = postgres and head - state.seq >= _PARALLEL_EVENTS
            if tail is not None:
                rows = extract_tail(
                    tail,
                    EXTRACT,
                    before_occurred=before_text,
                    classifications=self.clearance,
                )
            elif not parallel:
                if postgres:
                    dbapi.autocommit = autocommit = True  # type: ignore[union-attr]
                present = (
                    read_types(dbapi, postgres, state.seq, head)
                    if head - state.seq <= SMALL_TAIL
                    else None
                )
                rows = extract_batch(
                    dbapi,
                    postgres,
                    EXTRACT,
                    after=state.seq,
                    upto=head,
                    before_occurred=before_text,
                    classifications=self.clearance,
                    only=present,
                )
        finally:
            if autocommit:
                dbapi.autocommit = False  # type: ignore[union-attr]
            connection.close()  # back to the pool
        if parallel:
            rows = extract_parallel(
                self.engine,
                _LARGEST_FIRST,
                after=state.seq,
                upto=head,
                before_occurred=before_text,
                classifications=self.clearance,
            )
        state.apply(rows, head)
        return state

    def _replay(self, half_life: float, before: date | None) -> TrustState:
        return self._fold(TrustState(half_life), before)

    def current_state(self) -> TrustState:
        """The snapshot, brought up to the head of the ledger."""
        with self._lock:
            state = self._current
            state = self._replay(730.0, None) if state is None else self._fold(state)
            today = datetime.now(UTC).date()
            half_life = rules_on(state, today).number("trust.half_life_days")
            if half_life != state.half_life:
                state = self._replay(half_life, None)
            self._current = state
            return state

    def state_as_of(self, as_of: date | None) -> tuple[TrustState, date]:
        """The fold as the record stood at the end of ``as_of`` (today if None)."""
        if as_of is None:
            state = self.current_state()
            today = datetime.now(UTC).date()
            last = (
                today
                if state.last_day is None
                else EPOCH + timedelta(days=state.last_day)
            )
            return state, max(today, last)
        before = as_of + timedelta(days=1)
        with self._lock:
            # A past date's fold is kept too, and brought up to the head by
            # folding only the tail's events that occurred by then (usually
            # none): the same incremental fold as today's.
            cached = self._past.pop(as_of, None)
            if cached is None:
                probe = self._replay(730.0, before)
            else:
                probe = self._fold(cached, before)
            if probe.last_day is None:
                raise TrustError(
                    f"the record has no event on or before {as_of.isoformat()}"
                )
            half_life = rules_on(probe, as_of).number("trust.half_life_days")
            if half_life != probe.half_life:
                probe = self._replay(half_life, before)
            self._past[as_of] = probe
            while len(self._past) > _PAST_STATES:
                self._past.popitem(last=False)
            return probe, as_of

    # -- reading ------------------------------------------------------------

    def figures(self, as_of: date | None = None) -> TrustFigures:
        """Every trust figure as of a date (today's by default)."""
        state, day = self.state_as_of(as_of)
        return evaluate(state, day, rules_on(state, day))

    def explain(
        self,
        a: str,
        b: str,
        *,
        track: str | None = None,
        as_of: date | None = None,
    ) -> tuple[TrustFigures, list[ExplainItem]]:
        """The figures and every item of evidence between ``a`` and ``b``."""
        state, day = self.state_as_of(as_of)
        figures = evaluate(state, day, rules_on(state, day))
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
        items = explain(state, a, b, day, rules_on(state, day), track)
        return figures, items
