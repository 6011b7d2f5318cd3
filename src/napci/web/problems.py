"""Errors as ``application/problem+json`` (RFC 9457), naming the rule."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from napci.domain.admission import LedgerError
from napci.domain.procedure import Refusal
from napci.services.procedure import InvalidCommand
from napci.services.trust import TrustError

__all__ = ["PROBLEM", "Problem", "allowed_methods", "problem", "problem_response"]

PROBLEM = "application/problem+json"


class Problem(Exception):
    """An HTTP problem raised by a handler."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        kind: str = "about:blank",
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.extra = extra


def problem(
    status: int,
    title: str,
    detail: str,
    kind: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response."""
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


#: The methods an ``Allow`` header may name.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """The methods the request's path answers, as an ``Allow`` header says
    them (RFC 9110). A path the OpenAPI description names as it is (no
    parameter) answers what the description gives it, as OpenAPI matches a
    concrete path before a templated one; any other, every method some route
    of the path takes in full."""
    described = request.app.openapi().get("paths", {}).get(request.url.path)
    if described is not None:
        return ", ".join(m for m in _METHODS if m.lower() in described)
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in routes
        )
    ]
    return ", ".join(allowed)


def _headers(request: Request, exc: StarletteHTTPException) -> dict[str, str]:
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return headers


def problem_response(request: Request, exc: Exception) -> JSONResponse:
    """Map napci's exceptions to problems."""
    instance = request.url.path
    if isinstance(exc, Problem):
        return problem(
            exc.status, exc.title, exc.detail, exc.kind, instance=instance, **exc.extra
        )
    if isinstance(exc, Refusal):
        return problem(
            409,
            "Refused by the rules of procedure",
            str(exc),
            f"/problems/rules/{exc.rule}",
            instance=instance,
            rule=exc.rule,
            remedy=exc.remedy,
        )
    if isinstance(exc, TrustError):  # figures asked of nothing the record holds
        return problem(404, "Not found", str(exc), instance=instance)
    if isinstance(exc, InvalidCommand):
        return problem(422, "Invalid request", str(exc), instance=instance)
    if isinstance(exc, LedgerError):
        return problem(
            422,
            "Refused by the ledger",
            str(exc),
            "/problems/ledger",
            instance=instance,
        )
    if isinstance(exc, RequestValidationError):
        detail = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        )
        return problem(422, "Invalid request", detail, instance=instance)
    if isinstance(exc, StarletteHTTPException):
        return problem(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            headers=_headers(request, exc),
            instance=instance,
        )
    return problem(500, "Internal error", "the server failed", instance=instance)
