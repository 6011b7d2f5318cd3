"""The registry read model: actors, tracks, meetings and mechanisms.

A pure fold over recorded events in ``seq`` order. It knows the current state
of who takes part in which role, what is on the agenda, which meetings were
convened and held with whom, and which mechanisms exist. Later rules and views
read it; nothing here touches a database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from napci.domain.envelope import RecordedEvent
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
class MeetingView:
    """A meeting: how it was convened, whether it was held, who attended."""

    meeting: str
    title: dict[str, str]
    tracks: tuple[str, ...]
    rank: str
    layer: str
    starts_on: date
    date_precision: str
    host: str | None
    chair: str | None
    occasion: str | None
    format: str
    status: str = "convened"  # convened | held | cancelled
    confirmed: set[str] = field(default_factory=set)
    attended: set[str] = field(default_factory=set)
    absent: set[str] = field(default_factory=set)
    attendance_complete: bool = True

    def as_dict(self) -> dict[str, Any]:
        """JSON data for views."""
        return {
            "meeting": self.meeting,
            "title": self.title,
            "tracks": list(self.tracks),
            "rank": self.rank,
            "layer": self.layer,
            "starts_on": self.starts_on.isoformat(),
            "date_precision": self.date_precision,
            "host": self.host,
            "chair": self.chair,
            "occasion": self.occasion,
            "format": self.format,
            "status": self.status,
            "confirmed": sorted(self.confirmed),
            "attended": sorted(self.attended),
            "absent": sorted(self.absent),
            "attendance_complete": self.attendance_complete,
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
    #: Held meetings by (track, rank), a meeting on no track under None:
    #: what the rank ladder counts, without going through every meeting.
    held: dict[tuple[str | None, str], dict[str, MeetingView]] = field(
        default_factory=dict
    )
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

    def held_at(self, track: str | None, rank: str) -> Iterable[MeetingView]:
        """The held meetings of ``rank`` on ``track`` (on no track: None)."""
        return self.held.get((track, rank), {}).values()


def _actor_registered(reg: Registry, p: dict[str, Any]) -> None:
    reg.actors[p["code"]] = ActorView(
        code=p["code"],
        name=p["name"],
        kind=p["kind"],
        layer=p.get("layer", "track-1"),
        prospective_participant=p.get("prospective_participant", False),
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
        actor.status = "participant"
        actor.joined_on = _day(p["joined_on"])
        actor.withdrew_on = None


def _actor_withdrew(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.status = "withdrawn"
        actor.withdrew_on = _day(p["withdrew_on"])


def _observer_admitted(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.roles.add("observer")


def _role_assigned(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.roles.add(p["role"])


def _role_relinquished(reg: Registry, p: dict[str, Any]) -> None:
    actor = _actor(reg, p["code"])
    if actor is not None:
        actor.roles.discard(p["role"])


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


def _unheld(reg: Registry, meeting: MeetingView) -> None:
    for track in meeting.tracks or (None,):
        reg.held.get((track, meeting.rank), {}).pop(meeting.meeting, None)


def _meeting_convened(reg: Registry, p: dict[str, Any]) -> None:
    before = reg.meetings.get(p["meeting"])
    if before is not None:  # convened again: the new view replaces it
        _unheld(reg, before)
    reg.meetings[p["meeting"]] = MeetingView(
        meeting=p["meeting"],
        title=p["title"],
        tracks=tuple(p.get("tracks", ())),
        rank=p["rank"],
        layer=p["layer"],
        starts_on=_day(p["starts_on"]),
        date_precision=p.get("date_precision", "day"),
        host=p.get("host"),
        chair=p.get("chair"),
        occasion=p.get("occasion"),
        format=p.get("format", "multilateral"),
    )


def _attendance_confirmed(reg: Registry, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is not None:
        meeting.confirmed.add(p["code"])


def _attendance_recorded(reg: Registry, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is None:
        return
    if p["attended"]:
        meeting.attended.add(p["code"])
        meeting.absent.discard(p["code"])
    else:
        meeting.absent.add(p["code"])
        meeting.attended.discard(p["code"])


def _meeting_held(reg: Registry, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is not None:
        meeting.status = "held"
        meeting.starts_on = _day(p["held_on"])
        meeting.date_precision = p.get("date_precision", meeting.date_precision)
        meeting.attendance_complete = p.get("attendance_complete", True)
        for track in meeting.tracks or (None,):
            reg.held.setdefault((track, meeting.rank), {})[meeting.meeting] = meeting


def _meeting_cancelled(reg: Registry, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is not None:
        meeting.status = "cancelled"
        _unheld(reg, meeting)


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


_HANDLERS: dict[str, Any] = {
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
    "MeetingConvened": _meeting_convened,
    "AttendanceConfirmed": _attendance_confirmed,
    "AttendanceRecorded": _attendance_recorded,
    "MeetingHeld": _meeting_held,
    "MeetingCancelled": _meeting_cancelled,
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
