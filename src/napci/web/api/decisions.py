"""Commands on proposals: table, silence, positions (signed), decide, withdraw.

Positions go through :mod:`napci.services.signed`: a delegation that
registered its own key must sign its positions (rule ``signature``); it gets
the exact bytes to sign from ``POST /proposals/{id}/positions/draft``.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import ConfigDict, Field

from napci.domain.envelope import EventDraft
from napci.domain.events.proposals import PositionKind, ProposalSubject
from napci.domain.procedure import (
    Decide,
    RecordPosition,
    Refusal,
    StartSilence,
    TableProposal,
    WithdrawProposal,
)
from napci.domain.values import ActorCode, Ref, TrackCode
from napci.services.signed import draft_position, record_position
from napci.web.api.acting import (
    COMMAND,
    Acting,
    ActingFor,
    Body,
    On,
    RefPath,
    day,
    result_of,
    run,
    writable,
)
from napci.web.api.common import Day, Text, Title, problems
from napci.web.api.models import CommandResult, PositionDraft
from napci.web.deps import State
from napci.web.state import WebState

__all__ = ["router"]

router = APIRouter(tags=["proposals"])

KeyId = Annotated[
    str,
    Field(
        pattern=r"^ed25519:[0-9a-f]{16}$",
        description="the signing key's id, e.g. ed25519:0123456789abcdef",
    ),
]


class TableBody(Body):
    """A proposal to decide by consensus."""

    proposal: Ref
    title: Title
    subject: ProposalSubject
    meeting: Ref | None = Field(
        default=None, description="the meeting at which it is to be decided"
    )
    tracks: Annotated[list[TrackCode], Field(max_length=32)] = Field(
        default_factory=list
    )
    on: On = None


@router.post("/proposals", summary="Table a proposal", **COMMAND)
def table(body: TableBody, who: ActingFor, state: State) -> CommandResult:
    """Participants (the facilitator among them) table proposals; observers
    speak but do not table (rule observer). A hard track waits for phase 3
    and the trust threshold (rule gradual-agenda)."""
    return run(
        state,
        who,
        TableProposal(
            proposal=body.proposal,
            title=body.title,
            subject=body.subject.model_dump(mode="json"),
            on=day(body.on, state),
            by=who.actor,
            meeting=body.meeting,
            tracks=tuple(body.tracks),
        ),
    )


class SilenceBody(Body):
    """The silence procedure's deadline."""

    deadline: Day
    on: On = None


@router.post(
    "/proposals/{proposal}/silence",
    summary="Put a proposal under the silence procedure",
    **COMMAND,
)
def silence(
    proposal: RefPath, body: SilenceBody, who: ActingFor, state: State
) -> CommandResult:
    """The facilitator or the proposer starts it; the proposal is adopted when
    the deadline passes with no objection and no amendment."""
    return run(
        state,
        who,
        StartSilence(
            proposal=proposal,
            deadline=body.deadline,
            on=day(body.on, state),
            by=who.actor,
        ),
    )


class PositionFields(Body):
    """A position on a proposal."""

    position: PositionKind
    code: ActorCode | None = Field(
        default=None, description="whose position: the caller's actor by default"
    )
    statement: Text | None = Field(
        default=None, description="an interpretative statement"
    )
    reservation: Text | None = None
    amendment: Text | None = Field(
        default=None, description="the amended text, with position 'amendment'"
    )
    on: On = None
    event_id: uuid.UUID | None = Field(
        default=None,
        description="the event's id (from the draft, for a signed position)",
    )
    signer: KeyId | None = Field(
        default=None,
        description="the key that signs: one of the delegation's own keys (by "
        "default the one it confirmed last)",
    )


class PositionBody(PositionFields):
    """A position, signed when the delegation has a registered key: then
    ``event_id``, ``signer`` and ``signature`` come together (from a draft)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {
                    "properties": {
                        "signer": {"type": "null"},
                        "signature": {"type": "null"},
                    }
                },
                {
                    "required": ["event_id", "signer", "signature"],
                    "properties": {
                        "event_id": {"not": {"type": "null"}},
                        "signer": {"not": {"type": "null"}},
                        "signature": {"not": {"type": "null"}},
                    },
                },
            ]
        },
    )

    signature: (
        Annotated[
            str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9+/]+={0,2}$")
        ]
        | None
    ) = Field(
        default=None,
        description="base64 Ed25519 signature over the draft's signing bytes",
    )


def _command(body: PositionFields, proposal: str, who: Acting, state: WebState) -> Any:
    return RecordPosition(
        proposal=proposal,
        code=body.code or who.actor,
        position=body.position,
        on=day(body.on, state),
        by=who.actor,
        statement=body.statement,
        reservation=body.reservation,
        amendment=body.amendment,
    )


@router.post(
    "/proposals/{proposal}/positions",
    summary="Record a position (signed)",
    status_code=201,
    response_model=CommandResult,
    responses={
        200: {
            "model": CommandResult,
            "description": "The same signed position again: nothing new recorded",
        },
        **problems(401, 403, 409, 422, 503),
    },
    dependencies=[Depends(writable)],
)
def position(
    proposal: RefPath,
    body: PositionBody,
    who: ActingFor,
    state: State,
    response: Response,
) -> CommandResult:
    """An actor records (or changes) its own position (rule own-act). A
    participant's objection or amendment blocks consensus; an observer's never
    does. With ``signer``, ``signature`` and ``event_id`` from the draft, the
    position is recorded with its signature, verified against the registered
    key; a delegation with a key must sign (rule signature)."""
    result = record_position(
        state.platform,
        _command(body, proposal, who, state),
        principal=who.principal.label,
        event_id=None if body.event_id is None else str(body.event_id),
        signer=body.signer,
        signature=body.signature,
        secretariat=who.secretariat,
        clearance=who.principal.clearance,
    )
    if not result.recorded:
        response.status_code = 200
    return result_of(result)


@router.post(
    "/proposals/{proposal}/positions/draft",
    summary="The exact bytes to sign for a position",
    response_model=PositionDraft,
    responses=problems(401, 403, 409, 422, 503),
)
def position_draft(
    proposal: RefPath, body: PositionFields, who: ActingFor, state: State
) -> PositionDraft:
    """Judge the position as ``.../positions`` would and return the event it
    would record, unsigned: sign ``signing_bytes_b64`` (decoded) with the
    delegation's Ed25519 key and post ``body`` with ``signature`` added.
    Nothing is appended."""
    event_id = str(body.event_id or EventDraft.new_id())
    command = _command(body, proposal, who, state)
    drafts = draft_position(
        state.platform,
        command,
        event_id=event_id,
        signer=body.signer,
        secretariat=who.secretariat,
        clearance=who.principal.clearance,
    )
    signer = body.signer
    if signer is None:
        if not drafts.keys:
            raise Refusal(
                "signature",
                f"{command.code} has no signing key of its own",
                f"Make one with 'napci keys new {command.code}' and submit its "
                "request with your own token (POST /api/v1/keys), or post the "
                "position unsigned.",
            )
        # With several keys, the one the delegation confirmed last signs
        # unless the body names another.
        signer = drafts.keys[-1]
    draft = replace(drafts.position, signer=signer)
    sent = {
        "position": command.position,
        "code": command.code,
        "on": command.on.isoformat(),
        "statement": command.statement,
        "reservation": command.reservation,
        "amendment": command.amendment,
        "event_id": event_id,
        "signer": signer,
    }
    return PositionDraft(
        event_id=draft.id,
        type=draft.type,
        version=draft.version,
        occurred_at=draft.occurred_at,
        actor=str(draft.actor),
        classification=draft.classification,
        signer=signer,
        payload=json.loads(draft.payload_json),
        signing_bytes_b64=base64.b64encode(draft.signing_bytes()).decode("ascii"),
        body={k: v for k, v in sent.items() if v is not None},
    )


class DecideBody(Body):
    """When the decision is taken."""

    at: Day | None = Field(default=None, description="today by default")


@router.post(
    "/proposals/{proposal}/decide",
    summary="Close a proposal: adopt, not adopt, or confirm",
    **COMMAND,
)
def decide(
    proposal: RefPath, who: ActingFor, state: State, body: DecideBody | None = None
) -> CommandResult:
    """The facilitator (or the meeting's chair) runs the consensus or silence
    procedure: adopted unless a participant objects; provisional for the
    absent until the silence period passes."""
    at = day((body or DecideBody()).at, state)
    return run(state, who, Decide(proposal=proposal, at=at, by=who.actor))


class WithdrawBody(Body):
    """When the proposal is withdrawn."""

    on: On = None


@router.post(
    "/proposals/{proposal}/withdraw",
    summary="The proposer withdraws its proposal",
    **COMMAND,
)
def withdraw(
    proposal: RefPath, who: ActingFor, state: State, body: WithdrawBody | None = None
) -> CommandResult:
    """Only the proposer withdraws, and only while the proposal is open."""
    on = day((body or WithdrawBody()).on, state)
    return run(state, who, WithdrawProposal(proposal=proposal, on=on, by=who.actor))
