"""Ledger throughput on SQLite and PostgreSQL.

    uv run python benchmarks/ledger.py [--backend sqlite|postgresql|both]
                                       [--events N] [--quick]

Measures, per backend, through :class:`napci.adapters.db.SqlLedger` exactly as
the application uses it:

1. single-event commits: ``append([draft])``, each its own transaction;
2. events per second in 1,000-event batches;
3. ``verify()`` over a ledger of ``--events`` events (default 1,000,000),
   unsigned, and signed (every event signed by a registered delegation key).
   Those ledgers are built with 1,000-event appends, which also gives the
   sustained batch rate (unsigned, and signed: every signature is checked on
   append). The signed ledger is verified once more with its signatures
   checked in ``--workers`` processes (``verify(workers=N)``).

Each short figure is the best of ``--repeat`` runs (the machine may be busy);
the long ones run once or twice. Beside events per second the table gives
events per CPU second (this process and its workers): less sensitive to other
load than wall-clock rates. For SQLite it also prints the rate of bare
``sqlite3`` one-row commits on the same disk, the ceiling for single-event
appends. SQLite files live in a temporary directory, or in
``--keep DIR``, where ledgers built once are reused by later runs.
PostgreSQL runs on a throwaway server with durable commits (``_pg.py``), or on
``--postgres-url``.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from napci.adapters.db import SqlLedger, make_engine, upgrade
from napci.domain.canonical import canonical_json
from napci.domain.envelope import EventDraft, format_timestamp
from napci.domain.signing import KeyPair, generate_key_pair, sign

ACTOR = "KOR"
BATCH = 1_000
WORKERS = os.cpu_count() or 1
START = datetime(2014, 1, 1, tzinfo=UTC)

TARGETS = {  # (backend, measure) -> minimum; on the 2-core reference machine
    ("sqlite", "single"): 1_000.0,
    ("sqlite", "batch"): 20_000.0,
    ("sqlite", "verify"): 50_000.0,
}

LABELS = {
    "single": "single-event commits",
    "batch": "events in 1,000-event batches",
    "build": "sustained batches, building the ledger",
    "verify": "verify, unsigned",
    "build-signed": "sustained signed batches (signatures checked)",
    "verify-signed": "verify, signed (every signature checked)",
    "verify-signed-parallel": "verify, signed, signatures in {workers} processes",
}


# -- drafts -----------------------------------------------------------------


def _payload(n: int) -> str:
    day = date(2014, 1, 1) + timedelta(days=n % 3_650)
    return canonical_json(
        {
            "code": ACTOR,
            "expressed_on": day.isoformat(),
            "sources": [
                {
                    "title": "Joint press release of the NAPCI Forum",
                    "publisher": "Ministry of Foreign Affairs",
                    "url": f"https://example.org/napci/{n}",
                }
            ],
            "statement": f"Statement number {n} in support of the initiative.",
        }
    )


def make_draft(n: int, key: KeyPair | None = None) -> EventDraft:
    """The ``n``-th benchmark event: a SupportExpressed, signed with ``key``."""
    unsigned = EventDraft(
        id=EventDraft.new_id(),  # as the application makes ids
        type="SupportExpressed",
        version=1,
        occurred_at=format_timestamp(START + timedelta(seconds=n)),
        actor=ACTOR,
        classification="public",
        payload_json=_payload(n),
        signer=None if key is None else key.key_id,
    )
    if key is None:
        return unsigned
    return replace(unsigned, signature=sign(key, unsigned.signing_bytes()))


def key_registration(key: KeyPair) -> EventDraft:
    """A KeyRegistered event for ``key``, signed by itself."""
    unsigned = EventDraft(
        id=EventDraft.new_id(),  # as the application makes ids
        type="KeyRegistered",
        version=1,
        occurred_at=format_timestamp(START),
        actor=ACTOR,
        classification="public",
        payload_json=canonical_json(
            {
                "algorithm": "ed25519",
                "code": ACTOR,
                "key_id": key.key_id,
                "public_key": key.public_key_b64,
                "registered_on": "2014-01-01",
            }
        ),
        signer=key.key_id,
    )
    return replace(unsigned, signature=sign(key, unsigned.signing_bytes()))


def batches(
    total: int, key: KeyPair | None, *, start: int = 0
) -> Iterator[list[EventDraft]]:
    """``total`` drafts in 1,000-event batches, made lazily."""
    for first in range(start, start + total, BATCH):
        last = min(first + BATCH, start + total)
        yield [make_draft(n, key) for n in range(first, last)]


# -- databases --------------------------------------------------------------


class Backend:
    """Where fresh ledgers come from."""

    name: str

    @contextmanager
    def fresh(self, label: str) -> Iterator[Engine]:
        raise NotImplementedError
        yield  # pragma: no cover

    def kept(self, label: str) -> tuple[Engine, bool] | None:
        """A ledger kept from an earlier run (engine, built) or ``None``."""
        return None


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, directory: Path, keep: Path | None) -> None:
        self.directory = directory
        self.keep = keep
        self.raw_commits: float | None = None

    @contextmanager
    def fresh(self, label: str) -> Iterator[Engine]:
        path = self.directory / f"{label}-{uuid.uuid4().hex[:8]}.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

    def kept(self, label: str) -> tuple[Engine, bool] | None:
        if self.keep is None:
            return None
        self.keep.mkdir(parents=True, exist_ok=True)
        path = self.keep / f"{label}.sqlite"
        done = self.keep / f"{label}.built"
        if path.exists() and not done.exists():  # an interrupted build
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        if not done.exists():
            upgrade(engine)
        return engine, done.exists()

    def mark_built(self, label: str) -> None:
        if self.keep is not None:
            (self.keep / f"{label}.built").touch()


class PostgresBackend(Backend):
    name = "postgresql"

    def __init__(self, server_url: str) -> None:
        self.server = make_url(server_url).set(drivername="postgresql+psycopg")

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        info = self.server.set(drivername="postgresql")
        return psycopg.connect(
            info.render_as_string(hide_password=False), autocommit=True
        )

    @contextmanager
    def fresh(self, label: str) -> Iterator[Engine]:
        name = f"napci_bench_{label.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        engine = make_engine(
            self.server.set(database=name).render_as_string(hide_password=False)
        )
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            with self._admin() as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(name)
                    )
                )

    def version(self) -> str:
        with self._admin() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "unknown"


# -- measures ---------------------------------------------------------------


@dataclass
class Figure:
    backend: str
    measure: str
    events: int
    seconds: float
    cpu: float  # CPU seconds of this process and its worker processes
    workers: int = 1

    @property
    def label(self) -> str:
        return LABELS.get(self.measure, self.measure).format(workers=self.workers)

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_rate(self) -> float:
        return self.events / self.cpu if self.cpu > 0 else float("inf")

    def target(self) -> float | None:
        return TARGETS.get((self.backend, self.measure))


Run = tuple[int, float, float]  # events, wall seconds, CPU seconds


def _best(runs: list[Run]) -> Run:
    return max(runs, key=lambda r: r[0] / r[1])


def _cpu() -> float:
    """CPU seconds of this process and of its reaped children (the workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    wall, cpu = time.perf_counter(), _cpu()
    action()
    return time.perf_counter() - wall, _cpu() - cpu


def single_commits(ledger: SqlLedger, count: int, offset: int) -> Run:
    drafts = [make_draft(offset + n) for n in range(count)]
    append = ledger.append

    def run() -> None:
        for d in drafts:
            append([d], principal="bench")

    return count, *_timed(run)


def batched(ledger: SqlLedger, count: int, offset: int) -> Run:
    chunks = list(batches(count * BATCH, None, start=offset))

    def run() -> None:
        for chunk in chunks:
            ledger.append(chunk, principal="bench")

    return count * BATCH, *_timed(run)


class Drafts:
    """The drafts of the verified ledgers, made once and shared by the backends."""

    def __init__(self, total: int, say: Callable[[str], None]) -> None:
        self.total = total
        self.say = say
        self._unsigned: list[EventDraft] | None = None
        self._signed: list[EventDraft] | None = None

    def unsigned(self) -> list[EventDraft]:
        if self._unsigned is None:
            self._unsigned = [make_draft(n) for n in range(self.total)]
        return self._unsigned

    def signed(self) -> list[EventDraft]:
        """A KeyRegistered event, then events signed by its key."""
        if self._signed is None:
            self.say(f"  signing {self.total:,} drafts (once) …")
            key = generate_key_pair()
            drafts = [key_registration(key)]
            drafts += (make_draft(n, key) for n in range(1, self.total))
            self._signed = drafts
        return self._signed


def build(
    ledger: SqlLedger, drafts: list[EventDraft], say: Callable[[str], None]
) -> Run:
    """Append ``drafts`` in 1,000-event batches, timing the appends only."""
    spent = cpu = 0.0
    last_report = time.monotonic()
    gc.collect()
    for first in range(0, len(drafts), BATCH):
        chunk = drafts[first : first + BATCH]
        start, start_cpu = time.perf_counter(), _cpu()
        ledger.append(chunk, principal="bench")
        spent += time.perf_counter() - start
        cpu += _cpu() - start_cpu
        if time.monotonic() - last_report > 15:
            done = first + len(chunk)
            say(f"    … {done:,} of {len(drafts):,} ({done / spent:,.0f}/s appending)")
            last_report = time.monotonic()
    return len(drafts), spent, cpu


def verify_runs(
    ledger: SqlLedger, total: int, *, signed: bool, repeat: int, workers: int = 1
) -> Run:
    runs: list[Run] = []
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), _cpu()
        report = ledger.verify() if workers == 1 else ledger.verify(workers=workers)
        seconds, cpu = time.perf_counter() - start, _cpu() - start_cpu
        if not report.ok or report.events != total:
            raise SystemExit(f"verify failed or miscounted: {report!r}")
        if signed and report.signed != total:
            raise SystemExit(f"expected {total} signed events: {report!r}")
        runs.append((total, seconds, cpu))
    return _best(runs)


_SYNCHRONOUS_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def sqlite_synchronous(directory: Path) -> str:
    """The ``synchronous`` setting napci's engine gives SQLite connections."""
    path = directory / "probe.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            value = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)
    return _SYNCHRONOUS_NAMES.get(int(value or 0), str(value))


def raw_sqlite_commits(directory: Path, seconds: float = 3.0) -> float:
    """Commits per second of bare sqlite3 one-row transactions on this disk.

    The ceiling for single-event appends: WAL, the ``synchronous`` setting
    the engine uses, no napci code at all.
    """
    path = directory / "raw-commits.sqlite"
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")
        con.execute(f"PRAGMA synchronous = {sqlite_synchronous(directory)}")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        count, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            con.execute("BEGIN IMMEDIATE")
            con.execute("INSERT INTO t (v) VALUES ('x')")
            con.execute("COMMIT")
            count += 1
    finally:
        con.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return count / elapsed


def run_backend(
    backend: Backend, args: argparse.Namespace, drafts: Drafts
) -> list[Figure]:
    say = _say
    figures: list[Figure] = []

    def add(
        measure: str, events: int, seconds: float, cpu: float, workers: int = 1
    ) -> None:
        fig = Figure(backend.name, measure, events, seconds, cpu, workers)
        figures.append(fig)
        say(
            f"  {fig.label}: {fig.rate:,.0f} events/s, "
            f"{fig.cpu_rate:,.0f} per CPU second ({events:,} events)"
        )

    say(f"[{backend.name}]")
    if isinstance(backend, SqliteBackend):
        rate = max(raw_sqlite_commits(backend.directory) for _ in range(2))
        say(f"  bare sqlite3 one-row commits on this disk: {rate:,.0f}/s")
        backend.raw_commits = rate
    with backend.fresh("single") as engine:
        ledger = SqlLedger(engine)
        runs = [
            single_commits(ledger, args.singles, r * args.singles)
            for r in range(args.repeat)
        ]
        add("single", *_best(runs))
    with backend.fresh("batch") as engine:
        ledger = SqlLedger(engine)
        runs = [
            batched(ledger, args.batches, r * args.batches * BATCH)
            for r in range(args.repeat)
        ]
        add("batch", *_best(runs))

    for signed in (False, True) if args.signed else (False,):
        label = f"{'signed' if signed else 'unsigned'}-{args.events}"
        build_measure, verify_measure = (
            ("build-signed", "verify-signed") if signed else ("build", "verify")
        )
        with ExitStack() as stack:
            kept = backend.kept(label)
            if kept is not None:
                engine, built = kept
                stack.callback(engine.dispose)
            else:
                engine, built = stack.enter_context(backend.fresh(label)), False
            ledger = SqlLedger(engine)
            if built:
                say(f"  reusing the {label} ledger in {args.keep}")
            else:
                chosen = drafts.signed() if signed else drafts.unsigned()
                say(f"  building the {label} ledger …")
                add(build_measure, *build(ledger, chosen, say))
                if isinstance(backend, SqliteBackend):
                    backend.mark_built(label)
            repeat = args.repeat if args.events < 500_000 else 1 if signed else 2
            best = verify_runs(ledger, args.events, signed=signed, repeat=repeat)
            add(verify_measure, *best)
            if signed and args.workers > 1:
                best = verify_runs(
                    ledger, args.events, signed=True, repeat=1, workers=args.workers
                )
                add("verify-signed-parallel", *best, workers=args.workers)
    return figures


# -- report -----------------------------------------------------------------


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def machine(
    pg_version: str | None,
    synchronous: str | None,
    raw_commits: float | None,
    load_start: float,
) -> list[tuple[str, str]]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rows = [
        ("CPU", f"{os.cpu_count()} x {model}"),
        ("load (1 min)", f"{load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end"),
        ("niceness", str(os.nice(0))),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
    ]
    if pg_version is not None:
        rows.append(("PostgreSQL", pg_version))
    if synchronous is not None:
        rows.append(("SQLite synchronous", synchronous))
    if raw_commits is not None:
        rows.append(("bare SQLite commits", f"{raw_commits:,.0f}/s (sqlite3, one row)"))
    return rows


def table(figures: list[Figure]) -> str:
    head = ("backend", "measure", "events", "events/s", "target", "", "per CPU-s")
    rows: list[tuple[str, ...]] = [head]
    for f in figures:
        target = f.target()
        rows.append(
            (
                f.backend,
                f.label,
                f"{f.events:,}",
                f"{f.rate:,.0f}",
                "" if target is None else f"≥ {target:,.0f}",
                "" if target is None else ("PASS" if f.rate >= target else "MISS"),
                f"{f.cpu_rate:,.0f}",
            )
        )
    return aligned(rows, right={2, 3, 4, 6})


def aligned(rows: list[tuple[str, ...]], *, right: Collection[int]) -> str:
    """``rows`` (the first the header) as a text table; columns ``right``
    aligned to the right."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def postgres_backend(stack: ExitStack, url: str | None) -> PostgresBackend:
    """The server at ``url``, or a throwaway durable one for ``stack``'s life."""
    if url is None:
        from _pg import durable_postgres

        _say("starting a throwaway PostgreSQL server …")
        url = stack.enter_context(durable_postgres())
    return PostgresBackend(url)


def print_machine(rows: list[tuple[str, str]], started: float) -> None:
    """The machine's facts and the run's time, one per line."""
    print()
    for name, value in rows:
        print(f"{name + ':':<20} {value}")
    print(f"{'run time:':<20} {time.monotonic() - started:,.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both"
    )
    parser.add_argument(
        "--events", type=int, help="events in the verified ledgers (1,000,000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="100,000-event ledgers, fewer runs"
    )
    parser.add_argument(
        "--singles", type=int, default=5_000, help="single-event appends per run"
    )
    parser.add_argument(
        "--batches", type=int, default=50, help="1,000-event batches per run"
    )
    parser.add_argument("--repeat", type=int, help="runs per short figure (3)")
    parser.add_argument(
        "--workers",
        type=int,
        default=WORKERS,
        help=f"processes for the parallel signed verify ({WORKERS}; 1: skip it)",
    )
    parser.add_argument(
        "--no-signed",
        dest="signed",
        action="store_false",
        help="skip the signed ledger (the longest part)",
    )
    parser.add_argument(
        "--keep", type=Path, help="keep built SQLite ledgers here and reuse them"
    )
    parser.add_argument(
        "--postgres-url", help="use this server instead of a throwaway one"
    )
    args = parser.parse_args(argv)
    if args.events is None:
        args.events = 100_000 if args.quick else 1_000_000
    if args.repeat is None:
        args.repeat = 2 if args.quick else 3
    if args.events < 2:
        parser.error("--events must be at least 2")

    figures: list[Figure] = []
    drafts = Drafts(args.events, _say)
    pg_version: str | None = None
    started = time.monotonic()
    load_start = os.getloadavg()[0]
    raw_commits: float | None = None
    synchronous: str | None = None
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.backend in ("sqlite", "both"):
            sqlite_backend = SqliteBackend(directory, args.keep)
            figures += run_backend(sqlite_backend, args, drafts)
            raw_commits = sqlite_backend.raw_commits
            synchronous = sqlite_synchronous(directory)
        if args.backend in ("postgresql", "both"):
            backend = postgres_backend(stack, args.postgres_url)
            pg_version = backend.version()
            figures += run_backend(backend, args, drafts)

    print_machine(machine(pg_version, synchronous, raw_commits, load_start), started)
    print()
    print(table(figures))
    missed = [f for f in figures if (t := f.target()) is not None and f.rate < t]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
