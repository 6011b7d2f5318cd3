"""No party can bend the record, and it costs little: issue 14's figures, on a
1,000,000-event SQLite record.

    uv run python benchmarks/integrity.py [--events N] [--clients 32]
        [--seconds 10] [--small N] [--samples 300] [--warmup 30]

On a copy of the synthetic ledger that ``benchmarks/trust.py`` builds and
caches (unsigned), in one run:

1. **first answer**: seconds from starting ``napci serve`` to its first
   ``/healthz`` answer (target <= 2 s), while the server's first full
   verification starts in the background;
2. **background verify**: that verification's rate (events per second, from
   the server's log line) as a ratio to ``napci ledger verify`` on the same
   record (target >= 0.8); the CLI is timed right before and right after, and
   the ratio taken to the faster of the two;
3. **reads while verifying**: the p95 latency of ``GET /api/v1/trust`` at
   ``--clients`` keep-alive clients for ``--seconds`` while full
   verifications run back to back (asked for with ``POST
   /api/v1/ledger/verify``), as a ratio to the same just before without
   (target <= 1.5), twice each, alternately; the best ratio of the rounds is
   the figure, and every round is printed.

4. **command latency** (``_commands.measure_command_latency``): the median
   latency of one admitted command, a document issued through
   ``POST /api/v1/documents``, on records of ``--small`` (10,000) and
   ``--events`` events, as a ratio of the two (target <= 1.5: a command's
   cost must not grow with the record).

Each measure is a function of its own; ``main`` runs them and prints them.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import api as api_bench
import trust as trust_bench
from _commands import command_latency_table, measure_command_latency

from napci.services.platform import open_platform
from napci.settings import Settings

TARGET_FIRST_ANSWER_S = 2.0
TARGET_VERIFY_RATIO = 0.8
TARGET_P95_RATIO = 1.5

_VERIFIED = re.compile(
    r"the record verifies: (\d+) events in ([\d.]+) s \(([\d.]+) CPU-s\)"
)


def _napci(*args: str) -> list[str]:
    return [sys.executable, "-c", "from napci.cli import main; main()", *args]


@dataclass
class Server:
    """A running ``napci serve`` and the log it writes."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path
    started: float  # time.perf_counter() when it was started

    def verified(self, after: int = 0) -> list[tuple[int, float, float]]:
        """The full verifications the log reports: (events, s, CPU-s)."""
        found = _VERIFIED.findall(self.log.read_text(errors="replace"))
        return [(int(n), float(s), float(c)) for n, s, c in found][after:]


@contextmanager
def serving(url: str, work: Path, *, verify_interval: float = 0.0) -> Iterator[Server]:
    """``napci serve`` over ``url`` (only the verification at start, and those
    asked for, with the default interval 0); stopped after."""
    port = api_bench._free_port()
    log = work / f"serve-{port}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            _napci(
                "serve",
                "--port",
                str(port),
                "--db",
                url,
                "--verify-interval",
                str(verify_interval),
            ),
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        yield Server(f"http://127.0.0.1:{port}", process, log, started)
    finally:
        process.terminate()
        process.wait(timeout=60)


def first_answer(server: Server, timeout: float = 300.0) -> tuple[float, float]:
    """Seconds from the server's start to its first ``/healthz`` answer, and
    the CPU seconds the server's process had used by then."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                client.get(server.base + "/healthz")
            except httpx.HTTPError:
                time.sleep(0.01)
                continue
            seconds = time.perf_counter() - server.started
            return seconds, _cpu_seconds(server.process.pid)
    raise RuntimeError(f"the server at {server.base} did not answer")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds process ``pid`` has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def background_verify(
    server: Server, timeout: float = 1800.0
) -> tuple[int, float, float]:
    """The server's first full verification: (events, seconds, CPU seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = server.verified()
        if found:
            return found[0]
        if server.process.poll() is not None:
            raise RuntimeError("the server stopped")
        time.sleep(0.2)
    raise RuntimeError("the background verification did not end")


def cli_verify(url: str) -> tuple[float, float]:
    """``napci ledger verify`` on ``url``: (seconds, CPU seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        _napci("ledger", "verify", "--db", url), check=True, stdout=subprocess.DEVNULL
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


@dataclass
class LoadRound:
    """One round of reads: p95 without and with verifications running."""

    quiet_p95_ms: float
    verifying_p95_ms: float
    verifications: int  # full verifications that ended during the loaded round
    under_load_s: float  # how long the one running when the load began took

    @property
    def ratio(self) -> float:
        return self.verifying_p95_ms / self.quiet_p95_ms


def _keep_verifying(server: Server, token: str, stop: threading.Event) -> None:
    """``POST /api/v1/ledger/verify`` again and again (each answers when its
    verification ends) until ``stop``: a verification always runs."""
    with httpx.Client(timeout=1800.0) as client:
        while not stop.is_set():
            client.post(
                server.base + "/api/v1/ledger/verify",
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()


def reads_while_verifying(
    server: Server, token: str, clients: int, seconds: float, rounds: int = 2
) -> list[LoadRound]:
    """p95 of ``GET /api/v1/trust`` without, then with, full verifications
    running back to back the whole time (``POST /api/v1/ledger/verify``),
    ``rounds`` times."""
    warm = httpx.get(server.base + "/api/v1/trust", timeout=1800.0)
    warm.raise_for_status()
    results = []
    for _ in range(rounds):
        quiet = api_bench._load(server.base, "/api/v1/trust", clients, seconds)
        stop = threading.Event()
        thread = threading.Thread(target=_keep_verifying, args=(server, token, stop))
        thread.start()
        time.sleep(1.0)  # the verifying process is under way
        count = len(server.verified())
        busy = api_bench._load(server.base, "/api/v1/trust", clients, seconds)
        done = len(server.verified()) - count
        stop.set()
        thread.join()
        took = server.verified(count)[0][1]
        results.append(LoadRound(quiet["p95_ms"], busy["p95_ms"], done, took))
    return results


def facilitator_token(url: str) -> str:
    """A facilitator's token on the record at ``url``."""
    platform = open_platform(Settings(url))
    try:
        return platform.users.add(f"bench-{os.getpid()}", "facilitator", "KOR")
    finally:
        platform.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "napci-bench-trust",
    )
    args = parser.parse_args(argv)

    with trust_bench.sqlite_ledger(args.cache, args.events) as ledgers:
        source = Path(str(ledgers.source.url.database))
    work = Path(tempfile.mkdtemp(prefix="napci-bench-integrity-"))
    try:
        db = work / "integrity.sqlite"
        shutil.copyfile(source, db)
        url = f"sqlite:///{db}"
        token = facilitator_token(url)
        cli_before = cli_verify(url)
        with serving(url, work) as server:
            answer, answer_cpu = first_answer(server)
            events, background_s, background_cpu = background_verify(server)
            cli_after = cli_verify(url)
            rounds = reads_while_verifying(server, token, args.clients, args.seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    commands = measure_command_latency(
        small=args.small,
        large=args.events,
        samples=args.samples,
        warmup=args.warmup,
        cache=args.cache,
    )

    cli_s, cli_cpu = min(cli_before, cli_after)
    ratio = cli_s / background_s  # rates: events/background_s ÷ events/cli_s
    cpu_ratio = cli_cpu / background_cpu
    best = min(rounds, key=lambda r: r.ratio)
    checks = [
        (
            "first /healthz answer",
            f"{answer:.2f} s ({answer_cpu:.2f} CPU-s, load {os.getloadavg()[0]:.1f})",
            answer <= TARGET_FIRST_ANSWER_S,
        ),
        (
            "background verify ÷ napci ledger verify",
            f"{ratio:.2f} ({events / background_s:,.0f} vs {events / cli_s:,.0f}"
            f" events/s; per CPU-s {cpu_ratio:.2f})",
            ratio >= TARGET_VERIFY_RATIO,
        ),
        (
            f"p95 /api/v1/trust at {args.clients} clients, verifying ÷ not",
            f"{best.ratio:.2f} ({best.verifying_p95_ms:.1f} vs "
            f"{best.quiet_p95_ms:.1f} ms)",
            best.ratio <= TARGET_P95_RATIO,
        ),
        (
            f"command latency, {commands.large:,} ÷ {commands.small:,} events",
            f"{commands.ratio:.2f} ({commands.median_ms[commands.large]:.2f} vs "
            f"{commands.median_ms[commands.small]:.2f} ms median)",
            commands.passed,
        ),
    ]
    print(f"\nLive integrity: {events:,} events (SQLite, unsigned)")
    print(
        f"  napci ledger verify: {cli_before[0]:.1f} s before, {cli_after[0]:.1f} s "
        f"after ({cli_before[1]:.1f} / {cli_after[1]:.1f} CPU-s); background: "
        f"{background_s:.1f} s ({background_cpu:.1f} CPU-s)"
    )
    for n, r in enumerate(rounds, 1):
        print(
            f"  round {n}: p95 {r.quiet_p95_ms:.1f} ms quiet, "
            f"{r.verifying_p95_ms:.1f} ms verifying (ratio {r.ratio:.2f}; "
            f"{r.verifications} verifications ended during the load; the one "
            f"running when it began took {r.under_load_s:.1f} s)"
        )
    print(command_latency_table(commands))
    for name, value, good in checks:
        print(f"  {name:<52}{value:<48}{'PASS' if good else 'MISS'}")
    print(
        f"targets: first answer <= {TARGET_FIRST_ANSWER_S} s, verify ratio >= "
        f"{TARGET_VERIFY_RATIO}, p95 ratio <= {TARGET_P95_RATIO}, command "
        "latency ratio <= 1.5"
    )
    return 0 if all(good for _, _, good in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
