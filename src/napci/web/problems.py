"""Errors as ``application/problem+json`` (RFC 9457), naming the rule."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from napci.adapters.db.ledger import LedgerError
from napci.domain.procedure import Refusal
from napci.services.procedure import InvalidCommand
from napci.services.trust import TrustError

__all__ = ["PROBLEM", "Problem", "problem", "problem_response"]

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
    status: int, title: str, detail: str, kind: str = "about:blank", **extra: Any
) -> JSONResponse:
    """A problem+json response."""
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


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
    if isinstance(exc, InvalidCommand | TrustError):
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
            exc.status_code, str(exc.detail), str(exc.detail), instance=instance
        )
    return problem(500, "Internal error", "the server failed", instance=instance)
