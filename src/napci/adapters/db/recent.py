"""The events lately committed to a ledger, as this process knows them.

A ledger's append knows, once it has committed, exactly which events took
which seqs: appends are serialised on the ledger's head, so the seqs of one
append follow each other with no one else's in between. On PostgreSQL the
server also announces every small append when it commits (migration 0005),
whoever made it: :func:`listen` keeps a connection listening, drained by a
thread of its own, so that no announcement waits on the server for this
process to read it.

Readers in the same process (the trust figures) fold those events from here
while their own read of the database is on its way, instead of after it.
They are hints: the read still decides what is current, and the reader
checks the hints it folded against what the read returns.

Only committed events are kept, per engine (a database as this process
reaches it), the last :data:`KEPT` of them.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import threading
import weakref
from collections.abc import Iterable
from typing import Any, Final

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError

from napci.adapters.db.engine import autocommit_connection

__all__ = ["CHANNEL", "KEPT", "Listener", "RecentAppends", "listen", "recent_appends"]

#: How many of the latest committed events are kept per engine.
KEPT: Final[int] = 64


class RecentAppends:
    """The latest events known to be committed to one engine's database
    (appended through it, or announced by its server), by seq."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, tuple[Any, ...]] = {}

    def committed(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Keep ``rows`` (tail rows of a committed append, seq first). Two
        appends may report in either order, and one twice (appended here and
        announced); the oldest rows are let go."""
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
    """The latest events known to be committed to ``engine``'s database
    (kept while the engine lives)."""
    found = _BY_ENGINE.get(engine)
    if found is None:
        with _BY_ENGINE_LOCK:
            found = _BY_ENGINE.setdefault(engine, RecentAppends())
    return found


# -- PostgreSQL: everyone's appends, as the server announces them ----------------

#: The channel migration 0005 announces appended events on (a test holds the
#: two the same).
CHANNEL: Final[str] = "napci_appended"

#: The longest wait before a lost listening connection is opened again, in
#: seconds (the first wait is a twentieth of a second, doubled each time).
_RETRY_AT_MOST: Final[float] = 5.0

#: How long :meth:`Listener.stop` waits for the thread to end, in seconds.
_STOP_AT_MOST: Final[float] = 10.0


def _announced(text: bytes) -> list[tuple[Any, ...]]:
    """The tail rows a notification carries; none if it is not one of the
    ledger's (anyone who may connect to the database may notify on any
    channel: what it says is checked against the database before it
    counts, but it must at least have the shape of tail rows)."""
    try:
        found = json.loads(text)
    except ValueError:
        return []
    if not isinstance(found, list):
        return []
    rows = []
    for row in found:
        if not (
            isinstance(row, list)
            and len(row) == 5
            and type(row[0]) is int
            and all(isinstance(value, str) for value in row[1:])
        ):
            return []
        rows.append(tuple(row))
    return rows


class Listener:
    """A connection of its own listening on :data:`CHANNEL`, with a thread
    that takes every announcement as it arrives into ``record``.

    :meth:`take` takes, at once, whatever has arrived that the thread has not
    taken yet (a reader calls it just before it looks at the record). A lost
    connection is opened again, after a wait that grows while it fails;
    what was announced meanwhile is missed, which costs only a hint.
    :meth:`stop` ends the thread and closes the connection.
    """

    def __init__(self, engine: Engine, record: RecentAppends) -> None:
        self._engine = weakref.ref(engine)
        self._record = record
        self._lock = threading.Lock()  # one user of the connection at a time
        self._dbapi: Any = None
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._wake, self._woken = socket.socketpair()
        self._thread = threading.Thread(
            target=self._run, name="napci-appended", daemon=True
        )
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float) -> bool:
        """Wait until the connection listens; whether it does."""
        return self._listening.wait(timeout)

    def take(self) -> None:
        """Take the announcements that have arrived (without waiting)."""
        import psycopg  # a listener is PostgreSQL's alone

        with contextlib.suppress(psycopg.Error):  # lost: the thread opens another
            self._drain()

    def stop(self) -> None:
        """End the thread and close the connection (waits for both, up to
        :data:`_STOP_AT_MOST`: a connection being opened to a server that
        does not answer is left to time out on its own)."""
        self._stopping.set()
        with contextlib.suppress(OSError):  # already closed by the thread
            self._wake.send(b"x")
        if self._thread is not threading.current_thread():
            self._thread.join(_STOP_AT_MOST)

    # -- the thread -----------------------------------------------------------

    def _run(self) -> None:
        import psycopg

        retry = 0.05
        try:
            while not self._stopping.is_set():
                try:
                    self._open()
                    retry = 0.05
                    self._listen()
                except (psycopg.Error, DBAPIError, OSError):  # gone, or refused
                    self._close()
                    self._stopping.wait(retry)
                    retry = min(2 * retry, _RETRY_AT_MOST)
        finally:
            self._close()
            self._wake.close()
            self._woken.close()

    def _open(self) -> None:
        engine = self._engine()
        if engine is None:  # collected, before its finaliser stopped us
            self._stopping.set()
            return
        dbapi = autocommit_connection(engine)
        try:
            dbapi.execute("SET client_encoding TO 'UTF8'")
            dbapi.execute(f"LISTEN {CHANNEL}")
        except BaseException:
            dbapi.close()
            raise
        with self._lock:
            self._dbapi = dbapi
        self._listening.set()

    def _listen(self) -> None:
        """Take announcements as they arrive, until stopped (or lost: the
        driver's error is raised)."""
        dbapi = self._dbapi  # set by this thread, as only it does
        if dbapi is None:
            return
        ready = select.poll()  # not select(): descriptors may pass 1,024
        ready.register(dbapi.pgconn.socket, select.POLLIN)
        ready.register(self._woken, select.POLLIN)
        woken = self._woken.fileno()
        while not self._stopping.is_set():
            events = ready.poll()
            if any(fd == woken for fd, _ in events):  # to stop, as a rule
                self._woken.recv(64)
                continue
            self._drain()

    def _drain(self) -> None:
        """Take the announcements on the connection into the record (the
        driver's error raised if the connection is lost)."""
        rows: list[tuple[Any, ...]] = []
        with self._lock:
            dbapi = self._dbapi
            if dbapi is None:
                return
            pgconn = dbapi.pgconn
            pgconn.consume_input()
            while (notice := pgconn.notifies()) is not None:
                rows.extend(_announced(notice.extra))
        if rows:
            self._record.committed(rows)

    def _close(self) -> None:
        self._listening.clear()
        with self._lock:
            dbapi, self._dbapi = self._dbapi, None
        if dbapi is not None:
            dbapi.close()


_LISTENERS: weakref.WeakKeyDictionary[Engine, Listener] = weakref.WeakKeyDictionary()
_LISTENERS_LOCK = threading.Lock()
#: Listeners a forked child inherited: their connections are the parent's,
#: so the child keeps them unclosed (closing would end them for the parent).
_INHERITED: list[Listener] = []


def listen(engine: Engine) -> Listener:
    """The listener of ``engine``'s database (PostgreSQL), started if need
    be; stopped when the engine is disposed of or collected."""
    found = _LISTENERS.get(engine)
    if found is not None and found.running:
        return found
    record = recent_appends(engine)
    with _LISTENERS_LOCK:
        found = _LISTENERS.get(engine)
        if found is None or not found.running:
            found = _LISTENERS[engine] = Listener(engine, record)
            if not event.contains(engine, "engine_disposed", _disposed):
                event.listen(engine, "engine_disposed", _disposed)
            weakref.finalize(engine, found.stop)
    return found


def _disposed(engine: Engine) -> None:
    with _LISTENERS_LOCK:
        found = _LISTENERS.pop(engine, None)
    if found is not None:
        found.stop()


def _forked() -> None:
    _INHERITED.extend(_LISTENERS.values())
    _LISTENERS.clear()


os.register_at_fork(after_in_child=_forked)
