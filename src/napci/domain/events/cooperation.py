"""Projects and commitments, incidents (DESIGN §2, §4.4c, §5.1)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from napci.domain.events.base import Event, register
from napci.domain.values import ActorCode, LocalizedText, Ref, TrackCode

__all__ = [
    "CommitmentBroken",
    "CommitmentKept",
    "CommitmentMade",
    "IncidentRecorded",
    "MilestoneReached",
    "ProjectCompleted",
    "ProjectJoined",
    "ProjectLaunched",
    "ProjectLeft",
    "ProjectScopeWidened",
]


@register
class ProjectLaunched(Event):
    """A project was launched, naming two or more willing participants as founders."""

    project: Ref
    title: LocalizedText
    tracks: tuple[TrackCode, ...] = Field(min_length=1)
    founders: tuple[ActorCode, ...] = Field(
        min_length=2,
        description="the participants named as its founders; those not invited "
        "became members at launch",
    )
    invited: tuple[ActorCode, ...] = Field(
        default=(),
        description="the founders named who had not acted: each becomes a member "
        "by its own ProjectJoined (none when the secretariat recorded the "
        "founders' joint act, and in entries written before invitations)",
    )
    recorded_as: Literal["founder", "secretariat"] | None = Field(
        default=None,
        description="in which capacity it was recorded: by one founder, its "
        "first member, or by the facilitator's secretariat recording the "
        "founders' joint act; absent in entries written before capacities were "
        "recorded",
    )
    partners: tuple[ActorCode, ...] = Field(
        default=(), description="observers or institutes working with it"
    )
    launched_on: date
    description: str | None = None


@register
class ProjectJoined(Event):
    """An actor joined a project by its own act."""

    project: Ref
    code: ActorCode
    joined_on: date
    consented_by: Annotated[tuple[ActorCode, ...], Field(min_length=1)] | None = Field(
        default=None,
        description="no longer written: in older entries, the members at the "
        "time of joining, none of whom had objected (a consent presumed, "
        "which no member gave by an act of its own)",
    )


@register
class ProjectLeft(Event):
    """A member left a project."""

    project: Ref
    code: ActorCode
    left_on: date


@register
class ProjectScopeWidened(Event):
    """A project's scope was widened to more tracks by its members' consensus."""

    project: Ref
    tracks: tuple[TrackCode, ...] = Field(min_length=1)
    widened_on: date
    decision: Ref | None = None


@register
class MilestoneReached(Event):
    """A project reached one of its milestones."""

    project: Ref
    milestone: Ref
    title: str = Field(min_length=1)
    reached_on: date


@register
class ProjectCompleted(Event):
    """A project was completed."""

    project: Ref
    completed_on: date
    summary: str | None = None


@register
class CommitmentMade(Event):
    """A project member committed to deliver something by a due date."""

    commitment: Ref
    project: Ref
    code: ActorCode
    description: str = Field(min_length=1)
    made_on: date
    due_on: date
    grace_days: int | None = Field(
        default=None, ge=0, description="overrides the rules' grace period"
    )


@register
class CommitmentKept(Event):
    """A member kept a commitment."""

    commitment: Ref
    kept_on: date


@register
class CommitmentBroken(Event):
    """A commitment passed its due date beyond the grace period without being kept."""

    commitment: Ref
    assessed_on: date


@register
class IncidentRecorded(Event):
    """The facilitator recorded an incident between actors, with its source."""

    incident: Ref
    parties: tuple[ActorCode, ...] = Field(min_length=2)
    occurred_on: date
    severity: int = Field(ge=1, le=5)
    description: str = Field(min_length=1)
    tracks: tuple[TrackCode, ...] = ()
