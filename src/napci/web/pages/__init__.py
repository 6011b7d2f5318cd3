"""Server-rendered pages; every page has a JSON twin."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False)


def error_page(request: Request, exc: Exception) -> Response:
    """An error shown as a page."""
    status = int(getattr(exc, "status_code", getattr(exc, "status", 400)))
    del request
    return HTMLResponse(f"<h1>{status}</h1><p>{exc}</p>", status_code=status)
