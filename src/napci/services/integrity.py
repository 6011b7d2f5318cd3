"""The integrity monitor: a running server's knowledge that its record verifies.

A server verifies the whole chain when it starts (in the background: it
answers and accepts writes meanwhile), again every ``interval`` seconds, and
when the secretariat asks; and it checks every tail it folds against the last
head it verified (:meth:`IntegrityMonitor.check_tail`: the tail's events must
follow that head and hash to what they say). Once the record is found
broken, :meth:`IntegrityMonitor.check_writable` refuses every write, naming
the first bad seq; the ledger calls it before each write transaction.

A full verification is a SHA-256 per event. Run in the server's process it
would hold the interpreter's lock from every request for as long as it
runs, so it runs in a process of its own (:mod:`napci.services.verify_worker`)
that reads the database itself and reports back one line of JSON; its
priority is lowered, so that requests come first when the machine is busy.
It checks the chain, not the signatures (each was checked when its event was
appended, and an edit to a signed event breaks its hash; ``napci ledger
verify`` checks both): see docs/ledger.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.engine import make_url

from napci.adapters.db.ledger import SqlLedger
from napci.domain.integrity import (
    FullReport,
    RecordStatus,
    after_full,
    after_tail,
    check_tail,
)
from napci.services.platform import Platform
from napci.settings import ENV_DATABASE_URL, Settings

__all__ = ["DEFAULT_NICE", "IntegrityMonitor", "monitor_for"]

log = logging.getLogger("napci.integrity")

#: How much the verifying process lowers its priority (see ``os.nice``).
DEFAULT_NICE: Final = 10

#: After a verification that could not run (the database unreachable, say),
#: the next is tried this many seconds later (or at the interval, if sooner).
RETRY_SECONDS: Final = 5.0

#: How long :meth:`IntegrityMonitor.stop` waits for the verifying process and
#: the thread, in seconds.
_STOP_SECONDS: Final = 10.0


def _in_memory(url: str) -> bool:
    """Whether ``url`` names a SQLite database in memory (the tests')."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    database = parsed.database or ""
    return database in ("", ":memory:") or "mode=memory" in url


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class IntegrityMonitor:
    """Whether the record verifies, kept current for a server.

    ``interval``: seconds between background verifications; ``None`` (or 0)
    verifies at start and on demand only. ``signatures``: check signatures
    in background verifications too.
    """

    def __init__(
        self,
        ledger: SqlLedger,
        database_url: str,
        *,
        interval: float | None = 600.0,
        signatures: bool = False,
        nice: int = DEFAULT_NICE,
    ) -> None:
        self._ledger = ledger
        self._url = database_url
        self.interval = interval or None
        self.signatures = signatures
        self._nice = nice
        self._status = RecordStatus()
        self._lock = threading.Lock()  # guards _status
        self._tail_lock = threading.Lock()  # one tail check at a time
        self._verifying = threading.Condition()
        self._running = False
        self._generation = 0
        self._child: subprocess.Popen[str] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: Why the last verification could not run, if it could not.
        self.last_error: str | None = None
        if _in_memory(database_url):
            self.last_error = "a database in memory cannot be read by another process"
        #: How long the last full verification took, in seconds.
        self.last_seconds: float | None = None

    # -- what is known ------------------------------------------------------

    def status(self) -> RecordStatus:
        """What is known now (never touches the database)."""
        return self._status

    def check_writable(self) -> None:
        """Raise :class:`~napci.domain.integrity.RecordBroken` once the
        record is known to be broken."""
        refusal = self._status.refusal()
        if refusal is not None:
            raise refusal

    def report(self) -> dict[str, Any]:
        """The verification as ``GET /api/v1/ledger/verify`` reports it."""
        status = self._status
        return {
            "ok": status.status == "ok",
            "status": status.status,
            "events": status.verified_up_to,
            "head": status.verified_hash,
            "first_bad_seq": status.first_bad_seq,
            "problem": status.problem,
            "signed": status.signed,
            "signatures_checked": self.signatures,
            "verified_up_to": status.verified_up_to,
            "verified_at": status.verified_at,
        }

    def _set(self, new: RecordStatus) -> None:
        old, self._status = self._status, new
        if new.status == "broken" and (
            old.status != "broken" or old.first_bad_seq != new.first_bad_seq
        ):
            log.error(
                "the record does not verify from seq %s on (%s): writes are "
                "refused until it is repaired",
                new.first_bad_seq,
                new.problem,
            )
        elif old.status == "broken" and new.status == "ok":
            log.warning(
                "the record verifies again (up to seq %s): writes are accepted",
                new.verified_up_to,
            )

    # -- tails --------------------------------------------------------------

    def check_tail(self, head_seq: int, head_hash: str | None = None) -> RecordStatus:
        """Check the events after the verified head up to ``head_seq`` (whose
        hash the store records as ``head_hash``) before they are folded.

        Nothing to do unless the record is known to verify and the head is
        beyond what is verified; a tail that does not continue the chain
        makes the record broken.
        """
        current = self._status
        if current.status != "ok" or head_seq <= current.verified_up_to:
            return current
        with self._tail_lock:
            current = self._status
            if current.status != "ok" or head_seq <= current.verified_up_to:
                return current
            # Read whole (a tail is what was appended since the last check):
            # a read left unfinished would leave its cursor open.
            events = list(
                self._ledger.iter_events(after=current.verified_up_to, upto=head_seq)
            )
            tail = check_tail(
                events,
                current.verified_up_to,
                current.verified_hash,
                upto=head_seq,
                upto_hash=head_hash,
            )
            with self._lock:
                self._set(after_tail(self._status, tail))
            return self._status

    # -- full verifications -------------------------------------------------

    def verify_now(self) -> RecordStatus:
        """Verify the whole chain now, in the verifying process; wait for it.

        A verification already running is waited for rather than doubled.
        Returns the status after it (unchanged if it could not run: see
        :attr:`last_error`).
        """
        with self._verifying:
            if self._running:
                generation = self._generation
                while self._running and self._generation == generation:
                    self._verifying.wait()
                return self._status
            self._running = True
        try:
            self._verify()
        finally:
            with self._verifying:
                self._running = False
                self._generation += 1
                self._verifying.notify_all()
        return self._status

    def _command(self) -> list[str]:
        command = [sys.executable, "-m", "napci.services.verify_worker"]
        command += ["--nice", str(self._nice)]
        if self.signatures:
            command.append("--signatures")
        current = self._status
        if current.status == "ok" and current.verified_up_to > 0:
            command += [
                "--anchor",
                f"{current.verified_up_to}:{current.verified_hash}",
            ]
        return command

    def _verify(self) -> bool:
        """One full verification; ``True`` if it ran to a verdict."""
        if self._stopping.is_set() or _in_memory(self._url):
            return False
        started = time.monotonic()
        env = {**os.environ, ENV_DATABASE_URL: self._url}
        with self._verifying:  # stop() sees the process as soon as it exists
            if self._stopping.is_set():
                return False
            child = self._child = subprocess.Popen(
                self._command(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )
        try:
            out, err = child.communicate()
        finally:
            self._child = None
        if self._stopping.is_set():
            return False
        lines = out.strip().splitlines()
        if child.returncode != 0 or not lines:
            problem = (err.strip().splitlines() or [f"exit {child.returncode}"])[-1]
            if problem != self.last_error:
                log.warning("the record could not be verified: %s", problem)
            self.last_error = problem
            return False
        self.last_error = None
        data = json.loads(lines[-1])
        report = FullReport.from_json(data)
        self.last_seconds = time.monotonic() - started
        with self._lock:
            self._set(after_full(self._status, report, _now()))
        if report.ok:
            log.info(
                "the record verifies: %d events in %.1f s (%.1f CPU-s)",
                report.events,
                self.last_seconds,
                float(data.get("cpu_seconds") or 0.0),
            )
        return True

    # -- in the background --------------------------------------------------

    def start(self) -> None:
        """Verify now and then every ``interval``, in a thread of its own
        (not a database in memory: no other process can read it)."""
        if self._thread is not None or _in_memory(self._url):
            return
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._loop, name="napci-integrity", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        delay = 0.0
        while not self._stopping.wait(delay):
            before = self._generation
            self.verify_now()
            ran = self.last_error is None and self._generation != before
            if ran and self.interval is None:
                return
            interval = self.interval or RETRY_SECONDS
            delay = interval if ran else min(interval, RETRY_SECONDS)

    def stop(self) -> None:
        """Stop the thread and any verifying process (it only reads)."""
        self._stopping.set()
        with self._verifying:
            child = self._child
        if child is not None:
            with contextlib.suppress(OSError):
                child.terminate()
            try:
                child.wait(timeout=_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                child.kill()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=_STOP_SECONDS)


def monitor_for(platform: Platform, settings: Settings) -> IntegrityMonitor:
    """The monitor of ``platform``'s record, verifying every
    ``settings.verify_interval`` minutes; the ledger refuses writes once it
    finds the record broken."""
    url = platform.engine.url.render_as_string(hide_password=False)
    monitor = IntegrityMonitor(
        platform.ledger, url, interval=settings.verify_interval * 60.0
    )
    platform.ledger.write_guard = monitor.check_writable
    return monitor
