"""Tabling a proposal, starting its silence procedure, withdrawing it.

DESIGN §4.1-§4.4a. Rules: ``consensus``, ``silence``, ``gradual-agenda``,
``own-act``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from napci.domain.events import (
    ProposalTabled,
    ProposalWithdrawn,
    SilenceProcedureStarted,
)
from napci.domain.procedure.base import (
    Context,
    Emit,
    Refusal,
    ask_secretariat,
    require,
)
from napci.domain.procedure.consensus import (
    not_before_tabling,
    participants_on,
    proposal_of,
)
from napci.domain.procedure.participation import (
    check_actor,
    check_not_future,
)

__all__ = [
    "StartSilence",
    "TableProposal",
    "WithdrawProposal",
    "start_silence",
    "table_proposal",
    "withdraw_proposal",
]


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
    decision = proposal_of(ctx, cmd.proposal)
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
    not_before_tabling(decision, cmd.on, "the silence procedure")
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
class WithdrawProposal:
    """The proposer withdraws an open proposal."""

    proposal: str
    on: date
    by: str


def withdraw_proposal(cmd: WithdrawProposal, ctx: Context) -> list[Emit]:
    """Only the proposer withdraws, and only while the proposal is open."""
    decision = proposal_of(ctx, cmd.proposal)
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
