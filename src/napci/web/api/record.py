"""Read endpoints of the record itself and what it shows: the ledger in pages,
its verification and head, trust (with its explanation) and the road-map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from napci.domain.access import CLEARANCE
from napci.services.trust import TrustError
from napci.web.api.common import (
    AsOf,
    Limit,
    Offset,
    cached_json,
    paginate,
    problems,
    read_responses,
)
from napci.web.api.models import (
    Explanation,
    Head,
    LedgerPage,
    Status,
    Trust,
    VerifyReport,
)
from napci.web.deps import CurrentPrincipal, State
from napci.web.problems import Problem
from napci.web.state import WebState

__all__ = ["router"]

router = APIRouter()

TrackFilter = Annotated[
    str | None, Query(max_length=40, description="one issue track, e.g. environment")
]
ActorQuery = Annotated[
    str, Query(min_length=1, max_length=16, description="an actor's code, e.g. JPN")
]

#: Rows read from the store per round while filtering by clearance.
_BATCH = 500

_EVERYTHING = CLEARANCE["facilitator"]


def ledger_page(
    state: WebState, clearance: tuple[str, ...], after: int, limit: int
) -> dict[str, Any]:
    """Up to ``limit`` events after seq ``after`` that ``clearance`` may read.

    Events the caller may not read are left out (not redacted): their seqs
    are simply missing from the page.
    """
    head_seq, _ = state.head()
    items: list[dict[str, Any]] = []
    cursor, more = after, False
    while not more and cursor < head_seq:
        batch = state.platform.ledger.page(after=cursor, limit=_BATCH)
        if not batch:
            break
        for event in batch:
            if event.seq > head_seq:
                cursor = head_seq
                break
            cursor = event.seq
            if event.classification not in clearance:
                continue
            if len(items) == limit:
                more = True
                break
            items.append(event.to_json_dict())
    return {
        "items": items,
        "after": after,
        "limit": limit,
        "next_after": items[-1]["seq"] if more else None,
        "head_seq": head_seq,
    }


@router.get(
    "/ledger",
    tags=["ledger"],
    summary="The ledger, in pages of the events the caller may read",
    responses=read_responses(LedgerPage, 401),
)
async def ledger(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="events after this seq")
    ] = 0,
    limit: Limit = 100,
) -> Response:
    """Events in seq order with their envelope, payload, signature and hash.

    Anonymous callers read ``public`` events only; delegates and observers
    also ``participants`` ones; analysts and the facilitator everything.
    Follow ``next_after`` for the next page.
    """
    clearance = principal.clearance
    return await cached_json(
        request,
        state,
        ("ledger", clearance, after, limit),
        lambda: ledger_page(state, clearance, after, limit),
    )


@router.get(
    "/ledger/verify",
    tags=["ledger"],
    summary="Whether the whole chain verifies, as the server last checked",
    responses=read_responses(VerifyReport, 401),
)
async def ledger_verify(
    request: Request, state: State, _: CurrentPrincipal
) -> Response:
    """The server's verification of the record (it reveals no content, so
    anyone may ask): the whole chain recomputed in the background (at start,
    every few minutes, on the secretariat's request) and every later tail
    checked against it. ``status`` is ``verifying`` until the first full
    verification ends, then ``ok`` or ``broken`` with the first bad seq and
    the problem; ``events`` and ``head``: how far the chain is verified. It
    never waits for a verification (``POST`` does). Signatures are not
    checked here (``signatures_checked``); ``napci ledger verify`` checks
    them too."""
    return await cached_json(request, state, ("verify",), state.integrity.report)


@router.post(
    "/ledger/verify",
    tags=["ledger"],
    summary="Verify the whole chain now (the secretariat)",
    response_model=VerifyReport,
    responses=problems(401, 403, 503),
)
async def ledger_verify_now(state: State, principal: CurrentPrincipal) -> Any:
    """The secretariat has the server verify the whole chain now, and gets
    the report (as ``GET``) when it is done: a record repaired behind the
    server's back is accepted again, a broken one is refused from then on.
    Other callers: 403."""
    if principal.role is None:
        raise Problem(401, "Unauthorized", "sign in: a bearer token is needed")
    if not principal.secretariat:
        facilitator = state.read(_EVERYTHING, lambda registry: registry.facilitator())
        capacity = (
            f"; {principal.actor} acts here as its delegation, not as the "
            "facilitator's secretariat"
            if principal.actor is not None and principal.actor == facilitator
            else ""
        )
        raise Problem(
            403,
            "Forbidden",
            "only the facilitator's secretariat has the record verified on "
            f"request{capacity}",
            remedy="Ask the facilitator's secretariat (a user with the role "
            "facilitator) to have it verified; anyone may read the last "
            "verification with GET /api/v1/ledger/verify.",
        )
    await run_in_threadpool(state.integrity.verify_now)
    if state.integrity.last_error is not None:
        raise Problem(
            503,
            "Verification failed",
            f"the record could not be verified: {state.integrity.last_error}",
        )
    record = state.integrity.check_tail(*state.head())
    return {**state.integrity.report(), "record_status": record.as_json()}


@router.get(
    "/ledger/head",
    tags=["ledger"],
    summary="The ledger's head",
    responses=read_responses(Head, 401),
)
async def ledger_head(request: Request, state: State, _: CurrentPrincipal) -> Response:
    """The seq and hash of the last event: compare it with your own copy."""
    seq, head = state.head()
    return await cached_json(
        request, state, ("head",), lambda: {"seq": seq, "hash": head}
    )


@router.get(
    "/trust",
    tags=["trust"],
    summary="Trust per pair and track, the ladder, the regional index",
    responses=read_responses(Trust, 401, 404),
)
async def trust(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    as_of: AsOf = None,
    track: TrackFilter = None,
) -> Response:
    """Every trust figure the record the caller may read shows, as of a day."""
    clearance = principal.clearance

    def compute() -> Any:
        figures = state.trust(clearance).figures(as_of)
        data = figures.as_dict()
        if track is not None:
            if track not in figures.tracks:
                raise TrustError(
                    f"unknown track {track!r}; on the agenda: "
                    f"{', '.join(figures.tracks)}"
                )
            data["tracks"] = [track]
            for pair in data["pairs"]:
                pair["tracks"] = {track: pair["tracks"][track]}
        return data

    key = ("trust", clearance, as_of or state.today(), track)
    return await cached_json(request, state, key, compute)


@router.get(
    "/trust/explain",
    tags=["trust"],
    summary="Why a pair's trust is what it is",
    responses=read_responses(Explanation, 401, 404),
)
async def trust_explain(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    a: ActorQuery,
    b: ActorQuery,
    track: TrackFilter = None,
    as_of: AsOf = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """The pair's figures and every item of evidence between ``a`` and ``b``
    (both directions): which events, with which weights and decay."""
    clearance = principal.clearance
    first, second = a.upper(), b.upper()

    def compute() -> Any:
        figures, items = state.trust(clearance).explain(
            first, second, track=track, as_of=as_of
        )
        pair = figures.pair(first, second)
        if track is not None:
            pair["tracks"] = {track: pair["tracks"][track]}
        return {
            "as_of": figures.as_of.isoformat(),
            "a": first,
            "b": second,
            "track": track,
            "pair": pair,
            **paginate([item.as_dict() for item in items], offset, limit),
        }

    key = ("explain", clearance, first, second, track, as_of or state.today())
    return await cached_json(request, state, (*key, offset, limit), compute)


@router.get(
    "/status",
    tags=["road-map"],
    summary="The road-map phase and the three objectives",
    responses=read_responses(Status, 401, 404),
)
async def status(
    request: Request, state: State, principal: CurrentPrincipal, as_of: AsOf = None
) -> Response:
    """The phase the record meets (with each criterion's evidence and what is
    missing) and the indicators of the three objectives."""
    clearance = principal.clearance
    return await cached_json(
        request,
        state,
        ("status", clearance, as_of or state.today()),
        lambda: state.read(
            clearance, lambda _: state.status(as_of, clearance).as_dict()
        ),
    )
