"""Read endpoints of the process: documents, proposals, projects, commitments,
incidents (incidents are ``participants``-classified: anonymous callers see
none)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from napci.web.api.common import Limit, Offset, read_responses
from napci.web.api.models import (
    Commitment,
    Document,
    Incident,
    Page,
    Project,
    Proposal,
)
from napci.web.api.reads import Ident, list_of, one_of
from napci.web.deps import CurrentPrincipal, State

__all__ = ["router"]

router = APIRouter()


@router.get(
    "/documents",
    tags=["documents"],
    summary="Documents issued: speeches, statements, recognitions, visions",
    responses=read_responses(Page[Document], 401),
)
async def documents(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    kind: Annotated[
        str | None, Query(max_length=40, description="only documents of this kind")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """Documents in the order they were issued."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("documents", kind),
        lambda reg: [
            dict(d) for d in reg.documents.values() if kind is None or d["kind"] == kind
        ],
        offset,
        limit,
    )


@router.get(
    "/documents/{document}",
    tags=["documents"],
    summary="One document",
    responses=read_responses(Document, 401, 404),
)
async def document(
    request: Request, state: State, principal: CurrentPrincipal, document: Ident
) -> Response:
    """A document by its id."""

    return await one_of(
        request, state, principal.clearance, "document", document, "documents"
    )


@router.get(
    "/proposals",
    tags=["proposals"],
    summary="Proposals and their outcome",
    responses=read_responses(Page[Proposal], 401),
)
async def proposals(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    outcome: Annotated[
        str | None,
        Query(
            max_length=20,
            description="open, adopted, provisional, not-adopted or withdrawn",
        ),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """Proposals in the order they were tabled, with every position."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("proposals", outcome),
        lambda reg: [
            d.as_dict()
            for d in reg.decisions.values()
            if outcome is None or d.outcome == outcome
        ],
        offset,
        limit,
    )


@router.get(
    "/proposals/{proposal}",
    tags=["proposals"],
    summary="One proposal",
    responses=read_responses(Proposal, 401, 404),
)
async def proposal(
    request: Request, state: State, principal: CurrentPrincipal, proposal: Ident
) -> Response:
    """A proposal, its positions (latest and history) and its outcome."""

    return await one_of(
        request, state, principal.clearance, "proposal", proposal, "decisions"
    )


@router.get(
    "/projects",
    tags=["projects"],
    summary="Cooperation projects",
    responses=read_responses(Page[Project], 401),
)
async def projects(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    status: Annotated[
        str | None, Query(max_length=20, description="active or completed")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """Projects in the order they were launched."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("projects", status),
        lambda reg: [
            p.as_dict()
            for p in reg.projects.values()
            if status is None or p.status == status
        ],
        offset,
        limit,
    )


@router.get(
    "/projects/{project}",
    tags=["projects"],
    summary="One project",
    responses=read_responses(Project, 401, 404),
)
async def project(
    request: Request, state: State, principal: CurrentPrincipal, project: Ident
) -> Response:
    """A project: members, partners, tracks, milestones."""

    return await one_of(
        request, state, principal.clearance, "project", project, "projects"
    )


@router.get(
    "/commitments",
    tags=["projects"],
    summary="Commitments made in projects",
    responses=read_responses(Page[Commitment], 401),
)
async def commitments(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    project: Annotated[
        str | None, Query(max_length=80, description="only this project's")
    ] = None,
    status: Annotated[
        str | None, Query(max_length=20, description="open, kept or broken")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """Commitments in the order they were made."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("commitments", project, status),
        lambda reg: [
            c.as_dict()
            for c in reg.commitments.values()
            if (project is None or c.project == project)
            and (status is None or c.status == status)
        ],
        offset,
        limit,
    )


@router.get(
    "/commitments/{commitment}",
    tags=["projects"],
    summary="One commitment",
    responses=read_responses(Commitment, 401, 404),
)
async def commitment(
    request: Request, state: State, principal: CurrentPrincipal, commitment: Ident
) -> Response:
    """A commitment: who, what, when due, kept or broken."""

    return await one_of(
        request, state, principal.clearance, "commitment", commitment, "commitments"
    )


@router.get(
    "/incidents",
    tags=["incidents"],
    summary="Incidents between actors (participants and above)",
    responses=read_responses(Page[Incident], 401),
)
async def incidents(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Response:
    """Incidents are classified ``participants``: an anonymous caller's list
    is empty."""
    return await list_of(
        request,
        state,
        principal.clearance,
        ("incidents",),
        lambda reg: [dict(i) for i in reg.incidents.values()],
        offset,
        limit,
    )


@router.get(
    "/incidents/{incident}",
    tags=["incidents"],
    summary="One incident",
    responses=read_responses(Incident, 401, 404),
)
async def incident(
    request: Request, state: State, principal: CurrentPrincipal, incident: Ident
) -> Response:
    """An incident by its id; 404 for callers not cleared to read it."""

    return await one_of(
        request, state, principal.clearance, "incident", incident, "incidents"
    )
