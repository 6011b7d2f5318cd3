"""A throwaway PostgreSQL server for the benchmarks, with durable commits.

The test suite's ``tests/pg_server.py`` starts its server with ``fsync=off``
and ``synchronous_commit=off``: right for tests, wrong for a benchmark that
compares commit rates with SQLite at ``synchronous=FULL``. This module reuses
that file's helpers (finding the binaries, a free port, dropping root) and
only starts the server with PostgreSQL's own, durable defaults.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

# tests/ is not a package: its helper imports by plain name from sys.path.
from pg_server import (
    SUPERUSER,
    PostgresUnavailableError,
    _as_server_account,
    _log_tail,
    _run,
    find_bindir,
    free_port,
)

__all__ = ["PostgresUnavailableError", "durable_postgres", "server_version"]


def server_version(bindir: Path | None = None) -> str:
    """``postgres --version`` of the binaries the server would run."""
    bindir = bindir or find_bindir()
    if bindir is None:
        return "not installed"
    out = _run([str(bindir / "postgres"), "--version"], cwd=Path("/"))
    return out.stdout.strip() or "unknown"


@contextmanager
def durable_postgres() -> Iterator[str]:
    """Start a private server (fsync on, synchronous commit); yield its URL."""
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailableError("no PostgreSQL binaries under /usr/lib")
    prefix, account = _as_server_account()
    base = Path(tempfile.mkdtemp(prefix="napci-bench-pg-", dir="/tmp"))
    try:
        if account is not None:
            os.chown(base, account.pw_uid, account.pw_gid)
        data, log = base / "data", base / "server.log"
        initdb = _run(
            [
                *prefix,
                str(bindir / "initdb"),
                f"--pgdata={data}",
                f"--username={SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
            cwd=base,
        )
        if initdb.returncode != 0:
            raise PostgresUnavailableError(f"initdb failed: {initdb.stderr.strip()}")
        port = free_port()
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={port}",
            "-c unix_socket_directories=''",
            "-c shared_buffers=256MB",
            "-c max_wal_size=4GB",
        ]
        try:
            started = _run(
                [
                    *prefix,
                    str(bindir / "pg_ctl"),
                    "start",
                    f"--pgdata={data}",
                    f"--log={log}",
                    "--wait",
                    "--timeout=30",
                    f"--options={' '.join(options)}",
                ],
                cwd=base,
            )
            if started.returncode != 0:
                raise PostgresUnavailableError(
                    f"pg_ctl start failed: {started.stderr.strip()}\n{_log_tail(log)}"
                )
            yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
        finally:
            _run(
                [
                    *prefix,
                    str(bindir / "pg_ctl"),
                    "stop",
                    f"--pgdata={data}",
                    "--mode=fast",
                    "--wait",
                    "--timeout=60",
                ],
                cwd=base,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
