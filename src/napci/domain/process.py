"""The process read model: proposals and their decisions, projects,
commitments, incidents and rule amendments (DESIGN §4).

Handlers here are folded by :class:`napci.domain.registry.Registry` with the
rest of the registry; each receives the payload with ``__seq`` (the event's
seq), ``__actor`` (on whose behalf it was recorded), ``__occurred`` (its
``occurred_at``) and ``__classification`` (who may read it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from napci.domain.registry import Registry

__all__ = [
    "PROCESS_HANDLERS",
    "CommitmentView",
    "DecisionView",
    "KeyView",
    "Position",
    "ProjectView",
]


def _day(text: str) -> date:
    return date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Position:
    """An actor's latest position on a proposal."""

    code: str
    position: str
    recorded_on: date
    seq: int
    statement: str | None = None
    reservation: str | None = None
    amendment: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "code": self.code,
            "position": self.position,
            "recorded_on": self.recorded_on.isoformat(),
            "seq": self.seq,
            "statement": self.statement,
            "reservation": self.reservation,
            "amendment": self.amendment,
        }


@dataclass(slots=True)
class DecisionView:
    """A proposal and, once decided, its outcome."""

    proposal: str
    kind: str
    subject: dict[str, Any]
    tabled_on: date
    tabled_seq: int
    title: dict[str, str] = field(default_factory=dict)
    tabled_by: str | None = None
    meeting: str | None = None
    tracks: tuple[str, ...] = ()
    silence_deadline: date | None = None
    positions: dict[str, Position] = field(default_factory=dict)
    history: list[Position] = field(default_factory=list)
    outcome: str = "open"  # open | adopted | provisional | not-adopted | withdrawn
    procedure: str | None = None
    decided_on: date | None = None
    decided_seq: int | None = None
    joined: tuple[str, ...] = ()
    provisional_for: tuple[str, ...] = ()
    provisional_until: date | None = None
    statements: tuple[dict[str, Any], ...] = ()
    disregarded: str | None = None
    reason: str | None = None
    by: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        """Whether no position can change any more."""
        return self.outcome in ("adopted", "not-adopted", "withdrawn")

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "proposal": self.proposal,
            "kind": self.kind,
            "title": self.title,
            "subject": self.subject,
            "tabled_by": self.tabled_by,
            "tabled_on": self.tabled_on.isoformat(),
            "meeting": self.meeting,
            "tracks": list(self.tracks),
            "silence_deadline": _iso(self.silence_deadline),
            "positions": [p.as_dict() for p in self.positions.values()],
            "history": [p.as_dict() for p in self.history],
            "outcome": self.outcome,
            "procedure": self.procedure,
            "decided_on": _iso(self.decided_on),
            "joined": list(self.joined),
            "provisional_for": list(self.provisional_for),
            "provisional_until": _iso(self.provisional_until),
            "statements": list(self.statements),
            "disregarded_objection_of": self.disregarded,
            "reason": self.reason,
            "by": list(self.by),
        }


@dataclass(slots=True)
class CommitmentView:
    """A member's commitment in a project."""

    commitment: str
    project: str
    code: str
    description: str
    made_on: date
    due_on: date
    grace_days: int | None
    status: str = "open"  # open | kept | broken
    settled_on: date | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "commitment": self.commitment,
            "project": self.project,
            "code": self.code,
            "description": self.description,
            "made_on": self.made_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "grace_days": self.grace_days,
            "status": self.status,
            "settled_on": _iso(self.settled_on),
        }

    def overdue_on(self, default_grace: int) -> date:
        """The first day on which the commitment counts as broken."""
        grace = default_grace if self.grace_days is None else self.grace_days
        return self.due_on + timedelta(days=grace + 1)


@dataclass(slots=True)
class ProjectView:
    """A cooperation project: members by their own act, tracks, milestones."""

    project: str
    title: dict[str, str]
    tracks: list[str]
    founders: tuple[str, ...]
    members: list[str]
    partners: tuple[str, ...]
    launched_on: date
    launched_by: str | None
    milestones: list[dict[str, Any]] = field(default_factory=list)
    completed_on: date | None = None

    @property
    def status(self) -> str:
        """``active`` or ``completed``."""
        return "active" if self.completed_on is None else "completed"

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "project": self.project,
            "title": self.title,
            "tracks": list(self.tracks),
            "founders": list(self.founders),
            "members": list(self.members),
            "partners": list(self.partners),
            "launched_on": self.launched_on.isoformat(),
            "launched_by": self.launched_by,
            "milestones": list(self.milestones),
            "status": self.status,
            "completed_on": _iso(self.completed_on),
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _initiative(reg: Registry, code: str | None) -> None:
    if code:
        reg.initiatives[code] = reg.initiatives.get(code, 0) + 1


def _proposal_tabled(reg: Registry, p: dict[str, Any]) -> None:
    reg.decisions[p["proposal"]] = DecisionView(
        proposal=p["proposal"],
        kind=p["subject"]["kind"],
        subject=p["subject"],
        tabled_on=_day(p["tabled_on"]),
        tabled_seq=p["__seq"],
        title=p.get("title", {}),
        tabled_by=p.get("tabled_by"),
        meeting=p.get("meeting"),
        tracks=tuple(p.get("tracks", ())),
    )
    _initiative(reg, p.get("tabled_by"))


def _silence_started(reg: Registry, p: dict[str, Any]) -> None:
    decision = reg.decisions.get(p["proposal"])
    if decision is not None:
        decision.silence_deadline = _day(p["deadline"])
        decision.procedure = "silence"


def _position_recorded(reg: Registry, p: dict[str, Any]) -> None:
    decision = reg.decisions.get(p["proposal"])
    if decision is None:
        return
    position = Position(
        code=p["code"],
        position=p["position"],
        recorded_on=_day(p["recorded_on"]),
        seq=p["__seq"],
        statement=p.get("statement"),
        reservation=p.get("reservation"),
        amendment=p.get("amendment"),
    )
    decision.positions[p["code"]] = position
    decision.history.append(position)


def _decided(
    reg: Registry, p: dict[str, Any], outcome: str, on_field: str
) -> DecisionView | None:
    decision = reg.decisions.get(p["proposal"])
    if decision is not None:
        decision.outcome = outcome
        decision.decided_on = _day(p[on_field])
        decision.decided_seq = p["__seq"]
    return decision


def _decision_adopted(reg: Registry, p: dict[str, Any]) -> None:
    outcome = "provisional" if p.get("provisional_for") else "adopted"
    decision = _decided(reg, p, outcome, "adopted_on")
    if decision is not None:
        decision.procedure = p["procedure"]
        decision.joined = tuple(p.get("joined", ()))
        decision.provisional_for = tuple(p.get("provisional_for", ()))
        until = p.get("provisional_until")
        decision.provisional_until = None if until is None else _day(until)
        decision.statements = tuple(p.get("statements", ()))
        decision.disregarded = p.get("disregarded_objection_of")


def _decision_confirmed(reg: Registry, p: dict[str, Any]) -> None:
    decision = reg.decisions.get(p["proposal"])
    if decision is not None and decision.outcome == "provisional":
        # The absent participants let the silence period pass: they join.
        decision.outcome = "adopted"
        decision.joined = tuple(sorted({*decision.joined, *decision.provisional_for}))


def _adoption_undone(reg: Registry, p: dict[str, Any]) -> None:
    decision = _decided(reg, p, "not-adopted", "undone_on")
    if decision is not None:
        decision.reason = "objection within the silence period"
        decision.by = tuple(p.get("objected_by", ()))


def _not_adopted(reg: Registry, p: dict[str, Any]) -> None:
    decision = _decided(reg, p, "not-adopted", "closed_on")
    if decision is not None:
        decision.reason = p["reason"]
        decision.by = tuple(p.get("by", ()))


def _withdrawn(reg: Registry, p: dict[str, Any]) -> None:
    decision = _decided(reg, p, "withdrawn", "withdrawn_on")
    if decision is not None:
        decision.by = (p["by"],)


def _project_launched(reg: Registry, p: dict[str, Any]) -> None:
    reg.projects[p["project"]] = ProjectView(
        project=p["project"],
        title=p["title"],
        tracks=list(p["tracks"]),
        founders=tuple(p["founders"]),
        members=list(p["founders"]),
        partners=tuple(p.get("partners", ())),
        launched_on=_day(p["launched_on"]),
        launched_by=p.get("__actor"),
    )
    _initiative(reg, p.get("__actor"))


def _project_joined(reg: Registry, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None and p["code"] not in project.members:
        project.members.append(p["code"])


def _project_left(reg: Registry, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None and p["code"] in project.members:
        project.members.remove(p["code"])


def _scope_widened(reg: Registry, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None:
        project.tracks.extend(t for t in p["tracks"] if t not in project.tracks)


def _milestone(reg: Registry, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None:
        project.milestones.append(
            {
                "milestone": p["milestone"],
                "title": p["title"],
                "reached_on": p["reached_on"],
            }
        )


def _project_completed(reg: Registry, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None:
        project.completed_on = _day(p["completed_on"])


def _commitment_made(reg: Registry, p: dict[str, Any]) -> None:
    reg.commitments[p["commitment"]] = CommitmentView(
        commitment=p["commitment"],
        project=p["project"],
        code=p["code"],
        description=p["description"],
        made_on=_day(p["made_on"]),
        due_on=_day(p["due_on"]),
        grace_days=p.get("grace_days"),
    )


def _commitment_settled(status: str, on_field: str) -> Any:
    def handler(reg: Registry, p: dict[str, Any]) -> None:
        commitment = reg.commitments.get(p["commitment"])
        if commitment is not None:
            commitment.status = status
            commitment.settled_on = _day(p[on_field])

    return handler


def _incident(reg: Registry, p: dict[str, Any]) -> None:
    reg.incidents[p["incident"]] = {
        k: v for k, v in p.items() if not k.startswith("__")
    }


@dataclass(slots=True)
class KeyView:
    """A delegation's registered signing key."""

    key_id: str
    code: str
    registered_seq: int
    revoked: bool = False
    public_key: str = ""  # base64, as registered


def _key_registered(reg: Registry, p: dict[str, Any]) -> None:
    reg.keys.setdefault(
        p["key_id"],
        KeyView(p["key_id"], p["code"], p["__seq"], public_key=p["public_key"]),
    )


def _key_revoked(reg: Registry, p: dict[str, Any]) -> None:
    key = reg.keys.get(p["key_id"])
    if key is not None:
        key.revoked = True


def _rules_amended(reg: Registry, p: dict[str, Any]) -> None:
    reg.amendments.append((_day(p["effective_on"]), p["changes"]))


PROCESS_HANDLERS: dict[str, Any] = {
    "ProposalTabled": _proposal_tabled,
    "SilenceProcedureStarted": _silence_started,
    "PositionRecorded": _position_recorded,
    "DecisionAdopted": _decision_adopted,
    "DecisionConfirmed": _decision_confirmed,
    "ProvisionalAdoptionUndone": _adoption_undone,
    "ProposalNotAdopted": _not_adopted,
    "ProposalWithdrawn": _withdrawn,
    "ProjectLaunched": _project_launched,
    "ProjectJoined": _project_joined,
    "ProjectLeft": _project_left,
    "ProjectScopeWidened": _scope_widened,
    "MilestoneReached": _milestone,
    "ProjectCompleted": _project_completed,
    "CommitmentMade": _commitment_made,
    "CommitmentKept": _commitment_settled("kept", "kept_on"),
    "CommitmentBroken": _commitment_settled("broken", "assessed_on"),
    "IncidentRecorded": _incident,
    "RulesAmended": _rules_amended,
    "KeyRegistered": _key_registered,
    "KeyRevoked": _key_revoked,
}
