"""Commands on the registry, meetings, documents and incidents.

Each endpoint builds one command of :mod:`napci.domain.procedure` with the
caller's actor as ``by`` and runs it through the rules: 201 with what was
recorded, or a problem (401, 403, 409 naming the rule, 422) and nothing
appended.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from napci.domain.events.documents import DocumentKind
from napci.domain.procedure import (
    AcknowledgeAttendance,
    CancelMeeting,
    ConfirmAttendance,
    ConveneMeeting,
    HoldMeeting,
    InviteActor,
    IssueDocument,
    JoinActor,
    RecordAttendance,
    RecordIncident,
    RegisterActor,
    WithdrawActor,
)
from napci.domain.values import ActorCode, ActorKind, Layer, Rank, Ref, TrackCode
from napci.web.api.acting import (
    COMMAND,
    ActingFor,
    Body,
    CodePath,
    On,
    RefPath,
    day,
    run,
)
from napci.web.api.common import Day, Link, Text, Title
from napci.web.api.models import CommandResult
from napci.web.deps import State
from napci.web.problems import Problem

__all__ = ["router"]

router = APIRouter()

Codes = Annotated[list[ActorCode], Field(max_length=64)]
Tracks = Annotated[list[TrackCode], Field(max_length=32)]


# -- actors ----------------------------------------------------------------------


class RegisterBody(Body):
    """Enter an actor in the registry (the facilitator's act)."""

    code: ActorCode
    name: Title = Field(description="its name in English")
    kind: ActorKind
    layer: Layer = "track-1"
    on: On = None


@router.post("/actors", tags=["registry"], summary="Register an actor", **COMMAND)
def register(body: RegisterBody, who: ActingFor, state: State) -> CommandResult:
    """The facilitator registers a state, organisation or institute."""
    return run(
        state,
        who,
        RegisterActor(
            code=body.code,
            name=body.name,
            kind=body.kind,
            layer=body.layer,
            on=day(body.on, state),
            by=who.actor,
        ),
    )


class DayBody(Body):
    """Just the day."""

    on: On = None


class WithdrawBody(Body):
    """A participant's withdrawal."""

    on: On = None
    reason: Text | None = None


class InviteBody(Body):
    """An invitation."""

    on: On = None
    note: Text | None = None


@router.post(
    "/actors/{code}/join",
    tags=["registry"],
    summary="A state notifies that it takes part",
    **COMMAND,
)
def join(
    code: CodePath, who: ActingFor, state: State, body: DayBody | None = None
) -> CommandResult:
    """Open participation: a state joins by its own notification (rule
    open-participation); only its own delegation can notify it (own-act)."""
    on = day((body or DayBody()).on, state)
    return run(state, who, JoinActor(code=code, on=on, by=who.actor))


@router.post(
    "/actors/{code}/withdraw",
    tags=["registry"],
    summary="A participant withdraws",
    **COMMAND,
)
def withdraw(
    code: CodePath, who: ActingFor, state: State, body: WithdrawBody | None = None
) -> CommandResult:
    """A participant withdraws by its own notification."""
    body = body or WithdrawBody()
    return run(
        state,
        who,
        WithdrawActor(
            code=code, on=day(body.on, state), by=who.actor, reason=body.reason
        ),
    )


@router.post(
    "/actors/{code}/invite",
    tags=["registry"],
    summary="The facilitator invites an actor",
    **COMMAND,
)
def invite(
    code: CodePath, who: ActingFor, state: State, body: InviteBody | None = None
) -> CommandResult:
    """Invitations come from the facilitator; participants need none."""
    body = body or InviteBody()
    return run(
        state,
        who,
        InviteActor(code=code, on=day(body.on, state), by=who.actor, note=body.note),
    )


# -- meetings --------------------------------------------------------------------


class ConveneBody(Body):
    """A meeting to convene."""

    meeting: Ref
    title: Title
    tracks: Tracks = Field(default_factory=list)
    rank: Rank = "working"
    layer: Layer = "track-1"
    starts_on: Day
    host: ActorCode | None = None
    chair: ActorCode | None = None
    occasion: Ref | None = Field(
        default=None, description="the meeting or mechanism it is held on"
    )
    venue: Title | None = None
    format: Literal["multilateral", "bilateral", "forum"] = "multilateral"
    invitees: Codes = Field(default_factory=list)
    on: On = None


@router.post("/meetings", tags=["meetings"], summary="Convene a meeting", **COMMAND)
def convene(body: ConveneBody, who: ActingFor, state: State) -> CommandResult:
    """The facilitator or the host convenes; the rank rises one step after two
    meetings held at the rank below (rule gradual-rank)."""
    return run(
        state,
        who,
        ConveneMeeting(
            meeting=body.meeting,
            title=body.title,
            tracks=tuple(body.tracks),
            rank=body.rank,
            layer=body.layer,
            starts_on=body.starts_on,
            on=day(body.on, state),
            by=who.actor,
            host=body.host,
            chair=body.chair,
            occasion=body.occasion,
            venue=body.venue,
            format=body.format,
            invitees=tuple(body.invitees),
        ),
    )


class ConfirmBody(Body):
    """An attendance confirmation."""

    code: ActorCode | None = Field(
        default=None, description="who will attend: the caller's actor by default"
    )
    on: On = None


@router.post(
    "/meetings/{meeting}/confirm",
    tags=["meetings"],
    summary="Confirm attendance",
    **COMMAND,
)
def confirm(
    meeting: RefPath, who: ActingFor, state: State, body: ConfirmBody | None = None
) -> CommandResult:
    """An actor confirms it will attend; only the actor itself (own-act)."""
    body = body or ConfirmBody()
    return run(
        state,
        who,
        ConfirmAttendance(
            meeting=meeting,
            code=body.code or who.actor,
            on=day(body.on, state),
            by=who.actor,
        ),
    )


class AttendanceBody(Body):
    """Who attended and who did not (one name at least)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["attended"], "properties": {"attended": {"minItems": 1}}},
                {"required": ["absent"], "properties": {"absent": {"minItems": 1}}},
            ]
        },
    )

    attended: Codes = Field(default_factory=list)
    absent: Codes = Field(default_factory=list)
    on: On = None


@router.post(
    "/meetings/{meeting}/attendance",
    tags=["meetings"],
    summary="Record attendance",
    **COMMAND,
)
def attendance(
    meeting: RefPath, body: AttendanceBody, who: ActingFor, state: State
) -> CommandResult:
    """The facilitator, the host or the chair records who attended and who
    did not (all or nothing). Recorded by the facilitator's secretariat, or
    by a delegation about itself, it counts at once; reported by a host or
    chair about another delegation, it counts once that delegation
    acknowledges it (``.../attendance/acknowledge``)."""
    if not body.attended and not body.absent:
        raise Problem(
            422, "Invalid request", "name who attended or who was absent, or both"
        )
    on = day(body.on, state)
    return run(
        state,
        who,
        *(RecordAttendance(meeting, c, True, on, who.actor) for c in body.attended),
        *(RecordAttendance(meeting, c, False, on, who.actor) for c in body.absent),
    )


@router.post(
    "/meetings/{meeting}/attendance/acknowledge",
    tags=["meetings"],
    summary="Acknowledge one's own attendance as reported",
    **COMMAND,
)
def acknowledge(
    meeting: RefPath, who: ActingFor, state: State, body: DayBody | None = None
) -> CommandResult:
    """The caller's delegation acknowledges the attendance (or absence) a host
    or chair reported of it; from then on it counts for consensus, trust and
    the road-map. Only the delegation itself acknowledges (rule own-act: never
    the facilitator's secretariat for the ROK's delegation); refused when
    nothing was reported of it or it is acknowledged already (rule
    attendance)."""
    on = day((body or DayBody()).on, state)
    return run(state, who, AcknowledgeAttendance(meeting, who.actor, on, who.actor))


class HeldBody(Body):
    """A meeting held."""

    held_on: Day | None = Field(default=None, description="today by default")
    ends_on: Day | None = None


@router.post(
    "/meetings/{meeting}/held",
    tags=["meetings"],
    summary="Record a meeting held",
    **COMMAND,
)
def held(
    meeting: RefPath, who: ActingFor, state: State, body: HeldBody | None = None
) -> CommandResult:
    """The facilitator, the host or the chair records that it took place."""
    body = body or HeldBody()
    return run(
        state,
        who,
        HoldMeeting(
            meeting=meeting,
            held_on=day(body.held_on, state),
            by=who.actor,
            ends_on=body.ends_on,
        ),
    )


class CancelBody(Body):
    """A cancellation."""

    on: On = None
    reason: Text | None = None


@router.post(
    "/meetings/{meeting}/cancel",
    tags=["meetings"],
    summary="Cancel a meeting",
    **COMMAND,
)
def cancel(
    meeting: RefPath, who: ActingFor, state: State, body: CancelBody | None = None
) -> CommandResult:
    """Only a meeting not yet held can be cancelled."""
    body = body or CancelBody()
    return run(
        state,
        who,
        CancelMeeting(
            meeting=meeting, on=day(body.on, state), by=who.actor, reason=body.reason
        ),
    )


# -- documents and incidents -----------------------------------------------------


class DocumentBody(Body):
    """A document to issue."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "document": "statement-maritime-2015",
                    "kind": "statement",
                    "title": "Statement on maritime safety",
                    "tracks": ["environment"],
                }
            ]
        },
    )

    document: Ref
    kind: DocumentKind
    title: Title
    tracks: Tracks = Field(default_factory=list)
    meeting: Ref | None = None
    text: Text | None = None
    on: On = None


@router.post("/documents", tags=["documents"], summary="Issue a document", **COMMAND)
def issue(body: DocumentBody, who: ActingFor, state: State) -> CommandResult:
    """A participant or observer issues a document; a chair's statement comes
    from the chair of its meeting. A recognition or vision is a draft until
    a consensus adopts it."""
    return run(
        state,
        who,
        IssueDocument(
            document=body.document,
            kind=body.kind,
            title=body.title,
            on=day(body.on, state),
            by=who.actor,
            tracks=tuple(body.tracks),
            meeting=body.meeting,
            text=body.text,
        ),
    )


class IncidentBody(Body):
    """An incident between actors, with its source."""

    incident: Ref
    parties: Annotated[list[ActorCode], Field(min_length=2, max_length=64)]
    occurred_on: Day
    severity: int = Field(ge=1, le=5)
    description: Text
    source_title: Title
    source_url: Link | None = None
    tracks: Tracks = Field(default_factory=list)
    on: On = None


@router.post("/incidents", tags=["incidents"], summary="Record an incident", **COMMAND)
def record_incident(body: IncidentBody, who: ActingFor, state: State) -> CommandResult:
    """The facilitator records an incident (classified ``participants``)."""
    return run(
        state,
        who,
        RecordIncident(
            incident=body.incident,
            parties=tuple(body.parties),
            occurred_on=body.occurred_on,
            severity=body.severity,
            description=body.description,
            source_title=body.source_title,
            on=day(body.on, state),
            by=who.actor,
            source_url=body.source_url,
            tracks=tuple(body.tracks),
        ),
    )
