"""What API handlers share: cached JSON with ETags, pagination."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from napci.web.state import WebState

__all__ = ["cached_json", "paginate"]


def cached_json(
    request: Request,
    state: WebState,
    key: tuple[Any, ...],
    compute: Callable[[], Any],
) -> Response:
    """A JSON response computed once per ledger head, with an ETag.

    A request whose ``If-None-Match`` names the current tag gets 304.
    """
    entry = state.cached(key, lambda: _encode(compute()))
    headers = {"ETag": entry.etag, "Cache-Control": "private, no-cache"}
    if entry.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(entry.body, media_type="application/json", headers=headers)


def _encode(data: Any) -> bytes:
    return bytes(JSONResponse(data).body)


def paginate(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    """A page of ``items`` with the total and the next offset."""
    page = items[offset : offset + limit]
    following = offset + limit if offset + limit < len(items) else None
    return {
        "items": page,
        "total": len(items),
        "offset": offset,
        "limit": limit,
        "next_offset": following,
    }
