"""The record's registries, kept current for everyone who judges or reads.

One :class:`RecordState` per platform keeps a registry per clearance (the
classifications a reader may see): folded from the record when first needed,
and from then on brought up to the ledger's head by folding only the events
appended since, as the trust figures are. Commands, the web app's API and
pages use it; a command-line process folds the record once.

Thread safety. A registry readers can see changes only under the state's
view lock, from one committed head to a later one in one hold (a tail, or the
events of one command); readers look at registries under the same lock
(:meth:`RecordState.read`), so no reader sees a registry half folded. The
first fold of a clearance, which takes seconds on a long record, is made in
a registry no one sees yet and then published. Folds of one clearance take
turns on a fold lock (a thread that finds one under way waits for it rather
than read the record again). While a thread is inside
:meth:`RecordState.read`, the registries stand still: it folds nothing, and
the view lock is never held waiting for a database connection.

Commands. :meth:`RecordState.append_judged` judges and appends as one step
(DESIGN §1): with the ledger's write lock held, the registries are brought up
to the locked head from the events read in that same transaction (whoever
appended them, in this process or another), the caller decides against them,
and its drafts are appended in that transaction. No one can append
meanwhile, so what was judged is the record the events join. The events a
command appended are folded in after its commit, never before: a command
that fails leaves the registries as the record is. Commands of one process
queue on a process lock before they ask for the database's, so threads
waiting for their turn hold no pooled connection.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import TYPE_CHECKING, TypeVar

from napci.domain.access import CLEARANCE
from napci.domain.admission import AppendResult
from napci.domain.envelope import EventDraft
from napci.domain.registry import FoldRow, Registry

if TYPE_CHECKING:
    from napci.adapters.db.ledger import SqlLedger

__all__ = ["FULL", "Clearance", "RecordState"]

#: The classifications a reader may see.
Clearance = tuple[str, ...]

#: Every classification: the whole record, which the rules judge by.
FULL: Clearance = CLEARANCE["facilitator"]

T = TypeVar("T")


class RecordState:
    """A registry per clearance, current, shared by every thread of a process."""

    def __init__(self, ledger: SqlLedger) -> None:
        self._ledger = ledger
        self._view = threading.RLock()
        self._guard = threading.Lock()
        self._commands = threading.Lock()
        self._registries: dict[Clearance, Registry] = {}
        self._folding: dict[Clearance, threading.Lock] = {}
        self._local = threading.local()
        #: Checks a tail before it is folded: given the head's seq and hash
        #: (the hash None when the head was read under the append lock), it
        #: checks that the events up to it continue the verified chain (a
        #: server's integrity monitor; nothing by default).
        self.check_tail: Callable[[int, str | None], object] | None = None

    # -- reading --------------------------------------------------------------

    def registry(self, clearance: Clearance = FULL) -> Registry:
        """The registry as ``clearance`` may see it, brought up to the head.

        Inside :meth:`read`, the registry as it stands. Outside, look things
        up in it but do not iterate it: another thread may be folding.
        """
        self.catch_up((clearance,))
        return self._registry(clearance)

    def read(
        self,
        clearance: Clearance,
        view: Callable[[Registry], T],
        *,
        also: Iterable[Clearance] = (),
    ) -> T:
        """``view(registry)``, with the registries of ``clearance`` and of
        ``also`` brought up to the head and standing still meanwhile:
        ``view`` may iterate them (through :meth:`registry` too)."""
        self.catch_up((clearance, *also))
        with self._view:
            self._local.viewing = self._viewing() + 1
            try:
                return view(self._registry(clearance))
            finally:
                self._local.viewing -= 1

    def catch_up(self, clearances: Iterable[Clearance]) -> None:
        """Fold into the registries of ``clearances`` the events appended
        since they were folded (nothing inside :meth:`read`)."""
        if self._viewing():
            return
        head: int | None = None
        checked = False
        for clearance in dict.fromkeys(clearances):
            with self._fold_lock(clearance):
                if head is None:
                    head, head_hash = self._ledger.head()
                registry = self._registry(clearance)
                if registry.seq > head:  # the database was replaced
                    registry = self._fresh(clearance)
                if registry.seq == head:
                    continue
                if not checked and self.check_tail is not None:
                    self.check_tail(head, head_hash)
                    checked = True
                rows = self._ledger.iter_fold_rows(
                    after=registry.seq, upto=head, classifications=clearance
                )
                if registry.seq == 0:
                    self._first_fold(clearance, rows, head)
                    continue
                # A tail: folded in one hold of the view lock, so readers see
                # the registry at one head or the next. Its first row is read
                # before, so the lock is never held waiting for a connection.
                first = next(rows, None)
                with self._view:
                    if first is not None:
                        _fold(registry, chain((first,), rows), clearance)
                    registry.seq = max(registry.seq, head)

    def _first_fold(
        self, clearance: Clearance, rows: Iterator[FoldRow], head: int
    ) -> None:
        """Fold the record up to ``head`` into a registry no one sees yet,
        then publish it: the first fold of a long record takes a while, and
        readers of the other clearances go on meanwhile."""
        registry = Registry()
        _fold(registry, rows, clearance)
        registry.seq = max(registry.seq, head)
        with self._view, self._guard:
            if self._registries[clearance].seq <= registry.seq:
                self._registries[clearance] = registry

    # -- commands ---------------------------------------------------------------

    def append_judged(
        self,
        clearance: Clearance,
        decide: Callable[[Registry, Registry], Sequence[EventDraft]],
        *,
        principal: str | None,
    ) -> AppendResult:
        """Judge and append as one step; what was appended.

        ``decide(whole, visible)`` runs with the ledger's write lock held,
        given the whole registry and the one ``clearance`` sees, both as the
        record stands at the locked head; it returns the drafts to append, or
        raises (a refusal), and then nothing is appended. It must not change
        the registries.
        """
        if self._viewing():
            raise RuntimeError("a command cannot run inside RecordState.read")
        wanted = tuple(dict.fromkeys((FULL, clearance)))
        self.catch_up(wanted)  # most of the way, before taking the lock
        start = -1

        def locked(
            head: int, rows_after: Callable[[int], Iterator[FoldRow]]
        ) -> Sequence[EventDraft]:
            nonlocal start
            start = head
            self._advance(wanted, head, rows_after)
            return decide(self._registries[FULL], self._registries[clearance])

        with self._commands:
            result = self._ledger.append_judged(locked, principal=principal)
        self._fold_own(start, result)
        return result

    def _advance(
        self,
        clearances: tuple[Clearance, ...],
        head: int,
        rows_after: Callable[[int], Iterator[FoldRow]],
    ) -> None:
        """Bring the registries of ``clearances`` to the locked ``head``,
        from the events after the least of them, read in the transaction."""
        for clearance in clearances:
            if self._registry(clearance).seq > head:  # the database was replaced
                self._fresh(clearance)
        registries = [self._registry(c) for c in clearances]
        low = min(r.seq for r in registries)
        if low == head:
            return
        if self.check_tail is not None:
            self.check_tail(head, None)
        rows = list(rows_after(low))
        with self._view:
            for clearance, registry in zip(clearances, registries, strict=True):
                _fold(registry, rows, clearance)
                registry.seq = max(registry.seq, head)

    def _fold_own(self, start: int, result: AppendResult) -> None:
        """Fold in the events a command appended (its transaction committed),
        in the registries that stood at the head it appended after."""
        if not result.rows:
            return
        rows: list[FoldRow] = [  # from the rows in the ledger's column order
            (r[0], r[2], r[4], r[6], r[9], r[8]) for r in result.rows
        ]
        with self._view:
            for clearance, registry in self._registries.items():
                if registry.seq == start:
                    _fold(registry, rows, clearance)
                    registry.seq = result.head_seq

    # -- the registries and their locks -------------------------------------------

    def _viewing(self) -> int:
        return int(getattr(self._local, "viewing", 0))

    def _registry(self, clearance: Clearance) -> Registry:
        with self._guard:
            return self._registries.setdefault(clearance, Registry())

    def _fresh(self, clearance: Clearance) -> Registry:
        with self._view, self._guard:
            registry = self._registries[clearance] = Registry()
            return registry

    def _fold_lock(self, clearance: Clearance) -> threading.Lock:
        with self._guard:
            return self._folding.setdefault(clearance, threading.Lock())


def _fold(registry: Registry, rows: Iterable[FoldRow], clearance: Clearance) -> None:
    """Fold in those of ``rows`` that ``clearance`` sees and ``registry``
    has not folded yet."""
    apply_row = registry.apply_row
    after = registry.seq
    for row in rows:
        if row[0] > after and row[5] in clearance:
            apply_row(row)
