"""Meetings: convened, confirmed, held, attended (DESIGN §2, §4.4, §4.6)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from napci.domain.events.base import Event, register
from napci.domain.values import (
    ActorCode,
    DatePrecision,
    Layer,
    LocalizedText,
    Rank,
    Ref,
    TrackCode,
)

__all__ = [
    "AttendanceAcknowledged",
    "AttendanceConfirmed",
    "AttendanceRecorded",
    "MeetingCancelled",
    "MeetingConvened",
    "MeetingHeld",
]


@register
class MeetingConvened(Event):
    """A meeting was called on one or more issue tracks."""

    meeting: Ref
    title: LocalizedText
    tracks: tuple[TrackCode, ...] = Field(
        default=(), description="issue tracks on its agenda; none for general ones"
    )
    rank: Rank
    layer: Layer
    starts_on: date
    ends_on: date | None = None
    date_precision: DatePrecision = "day"
    host: ActorCode | None = None
    chair: ActorCode | None = None
    venue: str | None = None
    occasion: Ref | None = Field(
        default=None,
        description="the meeting or mechanism on whose occasion it is held",
    )
    format: Literal["multilateral", "bilateral", "forum"] = "multilateral"
    invitees: tuple[ActorCode, ...] = ()


@register
class AttendanceConfirmed(Event):
    """An actor confirmed it will attend a meeting."""

    meeting: Ref
    code: ActorCode


@register
class AttendanceRecorded(Event):
    """Whether an actor attended a meeting, as recorded after it."""

    meeting: Ref
    code: ActorCode
    attended: bool
    represented_by: str | None = Field(
        default=None, description="the delegation's head, if known"
    )
    recorded_as: Literal["secretariat", "host", "chair", "delegation"] | None = Field(
        default=None,
        description="the capacity in which the recorder acted: the "
        "secretariat, the meeting's host or chair, or the delegation itself",
    )
    acknowledged: bool | None = Field(
        default=None,
        description="true when it counts as the delegation's own word (recorded "
        "by the delegation itself, or by the secretariat as secretariat); false "
        "when a host or chair reported it for another delegation, which then "
        "acknowledges it (AttendanceAcknowledged); absent in entries written "
        "before acknowledgement existed, which count when they carry sources",
    )


@register
class AttendanceAcknowledged(Event):
    """A delegation acknowledged its own attendance (or absence) as reported."""

    meeting: Ref
    code: ActorCode
    attended: bool = Field(description="the reported attendance it acknowledges")


@register
class MeetingHeld(Event):
    """A convened meeting took place."""

    meeting: Ref
    held_on: date
    ends_on: date | None = None
    date_precision: DatePrecision = "day"
    attendance_complete: bool = Field(
        default=True,
        description="false when the record does not know every attendee",
    )


@register
class MeetingCancelled(Event):
    """A convened meeting was called off."""

    meeting: Ref
    cancelled_on: date
    reason: str | None = None
