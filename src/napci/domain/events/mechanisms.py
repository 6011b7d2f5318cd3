"""Existing mechanisms for cooperation (DESIGN §2, §4.5)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from napci.domain.events.base import Event, register
from napci.domain.values import ActorCode, DatePrecision, LocalizedText, Ref, TrackCode

__all__ = ["MechanismKind", "MechanismRegistered", "MechanismWidened"]

MechanismKind = Literal[
    "process",
    "security",
    "comprehensive",
    "economic",
    "functional",
]


@register
class MechanismRegistered(Event):
    """A mechanism for cooperation was registered, with its agenda and members."""

    mechanism: Ref
    acronym: str = Field(min_length=1)
    name: LocalizedText
    kind: MechanismKind
    agenda: LocalizedText
    tracks: tuple[TrackCode, ...] = Field(
        default=(), description="the issue tracks of the initiative it covers"
    )
    members: tuple[ActorCode, ...] = Field(
        default=(), description="its members among the actors in the registry"
    )
    member_count: int | None = Field(
        default=None, ge=1, description="all its members, registered or not"
    )
    other_members: str | None = Field(
        default=None, description="members outside the registry, in words"
    )
    relation: str | None = Field(
        default=None, description="how it stands to the initiative"
    )
    established_on: date | None = None
    date_precision: DatePrecision = "day"
    widens: Ref | None = Field(default=None, description="the mechanism it extends")


@register
class MechanismWidened(Event):
    """A mechanism took in new members or tracks, or was revitalised."""

    mechanism: Ref
    widened_on: date
    date_precision: DatePrecision = "day"
    added_members: tuple[ActorCode, ...] = ()
    added_tracks: tuple[TrackCode, ...] = ()
    action: Literal["widen", "revitalise"] = "widen"
    note: str | None = None
