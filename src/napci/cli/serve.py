"""``napci serve``: the HTTP API and the web pages."""

from __future__ import annotations

import copy
from typing import Annotated, Any

import typer

from napci.cli.common import DbOption, console, fail
from napci.settings import ENV_VERIFY_INTERVAL, Settings

__all__ = ["serve"]


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
    import uvicorn

    from napci.web.app import create_app, prepare

    settings = Settings.for_server(db, verify_interval)
    try:
        platform = prepare(settings)
    except Exception as exc:
        fail(f"cannot prepare the database: {exc}")
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
