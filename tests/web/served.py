"""Real server processes for the tests that need them: ``napci serve`` on a
free port of 127.0.0.1, over a database the test made.

A plain module beside the web tests (pytest puts this directory on
``sys.path``): tests import :func:`serving` from it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["free_port", "serving"]

START_TIMEOUT_S = 180.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the server stopped with {process.returncode}:\n{log.read_text()}"
            )
        try:
            if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer in {START_TIMEOUT_S} s")


@contextmanager
def serving(db_url: str, log_dir: Path, count: int = 1) -> Iterator[list[str]]:
    """``count`` server processes over ``db_url``; their base URLs.

    Each runs ``napci serve`` in its own process with its own log file in
    ``log_dir``; all are stopped (terminated, then killed) afterwards.
    """
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    env = {**os.environ, "NAPCI_DATABASE_URL": db_url}
    try:
        for n in range(count):
            port = free_port()
            log = log_dir / f"server-{n}.log"
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-c",
                            "from napci.cli import main; main()",
                            "serve",
                            "--port",
                            str(port),
                        ],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            bases.append(f"http://127.0.0.1:{port}")
        for process, base, n in zip(processes, bases, range(count), strict=True):
            _wait(process, base, log_dir / f"server-{n}.log")
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
