"""The command-latency figure of ``benchmarks/integrity.py``.

:func:`measure_command_latency`: the median latency of one admitted command,
a document issued through ``POST /api/v1/documents`` by a delegation, on
records of ``small`` (10,000) and ``large`` (1,000,000) events, and the ratio
of the two (target <= 1.5: a command's cost must not grow with the record).
Each record is a copy of the synthetic ledger that ``benchmarks/trust.py``
builds and caches, served by its own ``napci serve`` process (SQLite,
``synchronous=FULL``). Both servers run side by side: each is warmed up (its
first command folds the record: that cold latency is printed apart, as is the
wait for ``/healthz``), and then the samples alternate between them, one
request at a time over a kept-alive connection, so that both medians see the
same machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import trust as trust_bench

from napci.services.platform import open_platform
from napci.settings import Settings

TARGET_COMMAND_RATIO = 1.5
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "napci-bench-trust"


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- command latency -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A server process over a copy of a record, and a delegation's client."""

    events: int
    client: httpx.Client
    started_s: float  # from the process's start to the first /healthz answer
    cold_s: float = 0.0  # the first command: it folds the record
    latencies: list[float] = field(default_factory=list)

    def issue(self) -> float:
        """Issue one document; seconds from request to answer."""
        body = {
            "document": f"bench-{uuid.uuid4().hex[:16]}",
            "kind": "statement",
            "title": "A statement",
        }
        start = time.perf_counter()
        response = self.client.post("/api/v1/documents", json=body)
        elapsed = time.perf_counter() - start
        if response.status_code != 201:
            raise RuntimeError(
                f"{self.events:,} events: {response.status_code} {response.text}"
            )
        return elapsed


@contextmanager
def _served(total: int, cache: Path, work: Path) -> Iterator[Served]:
    """``napci serve`` over a copy of the cached ``total``-event record."""
    with trust_bench.sqlite_ledger(cache, total) as ledgers:
        source = Path(str(ledgers.source.url.database))
    db = work / f"command-{total}.sqlite"
    shutil.copyfile(source, db)
    url = f"sqlite:///{db}"
    napci = open_platform(Settings(url))
    try:  # a delegation of a participant of the synthetic record
        token = napci.users.add(f"bench-{total}", "delegate", "JPN")
    finally:
        napci.close()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (work / f"server-{total}.log").open("wb")
    began = time.monotonic()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from napci.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env={**os.environ, "NAPCI_DATABASE_URL": url},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = began + 600
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server over {total:,} events stopped")
            try:
                if httpx.get(base + "/healthz", timeout=5.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server over {total:,} events did not start")
            time.sleep(0.05)
        started = time.monotonic() - began
        with httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {token}"},
            timeout=600.0,
        ) as client:
            yield Served(total, client, started)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@dataclass(frozen=True)
class CommandLatency:
    """The command latency figure: per record size, and the ratio."""

    samples: int
    median_ms: dict[int, float]
    p95_ms: dict[int, float]
    cold_s: dict[int, float]
    started_s: dict[int, float]
    small: int
    large: int

    @property
    def ratio(self) -> float:
        """The large record's median over the small one's."""
        return self.median_ms[self.large] / self.median_ms[self.small]

    @property
    def passed(self) -> bool:
        return self.ratio <= TARGET_COMMAND_RATIO


def measure_command_latency(
    *,
    small: int = 10_000,
    large: int = 1_000_000,
    samples: int = 300,
    warmup: int = 30,
    cache: Path = DEFAULT_CACHE,
) -> CommandLatency:
    """The median latency of one admitted ``POST /api/v1/documents`` on a
    ``small`` and a ``large`` record, each served by its own process."""
    work = Path(tempfile.mkdtemp(prefix="napci-bench-command-"))
    try:
        with ExitStack() as stack:
            servers: list[Served] = []
            for total in (small, large):
                _say(f"  serving a copy of the {total:,}-event record …")
                served = stack.enter_context(_served(total, cache, work))
                served.cold_s = served.issue()
                _say(
                    f"    /healthz after {served.started_s:.2f} s; first command "
                    f"{served.cold_s:.2f} s (the record folded)"
                )
                servers.append(served)
            for _ in range(warmup):
                for served in servers:
                    served.issue()
            _say(f"  {samples} commands on each, alternating …")
            for _ in range(samples):
                for served in servers:
                    served.latencies.append(served.issue())
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def p95(values: list[float]) -> float:
        ordered = sorted(values)
        return ordered[int(0.95 * (len(ordered) - 1))]

    return CommandLatency(
        samples=samples,
        median_ms={s.events: statistics.median(s.latencies) * 1000 for s in servers},
        p95_ms={s.events: p95(s.latencies) * 1000 for s in servers},
        cold_s={s.events: s.cold_s for s in servers},
        started_s={s.events: s.started_s for s in servers},
        small=small,
        large=large,
    )


def command_latency_table(figure: CommandLatency) -> str:
    """The figure as the text :func:`main` prints."""
    lines = [
        f"Command latency: POST /api/v1/documents, {figure.samples} samples "
        "per record, one server process each",
        f"{'events':>12}{'median ms':>11}{'p95 ms':>9}{'first s':>9}{'healthz s':>11}",
    ]
    for events in (figure.small, figure.large):
        lines.append(
            f"{events:>12,}{figure.median_ms[events]:>11.2f}"
            f"{figure.p95_ms[events]:>9.2f}{figure.cold_s[events]:>9.2f}"
            f"{figure.started_s[events]:>11.2f}"
        )
    verdict = "PASS" if figure.passed else "MISS"
    lines.append(
        f"median ratio {figure.large:,} / {figure.small:,} events: "
        f"{figure.ratio:.2f} (target <= {TARGET_COMMAND_RATIO}) {verdict}"
    )
    return "\n".join(lines)
