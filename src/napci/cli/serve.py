"""``napci serve``: the HTTP API and the web pages."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from napci.cli.common import (
    DbOption,
    ExitCode,
    check_place,
    check_url,
    console,
    database_problem,
    fail,
)
from napci.settings import ENV_DATABASE_URL, Settings

__all__ = ["serve"]


def _check_port(host: str, port: int) -> None:
    """Fail (exit 3) unless ``host:port`` can be listened on now: a busy
    port is said before anything else is (the server binds it again
    itself, a moment later)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        fail(f"cannot listen on {host}: {exc.strerror or exc}", code=ExitCode.SETUP)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            fail(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} (another "
                "server holds the port? choose another with --port)",
                code=ExitCode.SETUP,
            )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes.")] = 1,
    db: DbOption = None,
) -> None:
    """Create or migrate the database, load the NAPCI record if empty, serve.

    Example: napci serve --port 8000
    """
    try:
        settings = Settings.load(db)
    except ValueError as exc:
        fail(str(exc), code=ExitCode.SETUP)
    check_url(settings.database_url, "--db" if db else ENV_DATABASE_URL)
    check_place(settings.database_url)
    _check_port(host, port)

    import uvicorn

    from napci.web.app import create_app, prepare

    try:
        platform = prepare(settings)
    except Exception as exc:
        fail(
            database_problem(settings.database_url, exc, opening=True),
            code=ExitCode.SETUP,
        )
    platform.close()
    console.print(
        f"napci serving {settings.database_url} on http://{host}:{port}/ "
        "(API under /api/v1, OpenAPI at /openapi.json)"
    )
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
    else:
        import os

        os.environ["NAPCI_DATABASE_URL"] = settings.database_url
        uvicorn.run(
            "napci.web.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
        )
