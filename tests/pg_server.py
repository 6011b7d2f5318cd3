"""A throwaway PostgreSQL server for the test suite.

``throwaway_postgres()`` initialises a cluster in a fresh temporary directory,
starts it on 127.0.0.1 on a free port and yields its SQLAlchemy URL; on exit
it stops the server and removes the directory. ``restartable_postgres()``
does the same and yields a handle that can also stop the server and start it
again on the same port (to test an outage). It uses the binaries that the
Debian ``postgresql`` package installs under /usr/lib/postgresql/<major>/bin.

PostgreSQL refuses to run as root, so when we are root every server command
runs as the ``postgres`` OS account (via ``runuser``) and the temporary
directory is handed to that account. As any other user the commands run
directly.

The cluster is tuned for speed, not durability (no fsync, trust
authentication, no Unix socket): it lives for one test session only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_ROOT = Path("/usr/lib/postgresql")
SERVER_ACCOUNT = "postgres"  # OS account the server runs as when we are root
SUPERUSER = "postgres"  # database superuser created by initdb
START_ATTEMPTS = 3  # a free port can be taken by someone else before we bind it


class PostgresUnavailableError(RuntimeError):
    """No throwaway server can be started here; the message says why."""


def find_bindir() -> Path | None:
    """The bin directory of the newest installed PostgreSQL, if any."""
    versions: list[tuple[int, Path]] = []
    for initdb in PG_ROOT.glob("*/bin/initdb"):
        major = initdb.parent.parent.name
        if major.isdigit() and (initdb.parent / "pg_ctl").exists():
            versions.append((int(major), initdb.parent))
    return max(versions)[1] if versions else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_account() -> tuple[list[str], pwd.struct_passwd | None]:
    """Command prefix that drops root privileges, and the account to drop to."""
    if os.geteuid() != 0:
        return [], None
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailableError("running as root but `runuser` is missing")
    try:
        account = pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        raise PostgresUnavailableError(
            f"running as root but there is no {SERVER_ACCOUNT!r} OS account"
        ) from None
    return [runuser, "-u", SERVER_ACCOUNT, "--"], account


def _run(command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,  # a directory the server account can enter
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )


def _log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@contextmanager
def throwaway_postgres(bindir: Path | None = None) -> Iterator[str]:
    """Start a private PostgreSQL server; yield its URL; stop and delete it.

    The URL (``postgresql+psycopg://postgres@127.0.0.1:PORT/postgres``) points
    at the maintenance database; callers create their own databases in it.
    Raises ``PostgresUnavailableError`` if the server cannot be started.
    """
    with restartable_postgres(bindir) as server:
        yield server.url


@dataclass
class PostgresServer:
    """A throwaway server that a test may stop and start again (an outage)."""

    url: str
    port: int
    _control: Callable[[str], None]

    def stop(self) -> None:
        """Stop the server at once (``pg_ctl stop --mode=fast``)."""
        self._control("stop")

    def start(self) -> None:
        """Start it again on the same port."""
        self._control("start")


@contextmanager
def restartable_postgres(bindir: Path | None = None) -> Iterator[PostgresServer]:
    """:func:`throwaway_postgres`, yielding a :class:`PostgresServer`."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise PostgresUnavailableError(f"no PostgreSQL binaries under {PG_ROOT}")
    prefix, account = _as_server_account()

    # As root the directory must be reachable by the server account, so keep
    # it directly under /tmp (world-traversable) rather than under $TMPDIR.
    base = Path(tempfile.mkdtemp(prefix="napci-pg-", dir="/tmp" if account else None))
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
                "--no-sync",
            ],
            cwd=base,
        )
        if initdb.returncode != 0:
            raise PostgresUnavailableError(
                f"initdb failed ({initdb.returncode}): {initdb.stderr.strip()}"
            )

        try:
            port = _start(prefix, bindir, data, log, base)

            def control(action: str) -> None:
                if action == "start":
                    _start(prefix, bindir, data, log, base, port=port)
                    return
                stopped = _run(
                    [
                        *prefix,
                        str(bindir / "pg_ctl"),
                        "stop",
                        f"--pgdata={data}",
                        "--mode=fast",
                        "--wait",
                        "--timeout=30",
                    ],
                    cwd=base,
                )
                if stopped.returncode != 0:
                    raise PostgresUnavailableError(
                        f"pg_ctl stop failed: {stopped.stderr.strip()}"
                    )

            url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
            yield PostgresServer(url, port, control)
        finally:
            # Also after a failed start: pg_ctl may have timed out waiting for
            # a server that is still coming up. Stopping nothing is harmless.
            _run(
                [
                    *prefix,
                    str(bindir / "pg_ctl"),
                    "stop",
                    f"--pgdata={data}",
                    "--mode=fast",
                    "--wait",
                    "--timeout=30",
                ],
                cwd=base,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _start(
    prefix: list[str],
    bindir: Path,
    data: Path,
    log: Path,
    cwd: Path,
    *,
    port: int | None = None,
) -> int:
    """Start the server on ``port`` (default: a free one); return the port."""
    failure = ""
    chosen = port
    for _ in range(START_ATTEMPTS):
        port = chosen or free_port()
        options = [
            "-c listen_addresses=127.0.0.1",
            f"-c port={port}",
            "-c unix_socket_directories=''",  # TCP only: no socket path to manage
            "-c fsync=off",
            "-c synchronous_commit=off",
            "-c full_page_writes=off",
        ]
        # `--log` sends the server's output to a file: without it the server
        # would inherit our pipes and keep them open after pg_ctl returns.
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
            cwd=cwd,
        )
        if started.returncode == 0:
            return port
        failure = (
            f"pg_ctl start failed ({started.returncode}) on port {port}: "
            f"{started.stderr.strip()}\n{_log_tail(log)}"
        )
    raise PostgresUnavailableError(failure)
