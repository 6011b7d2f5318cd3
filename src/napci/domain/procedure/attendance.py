"""Attendance (DESIGN §4, rule 0): confirmed, reported, acknowledged.

A delegation *confirms* in advance that it will attend (its own act). After
the meeting, the facilitator's secretariat, the host or the chair *reports*
who attended: a report counts when the secretariat records it as
secretariat, or when the recorder reports its own attendance; a host's or
chair's report about another delegation counts only once that delegation
*acknowledges* it (``AttendanceAcknowledged``). Only counted attendance
counts for consensus, trust and the road-map
(:func:`napci.domain.meetings.attendance_counts`).

Rules: ``own-act``, ``facilitator``, ``meetings``, ``attendance``,
``no-backdating``, ``no-future``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from napci.domain.events import (
    AttendanceAcknowledged,
    AttendanceConfirmed,
    AttendanceRecorded,
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
    check_recorder,
    meeting_seen,
)

__all__ = [
    "AcknowledgeAttendance",
    "ConfirmAttendance",
    "RecordAttendance",
    "acknowledge_attendance",
    "confirm_attendance",
    "record_attendance",
]

Capacity = Literal["secretariat", "host", "chair", "delegation"]


def _attended(value: bool) -> str:
    return "attended" if value else "absent"


@dataclass(frozen=True, slots=True)
class ConfirmAttendance:
    """An actor confirms it will attend."""

    meeting: str
    code: str
    on: date
    by: str


def confirm_attendance(cmd: ConfirmAttendance, ctx: Context) -> list[Emit]:
    """Only the actor itself confirms; a cancelled or past meeting is refused."""
    reg = ctx.registry
    meeting = meeting_seen(ctx, cmd.meeting)
    check_actor(reg, cmd.code)
    ctx.require_own_act(cmd.by, cmd.code, "confirm attendance")
    require(
        meeting.status == "convened",
        "meetings",
        f"meeting {cmd.meeting} is {meeting.status}",
        "Confirm attendance of a meeting still convened, before it is held.",
    )
    check_not_future(ctx, cmd.on, "the confirmation")
    event = AttendanceConfirmed(meeting=cmd.meeting, code=cmd.code)
    return [Emit(event, cmd.on, cmd.code)]


@dataclass(frozen=True, slots=True)
class RecordAttendance:
    """Record whether an actor attended."""

    meeting: str
    code: str
    attended: bool
    on: date
    by: str


def record_attendance(cmd: RecordAttendance, ctx: Context) -> list[Emit]:
    """The facilitator's secretariat, the host or the chair reports attendance;
    the event says in which capacity, and whether it counts as it stands."""
    reg = ctx.registry
    meeting = meeting_seen(ctx, cmd.meeting)
    check_actor(reg, cmd.code)
    check_recorder(ctx, meeting, cmd.by, "attendance")
    require(
        meeting.status != "cancelled",
        "meetings",
        f"meeting {cmd.meeting} was cancelled",
        "Record attendance of a meeting convened or held; a cancelled one had none.",
    )
    check_not_future(ctx, cmd.on, "the attendance")
    capacity: Capacity
    if cmd.by == ctx.facilitator():
        capacity = "secretariat"
    elif cmd.by == cmd.code:
        capacity = "delegation"
    else:
        capacity = "host" if cmd.by == meeting.host else "chair"
    event = AttendanceRecorded(
        meeting=cmd.meeting,
        code=cmd.code,
        attended=cmd.attended,
        recorded_as=capacity,
        acknowledged=capacity in ("secretariat", "delegation"),
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class AcknowledgeAttendance:
    """A delegation acknowledges its own attendance as reported."""

    meeting: str
    code: str
    on: date
    by: str


def acknowledge_attendance(cmd: AcknowledgeAttendance, ctx: Context) -> list[Emit]:
    """Only the delegation itself acknowledges what was reported of it, once
    per reported value, not before the report."""
    reg = ctx.registry
    meeting = meeting_seen(ctx, cmd.meeting)
    check_actor(reg, cmd.code)
    ctx.require_own_act(cmd.by, cmd.code, "acknowledge attendance")
    require(
        meeting.status != "cancelled",
        "meetings",
        f"meeting {cmd.meeting} was cancelled",
        "Acknowledge attendance of a meeting convened or held; a cancelled one "
        "had none.",
    )
    reported = meeting.reported.get(cmd.code)
    if reported is None:
        raise Refusal(
            "attendance",
            f"no attendance of {cmd.code} at {cmd.meeting} has been reported: "
            "there is nothing to acknowledge",
            ask_secretariat("report it", host=meeting.host, chair=meeting.chair),
        )
    require(
        meeting.counted(cmd.code) != reported,
        "attendance",
        f"{cmd.code}'s attendance at {cmd.meeting} ({_attended(reported)}) is "
        "acknowledged already",
        f"Nothing is left to acknowledge: {cmd.code} acknowledges again only "
        f"once the host or the chair reports it {_attended(not reported)}.",
    )
    reported_on = meeting.reported_on[cmd.code]
    require(
        cmd.on >= reported_on,
        "no-backdating",
        f"the acknowledgement is dated {cmd.on.isoformat()}, before the report "
        f"it acknowledges ({reported_on.isoformat()})",
        f"Date it on or after {reported_on.isoformat()}.",
    )
    check_not_future(ctx, cmd.on, "the acknowledgement")
    event = AttendanceAcknowledged(
        meeting=cmd.meeting, code=cmd.code, attended=reported
    )
    return [Emit(event, cmd.on, cmd.code)]
