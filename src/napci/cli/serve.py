"""``napci serve``: the HTTP API and the web pages."""

import copy
import socket
from typing import Annotated, Any

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
from napci.settings import ENV_DATABASE_URL, ENV_VERIFY_INTERVAL, Settings

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


def _log_config() -> dict[str, Any]:
    """uvicorn's logging, with napci's own messages (the record's
    verification, database outages) on the same stream."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["napci"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes.")] = 1,
    verify_interval: Annotated[
        float | None,
        typer.Option(
            min=0,
            max=100_000,
            envvar=ENV_VERIFY_INTERVAL,
            show_envvar=True,
            help="Minutes between verifications of the whole chain (besides "
            "the one at start); 0: at start and on request only. Default 10.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create or migrate the database, load the NAPCI record if empty, serve.

    The server verifies the whole chain in the background when it starts and
    every --verify-interval minutes, and refuses writes once it finds the
    record broken (see /healthz).

    Example: napci serve --port 8000
    """
    try:
        settings = Settings.for_server(db, verify_interval)
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
    console.print(
        f"napci serving {settings.database_url} on http://{host}:{port}/ "
        "(API under /api/v1, OpenAPI at /openapi.json)"
    )
    if workers == 1:
        try:
            uvicorn.run(
                create_app(settings, platform=platform),  # prepared once
                host=host,
                port=port,
                log_level="info",
                log_config=_log_config(),
            )
        finally:
            platform.close()
    else:
        import os

        platform.close()  # each worker opens its own
        os.environ["NAPCI_DATABASE_URL"] = settings.database_url
        os.environ[ENV_VERIFY_INTERVAL] = str(settings.verify_interval)
        uvicorn.run(
            "napci.web.asgi:app",
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            log_config=_log_config(),
        )
