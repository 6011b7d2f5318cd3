"""A real ``napci serve`` process for the tests that need one.

A plain module, imported by name (pytest puts this directory on
``sys.path``). :func:`running` starts the server on a free port with its
output in a log file, waits until ``/healthz`` answers, yields the base URL
and the process, and stops it (SIGTERM, as a process manager would) after.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

__all__ = ["children", "free_port", "running", "wait_for"]

#: How long a server may take to start, or a condition to hold, on a busy
#: two-core machine, in seconds.
PATIENCE = 300.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> set[int]:
    """The pids of ``pid``'s child processes (any of its threads' children)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            continue
    return found


def wait_for(check: Callable[[], Any], what: str, timeout: float = PATIENCE) -> Any:
    """``check()``'s first truthy result, tried every 0.2 s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except httpx.HTTPError:
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@contextmanager
def running(
    url: str, log: Path, *, verify_interval: float | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``napci serve --db URL`` on a free port (``NAPCI_VERIFY_INTERVAL`` set
    to ``verify_interval`` minutes, if given); yields (base URL, process)."""
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "from napci.cli import main; main()",
        "serve",
        "--port",
        str(port),
        "--db",
        url,
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if verify_interval is not None:  # as a process manager would set it
        env["NAPCI_VERIFY_INTERVAL"] = str(verify_interval)
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        server = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:

        def answers() -> bool:
            if server.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise AssertionError(f"the server stopped:\n{tail}")
            return httpx.get(base + "/healthz", timeout=5).status_code in (200, 503)

        wait_for(answers, f"the server at {base} to answer")
        yield base, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
