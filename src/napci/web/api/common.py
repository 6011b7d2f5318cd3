"""What API handlers share: cached JSON with ETags, pagination, documented errors."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from annotated_types import Interval
from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema
from starlette.concurrency import run_in_threadpool

from napci.domain.values import STORABLE, STORABLE_SCHEMA
from napci.web.api.models import Problem as ProblemModel
from napci.web.problems import PROBLEM, Problem
from napci.web.state import WebState

__all__ = [
    "DAY_PATTERN",
    "FIRST_DAY",
    "LAST_DAY",
    "AsOf",
    "Day",
    "Limit",
    "Link",
    "Offset",
    "Text",
    "Title",
    "cached_json",
    "not_found",
    "paginate",
    "problems",
    "read_responses",
]

Offset = Annotated[
    int, Query(ge=0, le=10_000_000, description="how many items to skip")
]
Limit = Annotated[int, Query(ge=1, le=1000, description="how many items at most")]

#: Dates the API accepts: wide enough for any record, narrow enough that the
#: date arithmetic behind them (a day later, a year earlier) stays in range.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

#: The days from FIRST_DAY to LAST_DAY, as the description states them.
DAY_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_day(value: object) -> object:
    """A day is written YYYY-MM-DD: not a number, not a timestamp (which
    pydantic would otherwise read as seconds since 1970)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        return value
    raise ValueError("a day is written YYYY-MM-DD")


Day = Annotated[
    date,
    BeforeValidator(_iso_day),
    Interval(ge=FIRST_DAY, le=LAST_DAY),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DAY_PATTERN,
            "description": "a day from 1900-01-01 to 2999-12-31 (YYYY-MM-DD)",
        }
    ),
]
"""A date from 1900-01-01 to 2999-12-31."""

# Text in command bodies: a database can store it (no NUL, no lone
# surrogate: see napci.domain.text), and it has a length a page can show.
Title = Annotated[str, Field(min_length=1, max_length=300), STORABLE, STORABLE_SCHEMA]
"""A title or a name: 1 to 300 characters."""
Text = Annotated[str, Field(min_length=1, max_length=20_000), STORABLE, STORABLE_SCHEMA]
"""A text, a note, a reason, a statement: 1 to 20,000 characters."""
Link = Annotated[str, Field(max_length=2000), STORABLE, STORABLE_SCHEMA]
"""An address: up to 2,000 characters."""

AsOf = Annotated[
    Day | None,
    Query(
        description="as the record stood at the end of this day (YYYY-MM-DD); "
        "today by default",
    ),
]

_TITLES = {
    400: "Bad request: the body is not JSON",
    401: "Unauthorized: no token, or an unknown or revoked one",
    403: "Forbidden: the caller's role may not do this",
    404: "Not found: nothing the caller may read answers to the id (or the "
    "track, actor or date) asked for",
    409: "Refused by a rule of procedure (names the rule and the remedy)",
    422: "Invalid request: nothing was appended",
    503: "The database cannot be reached (with Retry-After), or, for a "
    "command, the record does not verify (names the first bad seq)",
}


def _bare(schema: Any) -> Any:
    """A JSON schema without its titles and descriptions (it is repeated in
    every operation's error responses, so it is kept small)."""
    if isinstance(schema, dict):
        return {
            k: {name: _bare(sub) for name, sub in v.items()}
            if k == "properties"
            else _bare(v)
            for k, v in schema.items()
            if k not in ("title", "description")
        }
    if isinstance(schema, list):
        return [_bare(v) for v in schema]
    return schema


_PROBLEM_SCHEMA = {
    **_bare(ProblemModel.model_json_schema()),
    "description": "RFC 9457; a refusal names its rule and what would admit it",
}


def problems(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses: problem+json (RFC 9457) for each status code."""
    schema = _PROBLEM_SCHEMA
    return {
        code: {
            "description": _TITLES.get(code, "A problem"),
            "content": {PROBLEM: {"schema": schema}},
        }
        for code in codes
    }


def read_responses(
    model: type[BaseModel] | Any, *codes: int
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of a cached read: the body, 304, and the problems."""
    return {
        200: {
            "model": model,
            "description": "The data, with an ETag (send it back as If-None-Match)",
            "headers": {
                "ETag": {
                    "description": "changes whenever the ledger's head does, "
                    "or whether it verifies",
                    "schema": {"type": "string"},
                }
            },
        },
        304: {"description": "Not modified: the If-None-Match tag is current"},
        **problems(*codes, 422, 503),
    }


async def cached_json(
    request: Request,
    state: WebState,
    key: tuple[Any, ...],
    compute: Callable[[], Any],
) -> Response:
    """A JSON response computed once per ledger head, with an ETag.

    A request whose ``If-None-Match`` names the current tag gets 304. A
    response already computed for the current head is answered on the event
    loop (one read of the head); only a new one is computed, in a worker
    thread, so a fold never holds up other requests.
    """
    entry = state.lookup(key)
    if entry is None:
        entry = await run_in_threadpool(
            lambda: state.cached(key, compute, encode=_encode)
        )
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


def not_found(what: str, ident: str) -> Problem:
    """A 404 problem: ``ident`` is unknown, or hidden from the caller."""
    return Problem(
        404, "Not found", f"there is no {what} {ident!r} in the record you may read"
    )
