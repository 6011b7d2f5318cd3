"""The process read model: proposals and their decisions, projects,
commitments, incidents and rule amendments (DESIGN §4).

Handlers here are folded by :class:`napci.domain.registry.Registry` with the
rest of the registry; each receives the payload with ``__seq`` (the event's
seq), ``__actor`` (on whose behalf it was recorded), ``__occurred`` (its
``occurred_at``) and ``__classification`` (who may read it). They see the
registry as :class:`ProcessParts`, the part of it they keep, so that this
module needs nothing of the registry's (which imports it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

__all__ = [
    "PROCESS_HANDLERS",
    "CommitmentView",
    "DecisionView",
    "KeyView",
    "Position",
    "ProcessParts",
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

    def positions_on(self, day: date) -> dict[str, Position]:
        """Each actor's position as it stood on ``day``: the last one it
        recorded dated on or before ``day`` (by date, then by record order).
        A position dated after ``day`` is no part of it."""
        stood: dict[str, Position] = {}
        for position in self.history:
            if position.recorded_on > day:
                continue
            before = stood.get(position.code)
            if before is None or position.recorded_on >= before.recorded_on:
                stood[position.code] = position
        return stood

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
    """A cooperation project: members by their own act, tracks, milestones.

    ``founders`` are the participants named at launch; ``invited`` those of
    them who have not acted yet (each becomes a member by joining);
    ``recorded_as`` the capacity the launch was recorded in (``founder``,
    ``secretariat``, or None in records written before capacities were).
    """

    project: str
    title: dict[str, str]
    tracks: list[str]
    founders: tuple[str, ...]
    members: list[str]
    partners: tuple[str, ...]
    launched_on: date
    launched_by: str | None
    invited: list[str] = field(default_factory=list)
    recorded_as: str | None = None
    milestones: list[dict[str, Any]] = field(default_factory=list)
    completed_on: date | None = None
    #: Who became (True) or ceased to be (False) a member, and on which day,
    #: in record order.
    membership: list[tuple[date, str, bool]] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``active`` or ``completed``."""
        return "active" if self.completed_on is None else "completed"

    @property
    def under_way(self) -> bool:
        """Whether two or more members, each by its own act (or the
        secretariat's record of it), are in it: only then do commitments,
        milestones and completion count."""
        return len(self.members) >= 2

    def members_on(self, day: date) -> set[str]:
        """The members as they stood on ``day``."""
        members: set[str] = set()
        for on, code, joined in sorted(self.membership, key=lambda m: m[0]):
            if on > day:
                break
            if joined:
                members.add(code)
            else:
                members.discard(code)
        return members

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "project": self.project,
            "title": self.title,
            "tracks": list(self.tracks),
            "founders": list(self.founders),
            "invited": list(self.invited),
            "recorded_as": self.recorded_as,
            "members": list(self.members),
            "under_way": self.under_way,
            "partners": list(self.partners),
            "launched_on": self.launched_on.isoformat(),
            "launched_by": self.launched_by,
            "milestones": list(self.milestones),
            "status": self.status,
            "completed_on": _iso(self.completed_on),
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _initiative(reg: ProcessParts, code: str | None) -> None:
    if code:
        reg.initiatives[code] = reg.initiatives.get(code, 0) + 1


def _proposal_tabled(reg: ProcessParts, p: dict[str, Any]) -> None:
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


def _silence_started(reg: ProcessParts, p: dict[str, Any]) -> None:
    decision = reg.decisions.get(p["proposal"])
    if decision is not None:
        decision.silence_deadline = _day(p["deadline"])
        decision.procedure = "silence"


def _position_recorded(reg: ProcessParts, p: dict[str, Any]) -> None:
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
    reg: ProcessParts, p: dict[str, Any], outcome: str, on_field: str
) -> DecisionView | None:
    decision = reg.decisions.get(p["proposal"])
    if decision is not None:
        decision.outcome = outcome
        decision.decided_on = _day(p[on_field])
        decision.decided_seq = p["__seq"]
    return decision


def _decision_adopted(reg: ProcessParts, p: dict[str, Any]) -> None:
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


def _decision_confirmed(reg: ProcessParts, p: dict[str, Any]) -> None:
    decision = reg.decisions.get(p["proposal"])
    if decision is not None and decision.outcome == "provisional":
        # The absent participants who let the silence period pass join. One
        # that objected or proposed an amendment within it did not (a record
        # written before amendments undid adoptions may confirm one anyway).
        until = decision.provisional_until or _day(p["confirmed_on"])
        stood = decision.positions_on(until)
        let_pass = [
            c
            for c in decision.provisional_for
            if c not in stood or stood[c].position not in ("objection", "amendment")
        ]
        decision.outcome = "adopted"
        decision.joined = tuple(sorted({*decision.joined, *let_pass}))


def _adoption_undone(reg: ProcessParts, p: dict[str, Any]) -> None:
    decision = _decided(reg, p, "not-adopted", "undone_on")
    if decision is not None:
        decision.reason = f"{p.get('reason', 'objection')} within the silence period"
        decision.by = tuple(p.get("objected_by", ()))


def _not_adopted(reg: ProcessParts, p: dict[str, Any]) -> None:
    decision = _decided(reg, p, "not-adopted", "closed_on")
    if decision is not None:
        decision.reason = p["reason"]
        decision.by = tuple(p.get("by", ()))


def _withdrawn(reg: ProcessParts, p: dict[str, Any]) -> None:
    decision = _decided(reg, p, "withdrawn", "withdrawn_on")
    if decision is not None:
        decision.by = (p["by"],)


def _project_launched(reg: ProcessParts, p: dict[str, Any]) -> None:
    launched_on = _day(p["launched_on"])
    # Before invitations existed, every founder became a member at launch.
    invited = [c for c in p["founders"] if c in p.get("invited", ())]
    members = [c for c in p["founders"] if c not in invited]
    reg.projects[p["project"]] = ProjectView(
        project=p["project"],
        title=p["title"],
        tracks=list(p["tracks"]),
        founders=tuple(p["founders"]),
        members=members,
        partners=tuple(p.get("partners", ())),
        launched_on=launched_on,
        launched_by=p.get("__actor"),
        invited=invited,
        recorded_as=p.get("recorded_as"),
        membership=[(launched_on, code, True) for code in members],
    )
    _initiative(reg, p.get("__actor"))


def _project_joined(reg: ProcessParts, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None and p["code"] not in project.members:
        project.members.append(p["code"])
        project.membership.append((_day(p["joined_on"]), p["code"], True))
        if p["code"] in project.invited:  # a founder named at launch accepts
            project.invited.remove(p["code"])


def _project_left(reg: ProcessParts, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None and p["code"] in project.members:
        project.members.remove(p["code"])
        project.membership.append((_day(p["left_on"]), p["code"], False))


def _scope_widened(reg: ProcessParts, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None:
        project.tracks.extend(t for t in p["tracks"] if t not in project.tracks)


def _milestone(reg: ProcessParts, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None:
        project.milestones.append(
            {
                "milestone": p["milestone"],
                "title": p["title"],
                "reached_on": p["reached_on"],
            }
        )


def _project_completed(reg: ProcessParts, p: dict[str, Any]) -> None:
    project = reg.projects.get(p["project"])
    if project is not None:
        project.completed_on = _day(p["completed_on"])


def _commitment_made(reg: ProcessParts, p: dict[str, Any]) -> None:
    reg.commitments[p["commitment"]] = CommitmentView(
        commitment=p["commitment"],
        project=p["project"],
        code=p["code"],
        description=p["description"],
        made_on=_day(p["made_on"]),
        due_on=_day(p["due_on"]),
        grace_days=p.get("grace_days"),
    )


def _commitment_settled(
    status: str, on_field: str
) -> Callable[[ProcessParts, dict[str, Any]], None]:
    def handler(reg: ProcessParts, p: dict[str, Any]) -> None:
        commitment = reg.commitments.get(p["commitment"])
        if commitment is not None:
            commitment.status = status
            commitment.settled_on = _day(p[on_field])

    return handler


def _incident(reg: ProcessParts, p: dict[str, Any]) -> None:
    reg.incidents[p["incident"]] = {
        k: v for k, v in p.items() if not k.startswith("__")
    }


@dataclass(slots=True)
class KeyView:
    """A signing key registered in a delegation's name, and whether it binds it.

    A key binds its delegation (its signatures are required and accepted)
    once the delegation itself has confirmed it, until it is revoked; a key
    entered by anyone else stays *unconfirmed* and binds no one (DESIGN §4
    rule 0).
    """

    key_id: str
    code: str
    registered_seq: int
    registered_on: date | None = None
    confirmed_seq: int | None = None
    confirmed_on: date | None = None
    revoked: bool = False
    revoked_seq: int | None = None
    revoked_on: date | None = None
    public_key: str = ""  # base64, as registered

    @property
    def confirmed(self) -> bool:
        """Whether its delegation confirmed it as its own."""
        return self.confirmed_seq is not None

    @property
    def binds(self) -> bool:
        """Whether it binds its delegation: confirmed and not revoked."""
        return self.confirmed and not self.revoked

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "key_id": self.key_id,
            "code": self.code,
            "registered_on": _iso(self.registered_on),
            "registered_seq": self.registered_seq,
            "confirmed": self.confirmed,
            "confirmed_on": _iso(self.confirmed_on),
            "confirmed_seq": self.confirmed_seq,
            "revoked": self.revoked,
            "revoked_on": _iso(self.revoked_on),
            "revoked_seq": self.revoked_seq,
            "binds": self.binds,
        }


def _key_registered(reg: ProcessParts, p: dict[str, Any]) -> None:
    if p["key_id"] not in reg.keys:  # the first registration of a key counts
        reg.keys[p["key_id"]] = KeyView(
            p["key_id"],
            p["code"],
            p["__seq"],
            _day(p["registered_on"]),
            public_key=p["public_key"],
        )


def _key_confirmed(reg: ProcessParts, p: dict[str, Any]) -> None:
    key = reg.keys.get(p["key_id"])
    if (
        key is not None
        and key.code == p["code"]
        and not key.revoked
        and key.confirmed_seq is None
    ):
        key.confirmed_seq = p["__seq"]
        key.confirmed_on = _day(p["confirmed_on"])


def _key_revoked(reg: ProcessParts, p: dict[str, Any]) -> None:
    key = reg.keys.get(p["key_id"])
    if key is not None and not key.revoked:
        key.revoked = True
        key.revoked_seq = p["__seq"]
        key.revoked_on = _day(p["revoked_on"])


def _rules_amended(reg: ProcessParts, p: dict[str, Any]) -> None:
    reg.amendments.append((_day(p["effective_on"]), p["changes"]))


class ProcessParts(Protocol):
    """What the handlers here fold into: the process's part of a registry
    (:class:`napci.domain.registry.Registry` is one)."""

    decisions: dict[str, DecisionView]
    projects: dict[str, ProjectView]
    commitments: dict[str, CommitmentView]
    incidents: dict[str, dict[str, Any]]
    amendments: list[tuple[date, dict[str, Any]]]
    initiatives: dict[str, int]
    keys: dict[str, KeyView]


PROCESS_HANDLERS: dict[str, Callable[[ProcessParts, dict[str, Any]], None]] = {
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
    "KeyConfirmed": _key_confirmed,
    "KeyRevoked": _key_revoked,
}
