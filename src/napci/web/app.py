"""The web application factory: ``create_app(settings)``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from napci import __version__
from napci.domain.admission import LedgerError
from napci.domain.procedure import Refusal
from napci.services.integrity import monitor_for
from napci.services.platform import Platform, open_platform
from napci.services.procedure import InvalidCommand
from napci.services.trust import TrustError
from napci.settings import Settings
from napci.web import health
from napci.web.problems import Problem, problem_response
from napci.web.sessions import PageSessions
from napci.web.state import WebState

__all__ = ["create_app", "prepare"]

FAILED = "the server failed to answer this request; the failure is logged"


def prepare(settings: Settings) -> Platform:
    """Create or migrate the database and load the NAPCI record when empty."""
    platform = open_platform(settings, migrate=True)
    if platform.ledger.head()[0] == 0:
        platform.init(principal="napci:serve")
    return platform


def create_app(settings: Settings, *, platform: Platform | None = None) -> FastAPI:
    """The application over the record named by ``settings``."""
    app = FastAPI(
        title="napci",
        version=__version__,
        description="The Northeast Asia Peace and Cooperation Initiative: its "
        "record, its rules and the trust it shows.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=health.lifespan,
    )
    platform = platform or prepare(settings)
    app.state.web = WebState(platform, monitor_for(platform, settings))
    app.state.sessions = PageSessions.from_settings(platform.engine, settings)

    # First of the routes (a liveness probe should not scan the others), and
    # the handlers of database outages and of writes on a broken record.
    health.install(app)

    async def on_error(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return problem_response(request, exc)
        from napci.web.pages import error_page

        return error_page(request, exc)

    for kind in (
        Problem,
        Refusal,
        InvalidCommand,
        TrustError,
        LedgerError,
        RequestValidationError,
        StarletteHTTPException,
    ):
        app.add_exception_handler(kind, on_error)

    async def on_failure(request: Request, exc: Exception) -> Response:
        # Anything the handlers above do not expect: a 500 in napci's own
        # form (problem+json, or the styled page) that tells nothing of the
        # failure's insides. Starlette raises it again after this answer,
        # so the server logs it, once, with its traceback.
        return await on_error(request, Problem(500, "Internal error", FAILED))

    app.add_exception_handler(Exception, on_failure)

    from napci.web.api import router as api_router
    from napci.web.api.openapi import describe
    from napci.web.pages import router as pages_router

    app.include_router(api_router, prefix="/api/v1")
    app.openapi = lambda: describe(app)  # type: ignore[method-assign]
    app.include_router(pages_router)
    static = Path(str(resources.files("napci.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")

    return app
