"""The events this process appended to a database lately, as committed.

A ledger's append knows, once it has committed, exactly which events took
which seqs: appends are serialised on the ledger's head, so the seqs of one
append follow each other with no one else's in between. Readers in the same
process (the trust figures) fold those events from here while their own
read of the database is on its way, instead of after it: the read still
decides what is current (another process may have appended meanwhile), and
folds whatever else it finds.

Only committed events are kept, per engine (a database as this process
reaches it), the last :data:`KEPT` of them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import Any, Final

from sqlalchemy import Engine

__all__ = ["KEPT", "RecentAppends", "recent_appends"]

#: How many of the latest appended events are kept per engine.
KEPT: Final[int] = 64

#: An event as :func:`napci.adapters.db.extract.read_tail` gives it:
#: (seq, type, occurred_at, classification, payload JSON text).
TailRow = tuple[int, str, str, str, str]


class RecentAppends:
    """The latest events appended through one engine, by seq."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, tuple[Any, ...]] = {}

    def committed(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Keep ``rows`` (tail rows of a committed append, seq first). Two
        appends may report in either order; the oldest rows are let go."""
        with self._lock:
            kept = self._rows
            for row in rows:
                kept[row[0]] = row
            if len(kept) > KEPT:
                for seq in sorted(kept)[: len(kept) - KEPT]:
                    del kept[seq]

    def after(self, seq: int) -> list[tuple[Any, ...]]:
        """The kept rows from ``seq + 1`` on, while their seqs follow each
        other (none if ``seq + 1`` is not kept)."""
        with self._lock:
            kept = self._rows
            found = []
            while (row := kept.get(seq + 1)) is not None:
                found.append(row)
                seq += 1
            return found


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, RecentAppends] = (
    weakref.WeakKeyDictionary()
)
_BY_ENGINE_LOCK = threading.Lock()


def recent_appends(engine: Engine) -> RecentAppends:
    """The latest events appended through ``engine`` (kept while it lives)."""
    found = _BY_ENGINE.get(engine)
    if found is None:
        with _BY_ENGINE_LOCK:
            found = _BY_ENGINE.setdefault(engine, RecentAppends())
    return found
