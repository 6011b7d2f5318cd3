"""Projects, commitments and incidents (DESIGN §4.4c, §5.1).

Rules: ``willing`` (projects start with two or more willing participants and
no one is added without its own act: a launching founder is the first member,
the other founders it names join by their own act; commitments, milestones
and completion count once two members have acted), ``members-consent``
(widening a project is for its members to decide), ``commitments`` (kept or
broken after the grace period), ``facilitator`` (incidents are recorded by the
facilitator's secretariat with a source and a severity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from napci.domain.events import (
    CommitmentBroken,
    CommitmentKept,
    CommitmentMade,
    IncidentRecorded,
    MilestoneReached,
    ProjectCompleted,
    ProjectJoined,
    ProjectLaunched,
    ProjectLeft,
)
from napci.domain.procedure.base import (
    SECRETARIAT,
    Context,
    Emit,
    Refusal,
    ask_secretariat,
    require,
)
from napci.domain.procedure.consensus import participants_on
from napci.domain.procedure.participation import (
    check_actor,
    check_facilitator,
    check_not_future,
)
from napci.domain.process import ProjectView
from napci.domain.values import Source

__all__ = [
    "AssessCommitments",
    "CompleteProject",
    "FulfilCommitment",
    "JoinProject",
    "LaunchProject",
    "LeaveProject",
    "MakeCommitment",
    "ReachMilestone",
    "RecordIncident",
    "assess_commitments",
    "complete_project",
    "fulfil_commitment",
    "join_project",
    "launch_project",
    "leave_project",
    "make_commitment",
    "reach_milestone",
    "record_incident",
]


def _project(ctx: Context, project: str, *, active: bool = True) -> ProjectView:
    """The project, if the caller may read it; refused as not launched
    otherwise, in the same words whether it does not exist or is hidden."""
    view = ctx.registry.projects.get(project)
    if view is None or project not in ctx.seen().projects:
        raise Refusal(
            "registry",
            f"project {project} has not been launched",
            "Launch it first (projects launch), or name a project the record holds.",
        )
    if active:
        require(
            view.status == "active",
            "projects",
            f"project {project} was completed on {view.completed_on}",
            "A completed project takes nothing more: launch a new one to go on.",
        )
    return view


def _member(view: ProjectView, code: str, what: str) -> None:
    require(
        code in view.members,
        "willing",
        f"{code} is not a member of project {view.project} and cannot {what}",
        f"Members: {', '.join(view.members) or 'none'}. {code} becomes one by its "
        f"own act (projects join {view.project} --actor {code}).",
    )


@dataclass(frozen=True, slots=True)
class LaunchProject:
    """Two or more willing participants launch a project."""

    project: str
    title: str
    tracks: tuple[str, ...]
    founders: tuple[str, ...]
    on: date
    by: str
    partners: tuple[str, ...] = ()
    description: str | None = None


def launch_project(cmd: LaunchProject, ctx: Context) -> list[Emit]:
    """Launch with the willing, no one added without its own act.

    A founder launching it is its first member; the other founders it names
    are invited and become members by their own ``JoinProject``. The
    facilitator's secretariat may record the founders' joint act, as
    secretariat: then every founder is a member at once, and the event says
    in which capacity it was recorded.
    """
    reg = ctx.registry
    ctx.require_new_id("project", cmd.project, cmd.project in reg.projects)
    founders = tuple(dict.fromkeys(cmd.founders))
    require(
        len(founders) >= 2,
        "willing",
        "a project starts with two or more willing participants",
        "Name at least two founders.",
    )
    participants = participants_on(reg, cmd.on)
    for code in founders:
        check_actor(reg, code)
        require(
            code in participants,
            "willing",
            f"{code} is not a participant",
            "Name participants on the day of the launch as founders; others "
            "may work with it as partners (--partners).",
        )
    as_secretariat = cmd.by == ctx.facilitator()
    require(
        cmd.by in founders or as_secretariat,
        "willing",
        f"{cmd.by} is not among the founders: no one is added without their own "
        f"act{ctx.capacity(cmd.by)}",
        f"A founder launches it, or {SECRETARIAT} records the founders' joint act."
        if ctx.as_delegation(cmd.by)
        else "A founder launches it, or the facilitator records the founders' "
        "joint act.",
    )
    for code in cmd.partners:
        check_actor(reg, code)
    for track in cmd.tracks:
        require(
            track in reg.tracks and reg.tracks[track].open,
            "known-track",
            f"{track} is not a track on the agenda",
            f"On the agenda: {', '.join(c for c, t in reg.tracks.items() if t.open)}.",
        )
    check_not_future(ctx, cmd.on, "the launch")
    event = ProjectLaunched(
        project=cmd.project,
        title={"en": cmd.title},
        tracks=cmd.tracks,
        founders=founders,
        invited=() if as_secretariat else tuple(c for c in founders if c != cmd.by),
        recorded_as="secretariat" if as_secretariat else "founder",
        partners=cmd.partners,
        launched_on=cmd.on,
        description=cmd.description,
    )
    return [Emit(event, cmd.on, cmd.by)]


def _under_way(view: ProjectView, what: str) -> None:
    """Refuse ``what`` until two or more members have acted."""
    members = ", ".join(view.members) or "none"
    invited = ", ".join(view.invited)
    require(
        view.under_way,
        "willing",
        f"project {view.project} has one member or none who acted ({members}): "
        f"{what} count once two or more willing participants are its members",
        f"{invited}, named as founder(s), must join it by their own act first "
        f"(projects join {view.project} --actor CODE)."
        if invited
        else "Another participant must join it first, by its own act "
        f"(projects join {view.project} --actor CODE).",
    )


@dataclass(frozen=True, slots=True)
class JoinProject:
    """A participant joins a project by its own act."""

    project: str
    code: str
    on: date
    by: str


def join_project(cmd: JoinProject, ctx: Context) -> list[Emit]:
    """Only the joiner itself can join (a founder named at launch accepts so);
    no member's consent is recorded, since none gives one by an act."""
    reg = ctx.registry
    view = _project(ctx, cmd.project)
    check_actor(reg, cmd.code)
    ctx.require_own_act(cmd.by, cmd.code, f"join project {cmd.project}")
    require(
        cmd.code in participants_on(reg, cmd.on),
        "willing",
        f"{cmd.code} is not a participant",
        f"Projects are the participants': {cmd.code} may work with one as a "
        "partner, named at launch.",
    )
    require(
        cmd.code not in view.members,
        "willing",
        f"{cmd.code} is a member of {cmd.project} already",
        f"Nothing to join: {cmd.code} is a member until it leaves.",
    )
    check_not_future(ctx, cmd.on, "the joining")
    event = ProjectJoined(project=cmd.project, code=cmd.code, joined_on=cmd.on)
    return [Emit(event, cmd.on, cmd.code)]


@dataclass(frozen=True, slots=True)
class LeaveProject:
    """A member leaves a project."""

    project: str
    code: str
    on: date
    by: str


def leave_project(cmd: LeaveProject, ctx: Context) -> list[Emit]:
    """Only the member itself leaves."""
    view = _project(ctx, cmd.project)
    ctx.require_own_act(cmd.by, cmd.code, f"leave project {cmd.project}")
    _member(view, cmd.code, "leave it")
    check_not_future(ctx, cmd.on, "the leaving")
    event = ProjectLeft(project=cmd.project, code=cmd.code, left_on=cmd.on)
    return [Emit(event, cmd.on, cmd.code)]


@dataclass(frozen=True, slots=True)
class MakeCommitment:
    """A member commits to deliver something by a due date."""

    commitment: str
    project: str
    code: str
    description: str
    due_on: date
    on: date
    by: str
    grace_days: int | None = None


def make_commitment(cmd: MakeCommitment, ctx: Context) -> list[Emit]:
    """A member commits for itself, to a date after today."""
    reg = ctx.registry
    view = _project(ctx, cmd.project)
    ctx.require_new_id("commitment", cmd.commitment, cmd.commitment in reg.commitments)
    ctx.require_own_act(cmd.by, cmd.code, "make a commitment")
    _member(view, cmd.code, "commit in it")
    _under_way(view, "commitments")
    require(
        cmd.due_on >= cmd.on,
        "commitments",
        "a commitment is due on or after the day it is made",
        f"Set a due date on or after {cmd.on.isoformat()}.",
    )
    check_not_future(ctx, cmd.on, "the commitment")
    event = CommitmentMade(
        commitment=cmd.commitment,
        project=cmd.project,
        code=cmd.code,
        description=cmd.description,
        made_on=cmd.on,
        due_on=cmd.due_on,
        grace_days=cmd.grace_days,
    )
    return [Emit(event, cmd.on, cmd.code)]


@dataclass(frozen=True, slots=True)
class FulfilCommitment:
    """A commitment is kept."""

    commitment: str
    on: date
    by: str


def fulfil_commitment(cmd: FulfilCommitment, ctx: Context) -> list[Emit]:
    """The committed member (or the facilitator) records it kept, in time."""
    reg = ctx.registry
    commitment = reg.commitments.get(cmd.commitment)
    if commitment is None or cmd.commitment not in ctx.seen().commitments:
        raise Refusal(
            "registry",
            f"commitment {cmd.commitment} was never made",
            "Name a commitment the record holds (napci projects).",
        )
    ctx.require_facilitator_or(
        cmd.by,
        "own-act",
        f"{cmd.by} cannot record {commitment.code}'s commitment as kept",
        "record it as kept",
        ask_secretariat("record it as kept", member=commitment.code),
        member=commitment.code,
    )
    require(
        commitment.status == "open",
        "commitments",
        f"commitment {cmd.commitment} is {commitment.status}",
        "A commitment is settled once; make a new one for further work.",
    )
    require(
        cmd.on >= commitment.made_on,
        "commitments",
        f"commitment {cmd.commitment} was made on {commitment.made_on}; it cannot "
        f"be kept on {cmd.on}",
        f"Date it on or after {commitment.made_on}.",
    )
    grace = ctx.rules(cmd.on).whole("procedure.commitment_grace_days")
    require(
        cmd.on < commitment.overdue_on(grace),
        "commitments",
        f"commitment {cmd.commitment} was due on {commitment.due_on} and its grace "
        "period has passed: it counts as broken",
        "Record its assessment with 'projects assess'.",
    )
    check_not_future(ctx, cmd.on, "the fulfilment")
    event = CommitmentKept(commitment=cmd.commitment, kept_on=cmd.on)
    return [Emit(event, cmd.on, commitment.code)]


@dataclass(frozen=True, slots=True)
class AssessCommitments:
    """Find the commitments past due beyond the grace period, as of a date."""

    on: date
    by: str


def assess_commitments(cmd: AssessCommitments, ctx: Context) -> list[Emit]:
    """The facilitator records every open commitment now past its grace period."""
    reg = ctx.registry
    check_facilitator(ctx, cmd.by, "assessing commitments")
    check_not_future(ctx, cmd.on, "the assessment")
    grace = ctx.rules(cmd.on).whole("procedure.commitment_grace_days")
    open_ones = sorted(
        (c for c in reg.commitments.values() if c.status == "open"),
        key=lambda c: c.commitment,
    )
    broken = [c for c in open_ones if c.overdue_on(grace) <= cmd.on]
    if not broken:
        # Nothing to record: say when there will be.
        first = min(open_ones, key=lambda c: c.overdue_on(grace), default=None)
        raise Refusal(
            "procedure",
            "the command brings nothing about: no open commitment is past its "
            f"grace period on {cmd.on.isoformat()}",
            "No commitment is open: assess once one is made and past its grace period."
            if first is None
            else f"Assess from {first.overdue_on(grace).isoformat()}, the first "
            f"day commitment {first.commitment} counts as broken if still open.",
        )
    return [
        Emit(
            CommitmentBroken(commitment=c.commitment, assessed_on=cmd.on),
            cmd.on,
            cmd.by,
        )
        for c in broken
    ]


@dataclass(frozen=True, slots=True)
class ReachMilestone:
    """A project reaches a milestone."""

    project: str
    milestone: str
    title: str
    on: date
    by: str


def reach_milestone(cmd: ReachMilestone, ctx: Context) -> list[Emit]:
    """A member records a milestone."""
    view = _project(ctx, cmd.project)
    _member(view, cmd.by, "record its milestones")
    _under_way(view, "milestones")
    require(
        all(m["milestone"] != cmd.milestone for m in view.milestones),
        "projects",
        f"milestone {cmd.milestone} is recorded already",
        "Choose another id for a further milestone.",
    )
    check_not_future(ctx, cmd.on, "the milestone")
    event = MilestoneReached(
        project=cmd.project, milestone=cmd.milestone, title=cmd.title, reached_on=cmd.on
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class CompleteProject:
    """A project is completed."""

    project: str
    on: date
    by: str
    summary: str | None = None


def complete_project(cmd: CompleteProject, ctx: Context) -> list[Emit]:
    """A member completes it once no commitment is left open."""
    reg = ctx.registry
    view = _project(ctx, cmd.project)
    _member(view, cmd.by, "complete it")
    _under_way(view, "a completion")
    open_ones = sorted(
        c.commitment
        for c in reg.commitments.values()
        if c.project == cmd.project and c.status == "open"
    )
    require(
        not open_ones,
        "commitments",
        f"project {cmd.project} still has open commitments: {', '.join(open_ones)}",
        "Record them kept, or assess them, first.",
    )
    check_not_future(ctx, cmd.on, "the completion")
    event = ProjectCompleted(
        project=cmd.project, completed_on=cmd.on, summary=cmd.summary
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class RecordIncident:
    """The facilitator records an incident between actors, with a source."""

    incident: str
    parties: tuple[str, ...]
    occurred_on: date
    severity: int
    description: str
    source_title: str
    on: date
    by: str
    source_url: str | None = None
    tracks: tuple[str, ...] = ()


def record_incident(cmd: RecordIncident, ctx: Context) -> list[Emit]:
    """Only the facilitator records incidents; each needs a source."""
    reg = ctx.registry
    check_facilitator(ctx, cmd.by, "recording an incident")
    ctx.require_new_id("incident", cmd.incident, cmd.incident in reg.incidents)
    parties = tuple(dict.fromkeys(cmd.parties))
    require(
        len(parties) >= 2,
        "incidents",
        "an incident is between two actors or more",
        "Name at least two different parties.",
    )
    for code in parties:
        check_actor(reg, code)
    require(
        1 <= cmd.severity <= 5,
        "incidents",
        "severity runs from 1 to 5",
        "Give a severity from 1 (minor) to 5 (grave).",
    )
    require(
        bool(cmd.source_title.strip()),
        "incidents",
        "an incident needs its source",
        "Give the source's title (and address).",
    )
    check_not_future(ctx, cmd.occurred_on, "the incident")
    event = IncidentRecorded(
        incident=cmd.incident,
        parties=parties,
        occurred_on=cmd.occurred_on,
        severity=cmd.severity,
        description=cmd.description,
        tracks=cmd.tracks,
        sources=(Source(title=cmd.source_title, url=cmd.source_url),),
    )
    return [Emit(event, cmd.occurred_on, cmd.by, "participants")]
