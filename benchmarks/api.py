"""HTTP API under load on a 1,000,000-event ledger.

    uv run python benchmarks/api.py [--events N] [--clients 32] [--seconds 10]

Serves the app with uvicorn (one process) over a copy of the synthetic ledger
that ``benchmarks/trust.py`` builds and caches, then drives
``GET /api/v1/trust``, ``GET /api/v1/status`` and a trivial endpoint of the
same app (``/healthz``) with ``--clients`` concurrent keep-alive clients for
``--seconds`` each, and prints throughput and p50/p95 latency per endpoint,
each as a ratio to the trivial endpoint measured in the same run.

The first request to each endpoint folds the record (the cold cost, printed
separately); afterwards the figures are kept current by folding the tail and
serialised once per ledger head, which is what the targets measure:
p95 <= 100 ms and >= 300 requests/s for both endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))

import trust as trust_bench

TARGET_P95_MS = 100.0
TARGET_RPS = 300.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {url}")


async def _client(
    host: str,
    port: int,
    path: str,
    stop: float,
    latencies: list[float],
    statuses: list[int],
) -> None:
    """One keep-alive HTTP/1.1 connection sending GET ``path`` until ``stop``.

    Written on bare asyncio streams: a full HTTP client library costs more
    CPU per request than the trivial endpoint does, and the clients share
    the machine's two cores with the server.
    """
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    try:
        while time.monotonic() < stop:
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            statuses.append(int(head[9:12]))
    finally:
        writer.close()


def _load(base: str, path: str, clients: int, seconds: float) -> dict[str, float]:
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    statuses: list[int] = []

    async def run() -> float:
        stop = time.monotonic() + seconds
        began = time.perf_counter()
        await asyncio.gather(
            *(
                _client(host, int(port), path, stop, latencies, statuses)
                for _ in range(clients)
            )
        )
        return time.perf_counter() - began

    elapsed = asyncio.run(run())
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": sum(1 for status in statuses if status != 200),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "napci-bench-trust",
    )
    args = parser.parse_args(argv)

    with trust_bench.sqlite_ledger(args.cache, args.events) as ledgers:
        source = Path(str(ledgers.source.url.database))
    work = Path(tempfile.mkdtemp(prefix="napci-bench-api-"))
    db = work / "api.sqlite"
    shutil.copyfile(source, db)
    url = f"sqlite:///{db}"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "NAPCI_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from napci.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rows: list[tuple[str, dict[str, float]]] = []
    try:
        _wait(base + "/healthz")
        cold: dict[str, float] = {}
        for path in ("/api/v1/trust", "/api/v1/status"):
            start = time.perf_counter()
            response = httpx.get(base + path, timeout=600.0)
            cold[path] = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text}")
        for path in ("/healthz", "/api/v1/trust", "/api/v1/status"):
            rows.append((path, _load(base, path, args.clients, args.seconds)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)

    trivial = rows[0][1]
    print(
        f"\nAPI under load: {args.events:,} events, {args.clients} clients, "
        f"{args.seconds:.0f} s per endpoint, one server process"
    )
    for path, seconds in cold.items():
        print(f"  cold first request {path}: {seconds:.2f} s (fold of the record)")
    header = f"{'endpoint':<18}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
    header += f"{'rps ratio':>11}{'p95 ratio':>11}{'errors':>8}  verdict"
    print(header)
    ok = True
    for path, r in rows:
        verdict = ""
        if path != "/healthz":
            good = r["p95_ms"] <= TARGET_P95_MS and r["rps"] >= TARGET_RPS
            ok &= good and r["errors"] == 0
            verdict = "PASS" if good else "MISS"
        rps_ratio = r["rps"] / trivial["rps"]
        p95_ratio = r["p95_ms"] / trivial["p95_ms"]
        print(
            f"{path:<18}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
            f"{rps_ratio:>11.2f}{p95_ratio:>11.2f}{int(r['errors']):>8}  {verdict}"
        )
    print(f"targets: p95 <= {TARGET_P95_MS:.0f} ms and >= {TARGET_RPS:.0f} req/s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
