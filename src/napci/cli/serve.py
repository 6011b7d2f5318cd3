"""``napci serve``: the HTTP API and the web pages."""

from __future__ import annotations

from typing import Annotated

import typer

from napci.cli.common import DbOption, console, fail
from napci.settings import Settings

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes.")] = 1,
    db: DbOption = None,
) -> None:
    """Create or migrate the database, load the NAPCI record if empty, serve.

    Example: napci serve --port 8000
    """
    import uvicorn

    from napci.web.app import create_app, prepare

    try:
        settings = Settings.load(db)
    except ValueError as exc:
        fail(str(exc))
    try:
        platform = prepare(settings)
    except Exception as exc:
        fail(f"cannot prepare the database: {exc}")
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
