"""The pages, read side: each route answers its HTML page and its JSON twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from napci.web.api.common import Day
from napci.web.pages import data as build
from napci.web.pages.common import Page, PageDep, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

# Bounded as the API's are (napci.web.api.common): a day from 1900 to 2999,
# a seq within a database integer.
AsOf = Annotated[Day | None, Query(description="YYYY-MM-DD")]
LAST_SEQ = 2**62
Code = Annotated[str | None, Query(max_length=16)]
Track = Annotated[str | None, Query(max_length=40)]


def dashboard_page(page: Page) -> Response:
    """The dashboard."""
    return render(page, "dashboard.html", build.dashboard_data(page))


@router.get("/")
@router.get("/index.json")
def dashboard(page: PageDep) -> Response:
    """The road-map checklist, regional trust over time, the objectives."""
    return dashboard_page(page)


@router.get("/trust")
@router.get("/trust.json")
def trust(page: PageDep, as_of: AsOf = None, track: Track = None) -> Response:
    """Heat maps per track, the network of pairs, the ladder."""
    return render(page, "trust.html", build.trust_data(page, as_of, track or None))


@router.get("/trust/explain")
@router.get("/trust/explain.json")
def explain(
    page: PageDep,
    a: Code = None,
    b: Code = None,
    track: Track = None,
    as_of: AsOf = None,
) -> Response:
    """The evidence behind one pair's trust."""
    data = page.locked(
        lambda: build.explain_data(page, a or None, b or None, track or None, as_of)
    )
    return render(page, "explain.html", data)


@router.get("/tracks")
@router.get("/tracks.json")
def tracks(page: PageDep) -> Response:
    """The agenda's issue tracks."""
    build.dashboard_data(page)  # computed (and cached) before taking the lock
    return render(page, "tracks.html", page.locked(lambda: build.tracks_data(page)))


def meetings_page(page: Page, problem: Exception | None = None) -> Response:
    """The meetings page (also after a refused form)."""
    data = page.locked(lambda: build.meetings_data(page))
    return render(page, "meetings.html", data, problem=problem)


@router.get("/meetings")
@router.get("/meetings.json")
def meetings(page: PageDep) -> Response:
    """Every meeting on a timeline by track."""
    return meetings_page(page)


def meeting_page(
    page: Page, meeting: str, problem: Exception | None = None
) -> Response:
    """One meeting's page (also after a refused form)."""
    data = page.locked(lambda: build.meeting_data(page, meeting))
    return render(page, "meeting.html", data, problem=problem)


@router.get("/meetings/{meeting}")
def meeting(page: PageDep, meeting: str) -> Response:
    """One meeting: attendance and what was tabled at it."""
    return meeting_page(page, _strip_json(page, meeting, "meetings"))


def proposals_page(page: Page, problem: Exception | None = None) -> Response:
    """The proposals page (also after a refused form)."""
    data = page.locked(lambda: build.proposals_data(page))
    return render(page, "proposals.html", data, problem=problem)


@router.get("/proposals")
@router.get("/proposals.json")
def proposals(page: PageDep) -> Response:
    """Every proposal and its outcome."""
    return proposals_page(page)


def proposal_page(
    page: Page, proposal: str, problem: Exception | None = None
) -> Response:
    """One proposal's page (also after a refused form)."""
    data = page.locked(lambda: build.proposal_data(page, proposal))
    return render(page, "proposal.html", data, problem=problem)


@router.get("/proposals/{proposal}")
def proposal(page: PageDep, proposal: str) -> Response:
    """One proposal: positions, outcome, the silence countdown."""
    return proposal_page(page, _strip_json(page, proposal, "decisions"))


def projects_page(page: Page, problem: Exception | None = None) -> Response:
    """The projects page (also after a refused form)."""
    data = page.locked(lambda: build.projects_data(page))
    return render(page, "projects.html", data, problem=problem)


@router.get("/projects")
@router.get("/projects.json")
def projects(page: PageDep) -> Response:
    """Projects, members and commitments."""
    return projects_page(page)


@router.get("/mechanisms")
@router.get("/mechanisms.json")
def mechanisms(
    page: PageDep,
    track: Track = None,
    members: Annotated[list[str] | None, Query(max_length=64)] = None,
) -> Response:
    """The comparison of mechanisms, and the overlap adviser."""
    chosen: list[str] = []
    for value in members or []:
        chosen.extend(part for part in value.split(",") if part.strip())
    data = page.locked(lambda: build.mechanisms_data(page, track or None, chosen))
    return render(page, "mechanisms.html", data)


@router.get("/ledger")
@router.get("/ledger.json")
def ledger(
    page: PageDep,
    before: Annotated[int | None, Query(ge=1, le=LAST_SEQ)] = None,
    after: Annotated[int | None, Query(ge=0, le=LAST_SEQ)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """The verifiable log, newest first."""
    return render(page, "ledger.html", build.ledger_data(page, before, after, limit))


def _strip_json(page: Page, ident: str, kind: str) -> str:
    """An id from a path, without the twin's ``.json`` (unless the id has it)."""
    if ident.endswith(".json"):
        registry = page.registry()
        known = registry.meetings if kind == "meetings" else registry.decisions
        if ident not in known:
            return ident[: -len(".json")]
    return ident
