"""The registry read model: actors, tracks, meetings and mechanisms.

A pure fold over recorded events in ``seq`` order. It knows the current state
of who takes part in which role, what is on the agenda, which meetings were
convened and held with whom, and which mechanisms exist. Later rules and views
read it; nothing here touches a database.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from napci.domain.envelope import RecordedEvent
from napci.domain.meetings import MEETING_HANDLERS, MeetingView
from napci.domain.process import (
    PROCESS_HANDLERS,
    CommitmentView,
    DecisionView,
    KeyView,
    ProjectView,
)
from napci.domain.rules_of_procedure import Rules, rules_in_force

__all__ = [
    "ActorView",
    "DecisionView",
    "FoldRow",
    "MechanismView",
    "MeetingView",
    "Registry",
    "Support",
    "TrackView",
    "fold_registry",
]


@dataclass(slots=True)
class ActorView:
    """An actor as the record shows it now."""

    code: str
    name: dict[str, str]
    kind: str
    layer: str
    status: str = "registered"  # registered | invited | participant | withdrawn
    roles: set[str] = field(default_factory=set)
    invited_on: date | None = None
    joined_on: date | None = None
    withdrew_on: date | None = None
    support_expressed_on: date | None = None
    prospective_participant: bool = False
    registered_on: date | None = None
    role_since: dict[str, date] = field(default_factory=dict)
    #: Each time it took part: (joined on, withdrew on, or None while it does).
    spells: list[tuple[date, date | None]] = field(default_factory=list)

    def participant_on(self, day: date) -> bool:
        """Whether it took part on ``day``: joined on or before it and not
        withdrawn by then."""
        return any(
            joined <= day and (withdrew is None or withdrew > day)
            for joined, withdrew in self.spells
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON data for views."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "layer": self.layer,
            "status": self.status,
            "roles": sorted(self.roles),
            "invited_on": _iso(self.invited_on),
            "joined_on": _iso(self.joined_on),
            "withdrew_on": _iso(self.withdrew_on),
            "support_expressed_on": _iso(self.support_expressed_on),
            "registered_on": _iso(self.registered_on),
        }


@dataclass(slots=True)
class TrackView:
    """An issue track on the agenda."""

    code: str
    name: dict[str, str]
    category: str
    added_on: date
    decision: str | None = None
    open: bool = True

    def as_dict(self) -> dict[str, Any]:
        """JSON data for views."""
        return {
            "code": self.code,
            "name": self.name,
            "category": self.category,
            "added_on": self.added_on.isoformat(),
            "decision": self.decision,
            "open": self.open,
        }


@dataclass(slots=True)
class MechanismView:
    """An existing (or new) mechanism for cooperation."""

    mechanism: str
    acronym: str
    name: dict[str, str]
    kind: str
    agenda: dict[str, str]
    tracks: set[str]
    members: set[str]
    member_count: int | None
    other_members: str | None
    relation: str | None
    widens: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON data for views."""
        return {
            "mechanism": self.mechanism,
            "acronym": self.acronym,
            "name": self.name,
            "kind": self.kind,
            "agenda": self.agenda,
            "tracks": sorted(self.tracks),
            "members": sorted(self.members),
            "member_count": self.member_count,
            "other_members": self.other_members,
            "relation": self.relation,
            "widens": self.widens,
        }


#: An event as the registry reads it: seq, type, occurred_at, actor, payload,
#: classification.
FoldRow = tuple[int, str, str, str | None, str, str]


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day(text: str) -> date:
    return date.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class Support:
    """An expression of support for the initiative."""

    code: str
    on: date
    seq: int
    occasion: str | None


@dataclass(slots=True)
class Registry:
    """Actors, tracks, meetings and mechanisms, folded from the record."""

    actors: dict[str, ActorView] = field(default_factory=dict)
    tracks: dict[str, TrackView] = field(default_factory=dict)
    meetings: dict[str, MeetingView] = field(default_factory=dict)
    mechanisms: dict[str, MechanismView] = field(default_factory=dict)
    supports: list[Support] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    decisions: dict[str, DecisionView] = field(default_factory=dict)
    projects: dict[str, ProjectView] = field(default_factory=dict)
    commitments: dict[str, CommitmentView] = field(default_factory=dict)
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    amendments: list[tuple[date, dict[str, Any]]] = field(default_factory=list)
    initiatives: dict[str, int] = field(default_factory=dict)
    keys: dict[str, KeyView] = field(default_factory=dict)
    classified: dict[tuple[str, str], str] = field(default_factory=dict)
    #: The rank ladder: per (track, or None for none, layer, rank), the sorted
    #: days multilateral meetings were held on (kept by the fold, counted by
    #: bisection: the gradual-rank rule never scans the meetings).
    ladder: dict[tuple[str | None, str, str], list[date]] = field(default_factory=dict)
    seq: int = 0
    last_day: date | None = None
    _last_text: str | None = field(default=None, repr=False, compare=False)

    def apply(self, event: RecordedEvent) -> None:
        """Fold one recorded event in."""
        self.apply_row(
            (
                event.seq,
                event.type,
                event.occurred_at,
                event.actor,
                event.payload_json,
                event.classification,
            )
        )

    def apply_row(self, row: FoldRow) -> None:
        """Fold one event in, given as the columns the registry reads."""
        seq, type_, occurred_at, actor, payload_json, classification = row
        handler = _HANDLERS.get(type_)
        if handler is not None:
            payload = json.loads(payload_json)
            payload["__seq"] = seq
            payload["__actor"] = actor
            payload["__occurred"] = occurred_at
            payload["__classification"] = classification
            handler(self, payload)
            made = _CREATES.get(type_)
            if made is not None:
                self.classified[(made[0], payload[made[1]])] = classification
        self.seq = seq
        day = occurred_at[:10]  # canonical timestamps sort as text
        if self._last_text is None or day > self._last_text:
            self._last_text = day
            self.last_day = date.fromisoformat(day)

    def participants(self) -> list[str]:
        """Codes of the current participants."""
        return sorted(c for c, a in self.actors.items() if a.status == "participant")

    def rules_on(self, day: date) -> Rules:
        """The rules of procedure in force on ``day``."""
        return rules_in_force(self.amendments, day)

    def facilitator(self) -> str | None:
        """The actor holding the facilitator role, if any."""
        for code, actor in self.actors.items():
            if "facilitator" in actor.roles:
                return code
        return None

    def observers(self) -> list[str]:
        """Codes of the current observers."""
        return sorted(c for c, a in self.actors.items() if "observer" in a.roles)

    def classification_of(self, kind: str, ident: str) -> str | None:
        """Who may read the ``kind`` (``meeting``, ``proposal``, ``document``,
        ``project``, ``commitment``, ``incident``, ``mechanism``) named
        ``ident``: the classification of the event that created it, or None
        when the record has no such object."""
        return self.classified.get((kind, ident))

    def to_acknowledge(self, code: str) -> list[str]:
        """Meetings, by date, at which ``code`` has a reported attendance it
        has not acknowledged (rule 0): it counts once acknowledged."""
        return [
            m.meeting
            for m in sorted(
                self.meetings.values(), key=lambda m: (m.starts_on, m.meeting)
            )
            if code in m.reported and m.counted(code) != m.reported[code]
        ]

    def held_before(self, track: str | None, layer: str, rank: str, day: date) -> int:
        """Multilateral meetings held at ``rank`` in ``layer`` on ``track`` (on no
        track when None) before ``day``."""
        return bisect_left(self.ladder.get((track, layer, rank), ()), day)


def _actor_registered(reg: Registry, p: dict[str, Any]) -> None:
    reg.actors[p["code"]] = ActorView(
        code=p["code"],
        name=p["name"],
        kind=p["kind"],
        layer=p.get("layer", "track-1"),
        prospective_participant=p.get("prospective_participant", False),
        registered_on=_day(p["__occurred"][:10]),
    )


def _actor(reg: Registry, code: str) -> ActorView | None:
    return reg.actors.get(code)


def _actor_invited(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.invited_on = _day(p["invited_on"])
        if actor.status == "registered":
            actor.status = "invited"


def _actor_joined(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        joined_on = _day(p["joined_on"])
        if actor.status != "participant":  # a repeated notification adds no spell
            actor.spells.append((joined_on, None))
        actor.status = "participant"
        actor.joined_on = joined_on
        actor.withdrew_on = None


def _actor_withdrew(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        withdrew_on = _day(p["withdrew_on"])
        if actor.spells and actor.spells[-1][1] is None:
            actor.spells[-1] = (actor.spells[-1][0], withdrew_on)
        actor.status = "withdrawn"
        actor.withdrew_on = withdrew_on


def _observer_admitted(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.roles.add("observer")


def _role_assigned(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.roles.add(p["role"])
        actor.role_since[p["role"]] = _day(p["assigned_on"])


def _role_relinquished(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.roles.discard(p["role"])
        actor.role_since.pop(p["role"], None)


def _support_expressed(reg: Registry, p: dict[str, Any]) -> None:
    on = _day(p["expressed_on"])
    reg.supports.append(Support(p["code"], on, p["__seq"], p.get("occasion")))
    actor = _actor(reg, p["code"])
    if actor is not None and actor.support_expressed_on is None:
        actor.support_expressed_on = on


def _clean(p: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in p.items() if not k.startswith("__")}


def _document_issued(reg: Registry, p: dict[str, Any]) -> None:
    reg.documents[p["document"]] = _clean(p)


def _track_added(reg: Registry, p: dict[str, Any]) -> None:
    reg.tracks[p["code"]] = TrackView(
        p["code"], p["name"], p["category"], _day(p["added_on"]), p.get("decision")
    )


def _track_closed(reg: Registry, p: dict[str, Any]) -> None:
    track = reg.tracks.get(p["code"])
    if track is not None:
        track.open = False


def _mechanism_registered(reg: Registry, p: dict[str, Any]) -> None:
    reg.mechanisms[p["mechanism"]] = MechanismView(
        mechanism=p["mechanism"],
        acronym=p["acronym"],
        name=p["name"],
        kind=p["kind"],
        agenda=p["agenda"],
        tracks=set(p.get("tracks", ())),
        members=set(p.get("members", ())),
        member_count=p.get("member_count"),
        other_members=p.get("other_members"),
        relation=p.get("relation"),
        widens=p.get("widens"),
    )


def _mechanism_widened(reg: Registry, p: dict[str, Any]) -> None:
    mechanism = reg.mechanisms.get(p["mechanism"])
    if mechanism is not None:
        added = set(p.get("added_members", ())) - mechanism.members
        mechanism.members |= added
        mechanism.tracks |= set(p.get("added_tracks", ()))
        if mechanism.member_count is not None:
            mechanism.member_count += len(added)


#: The events that create an object others refer to by id: its kind and the
#: payload field holding its id (the registry keeps its classification).
_CREATES: dict[str, tuple[str, str]] = {
    "MeetingConvened": ("meeting", "meeting"),
    "ProposalTabled": ("proposal", "proposal"),
    "DocumentIssued": ("document", "document"),
    "ProjectLaunched": ("project", "project"),
    "CommitmentMade": ("commitment", "commitment"),
    "IncidentRecorded": ("incident", "incident"),
    "MechanismRegistered": ("mechanism", "mechanism"),
}

#: Every handler, each given the registry (which the meetings' and the
#: process's handlers see as their part of it: mypy checks that it is one).
_HANDLERS: dict[str, Callable[[Registry, dict[str, Any]], None]] = {
    "ActorRegistered": _actor_registered,
    "ActorInvited": _actor_invited,
    "ActorJoined": _actor_joined,
    "ActorWithdrew": _actor_withdrew,
    "ObserverAdmitted": _observer_admitted,
    "RoleAssigned": _role_assigned,
    "RoleRelinquished": _role_relinquished,
    "SupportExpressed": _support_expressed,
    "TrackAdded": _track_added,
    "TrackClosed": _track_closed,
    **MEETING_HANDLERS,
    "MechanismRegistered": _mechanism_registered,
    "MechanismWidened": _mechanism_widened,
    "DocumentIssued": _document_issued,
    **PROCESS_HANDLERS,
}


def fold_registry(recorded: Iterable[RecordedEvent | FoldRow]) -> Registry:
    """The registry after folding ``recorded`` in order: events, or rows
    ``(seq, type, occurred_at, actor, payload, classification)`` as a ledger's
    ``iter_fold_rows`` gives them (no envelope object per event)."""
    registry = Registry()
    apply_row = registry.apply_row
    for item in recorded:
        if isinstance(item, RecordedEvent):
            registry.apply(item)
        else:
            apply_row(item)
    return registry
