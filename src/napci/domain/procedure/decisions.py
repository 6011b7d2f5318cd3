"""Proposals and decisions: consensus, silence, consensus minus one (DESIGN §4.1-§4.4a).

Consensus is the absence of any objection expressed by a participant: no
votes are counted and abstention is silence. Observers' positions are
recorded and never block. Rules: ``consensus``, ``silence``,
``provisional-adoption``, ``consensus-minus-one``, ``gradual-agenda``,
``chair-statement``, ``own-act``, ``observer``.
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
    PositionRecorded,
    ProjectScopeWidened,
    ProposalNotAdopted,
    ProposalTabled,
    ProposalWithdrawn,
    ProvisionalAdoptionUndone,
    RulesAmended,
    SilenceProcedureStarted,
    TrackAdded,
)
from napci.domain.procedure.base import (
    Context,
    Emit,
    Refusal,
    ask_secretariat,
    require,
)
from napci.domain.procedure.participation import (
    check_actor,
    check_not_future,
)
from napci.domain.process import DecisionView, Position
from napci.domain.registry import Registry

__all__ = [
    "Decide",
    "RecordPosition",
    "StartSilence",
    "TableProposal",
    "WithdrawProposal",
    "decide",
    "record_position",
    "start_silence",
    "table_proposal",
    "withdraw_proposal",
]

BLOCKING = ("objection", "amendment")


def participants_on(reg: Registry, day: date) -> set[str]:
    """Participants on ``day``: joined on or before it, not withdrawn by then
    (each time a state took part counts, a withdrawal and a return apart)."""
    return {c for c, a in reg.actors.items() if a.participant_on(day)}


def _not_before_tabling(decision: DecisionView, day: date, what: str) -> None:
    require(
        day >= decision.tabled_on,
        "consensus",
        f"{what} is dated {day.isoformat()}, before {decision.proposal} was tabled "
        f"({decision.tabled_on.isoformat()})",
        f"Date it on or after {decision.tabled_on.isoformat()}.",
    )


def _proposal(ctx: Context, proposal: str) -> DecisionView:
    """The proposal, if the caller may read it; refused as not tabled
    otherwise, in the same words whether it was never tabled or is hidden."""
    decision = ctx.registry.decisions.get(proposal)
    if decision is None or proposal not in ctx.seen().decisions:
        raise Refusal(
            "registry",
            f"proposal {proposal} has not been tabled",
            "Table it first (proposals table), or name a proposal the record holds.",
        )
    return decision


@dataclass(frozen=True, slots=True)
class TableProposal:
    """Table a proposal for decision by consensus."""

    proposal: str
    title: str
    subject: dict[str, Any]
    on: date
    by: str
    meeting: str | None = None
    tracks: tuple[str, ...] = ()


def _check_subject(cmd: TableProposal, ctx: Context) -> None:
    reg = ctx.registry
    subject = cmd.subject
    kind = subject.get("kind")
    if kind == "add-track":
        track = subject.get("track", "")
        require(
            track not in reg.tracks,
            "agenda",
            f"{track} is on the agenda already",
            "Propose a track not on the agenda yet, under a new code.",
        )
        if subject.get("category") == "hard":
            rules = ctx.rules(cmd.on)
            need_phase = rules.whole("procedure.hard_track_phase")
            need_trust = rules.number("procedure.hard_track_trust")
            gate = ctx.gate(cmd.on)
            shown = "undefined" if gate.trust is None else f"{gate.trust:.2f}"
            if gate.phase < need_phase or gate.trust is None or gate.trust < need_trust:
                missing = "; ".join(gate.missing)
                raise Refusal(
                    "gradual-agenda",
                    f'adding the hard track "{track}" needs phase {need_phase} and '
                    f"regional trust >= {need_trust}. The record shows phase "
                    f"{gate.phase} and trust {shown}",
                    ("Missing: " + missing + ".")
                    if missing
                    else f"Table it once the road-map is at phase {need_phase} "
                    f"and the regional trust index at least {need_trust} "
                    "(napci status, napci trust).",
                )
    elif kind == "admit-observer":
        code = subject.get("code", "")
        check_actor(reg, code)
        actor = reg.actors[code]
        require(
            actor.kind != "state" or actor.status != "participant",
            "observer",
            f"{code} is a participant",
            f"Nothing to admit: {code} decides as a participant. Propose an actor "
            "that does not take part.",
        )
        require(
            "observer" not in actor.roles,
            "observer",
            f"{code} is an observer",
            f"Nothing to admit: {code} is an observer already.",
        )
    elif kind == "adopt-document":
        name = subject.get("document", "")
        document = reg.documents.get(name) if name in ctx.seen().documents else None
        require(
            document is not None,
            "registry",
            f"document {subject.get('document')} has not been issued",
            "Issue it first.",
        )
        assert document is not None
        require(
            document["kind"] in ("recognition", "vision"),
            "chair-statement",
            f"a {document['kind']} is issued by its author alone and needs no "
            "consensus",
            "Only recognition and vision documents are adopted by consensus.",
        )
    elif kind == "widen-project":
        name = subject.get("project", "")
        project = reg.projects.get(name) if name in ctx.seen().projects else None
        require(
            project is not None and project.status == "active",
            "projects",
            f"project {subject.get('project')} is not an active project",
            "Name an active project (napci projects); a completed one is not widened.",
        )
    elif kind == "launch-mechanism":
        mechanism = subject.get("mechanism", "")
        ctx.require_new_id("mechanism", mechanism, mechanism in reg.mechanisms)
        widens = subject.get("widens")
        require(
            widens is None or widens in ctx.seen().mechanisms,
            "registry",
            f"mechanism {widens} is not in the registry",
            "Name a mechanism the registry holds (napci mechanisms), or none.",
        )
        for code in subject.get("members", ()):
            check_actor(reg, code)
    elif kind == "declare-phase":
        phase = subject.get("phase")
        # A phase that is not a number is left to the event's schema, which
        # refuses it as an invalid command.
        if isinstance(phase, int) and not isinstance(phase, bool):
            gate = ctx.gate(cmd.on)
            require(
                phase <= gate.phase,
                "road-map",
                f"the record meets phase {gate.phase}, not phase {phase}",
                "A phase is declared once the record meets its criteria.",
            )
    elif kind == "violation":
        concerned = subject.get("concerned", "")
        participants = participants_on(reg, cmd.on)
        require(
            concerned in participants,
            "consensus-minus-one",
            f"{concerned} is not a participant",
            "A finding of violation concerns a participant on the day it is "
            f"tabled: {', '.join(sorted(participants))}.",
        )
    for track in (*cmd.tracks, *subject.get("tracks", ())):
        require(
            track in reg.tracks,
            "known-track",
            f"{track} is not a track on the agenda",
            f"On the agenda: {', '.join(reg.tracks)}.",
        )


def table_proposal(cmd: TableProposal, ctx: Context) -> list[Emit]:
    """Participants (and the facilitator) table proposals; observers speak."""
    reg = ctx.registry
    ctx.require_new_id("proposal", cmd.proposal, cmd.proposal in reg.decisions)
    check_actor(reg, cmd.by)
    require(
        cmd.by in participants_on(reg, cmd.on),
        "observer",
        f"{cmd.by} is not a participant: only participants table proposals",
        "An observer may ask a participant to table it.",
    )
    if cmd.meeting is not None:
        require(
            cmd.meeting in ctx.seen().meetings
            and cmd.meeting in reg.meetings
            and reg.meetings[cmd.meeting].status != "cancelled",
            "registry",
            f"meeting {cmd.meeting} is not convened",
            "Name a meeting convened and not cancelled, or table it without a "
            "meeting and put it under silence.",
        )
    _check_subject(cmd, ctx)
    check_not_future(ctx, cmd.on, "the proposal")
    event = ProposalTabled(
        proposal=cmd.proposal,
        title={"en": cmd.title},
        subject=cmd.subject,
        tabled_by=cmd.by,
        tabled_on=cmd.on,
        meeting=cmd.meeting,
        tracks=cmd.tracks,
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class StartSilence:
    """Put a proposal under the silence procedure until a deadline."""

    proposal: str
    deadline: date
    on: date
    by: str


def start_silence(cmd: StartSilence, ctx: Context) -> list[Emit]:
    """The facilitator or the proposer starts the silence procedure."""
    decision = _proposal(ctx, cmd.proposal)
    ctx.require_facilitator_or(
        cmd.by,
        "silence",
        f"{cmd.by} cannot start the silence procedure: the facilitator or the "
        "proposer can",
        "start it",
        ask_secretariat("start it", proposer=decision.tabled_by),
        proposer=decision.tabled_by,
    )
    require(
        decision.outcome == "open",
        "silence",
        f"{cmd.proposal} is closed",
        "Only an open proposal goes under silence; a new proposal can reopen the "
        "question.",
    )
    _not_before_tabling(decision, cmd.on, "the silence procedure")
    require(
        decision.silence_deadline is None,
        "silence",
        f"{cmd.proposal} is under silence until {decision.silence_deadline}",
        "A proposal goes under silence once: decide it after the deadline day.",
    )
    require(
        cmd.deadline > cmd.on,
        "silence",
        "the silence deadline must come after the day it starts",
        f"Set a deadline after {cmd.on.isoformat()}.",
    )
    check_not_future(ctx, cmd.on, "the silence procedure")
    event = SilenceProcedureStarted(
        proposal=cmd.proposal, started_on=cmd.on, deadline=cmd.deadline
    )
    return [Emit(event, cmd.on, cmd.by)]


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


def _deciders(reg: Registry, decision: DecisionView, day: date) -> set[str]:
    """Whose objection blocks on ``day``: participants, or a project's members."""
    if decision.kind == "widen-project":
        project = reg.projects.get(decision.subject.get("project", ""))
        return project.members_on(day) if project is not None else set()
    return participants_on(reg, day)


def record_position(cmd: RecordPosition, ctx: Context) -> list[Emit]:
    """Record a position; it may break a silence or undo a provisional adoption."""
    reg = ctx.registry
    decision = _proposal(ctx, cmd.proposal)
    check_actor(reg, cmd.code)
    ctx.require_own_act(cmd.by, cmd.code, "record a position")
    actor = reg.actors[cmd.code]
    deciders = _deciders(reg, decision, cmd.on)
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
    _not_before_tabling(decision, cmd.on, "the position")
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
        and not _ignored(decision, cmd.code)
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


def _ignored(decision: DecisionView, code: str) -> bool:
    """Consensus minus one: the concerned participant's objection does not count."""
    return decision.kind == "violation" and decision.subject.get("concerned") == code


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
        if c in deciders and p.position in BLOCKING and not _ignored(decision, c)
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
    decision = _proposal(ctx, cmd.proposal)
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
    _not_before_tabling(decision, cmd.at, "the decision")
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
    deciders = _deciders(reg, decision, cmd.at)
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
    could_attend = deciders & _deciders(reg, decision, meeting.starts_on)
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
    deciders = _deciders(reg, decision, deadline)
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


@dataclass(frozen=True, slots=True)
class WithdrawProposal:
    """The proposer withdraws an open proposal."""

    proposal: str
    on: date
    by: str


def withdraw_proposal(cmd: WithdrawProposal, ctx: Context) -> list[Emit]:
    """Only the proposer withdraws, and only while the proposal is open."""
    decision = _proposal(ctx, cmd.proposal)
    require(
        cmd.by == decision.tabled_by,
        "own-act",
        f"only {decision.tabled_by}, who tabled {cmd.proposal}, can withdraw it",
        f"Ask {decision.tabled_by} to withdraw it, or record an objection.",
    )
    require(
        decision.outcome == "open",
        "consensus",
        f"{cmd.proposal} is closed",
        "Only an open proposal is withdrawn; a closed one stays as decided.",
    )
    check_not_future(ctx, cmd.on, "the withdrawal")
    event = ProposalWithdrawn(proposal=cmd.proposal, withdrawn_on=cmd.on, by=cmd.by)
    return [Emit(event, cmd.on, cmd.by)]
