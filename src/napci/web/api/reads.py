"""Read endpoints: registry, tracks, meetings, mechanisms (example pattern)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from napci.web.api.common import cached_json, paginate
from napci.web.deps import CurrentPrincipal, State

__all__ = ["router"]

router = APIRouter(tags=["registry"])

Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/actors", summary="Participants, observers and institutes")
def actors(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """The registry's actors as the caller may see them, paginated."""
    clearance = principal.clearance
    return cached_json(
        request,
        state,
        ("actors", clearance, offset, limit),
        lambda: paginate(
            [a.as_dict() for a in state.registry(clearance).actors.values()],
            offset,
            limit,
        ),
    )
