"""Export and import throughput: a ledger's export read back into empty databases.

    uv run python benchmarks/ledger_import.py [--events N]
                                              [--backend sqlite|postgresql|both]
                                              [--signed] [--postgres-url URL]

Builds a SQLite ledger of ``--events`` events (default 1,000,000; unsigned
``SupportExpressed`` events as ``ledger.py`` makes them, or with ``--signed``
a key registration and events signed by that key) through
:meth:`SqlLedger.append` in 10,000-event batches, then measures, exactly as
``napci ledger export`` and ``napci ledger import`` do the work:

1. **export**: :func:`export_ledger` of the whole ledger to a JSON Lines file;
2. per backend, :func:`import_ledger` of that file into an empty database,
   timed in two parts:

   - **verify**: the first reading of the file, every line checked (form,
     payload schema, chain, signatures) before anything is written;
   - **import (restore)**: :meth:`SqlLedger.restore`, the second, checked
     reading streamed into the database in one transaction, up to the commit;

   and whole. The copy must end with the source's head;

3. per backend, **write alone**: :meth:`SqlLedger.restore` into another
   empty database of the first ``--write-sample`` events (200,000), held in
   memory: what the database side of an import costs without the reading
   and checking of the file (``COPY`` on PostgreSQL, ``executemany`` on
   SQLite, one transaction).

Figures are events per second of wall time, and per CPU second of this
process (PostgreSQL's own work runs in its server and is not counted there).
The file and the SQLite databases live in a temporary directory; PostgreSQL
runs on a throwaway server with durable commits (``_pg.py``), or on
``--postgres-url``.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

from ledger import (
    Backend,
    Figure,
    SqliteBackend,
    _say,
    aligned,
    key_registration,
    machine,
    make_draft,
    postgres_backend,
    print_machine,
    sqlite_synchronous,
)

from napci.adapters.db import SqlLedger
from napci.domain.envelope import EventDraft, RecordedEvent
from napci.domain.signing import generate_key_pair
from napci.services.ledger_io import export_ledger, import_ledger

BUILD_BATCH = 10_000


def _cpu() -> float:
    """CPU seconds of this process (not the PostgreSQL server's)."""
    t = os.times()
    return t.user + t.system


class TimedLedger(SqlLedger):
    """A ledger that notes when its restore starts (the end of the first pass)."""

    restore_wall = restore_cpu = 0.0

    def restore(self, recorded: Iterable[RecordedEvent]) -> int:
        self.restore_wall, self.restore_cpu = time.perf_counter(), _cpu()
        return super().restore(recorded)


def build_source(ledger: SqlLedger, total: int, *, signed: bool) -> None:
    """Append ``total`` events in 10,000-event batches."""
    key = generate_key_pair() if signed else None
    done, last_report = 0, time.monotonic()
    while done < total:
        count = min(BUILD_BATCH, total - done)
        batch: list[EventDraft] = []
        if key is not None and done == 0:
            batch.append(key_registration(key))
        batch += (make_draft(n, key) for n in range(done + len(batch), done + count))
        ledger.append(batch, principal="bench")
        done += count
        if time.monotonic() - last_report > 15:
            _say(f"    … {done:,} of {total:,}")
            last_report = time.monotonic()


def import_into(
    backend: Backend,
    path: Path,
    expected: tuple[int, str],
    sample: list[RecordedEvent],
) -> list[Figure]:
    """Import the export at ``path`` into a fresh database of ``backend``;
    then restore ``sample`` into another."""
    with backend.fresh("import") as engine:
        target = TimedLedger(engine)
        gc.collect()
        wall, cpu = time.perf_counter(), _cpu()
        result = import_ledger(target, path)
        end_wall, end_cpu = time.perf_counter(), _cpu()
        if result.appended != expected[0] or target.head() != expected:
            raise SystemExit(f"{backend.name}: the copy differs: {result!r}")
    events = expected[0]
    figures = [
        Figure(
            backend.name,
            "verify (first reading, nothing written)",
            events,
            target.restore_wall - wall,
            target.restore_cpu - cpu,
        ),
        Figure(
            backend.name,
            "import (restore: checked second reading, written, committed)",
            events,
            end_wall - target.restore_wall,
            end_cpu - target.restore_cpu,
        ),
        Figure(
            backend.name,
            "ledger import, whole",
            events,
            end_wall - wall,
            end_cpu - cpu,
        ),
    ]
    with backend.fresh("write") as engine:
        target = TimedLedger(engine)
        gc.collect()
        wall, cpu = time.perf_counter(), _cpu()
        if target.restore(sample) != len(sample):
            raise SystemExit(f"{backend.name}: the write alone miscounted")
        figures.append(
            Figure(
                backend.name,
                "write alone (restore of events in memory)",
                len(sample),
                time.perf_counter() - wall,
                _cpu() - cpu,
            )
        )
    for f in figures:
        _say(
            f"  {f.measure}: {f.rate:,.0f} events/s, "
            f"{f.cpu_rate:,.0f} per CPU second ({f.seconds:,.1f} s)"
        )
    return figures


def table(figures: list[Figure]) -> str:
    head = ("backend", "measure", "events", "seconds", "events/s", "per CPU-s")
    rows: list[tuple[str, ...]] = [head]
    rows += [
        (
            f.backend,
            f.measure,
            f"{f.events:,}",
            f"{f.seconds:,.1f}",
            f"{f.rate:,.0f}",
            f"{f.cpu_rate:,.0f}",
        )
        for f in figures
    ]
    return aligned(rows, right={2, 3, 4, 5})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="events in the ledger"
    )
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both"
    )
    parser.add_argument(
        "--signed", action="store_true", help="sign every event (slower to build)"
    )
    parser.add_argument(
        "--write-sample",
        type=int,
        default=200_000,
        help="events restored from memory for the write-alone figure",
    )
    parser.add_argument(
        "--postgres-url", help="use this server instead of a throwaway one"
    )
    args = parser.parse_args(argv)
    if args.events < 2:
        parser.error("--events must be at least 2")

    started = time.monotonic()
    load_start = os.getloadavg()[0]
    figures: list[Figure] = []
    pg_version: str | None = None
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sqlite = SqliteBackend(directory, None)
        synchronous = sqlite_synchronous(directory)
        path = directory / "export.jsonl"
        with sqlite.fresh("source") as engine:
            source = SqlLedger(engine)
            kind = "signed" if args.signed else "unsigned"
            _say(f"building a {args.events:,}-event {kind} SQLite ledger …")
            build_source(source, args.events, signed=args.signed)
            expected = source.head()
            gc.collect()
            wall, cpu = time.perf_counter(), _cpu()
            with path.open("w", encoding="utf-8") as out:
                export_ledger(source, out)
            export = Figure(
                "sqlite",
                "export",
                args.events,
                time.perf_counter() - wall,
                _cpu() - cpu,
            )
            figures.append(export)
            sample = list(source.iter_events(upto=min(args.events, args.write_sample)))
            size = path.stat().st_size
            _say(
                f"  export: {export.rate:,.0f} events/s "
                f"({size / 1e6:,.0f} MB, {size / args.events:,.0f} bytes an event)"
            )
        if args.backend in ("sqlite", "both"):
            _say("[sqlite] import into an empty database")
            figures += import_into(sqlite, path, expected, sample)
        if args.backend in ("postgresql", "both"):
            postgres = postgres_backend(stack, args.postgres_url)
            pg_version = postgres.version()
            _say("[postgresql] import into an empty database")
            figures += import_into(postgres, path, expected, sample)

    print_machine(machine(pg_version, synchronous, None, load_start), started)
    print()
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
