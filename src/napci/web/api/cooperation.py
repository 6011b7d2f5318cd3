"""Commands on projects and commitments: start with the willing, no one added
without its own act, commitments kept or broken."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from napci.domain.procedure import (
    AssessCommitments,
    CompleteProject,
    FulfilCommitment,
    JoinProject,
    LaunchProject,
    LeaveProject,
    MakeCommitment,
    ReachMilestone,
)
from napci.domain.values import ActorCode, Ref, TrackCode
from napci.web.api.acting import (
    COMMAND,
    ActingFor,
    Body,
    On,
    RefPath,
    day,
    run,
)
from napci.web.api.common import Day, Text, Title
from napci.web.api.models import CommandResult
from napci.web.deps import State

__all__ = ["router"]

router = APIRouter(tags=["projects"])


class LaunchBody(Body):
    """A project and its founders."""

    project: Ref
    title: Title
    tracks: Annotated[list[TrackCode], Field(min_length=1, max_length=32)]
    founders: Annotated[list[ActorCode], Field(min_length=2, max_length=64)]
    partners: Annotated[list[ActorCode], Field(max_length=64)] = Field(
        default_factory=list
    )
    description: Text | None = None
    on: On = None


@router.post("/projects", summary="Launch a project with the willing", **COMMAND)
def launch(body: LaunchBody, who: ActingFor, state: State) -> CommandResult:
    """Two or more willing participants are named its founders (rule willing):
    a founder launching it is its first member and the others are invited,
    each becoming a member by joining; or the facilitator's secretariat
    records the founders' joint act, and all are members."""
    return run(
        state,
        who,
        LaunchProject(
            project=body.project,
            title=body.title,
            tracks=tuple(body.tracks),
            founders=tuple(body.founders),
            on=day(body.on, state),
            by=who.actor,
            partners=tuple(body.partners),
            description=body.description,
        ),
    )


class MemberBody(Body):
    """Who joins or leaves."""

    code: ActorCode | None = Field(
        default=None, description="the caller's actor by default"
    )
    on: On = None


@router.post("/projects/{project}/join", summary="Join a project", **COMMAND)
def join(
    project: RefPath, who: ActingFor, state: State, body: MemberBody | None = None
) -> CommandResult:
    """A participant joins by its own act; the members consent by not
    objecting (rule willing)."""
    body = body or MemberBody()
    return run(
        state,
        who,
        JoinProject(
            project=project,
            code=body.code or who.actor,
            on=day(body.on, state),
            by=who.actor,
        ),
    )


@router.post("/projects/{project}/leave", summary="Leave a project", **COMMAND)
def leave(
    project: RefPath, who: ActingFor, state: State, body: MemberBody | None = None
) -> CommandResult:
    """Only the member itself leaves (rule own-act)."""
    body = body or MemberBody()
    return run(
        state,
        who,
        LeaveProject(
            project=project,
            code=body.code or who.actor,
            on=day(body.on, state),
            by=who.actor,
        ),
    )


class CommitmentBody(Body):
    """What a member commits to, and by when."""

    commitment: Ref
    description: Text
    due_on: Day
    code: ActorCode | None = Field(
        default=None, description="who commits: the caller's actor by default"
    )
    grace_days: int | None = Field(
        default=None, ge=0, le=3650, description="the rules' grace period by default"
    )
    on: On = None


@router.post("/projects/{project}/commitments", summary="Make a commitment", **COMMAND)
def commit(
    project: RefPath, body: CommitmentBody, who: ActingFor, state: State
) -> CommandResult:
    """A member commits for itself (rule own-act)."""
    return run(
        state,
        who,
        MakeCommitment(
            commitment=body.commitment,
            project=project,
            code=body.code or who.actor,
            description=body.description,
            due_on=body.due_on,
            on=day(body.on, state),
            by=who.actor,
            grace_days=body.grace_days,
        ),
    )


class DayBody(Body):
    """Just the day."""

    on: On = None


@router.post(
    "/commitments/assess",
    summary="Find the commitments broken (past due beyond the grace period)",
    **COMMAND,
)
def assess(who: ActingFor, state: State, body: DayBody | None = None) -> CommandResult:
    """The facilitator records every open commitment now past its grace period
    as broken (409 when there is none)."""
    on = day((body or DayBody()).on, state)
    return run(state, who, AssessCommitments(on=on, by=who.actor))


@router.post(
    "/commitments/{commitment}/fulfil",
    summary="Record a commitment kept",
    **COMMAND,
)
def fulfil(
    commitment: RefPath, who: ActingFor, state: State, body: DayBody | None = None
) -> CommandResult:
    """The committed member (or the facilitator) records it kept, in time."""
    on = day((body or DayBody()).on, state)
    return run(state, who, FulfilCommitment(commitment=commitment, on=on, by=who.actor))


class MilestoneBody(Body):
    """A milestone reached."""

    milestone: Ref
    title: Title
    on: On = None


@router.post("/projects/{project}/milestones", summary="Record a milestone", **COMMAND)
def milestone(
    project: RefPath, body: MilestoneBody, who: ActingFor, state: State
) -> CommandResult:
    """A member records a milestone of its project."""
    return run(
        state,
        who,
        ReachMilestone(
            project=project,
            milestone=body.milestone,
            title=body.title,
            on=day(body.on, state),
            by=who.actor,
        ),
    )


class CompleteBody(Body):
    """A project completed."""

    summary: Text | None = None
    on: On = None


@router.post("/projects/{project}/complete", summary="Complete a project", **COMMAND)
def complete(
    project: RefPath, who: ActingFor, state: State, body: CompleteBody | None = None
) -> CommandResult:
    """A member completes it once no commitment is left open."""
    body = body or CompleteBody()
    return run(
        state,
        who,
        CompleteProject(
            project=project, on=day(body.on, state), by=who.actor, summary=body.summary
        ),
    )
