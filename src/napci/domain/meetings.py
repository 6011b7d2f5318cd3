"""The meetings read model: convened, held or cancelled, and who attended.

Attendance follows rule 0 (DESIGN §4): the record says a state attended a
meeting (or stayed away) only on its own word. A report by the meeting's host
or chair about another delegation is *reported*; it *counts* once that
delegation acknowledges it (``AttendanceAcknowledged``), or when the
facilitator's secretariat recorded it as secretariat, or the delegation
itself. :func:`attendance_counts` says which ``AttendanceRecorded`` entries
count on their own; it is the one test every reader of attendance applies
(the registry here; the trust fold mirrors it in SQL).

Handlers here are folded by :class:`napci.domain.registry.Registry` with the
rest of the registry (see :mod:`napci.domain.process` for what a payload
carries besides its fields). They see the registry as :class:`MeetingParts`,
the part of it they keep, so that this module needs nothing of the
registry's (which imports it).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

__all__ = ["MEETING_HANDLERS", "MeetingParts", "MeetingView", "attendance_counts"]


def attendance_counts(payload: Mapping[str, Any]) -> bool:
    """Whether an ``AttendanceRecorded`` payload counts as the delegation's
    own word (acknowledged attendance), without any acknowledgement.

    Its ``acknowledged`` field says so when present. An entry written before
    acknowledgement existed has none: it counts when it carries at least one
    source (the sourced public record, such as the NAPCI record 2013-2014),
    and is only reported otherwise.

    >>> attendance_counts({"attended": True, "acknowledged": False})
    False
    >>> attendance_counts({"attended": True, "sources": [{"title": "x"}]})
    True
    >>> attendance_counts({"attended": True, "sources": []})
    False
    """
    acknowledged = payload.get("acknowledged")
    if acknowledged is not None:
        return bool(acknowledged)
    return bool(payload.get("sources"))


def _day(text: str) -> date:
    return date.fromisoformat(text)


@dataclass(slots=True)
class MeetingView:
    """A meeting: how it was convened, whether it was held, who attended.

    ``attended`` and ``absent`` hold the *counted* attendance: what each
    delegation acknowledged (or the secretariat recorded as secretariat).
    ``reported`` holds the latest report per delegation, counted or not, and
    ``reported_on`` its day. A later report that no one acknowledged never
    overrides a counted value: it is *pending* until acknowledged.
    """

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
    reported: dict[str, bool] = field(default_factory=dict)
    reported_on: dict[str, date] = field(default_factory=dict)
    #: Counted attendance in record order: (dated, code, attended).
    counted_log: list[tuple[date, str, bool]] = field(default_factory=list)

    def attended_on(self, day: date) -> set[str]:
        """Who the record counted as attending, as it stood on ``day``: what
        was counted later (recorded, acknowledged or corrected later) is no
        part of it."""
        attended: set[str] = set()
        for on, code, present in sorted(self.counted_log, key=lambda a: a[0]):
            if on > day:
                break
            if present:
                attended.add(code)
            else:
                attended.discard(code)
        return attended

    def counted(self, code: str) -> bool | None:
        """``code``'s counted attendance: attended, absent, or none counted."""
        if code in self.attended:
            return True
        if code in self.absent:
            return False
        return None

    def pending(self) -> list[str]:
        """Delegations whose latest reported attendance does not count yet:
        each has a report to acknowledge."""
        return sorted(c for c, v in self.reported.items() if self.counted(c) != v)

    def attendance(self) -> list[dict[str, Any]]:
        """Per delegation: its reported and its acknowledged (counted)
        attendance, ``None`` where there is none."""
        codes = sorted({*self.reported, *self.attended, *self.absent})
        return [
            {
                "code": code,
                "reported": self.reported.get(code),
                "acknowledged": self.counted(code),
            }
            for code in codes
        ]

    def count(self, code: str, attended: bool, on: date) -> None:
        """Count ``code``'s attendance as ``attended``, from ``on``."""
        self.counted_log.append((on, code, attended))
        if attended:
            self.attended.add(code)
            self.absent.discard(code)
        else:
            self.absent.add(code)
            self.attended.discard(code)

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
            "attendance": self.attendance(),
            "to_acknowledge": self.pending(),
        }


class MeetingParts(Protocol):
    """What the handlers here fold into: the meetings' part of a registry
    (:class:`napci.domain.registry.Registry` is one)."""

    meetings: dict[str, MeetingView]
    #: per (track or None, layer, rank), the sorted days multilateral
    #: meetings were held on
    ladder: dict[tuple[str | None, str, str], list[date]]


def _meeting_convened(reg: MeetingParts, p: dict[str, Any]) -> None:
    _off_the_ladder(reg, reg.meetings.get(p["meeting"]))
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


def _attendance_confirmed(reg: MeetingParts, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is not None:
        meeting.confirmed.add(p["code"])


def _attendance_recorded(reg: MeetingParts, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is None:
        return
    code, attended = p["code"], bool(p["attended"])
    on = _day(p["__occurred"][:10])
    meeting.reported[code] = attended
    meeting.reported_on[code] = on
    if attendance_counts(p):
        meeting.count(code, attended, on)


def _attendance_acknowledged(reg: MeetingParts, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is None:
        return
    code, attended = p["code"], bool(p["attended"])
    on = _day(p["__occurred"][:10])
    if code not in meeting.reported:
        meeting.reported[code] = attended
        meeting.reported_on[code] = on
    meeting.count(code, attended, on)


def _ladder_keys(meeting: MeetingView) -> list[tuple[str | None, str, str]]:
    """Where a held meeting stands on the rank ladder: bilateral meetings and
    forums stand nowhere."""
    if meeting.format != "multilateral":
        return []
    tracks: tuple[str | None, ...] = meeting.tracks or (None,)
    return [(track, meeting.layer, meeting.rank) for track in tracks]


def _off_the_ladder(reg: MeetingParts, meeting: MeetingView | None) -> None:
    """Take a held meeting off the ladder (held again, cancelled or convened
    again: the rules refuse these, the fold stays exact all the same)."""
    if meeting is not None and meeting.status == "held":
        for key in _ladder_keys(meeting):
            reg.ladder[key].remove(meeting.starts_on)


def _meeting_held(reg: MeetingParts, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is not None:
        _off_the_ladder(reg, meeting)
        for key in _ladder_keys(meeting):
            insort(reg.ladder.setdefault(key, []), _day(p["held_on"]))
        meeting.status = "held"
        meeting.starts_on = _day(p["held_on"])
        meeting.date_precision = p.get("date_precision", meeting.date_precision)
        meeting.attendance_complete = p.get("attendance_complete", True)


def _meeting_cancelled(reg: MeetingParts, p: dict[str, Any]) -> None:
    meeting = reg.meetings.get(p["meeting"])
    if meeting is not None:
        _off_the_ladder(reg, meeting)
        meeting.status = "cancelled"


MEETING_HANDLERS: dict[str, Callable[[MeetingParts, dict[str, Any]], None]] = {
    "MeetingConvened": _meeting_convened,
    "AttendanceConfirmed": _attendance_confirmed,
    "AttendanceRecorded": _attendance_recorded,
    "AttendanceAcknowledged": _attendance_acknowledged,
    "MeetingHeld": _meeting_held,
    "MeetingCancelled": _meeting_cancelled,
}
