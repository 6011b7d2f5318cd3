"""The server's health: ``/healthz``, database outages, a broken record.

``/healthz`` answers at once from what the server knows (it never folds or
verifies anything): the record's integrity as the background verification
and the tail checks found it, and whether the database answers (one probe
per half second at most while it does, shared by every caller; a probe at
every call while it seems not to). 503 when the record is
broken or the database unreachable.

A request that meets a database outage (:func:`napci.adapters.db.outage.is_outage`)
is answered ``503`` with ``Retry-After``, as problem+json under ``/api/``
and as the error page elsewhere, on a connection kept alive; the server logs
one line when an outage begins and one when it ends, never a traceback per
request. A write on a broken record is answered ``503`` naming the first bad
seq (``/problems/record-broken``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from napci.adapters.db.outage import OUTAGE_TYPES, is_outage
from napci.domain.integrity import RecordBroken
from napci.web.problems import Problem, problem_response

__all__ = [
    "RETRY_AFTER_SECONDS",
    "DatabaseWatch",
    "broken_problem",
    "install",
    "lifespan",
]

log = logging.getLogger("napci.database")

#: What ``Retry-After`` says during an outage, in seconds.
RETRY_AFTER_SECONDS: Final = 2

#: How long a probe of the database is trusted, and how often one is made
#: while the database is unreachable, in seconds.
PROBE_EVERY: Final = 0.5

#: How long ``/healthz`` waits for a probe, in seconds.
PROBE_TIMEOUT: Final = 1.0


def _short(exc: BaseException) -> str:
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    return f"{type(exc).__name__}: {text[:200]}"


class DatabaseWatch:
    """Outages of the database as this server meets them.

    ``probe`` reads something trivial from the database (raising if it
    cannot); ``on_outage`` is called once when an outage begins (to let the
    pool's connections go: they are dead, or soon will be).
    """

    def __init__(
        self,
        probe: Callable[[], object],
        on_outage: Callable[[], object] | None = None,
    ) -> None:
        self._probe = probe
        self._on_outage = on_outage
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._refused = 0
        self._checked_at = -math.inf
        self._reachable = True
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def down(self) -> bool:
        """Whether an outage is going on, as far as this server knows."""
        return self._down_since is not None

    def failed(self, exc: BaseException, *, refused: bool = True) -> None:
        """A request met an outage (``refused``: it was answered 503; else a
        probe): the first of one logs it and starts watching for the
        database's return."""
        with self._lock:
            self._refused += refused
            self._reachable, self._checked_at = False, time.monotonic()
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
        log.warning(
            "database unreachable (%s): answering 503 until it returns", _short(exc)
        )
        if self._on_outage is not None:
            try:
                self._on_outage()
            except Exception as failure:  # the outage is logged already
                log.debug("letting the pool's connections go failed: %s", failure)
        if not self._stopping.is_set():
            self._thread = threading.Thread(
                target=self._watch, name="napci-database-watch", daemon=True
            )
            self._thread.start()

    def _back(self) -> None:
        with self._lock:
            self._reachable, self._checked_at = True, time.monotonic()
            since, refused = self._down_since, self._refused
            if since is None:
                return
            self._down_since, self._refused = None, 0
        log.warning(
            "database reachable again after %.1f s (%d requests answered 503)",
            time.monotonic() - since,
            refused,
        )

    def probe(self) -> bool:
        """Read from the database now; whether it answered."""
        try:
            self._probe()
        except Exception as exc:
            self.failed(exc, refused=False)
            return False
        self._back()
        return True

    def _watch(self) -> None:
        while self.down and not self._stopping.wait(PROBE_EVERY):
            self.probe()

    async def reachable(self) -> bool:
        """Whether the database answers: probed at most every half second
        while it does, at every call while it seems not to."""
        if self._reachable and time.monotonic() - self._checked_at < PROBE_EVERY:
            return True
        self._checked_at = time.monotonic()  # one probe for concurrent callers
        try:
            return await asyncio.wait_for(
                run_in_threadpool(self.probe), timeout=PROBE_TIMEOUT
            )
        except TimeoutError:
            self._reachable = False
            return False

    def stop(self) -> None:
        """Stop watching."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2 * PROBE_EVERY + PROBE_TIMEOUT)


def broken_problem(exc: RecordBroken) -> Problem:
    """The problem of a write refused on a broken record."""
    return Problem(
        503,
        "The record does not verify",
        str(exc),
        "/problems/record-broken",
        rule=exc.rule,
        remedy=exc.remedy,
        first_bad_seq=exc.first_bad_seq,
    )


def _answer(request: Request, problem: Problem) -> Response:
    if request.url.path.startswith("/api/"):
        return problem_response(request, problem)
    from napci.web.pages import error_page

    return error_page(request, problem)


def _watch_of(app: Any) -> DatabaseWatch:
    watch: DatabaseWatch = app.state.database_watch
    return watch


async def _on_outage(request: Request, exc: Exception) -> Response:
    if not is_outage(exc):
        raise exc  # a fault, not an outage: the server's own error handling
    _watch_of(request.app).failed(exc)
    problem = Problem(
        503,
        "Database unavailable",
        "the database cannot be reached right now: nothing was recorded; "
        f"try again in {RETRY_AFTER_SECONDS} seconds",
        "/problems/database-unavailable",
    )
    response = await run_in_threadpool(_answer, request, problem)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _on_broken(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RecordBroken)
    return await run_in_threadpool(_answer, request, broken_problem(exc))


async def healthz(request: Request) -> JSONResponse:
    """The record's integrity and the database's reachability."""
    state = request.app.state.web
    record = state.integrity.status()
    reachable = await _watch_of(request.app).reachable()
    body = {
        **record.as_json(),
        "problem": record.problem,
        "database": "reachable" if reachable else "unreachable",
    }
    healthy = record.status != "broken" and reachable
    return JSONResponse(body, status_code=200 if healthy else 503)


def install(app: FastAPI) -> None:
    """``/healthz`` (before any other route) and the error handlers of
    outages and of writes on a broken record. ``app.state.web`` must be
    set."""
    state = app.state.web
    app.state.database_watch = DatabaseWatch(
        state.platform.ledger.head, state.platform.engine.dispose
    )
    app.add_api_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(RecordBroken, _on_broken)
    for kind in OUTAGE_TYPES:
        app.add_exception_handler(kind, _on_outage)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the integrity monitor with the server; stop it (and its
    verifying process) and the database watch when the server stops."""
    monitor = app.state.web.integrity
    monitor.start()
    try:
        yield
    finally:
        await run_in_threadpool(monitor.stop)
        await run_in_threadpool(_watch_of(app).stop)
