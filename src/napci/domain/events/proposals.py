"""Proposals, positions and decisions (DESIGN §4.1-§4.3).

A proposal is tabled with a typed subject; participants record positions
(which may change until the decision closes); the decision records the
procedure, who joined the consensus, the statements attached, and for whom an
adoption at a meeting is still provisional.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from napci.domain.events.agenda import checked_changes
from napci.domain.events.base import Event, register
from napci.domain.rules_of_procedure import changes_schema
from napci.domain.values import (
    MAX_TEXT,
    STORABLE,
    STORABLE_SCHEMA,
    ActorCode,
    LocalizedText,
    Ref,
    TrackCategory,
    TrackCode,
)

__all__ = [
    "AddTrack",
    "AdmitObserver",
    "AdoptDocument",
    "AmendRules",
    "AttachedStatement",
    "DecisionAdopted",
    "DecisionConfirmed",
    "DeclarePhase",
    "LaunchMechanism",
    "PositionKind",
    "PositionRecorded",
    "ProposalKind",
    "ProposalNotAdopted",
    "ProposalSubject",
    "ProposalTabled",
    "ProposalWithdrawn",
    "ProvisionalAdoptionUndone",
    "SilenceProcedureStarted",
    "Violation",
    "WidenProject",
]

PositionKind = Literal["support", "no-objection", "objection", "amendment"]
ProposalKind = Literal[
    "add-track",
    "admit-observer",
    "adopt-document",
    "launch-mechanism",
    "widen-project",
    "amend-rules",
    "declare-phase",
    "violation",
]


class _Subject(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AddTrack(_Subject):
    """Put a new issue track on the agenda."""

    kind: Literal["add-track"] = "add-track"
    track: TrackCode
    name: LocalizedText
    category: TrackCategory


class AdmitObserver(_Subject):
    """Grant an organisation or institute observer status."""

    kind: Literal["admit-observer"] = "admit-observer"
    code: ActorCode


class AdoptDocument(_Subject):
    """Adopt a recognition or vision document (a chair's statement needs none)."""

    kind: Literal["adopt-document"] = "adopt-document"
    document: Ref


class LaunchMechanism(_Subject):
    """Create a new process of dialogue, or widen an existing mechanism."""

    kind: Literal["launch-mechanism"] = "launch-mechanism"
    mechanism: Ref
    name: LocalizedText
    tracks: tuple[TrackCode, ...] = Field(min_length=1, max_length=32)
    members: tuple[ActorCode, ...] = Field(min_length=2, max_length=64)
    widens: Ref | None = None


class WidenProject(_Subject):
    """Widen a project's scope to further issue tracks."""

    kind: Literal["widen-project"] = "widen-project"
    project: Ref
    tracks: tuple[TrackCode, ...] = Field(min_length=1, max_length=32)


class AmendRules(_Subject):
    """Change named parameters of the rules of procedure."""

    kind: Literal["amend-rules"] = "amend-rules"
    changes: Annotated[
        dict[str, bool | int | float | str], WithJsonSchema(changes_schema())
    ] = Field(min_length=1)

    _check = field_validator("changes")(checked_changes)


class DeclarePhase(_Subject):
    """Declare that the road-map has reached a phase."""

    kind: Literal["declare-phase"] = "declare-phase"
    phase: int = Field(ge=1, le=4)


class Violation(_Subject):
    """Find a participant in clear, gross, uncorrected violation of its commitments."""

    kind: Literal["violation"] = "violation"
    concerned: ActorCode
    commitment: Ref | None = None
    finding: Annotated[
        str, Field(min_length=1, max_length=MAX_TEXT), STORABLE, STORABLE_SCHEMA
    ]


ProposalSubject = Annotated[
    AddTrack
    | AdmitObserver
    | AdoptDocument
    | LaunchMechanism
    | WidenProject
    | AmendRules
    | DeclarePhase
    | Violation,
    Field(discriminator="kind"),
]


@register
class ProposalTabled(Event):
    """A proposal was tabled for decision by consensus."""

    proposal: Ref
    title: LocalizedText
    subject: ProposalSubject
    tabled_by: ActorCode
    tabled_on: date
    meeting: Ref | None = Field(
        default=None, description="the meeting at which it is to be decided"
    )
    tracks: tuple[TrackCode, ...] = ()


@register
class SilenceProcedureStarted(Event):
    """A proposal was put under the silence procedure until a deadline."""

    proposal: Ref
    started_on: date
    deadline: date


@register
class PositionRecorded(Event):
    """An actor recorded (or changed) its position on a proposal."""

    proposal: Ref
    code: ActorCode
    position: PositionKind
    recorded_on: date
    statement: str | None = Field(
        default=None, description="an interpretative statement"
    )
    reservation: str | None = None
    amendment: str | None = Field(
        default=None, description="the amended text, with position 'amendment'"
    )


class AttachedStatement(BaseModel):
    """An interpretative statement or reservation attached to a decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: ActorCode
    kind: Literal["interpretative-statement", "reservation"]
    text: str = Field(min_length=1)


@register
class DecisionAdopted(Event):
    """A proposal was adopted by consensus (or by consensus minus one)."""

    proposal: Ref
    adopted_on: date
    procedure: Literal["meeting", "silence"]
    joined: tuple[ActorCode, ...] = Field(
        description="participants who joined the consensus"
    )
    provisional_for: tuple[ActorCode, ...] = Field(
        default=(),
        description="absent participants for whom the adoption stays provisional",
    )
    provisional_until: date | None = None
    statements: tuple[AttachedStatement, ...] = ()
    disregarded_objection_of: ActorCode | None = Field(
        default=None,
        description="consensus minus one: the concerned participant",
    )
    observers: tuple[ActorCode, ...] = Field(
        default=(), description="observers whose positions were recorded"
    )


@register
class DecisionConfirmed(Event):
    """A provisional adoption became final when its silence period passed."""

    proposal: Ref
    confirmed_on: date


@register
class ProvisionalAdoptionUndone(Event):
    """An absent participant's objection or amendment undid a provisional adoption."""

    proposal: Ref
    undone_on: date
    objected_by: tuple[ActorCode, ...] = Field(
        min_length=1,
        description="the absent participants whose objection or amendment undid it",
    )
    reason: Literal["objection", "amendment"] | None = Field(
        default=None,
        description="an objection, or an amendment (which undoes it as an "
        "objection does); absent in entries written before amendments undid "
        "adoptions, which were objections",
    )


@register
class ProposalNotAdopted(Event):
    """A proposal was not adopted: a participant objected or broke the silence."""

    proposal: Ref
    closed_on: date
    reason: Literal["objection", "amendment", "silence-broken"]
    by: tuple[ActorCode, ...] = Field(min_length=1)


@register
class ProposalWithdrawn(Event):
    """The proposer withdrew a proposal before it was decided."""

    proposal: Ref
    withdrawn_on: date
    by: ActorCode
