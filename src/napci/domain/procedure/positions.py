"""A participant's or an observer's position on a proposal (DESIGN §4.1-§4.4a).

Consensus is the absence of any objection expressed by a participant: no
votes are counted and abstention is silence. Observers' positions are
recorded and never block. Rules: ``consensus``, ``silence``, ``own-act``,
``observer``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from napci.domain.events import (
    PositionRecorded,
    ProposalNotAdopted,
    ProvisionalAdoptionUndone,
)
from napci.domain.procedure.base import (
    Context,
    Emit,
    require,
)
from napci.domain.procedure.consensus import (
    BLOCKING,
    deciders_of,
    ignored,
    not_before_tabling,
    proposal_of,
)
from napci.domain.procedure.participation import (
    check_actor,
    check_not_future,
)

__all__ = [
    "RecordPosition",
    "record_position",
]


@dataclass(frozen=True, slots=True)
class RecordPosition:
    """An actor records or changes its position on a proposal."""

    proposal: str
    code: str
    position: str
    on: date
    by: str
    statement: str | None = None
    reservation: str | None = None
    amendment: str | None = None


def record_position(cmd: RecordPosition, ctx: Context) -> list[Emit]:
    """Record a position; it may break a silence or undo a provisional adoption."""
    reg = ctx.registry
    decision = proposal_of(ctx, cmd.proposal)
    check_actor(reg, cmd.code)
    ctx.require_own_act(cmd.by, cmd.code, "record a position")
    actor = reg.actors[cmd.code]
    deciders = deciders_of(reg, decision, cmd.on)
    if decision.kind == "widen-project":
        require(
            cmd.code in deciders or "observer" in actor.roles,
            "members-consent",
            f"{cmd.code} is not a member of project "
            f"{decision.subject.get('project')}: widening a project is for its "
            "members to decide",
            "Join the project first, by your own act.",
        )
    require(
        cmd.code in deciders or "observer" in actor.roles,
        "consensus",
        f"{cmd.code} is neither a participant nor an observer",
        f"Positions are the participants' and the observers': {cmd.code} takes "
        "one once it joins (one of the seven states) or is admitted as an "
        "observer.",
    )
    not_before_tabling(decision, cmd.on, "the position")
    if decision.outcome == "open" and decision.silence_deadline is not None:
        require(
            cmd.on <= decision.silence_deadline,
            "silence",
            f"the silence on {cmd.proposal} ended on "
            f"{decision.silence_deadline.isoformat()}; silence was consent",
            "Decide the proposal; a new proposal can reopen the question.",
        )
    if cmd.position == "amendment":
        require(
            bool(cmd.amendment),
            "consensus",
            "a position 'amendment' needs the amended text",
            "Give the amended text (--amendment).",
        )
    if decision.outcome == "provisional":
        require(
            cmd.code in decision.provisional_for,
            "provisional-adoption",
            f"{cmd.proposal} was adopted; only {', '.join(decision.provisional_for)}, "
            "absent when it was, may still object",
            "The others took part in the adoption; a new proposal can reopen the "
            "question.",
        )
        assert decision.provisional_until is not None
        assert decision.decided_on is not None
        require(
            cmd.on <= decision.provisional_until,
            "provisional-adoption",
            f"the silence period for {cmd.proposal} ended on "
            f"{decision.provisional_until.isoformat()}",
            "Silence was consent: decide it again to confirm it; a new proposal "
            "can reopen the question.",
        )
        require(
            cmd.on >= decision.decided_on,
            "provisional-adoption",
            f"{cmd.proposal} was adopted on {decision.decided_on.isoformat()}; a "
            f"position dated {cmd.on.isoformat()} would have counted in the "
            "adoption itself",
            f"Date it within the silence period, from "
            f"{decision.decided_on.isoformat()} to "
            f"{decision.provisional_until.isoformat()}.",
        )
    else:
        require(
            decision.outcome == "open",
            "consensus",
            f"{cmd.proposal} is closed ({decision.outcome})",
            "A position can change only until the decision closes.",
        )
    check_not_future(ctx, cmd.on, "the position")
    event = PositionRecorded(
        proposal=cmd.proposal,
        code=cmd.code,
        position=cmd.position,
        recorded_on=cmd.on,
        statement=cmd.statement,
        reservation=cmd.reservation,
        amendment=cmd.amendment,
    )
    out = [Emit(event, cmd.on, cmd.code)]
    blocking = cmd.code in deciders and cmd.position in BLOCKING
    if decision.outcome == "provisional" and cmd.position in BLOCKING:
        # An amendment undoes a provisional adoption as an objection does: for
        # the absent participant the meeting's decision is under silence.
        out.append(
            Emit(
                ProvisionalAdoptionUndone(
                    proposal=cmd.proposal,
                    undone_on=cmd.on,
                    objected_by=(cmd.code,),
                    reason=cmd.position,
                ),
                cmd.on,
                cmd.code,
            )
        )
    elif (
        blocking
        and decision.silence_deadline is not None
        and cmd.on <= decision.silence_deadline
        and not ignored(decision, cmd.code)
    ):
        out.append(
            Emit(
                ProposalNotAdopted(
                    proposal=cmd.proposal,
                    closed_on=cmd.on,
                    reason="silence-broken",
                    by=(cmd.code,),
                ),
                cmd.on,
                cmd.code,
            )
        )
    return out
