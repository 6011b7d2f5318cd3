"""Server-rendered pages; every page has a JSON twin.

``/`` (dashboard), ``/trust``, ``/trust/explain``, ``/tracks``,
``/meetings`` and ``/meetings/{id}``, ``/proposals`` and ``/proposals/{id}``,
``/projects``, ``/mechanisms``, ``/ledger``, ``/participants/{code}``,
``/login``: each answers HTML,
and its data as JSON at the same path with ``.json`` appended (``/`` at
``/index.json``) or with ``?format=json``. Forms POST to the same tree with
a CSRF token; see ``docs/web.md``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from napci.web.pages import actions, auth, participants, views
from napci.web.pages.common import anonymous_page, problem_of, render, wants_json
from napci.web.problems import allowed_methods, problem_response

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(actions.router)
router.include_router(views.router)
router.include_router(participants.router)


def error_page(request: Request, exc: Exception) -> Response:
    """An error shown as a page (as problem+json for a JSON twin)."""
    if wants_json(request):
        return problem_response(request, exc)
    try:
        page = anonymous_page(request)
        shown = problem_of(exc, page.tr)
        if isinstance(exc, StarletteHTTPException):
            shown["status"] = exc.status_code
            shown["title"] = page.tr.gettext(str(exc.detail))
            if exc.status_code == 404 and exc.detail == "Not Found":
                shown["title"] = page.tr("Not found")
                shown["detail"] = page.tr(
                    "There is no page at {path}.", path=request.url.path
                )
        elif isinstance(exc, RequestValidationError):
            shown["status"] = 422
            shown["title"] = page.tr("Invalid request")
            shown["detail"] = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
                for err in exc.errors()
            )
        data = {
            "status": shown["status"],
            "title": shown["title"],
            "detail": shown["detail"],
            "rule": shown["rule"],
            "remedy": shown["remedy"],
        }
        response = render(page, "error.html", data, status=int(shown["status"]))
        if int(shown["status"]) == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response
    except Exception:  # the error page itself failed: say so plainly
        status = int(getattr(exc, "status_code", getattr(exc, "status", 500)))
        return HTMLResponse(
            "<!doctype html><title>Error</title><h1>Error</h1>", status_code=status
        )
