"""Who takes part, and in which role (DESIGN §2: registry and roles)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from napci.domain.events.base import Event, register
from napci.domain.values import ActorCode, ActorKind, Layer, LocalizedText, Ref

__all__ = [
    "ActorInvited",
    "ActorJoined",
    "ActorRegistered",
    "ActorWithdrew",
    "ObserverAdmitted",
    "Role",
    "RoleAssigned",
    "RoleRelinquished",
]

Role = Literal["facilitator", "observer"]


@register
class ActorRegistered(Event):
    """A state, organisation or institute was entered in the registry."""

    code: ActorCode
    name: LocalizedText
    kind: ActorKind
    layer: Layer = Field(
        default="track-1",
        description="track-1 for governments, track-1.5/track-2 for institutes",
    )
    region: str | None = Field(default=None, description="e.g. 'northeast-asia'")
    prospective_participant: bool = Field(
        default=False,
        description="one of the states the initiative begins with, who join "
        "by their own notification (open participation)",
    )


@register
class ActorInvited(Event):
    """An actor was invited to take part in the initiative."""

    code: ActorCode
    invited_on: date
    invited_by: ActorCode | None = None
    note: str | None = None


@register
class ActorJoined(Event):
    """An actor notified that it takes part (open participation: no one can veto it)."""

    code: ActorCode
    joined_on: date


@register
class ActorWithdrew(Event):
    """A participant notified that it no longer takes part."""

    code: ActorCode
    withdrew_on: date
    reason: str | None = None


@register
class ObserverAdmitted(Event):
    """An organisation or institute was granted observer status by consensus."""

    code: ActorCode
    admitted_on: date
    decision: Ref | None = Field(
        default=None,
        description="the proposal whose adoption granted it; none for the "
        "founding observers named in the initiative's concept",
    )


@register
class RoleAssigned(Event):
    """An actor took on a role in the process, such as facilitator."""

    code: ActorCode
    role: Role
    assigned_on: date
    decision: Ref | None = None


@register
class RoleRelinquished(Event):
    """An actor gave up a role it held."""

    code: ActorCode
    role: Role
    relinquished_on: date
    reason: str | None = None
