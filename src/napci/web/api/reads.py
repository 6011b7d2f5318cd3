"""Read endpoints: who takes part, the agenda, meetings, mechanisms, ownership.

Every read is the registry folded from the events the caller's clearance
allows (an anonymous caller sees the public record only), serialised once per
ledger head and served with an ETag; lists are paginated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from napci.domain.procedure import Refusal, advise, next_host, ownership
from napci.domain.registry import Registry
from napci.web.api.common import (
    AsOf,
    Limit,
    Offset,
    cached_json,
    not_found,
    paginate,
    problems,
    read_responses,
)
from napci.web.api.models import (
    Actor,
    Advice,
    Me,
    Mechanism,
    Meeting,
    NextHost,
    Ownership,
    Page,
    Track,
)
from napci.web.deps import CurrentPrincipal, State
from napci.web.problems import Problem
from napci.web.state import WebState

__all__ = ["codes", "entry", "list_of", "one_of", "router"]

router = APIRouter(tags=["registry"])

Ident = Annotated[str, Path(min_length=1, max_length=80, description="its id")]
Code = Annotated[
    str, Path(min_length=1, max_length=16, description="an actor's code, e.g. JPN")
]
Codes = Annotated[
    str | None,
    Query(max_length=400, description="actor codes, comma-separated: KOR,JPN"),
]


def codes(text: str | None) -> tuple[str, ...]:
    """Comma-separated actor codes, upper-cased, in order, without repeats."""
    if not text:
        return ()
    return tuple(dict.fromkeys(p.strip().upper() for p in text.split(",") if p.strip()))


async def list_of(
    request: Request,
    state: WebState,
    clearance: tuple[str, ...],
    key: tuple[Any, ...],
    items: Callable[[Registry], list[Any]],
    offset: int,
    limit: int,
) -> Response:
    """A cached, paginated list drawn from the registry ``clearance`` sees."""
    return await cached_json(
        request,
        state,
        (*key, clearance, offset, limit),
        lambda: paginate(state.read(clearance, items), offset, limit),
    )


async def one_of(
    request: Request,
    state: WebState,
    clearance: tuple[str, ...],
    what: str,
    ident: str,
    find: Callable[[Registry], Any | None] | str,
) -> Response:
    """One cached item of the registry, or 404 (unknown or not visible).

    ``find`` gives the item's JSON data from the registry, or names the
    registry's dictionary that holds it by ``ident`` (``"projects"``).
    """
    if isinstance(find, str):
        find = entry(find, ident)

    def compute() -> Any:
        found = state.read(clearance, find)
        if found is None:
            raise not_found(what, ident)
        return found

    return await cached_json(request, state, (what, clearance, ident), compute)


def entry(attribute: str, ident: str) -> Callable[[Registry], Any | None]:
    """A finder of ``ident`` in one of the registry's dictionaries (``actors``,
    ``meetings``, ...), giving its JSON data, or None."""

    def find(reg: Registry) -> Any | None:
        found = getattr(reg, attribute).get(ident)
        if found is None:
            return None
        return found.as_dict() if hasattr(found, "as_dict") else dict(found)

    return find


def refused_read(exc: Refusal) -> Problem:
    """A read whose parameters name nothing the record holds: 404, naming the
    rule (the parameters are well formed; the record has no such thing)."""
    return Problem(
        404,
        "Not found",
        str(exc),
        f"/problems/rules/{exc.rule}",
        rule=exc.rule,
        remedy=exc.remedy,
    )


@router.get(
    "/me",
    tags=["access"],
    summary="Who is asking",
    response_model=Me,
    responses=problems(401, 503),
)
def me(principal: CurrentPrincipal) -> Me:
    """The caller's name, role, actor and clearance (anonymous without a token)."""
    return Me(
        name=principal.name,
        role=principal.role,
        actor=principal.actor,
        clearance=list(principal.clearance),
        can_act=principal.can_act,
    )


@router.get(
    "/actors",
    summary="Participants, observers and institutes",
    responses=read_responses(Page[Actor], 401),
)
async def actors(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """The registry's actors as the caller may see them, paginated."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("actors",),
        lambda reg: [a.as_dict() for a in reg.actors.values()],
        offset,
        limit,
    )


@router.get(
    "/actors/{code}", summary="One actor", responses=read_responses(Actor, 401, 404)
)
async def actor(
    request: Request, state: State, principal: CurrentPrincipal, code: Code
) -> Response:
    """An actor by its code (case-insensitive)."""
    wanted = code.upper()

    return await one_of(request, state, principal.clearance, "actor", wanted, "actors")


@router.get(
    "/tracks",
    summary="Issue tracks on the agenda",
    responses=read_responses(Page[Track], 401),
)
async def tracks(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """Every issue track, soft or hard, open or closed."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("tracks",),
        lambda reg: [t.as_dict() for t in reg.tracks.values()],
        offset,
        limit,
    )


@router.get(
    "/meetings",
    tags=["meetings"],
    summary="Meetings, optionally on one track",
    responses=read_responses(Page[Meeting], 401),
)
async def meetings(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    track: Annotated[
        str | None, Query(max_length=40, description="only meetings on this track")
    ] = None,
    status: Annotated[
        str | None,
        Query(max_length=20, description="only convened, held or cancelled ones"),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """Meetings in the order they were convened."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("meetings", track, status),
        lambda reg: [
            m.as_dict()
            for m in reg.meetings.values()
            if (track is None or track in m.tracks)
            and (status is None or m.status == status)
        ],
        offset,
        limit,
    )


@router.get(
    "/meetings/next-host",
    tags=["meetings", "ownership"],
    summary="Who should host next",
    responses=read_responses(NextHost, 401, 404),
)
async def meetings_next_host(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    willing: Codes = None,
    as_of: AsOf = None,
) -> Response:
    """The willing participant (any participant by default) who hosted least
    recently: hosting rotates (principle 6)."""
    clearance = principal.clearance
    day = as_of or state.today()
    wanted = codes(willing) or None

    def compute() -> Any:
        try:
            return state.read(clearance, lambda reg: next_host(reg, day, wanted))
        except Refusal as exc:
            raise refused_read(exc) from None

    return await cached_json(
        request, state, ("next-host", clearance, day, wanted), compute
    )


@router.get(
    "/meetings/{meeting}",
    tags=["meetings"],
    summary="One meeting",
    responses=read_responses(Meeting, 401, 404),
)
async def meeting(
    request: Request, state: State, principal: CurrentPrincipal, meeting: Ident
) -> Response:
    """A meeting: how it was convened, whether it was held, who attended."""

    return await one_of(
        request, state, principal.clearance, "meeting", meeting, "meetings"
    )


@router.get(
    "/mechanisms",
    tags=["mechanisms"],
    summary="Existing mechanisms (ARF, TCS, NEASPEC, TRM+ ...)",
    responses=read_responses(Page[Mechanism], 401),
)
async def mechanisms(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """The mechanisms NAPCI complements, with their agenda and members."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("mechanisms",),
        lambda reg: [m.as_dict() for m in reg.mechanisms.values()],
        offset,
        limit,
    )


@router.get(
    "/mechanisms/advice",
    tags=["mechanisms"],
    summary="The overlap adviser: revitalise, widen or create new",
    responses=read_responses(Advice, 401, 404),
)
async def mechanisms_advice(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    track: Annotated[str, Query(min_length=1, max_length=40, description="a track")],
    members: Codes = None,
) -> Response:
    """Before a forum or project is created on ``track`` with ``members`` (the
    current participants by default): the mechanisms that already cover it,
    their member overlap, and the recommendation with its reasoning."""
    clearance = principal.clearance
    wanted = codes(members)

    def compute() -> Any:
        def view(reg: Registry) -> Any:
            return advise(reg, track, wanted or tuple(reg.participants())).as_dict()

        try:
            return state.read(clearance, view)
        except Refusal as exc:
            raise refused_read(exc) from None

    return await cached_json(
        request, state, ("advice", clearance, track, wanted), compute
    )


@router.get(
    "/mechanisms/{mechanism}",
    tags=["mechanisms"],
    summary="One mechanism",
    responses=read_responses(Mechanism, 401, 404),
)
async def mechanism(
    request: Request, state: State, principal: CurrentPrincipal, mechanism: Ident
) -> Response:
    """A mechanism by its id (e.g. ``trm-plus``)."""

    return await one_of(
        request, state, principal.clearance, "mechanism", mechanism, "mechanisms"
    )


@router.get(
    "/ownership",
    tags=["ownership"],
    summary="Who hosts, chairs and initiates: the ownership index",
    responses=read_responses(Ownership, 401),
)
async def ownership_index(
    request: Request, state: State, principal: CurrentPrincipal, as_of: AsOf = None
) -> Response:
    """Each participant's share of hosting, chairing and initiatives; the
    ownership index is 1 - Gini of those shares (principle 6)."""
    clearance = principal.clearance
    day = as_of or state.today()
    return await cached_json(
        request,
        state,
        ("ownership", clearance, day),
        lambda: state.read(clearance, lambda reg: ownership(reg, day)),
    )
