"""Fresh event ids: UUID version 7, ordered by the time they are made.

A version 7 UUID (RFC 9562 §5.7) begins with the Unix time in milliseconds,
so ids made one after another sort one after another. The ledger's unique
index on ``id`` then grows at its right edge, as its ``seq`` index does,
instead of taking each new id at a random place: an append touches a few
index pages rather than pages all over the index, which matters once the
index no longer fits in memory. The id is still unguessable (62 random bits)
and still an ordinary UUID in its canonical 36-character form.

Within one millisecond the 12 bits after the version hold the fraction of
the millisecond (RFC 9562 §6.2, method 3), and an id never sorts before the
one made before it in this process: if the clock stands still or steps back,
the time field counts on from the last id.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["new_event_id"]

_lock = threading.Lock()
_last = 0  # the 60-bit time field of the last id made here


def _time_field() -> int:
    """Milliseconds (48 bits), then the fraction of the millisecond (12 bits)."""
    ns = time.time_ns()
    ms, rest = divmod(ns, 1_000_000)
    return (ms << 12) | (rest * 4096 // 1_000_000)


def new_event_id() -> str:
    """A fresh, time-ordered event id (UUID version 7)."""
    global _last
    with _lock:
        field = max(_time_field(), _last + 1)
        _last = field
    rand_b = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (
        ((field >> 12) << 80)  # unix_ts_ms
        | (0x7 << 76)  # version
        | ((field & 0xFFF) << 64)  # rand_a: the sub-millisecond fraction
        | (0b10 << 62)  # variant
        | rand_b
    )
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
