"""Deciding a proposal: consensus, silence, consensus minus one (DESIGN §4.1-§4.4a).

A proposal is adopted when no participant who decides objects (abstention is
silence, observers never block), found not adopted otherwise, adopted
provisionally for participants who were absent, and confirmed when their
provisional period ends without objection. Rules: ``consensus``,
``silence``, ``provisional-adoption``, ``consensus-minus-one``,
``chair-statement``, ``own-act``. Tabling and positions are in
:mod:`~napci.domain.procedure.proposals` and
:mod:`~napci.domain.procedure.positions`; who decides, in
:mod:`~napci.domain.procedure.consensus`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from napci.domain.events import (
    AttachedStatement,
    DecisionAdopted,
    DecisionConfirmed,
    MechanismRegistered,
    MechanismWidened,
    ObserverAdmitted,
    ProjectScopeWidened,
    ProposalNotAdopted,
    ProvisionalAdoptionUndone,
    RulesAmended,
    TrackAdded,
)
from napci.domain.procedure.base import (
    Context,
    Emit,
    ask_secretariat,
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
    check_not_future,
)
from napci.domain.process import DecisionView, Position
from napci.domain.registry import Registry

__all__ = [
    "Decide",
    "decide",
]


@dataclass(frozen=True, slots=True)
class Decide:
    """Close a proposal: adopt it, find it not adopted, or confirm an adoption."""

    proposal: str
    at: date
    by: str


@dataclass(slots=True)
class _Outcome:
    joined: list[str] = field(default_factory=list)
    statements: list[AttachedStatement] = field(default_factory=list)
    observers: list[str] = field(default_factory=list)


def _statements(
    reg: Registry, positions: dict[str, Position], deciders: set[str]
) -> _Outcome:
    """The statements attached and the observers who spoke, from the
    positions as they stood on the day of the decision.

    Only the deciders' interpretative statements and reservations are
    attached to an adoption: an observer's are recorded with its position,
    and it is listed among the observers who spoke.
    """
    outcome = _Outcome()
    for code, position in sorted(positions.items()):
        if code not in deciders:
            if "observer" in reg.actors[code].roles:
                outcome.observers.append(code)
            continue
        if position.statement:
            outcome.statements.append(
                AttachedStatement(
                    code=code, kind="interpretative-statement", text=position.statement
                )
            )
        if position.reservation:
            outcome.statements.append(
                AttachedStatement(
                    code=code, kind="reservation", text=position.reservation
                )
            )
    return outcome


def _blocking(
    decision: DecisionView, positions: dict[str, Position], deciders: set[str]
) -> list[str]:
    """The deciders whose position blocks (consensus minus one apart)."""
    return sorted(
        c
        for c, p in positions.items()
        if c in deciders and p.position in BLOCKING and not ignored(decision, c)
    )


def _disregarded(decision: DecisionView, positions: dict[str, Position]) -> str | None:
    """Consensus minus one: the concerned participant, if its position blocks."""
    if decision.kind != "violation":
        return None
    concerned = str(decision.subject.get("concerned"))
    position = positions.get(concerned)
    return concerned if position is not None and position.position in BLOCKING else None


def decide(cmd: Decide, ctx: Context) -> list[Emit]:
    """Run the consensus (or silence) procedure on a proposal at a date.

    A decision dated ``at`` counts what the record showed on that day: each
    position as it stood then (``DecisionView.positions_on``), the
    participants (or a project's members) then, and the attendance recorded
    by then. Nothing dated after a decision may cause it.
    """
    reg = ctx.registry
    decision = proposal_of(ctx, cmd.proposal)
    chair = None
    if decision.meeting is not None and decision.meeting in reg.meetings:
        chair = reg.meetings[decision.meeting].chair
    ctx.require_facilitator_or(
        cmd.by,
        "facilitator",
        f"{cmd.by} cannot close {cmd.proposal}: the facilitator or the chair does",
        "close it",
        ask_secretariat("close it", chair=chair),
        chair=chair,
    )
    check_not_future(ctx, cmd.at, "the decision")
    not_before_tabling(decision, cmd.at, "the decision")
    rules = ctx.rules(cmd.at)
    if decision.outcome == "provisional":
        assert decision.provisional_until is not None
        require(
            cmd.at > decision.provisional_until,
            "provisional-adoption",
            f"{cmd.proposal} stays provisional for "
            f"{', '.join(decision.provisional_for)} until "
            f"{decision.provisional_until.isoformat()}",
            "Decide again after that day to confirm it.",
        )
        lapsed = _lapsed(decision, cmd.by)
        if lapsed is not None:
            return [lapsed]
        confirmed = Emit(
            DecisionConfirmed(proposal=cmd.proposal, confirmed_on=cmd.at),
            cmd.at,
            cmd.by,
        )
        return [confirmed, *_consequences(reg, decision, cmd.at, cmd.by)]
    require(
        decision.outcome == "open",
        "consensus",
        f"{cmd.proposal} is closed ({decision.outcome})",
        "A decision is taken once; a new proposal can reopen the question.",
    )
    if decision.silence_deadline is not None:
        return _decide_silence(reg, decision, cmd)
    require(
        decision.meeting is not None,
        "consensus",
        f"{cmd.proposal} is neither tabled at a meeting nor under silence",
        "Put it under the silence procedure or table it at a meeting.",
    )
    assert decision.meeting is not None
    meeting = reg.meetings[decision.meeting]
    require(
        meeting.status == "held" and meeting.starts_on <= cmd.at,
        "consensus",
        f"meeting {decision.meeting} has not been held",
        "Decide at the meeting once it is held (record it as held).",
    )
    deciders = deciders_of(reg, decision, cmd.at)
    positions = decision.positions_on(cmd.at)
    blockers = _blocking(decision, positions, deciders)
    if blockers:
        objecting = [c for c in blockers if positions[c].position == "objection"]
        reason = "objection" if objecting else "amendment"
        event = ProposalNotAdopted(
            proposal=cmd.proposal,
            closed_on=cmd.at,
            reason=reason,
            by=tuple(objecting or blockers),
        )
        return [Emit(event, cmd.at, cmd.by)]
    # Provisional periods are for the deciders absent from a meeting they
    # could have attended: those who took part on the meeting's day. A state
    # that joined after the meeting decides (its objection blocks) but is
    # neither among those who joined nor among those it is provisional for.
    could_attend = deciders & deciders_of(reg, decision, meeting.starts_on)
    attended = meeting.attended_on(cmd.at)
    present = could_attend & attended
    absent = sorted(could_attend - attended)
    outcome = _statements(reg, positions, deciders)
    disregarded = _disregarded(decision, positions)
    if decision.kind == "violation":
        concerned = str(decision.subject.get("concerned"))
        present.discard(concerned)
        absent = [c for c in absent if c != concerned]
    until = None
    if absent:
        until = cmd.at + timedelta(days=rules.whole("procedure.silence_days"))
    adopted = DecisionAdopted(
        proposal=cmd.proposal,
        adopted_on=cmd.at,
        procedure="meeting",
        joined=tuple(sorted(present)),
        provisional_for=tuple(absent),
        provisional_until=until,
        statements=tuple(outcome.statements),
        disregarded_objection_of=disregarded,
        observers=tuple(outcome.observers),
    )
    out = [Emit(adopted, cmd.at, cmd.by)]
    if not absent:
        out.extend(_consequences(reg, decision, cmd.at, cmd.by))
    return out


def _lapsed(decision: DecisionView, by: str) -> Emit | None:
    """A provisional adoption that an absent participant's objection or
    amendment within the silence period undid, though the record holds no
    ``ProvisionalAdoptionUndone`` (an amendment recorded before amendments
    undid adoptions): the undoing, dated the first such position."""
    assert decision.provisional_until is not None
    stood = decision.positions_on(decision.provisional_until)
    blocking = [
        stood[c]
        for c in decision.provisional_for
        if c in stood and stood[c].position in BLOCKING
    ]
    if not blocking:
        return None
    first = min(p.recorded_on for p in blocking)
    objecting = any(p.position == "objection" for p in blocking)
    event = ProvisionalAdoptionUndone(
        proposal=decision.proposal,
        undone_on=first,
        objected_by=tuple(sorted(p.code for p in blocking)),
        reason="objection" if objecting else "amendment",
    )
    return Emit(event, first, by)


def _decide_silence(reg: Registry, decision: DecisionView, cmd: Decide) -> list[Emit]:
    """The silence procedure, judged on its deadline: the positions, the
    participants (or members) as they stood on that day."""
    assert decision.silence_deadline is not None
    deadline = decision.silence_deadline
    # The deadline day belongs to the participants: an objection dated on it
    # still breaks the silence, so the silence is judged only after it.
    require(
        cmd.at > deadline,
        "silence",
        f"{cmd.proposal} is under silence until {deadline.isoformat()}, the "
        "deadline day included",
        f"Decide after the deadline day, from "
        f"{(deadline + timedelta(days=1)).isoformat()}"
        "; an adoption is dated the deadline.",
    )
    deciders = deciders_of(reg, decision, deadline)
    positions = decision.positions_on(deadline)
    breakers = _blocking(decision, positions, deciders)
    if breakers:
        event = ProposalNotAdopted(
            proposal=cmd.proposal,
            closed_on=deadline,
            reason="silence-broken",
            by=tuple(breakers),
        )
        return [Emit(event, deadline, cmd.by)]
    outcome = _statements(reg, positions, deciders)
    disregarded = _disregarded(decision, positions)
    joined = set(deciders)
    if decision.kind == "violation":
        joined.discard(str(decision.subject.get("concerned")))
    adopted = DecisionAdopted(
        proposal=cmd.proposal,
        adopted_on=deadline,
        procedure="silence",
        joined=tuple(sorted(joined)),
        statements=tuple(outcome.statements),
        disregarded_objection_of=disregarded,
        observers=tuple(outcome.observers),
    )
    return [
        Emit(adopted, deadline, cmd.by),
        *_consequences(reg, decision, deadline, cmd.by),
    ]


def _consequences(
    reg: Registry, decision: DecisionView, on: date, by: str
) -> list[Emit]:
    """The events an adoption brings about, once it is final."""
    subject = decision.subject
    kind = decision.kind
    ref = decision.proposal
    if kind == "add-track":
        event: Any = TrackAdded(
            code=subject["track"],
            name=subject["name"],
            category=subject["category"],
            added_on=on,
            decision=ref,
        )
    elif kind == "admit-observer":
        event = ObserverAdmitted(code=subject["code"], admitted_on=on, decision=ref)
    elif kind == "launch-mechanism":
        widens = subject.get("widens")
        if widens is not None and widens == subject["mechanism"]:
            event = MechanismWidened(
                mechanism=widens, widened_on=on, added_members=tuple(subject["members"])
            )
        else:
            event = MechanismRegistered(
                mechanism=subject["mechanism"],
                acronym=subject["mechanism"].upper(),
                name=subject["name"],
                kind="process",
                agenda=subject["name"],
                tracks=tuple(subject["tracks"]),
                members=tuple(subject["members"]),
                member_count=len(subject["members"]),
                relation="created by decision " + ref,
                established_on=on,
                widens=widens,
            )
    elif kind == "widen-project":
        event = ProjectScopeWidened(
            project=subject["project"],
            tracks=tuple(subject["tracks"]),
            widened_on=on,
            decision=ref,
        )
    elif kind == "amend-rules":
        event = RulesAmended(changes=subject["changes"], effective_on=on, decision=ref)
    else:  # adopt-document, declare-phase, violation: the adoption is the fact
        return []
    return [Emit(event, on, by)]
