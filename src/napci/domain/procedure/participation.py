"""Registry and meetings: open participation, attendance, the gradual rank.

Rules: ``open-participation`` (states join and withdraw by their own
notification, no one can veto it), ``own-act`` (an actor acts for itself;
the facilitator records what meetings decide), ``facilitator`` (the
facilitator's acts are its secretariat's: the facilitating actor's delegation
has a participant's powers only), ``gradual-rank`` (DESIGN §4.4b),
``known-track``, ``no-future``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from napci.domain.events import (
    ActorInvited,
    ActorJoined,
    ActorRegistered,
    ActorWithdrew,
    AttendanceConfirmed,
    AttendanceRecorded,
    DocumentIssued,
    MeetingCancelled,
    MeetingConvened,
    MeetingHeld,
)
from napci.domain.procedure.base import (
    Context,
    Emit,
    Refusal,
    ask_secretariat,
    require,
)
from napci.domain.registry import Registry
from napci.domain.rules_of_procedure import RANKS

__all__ = [
    "CancelMeeting",
    "ConfirmAttendance",
    "ConveneMeeting",
    "HoldMeeting",
    "InviteActor",
    "IssueDocument",
    "JoinActor",
    "RecordAttendance",
    "RegisterActor",
    "WithdrawActor",
    "cancel_meeting",
    "check_actor",
    "check_facilitator",
    "check_not_future",
    "confirm_attendance",
    "convene_meeting",
    "hold_meeting",
    "invite_actor",
    "issue_document",
    "join_actor",
    "record_attendance",
    "register_actor",
    "withdraw_actor",
]


def check_not_future(ctx: Context, day: date, what: str) -> None:
    """Refuse a fact dated after today."""
    require(
        day <= ctx.today,
        "no-future",
        f"{what} is dated {day.isoformat()}, after today ({ctx.today.isoformat()})",
        "Record it once it has happened.",
    )


def check_actor(registry: Registry, code: str) -> None:
    """Refuse an actor code the registry does not know."""
    if code not in registry.actors:
        raise Refusal(
            "registry",
            f"{code} is not in the registry",
            f"Known actors: {', '.join(sorted(registry.actors))}.",
        )


def check_facilitator(ctx: Context, by: str, what: str) -> None:
    """Refuse unless ``by`` is the facilitator, acting as its secretariat."""
    facilitator = ctx.registry.facilitator()
    if ctx.as_delegation(by):
        raise Refusal(
            "facilitator",
            f"{what} is the facilitator's ({facilitator}) to record{ctx.capacity(by)}",
            ask_secretariat("record it"),
        )
    require(
        by == facilitator,
        "facilitator",
        f"{what} is the facilitator's ({facilitator or 'none designated'}) to "
        f"record, not {by}'s",
        f"Act as {facilitator}." if facilitator else None,
    )


def _own_act(by: str, code: str, what: str) -> None:
    require(
        by == code,
        "own-act",
        f"{by} cannot {what} on behalf of {code}",
        f"{code} must act itself.",
    )


@dataclass(frozen=True, slots=True)
class RegisterActor:
    """Enter an organisation or institute (or a state) in the registry."""

    code: str
    name: str
    kind: str
    layer: str
    on: date
    by: str


def register_actor(cmd: RegisterActor, ctx: Context) -> list[Emit]:
    """The facilitator registers a new actor."""
    reg = ctx.registry
    check_facilitator(ctx, cmd.by, "registering an actor")
    require(
        cmd.code not in reg.actors,
        "registry",
        f"{cmd.code} is already registered",
    )
    check_not_future(ctx, cmd.on, "the registration")
    event = ActorRegistered(
        code=cmd.code,
        name={"en": cmd.name},
        kind=cmd.kind,
        layer=cmd.layer,
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class JoinActor:
    """A state notifies that it takes part."""

    code: str
    on: date
    by: str


def join_actor(cmd: JoinActor, ctx: Context) -> list[Emit]:
    """Open participation: a state joins by its own notification, at any stage."""
    reg = ctx.registry
    check_actor(reg, cmd.code)
    _own_act(cmd.by, cmd.code, "notify participation")
    actor = reg.actors[cmd.code]
    require(
        actor.kind == "state",
        "open-participation",
        f"{cmd.code} is an {actor.kind}; organisations and institutes take part "
        "as observers",
        f"Table an admit-observer proposal for {cmd.code}.",
    )
    require(
        actor.status != "participant",
        "open-participation",
        f"{cmd.code} already takes part (since {actor.joined_on})",
    )
    check_not_future(ctx, cmd.on, "the notification")
    return [Emit(ActorJoined(code=cmd.code, joined_on=cmd.on), cmd.on, cmd.code)]


@dataclass(frozen=True, slots=True)
class WithdrawActor:
    """A participant notifies that it no longer takes part."""

    code: str
    on: date
    by: str
    reason: str | None = None


def withdraw_actor(cmd: WithdrawActor, ctx: Context) -> list[Emit]:
    """A participant withdraws by its own notification."""
    reg = ctx.registry
    check_actor(reg, cmd.code)
    _own_act(cmd.by, cmd.code, "withdraw")
    require(
        reg.actors[cmd.code].status == "participant",
        "open-participation",
        f"{cmd.code} is not a participant",
    )
    check_not_future(ctx, cmd.on, "the withdrawal")
    event = ActorWithdrew(code=cmd.code, withdrew_on=cmd.on, reason=cmd.reason)
    return [Emit(event, cmd.on, cmd.code)]


@dataclass(frozen=True, slots=True)
class InviteActor:
    """The facilitator invites an actor to take part."""

    code: str
    on: date
    by: str
    note: str | None = None


def invite_actor(cmd: InviteActor, ctx: Context) -> list[Emit]:
    """Invitations come from the facilitator; participants need none."""
    reg = ctx.registry
    check_actor(reg, cmd.code)
    check_facilitator(ctx, cmd.by, "an invitation")
    require(
        reg.actors[cmd.code].status != "participant",
        "open-participation",
        f"{cmd.code} already takes part",
    )
    check_not_future(ctx, cmd.on, "the invitation")
    event = ActorInvited(
        code=cmd.code, invited_on=cmd.on, invited_by=cmd.by, note=cmd.note
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class ConveneMeeting:
    """Call a meeting on issue tracks."""

    meeting: str
    title: str
    tracks: tuple[str, ...]
    rank: str
    layer: str
    starts_on: date
    on: date
    by: str
    host: str | None = None
    chair: str | None = None
    occasion: str | None = None
    venue: str | None = None
    format: str = "multilateral"
    invitees: tuple[str, ...] = ()


def _held_at_rank(reg: Registry, track: str | None, rank: str, enough: int) -> int:
    """Multilateral meetings held at ``rank`` on ``track`` (on no track when
    None), counted up to ``enough``: a command's cost does not grow with the
    record (short of ``enough``, the count is exact)."""
    held = 0
    for meeting in reg.held_at(track, rank):
        if meeting.format == "multilateral":
            held += 1
            if held >= enough:
                break
    return held


def convene_meeting(cmd: ConveneMeeting, ctx: Context) -> list[Emit]:
    """Convene, with the gradual rank: one step after two meetings below."""
    reg = ctx.registry
    require(
        cmd.meeting not in reg.meetings,
        "registry",
        f"meeting {cmd.meeting} is already convened",
        "Choose another id.",
    )
    allowed = {ctx.registry.facilitator(), cmd.host} - {None}
    ctx.require_facilitator_or(
        cmd.by,
        "facilitator",
        f"{cmd.by} cannot convene {cmd.meeting}: the facilitator or the host convenes",
        "convene it",
        f"Act as {' or '.join(sorted(a for a in allowed if a))}.",
        host=cmd.host,
    )
    for code in (cmd.host, cmd.chair, *cmd.invitees):
        if code is not None:
            check_actor(reg, code)
    for track in cmd.tracks:
        require(
            track in reg.tracks and reg.tracks[track].open,
            "known-track",
            f"{track} is not a track on the agenda",
            f"On the agenda: {', '.join(c for c, t in reg.tracks.items() if t.open)}.",
        )
    rules = ctx.rules(cmd.on)
    needed = rules.whole("procedure.rank_meetings")
    # An unknown rank has no step: the event's schema refuses it below.
    step = RANKS.index(cmd.rank) if cmd.rank in RANKS else 0
    if step > 0:
        below = RANKS[step - 1]
        # A multilateral meeting on no particular track climbs the ranks too;
        # bilateral meetings and forums are outside the ladder.
        general: tuple[str | None, ...] = (
            (None,) if cmd.format == "multilateral" else ()
        )
        for ladder in cmd.tracks or general:
            held = _held_at_rank(reg, ladder, below, needed)
            where = f"on {ladder}" if ladder else "on no particular track"
            require(
                held >= needed,
                "gradual-rank",
                f"a {cmd.rank} meeting {where} needs {needed} {below} meetings "
                f"held first; the record shows {held}",
                f"Convene it at {below} rank, or hold {needed - held} more {below} "
                "meeting(s) first.",
            )
    check_not_future(ctx, cmd.on, "the convening")
    event = MeetingConvened(
        meeting=cmd.meeting,
        title={"en": cmd.title},
        tracks=cmd.tracks,
        rank=cmd.rank,
        layer=cmd.layer,
        starts_on=cmd.starts_on,
        host=cmd.host,
        chair=cmd.chair,
        occasion=cmd.occasion,
        venue=cmd.venue,
        format=cmd.format,
        invitees=cmd.invitees,
    )
    return [Emit(event, cmd.on, cmd.by)]


def _meeting(reg: Registry, meeting: str) -> None:
    if meeting not in reg.meetings:
        raise Refusal("registry", f"meeting {meeting} is not convened")


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
    _meeting(reg, cmd.meeting)
    check_actor(reg, cmd.code)
    _own_act(cmd.by, cmd.code, "confirm attendance")
    meeting = reg.meetings[cmd.meeting]
    require(
        meeting.status == "convened",
        "meetings",
        f"meeting {cmd.meeting} is {meeting.status}",
    )
    check_not_future(ctx, cmd.on, "the confirmation")
    event = AttendanceConfirmed(meeting=cmd.meeting, code=cmd.code)
    return [Emit(event, cmd.on, cmd.code)]


def _recorder(ctx: Context, meeting: str, by: str, what: str) -> None:
    view = ctx.registry.meetings[meeting]
    ctx.require_facilitator_or(
        by,
        "facilitator",
        f"{what} of {meeting} is recorded by the facilitator, the host or the "
        f"chair, not {by}",
        "record it",
        host=view.host,
        chair=view.chair,
    )


@dataclass(frozen=True, slots=True)
class RecordAttendance:
    """Record whether an actor attended."""

    meeting: str
    code: str
    attended: bool
    on: date
    by: str


def record_attendance(cmd: RecordAttendance, ctx: Context) -> list[Emit]:
    """The facilitator, host or chair records attendance."""
    reg = ctx.registry
    _meeting(reg, cmd.meeting)
    check_actor(reg, cmd.code)
    _recorder(ctx, cmd.meeting, cmd.by, "attendance")
    require(
        reg.meetings[cmd.meeting].status != "cancelled",
        "meetings",
        f"meeting {cmd.meeting} was cancelled",
    )
    check_not_future(ctx, cmd.on, "the attendance")
    event = AttendanceRecorded(
        meeting=cmd.meeting, code=cmd.code, attended=cmd.attended
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class HoldMeeting:
    """Record that a convened meeting took place."""

    meeting: str
    held_on: date
    by: str
    ends_on: date | None = None


def hold_meeting(cmd: HoldMeeting, ctx: Context) -> list[Emit]:
    """A meeting is held once, on or after the day it was convened for."""
    reg = ctx.registry
    _meeting(reg, cmd.meeting)
    _recorder(ctx, cmd.meeting, cmd.by, "the holding")
    meeting = reg.meetings[cmd.meeting]
    require(
        meeting.status == "convened",
        "meetings",
        f"meeting {cmd.meeting} is already {meeting.status}",
    )
    require(
        cmd.held_on >= meeting.starts_on,
        "meetings",
        f"meeting {cmd.meeting} was convened for {meeting.starts_on.isoformat()}; "
        f"it cannot have been held on {cmd.held_on.isoformat()}",
    )
    check_not_future(ctx, cmd.held_on, "the meeting")
    event = MeetingHeld(meeting=cmd.meeting, held_on=cmd.held_on, ends_on=cmd.ends_on)
    return [Emit(event, cmd.held_on, cmd.by)]


@dataclass(frozen=True, slots=True)
class CancelMeeting:
    """Call off a convened meeting."""

    meeting: str
    on: date
    by: str
    reason: str | None = None


def cancel_meeting(cmd: CancelMeeting, ctx: Context) -> list[Emit]:
    """Only a meeting not yet held can be cancelled."""
    reg = ctx.registry
    _meeting(reg, cmd.meeting)
    _recorder(ctx, cmd.meeting, cmd.by, "the cancellation")
    require(
        reg.meetings[cmd.meeting].status == "convened",
        "meetings",
        f"meeting {cmd.meeting} is {reg.meetings[cmd.meeting].status}",
    )
    check_not_future(ctx, cmd.on, "the cancellation")
    event = MeetingCancelled(
        meeting=cmd.meeting, cancelled_on=cmd.on, reason=cmd.reason
    )
    return [Emit(event, cmd.on, cmd.by)]


@dataclass(frozen=True, slots=True)
class IssueDocument:
    """Issue a document: a statement, a chair's statement, or a draft to adopt."""

    document: str
    kind: str
    title: str
    on: date
    by: str
    tracks: tuple[str, ...] = ()
    meeting: str | None = None
    text: str | None = None


def issue_document(cmd: IssueDocument, ctx: Context) -> list[Emit]:
    """Participants issue documents; a chair's statement comes from the chair.

    A recognition or vision issued here is a draft: it binds no one until a
    consensus adopts it (an adopt-document proposal).
    """
    reg = ctx.registry
    require(
        cmd.document not in reg.documents,
        "registry",
        f"document {cmd.document} has been issued already",
        "Choose another id.",
    )
    check_actor(reg, cmd.by)
    if cmd.meeting is not None:
        _meeting(reg, cmd.meeting)
    if cmd.kind == "chair-statement":
        chair = None if cmd.meeting is None else reg.meetings[cmd.meeting].chair
        require(
            cmd.meeting is not None and cmd.by == chair,
            "chair-statement",
            f"a chair's statement is issued by the chair of its meeting"
            f"{'' if chair is None else f' ({chair})'}, not {cmd.by}",
            "Name the meeting (--meeting) and act as its chair.",
        )
    else:
        actor = reg.actors[cmd.by]
        require(
            actor.status == "participant" or "observer" in actor.roles,
            "observer",
            f"{cmd.by} is neither a participant nor an observer",
        )
    for track in cmd.tracks:
        require(
            track in reg.tracks and reg.tracks[track].open,
            "known-track",
            f"{track} is not a track on the agenda",
        )
    check_not_future(ctx, cmd.on, "the document")
    event = DocumentIssued(
        document=cmd.document,
        kind=cmd.kind,
        title={"en": cmd.title},
        issued_by=cmd.by,
        issued_on=cmd.on,
        tracks=cmd.tracks,
        meeting=cmd.meeting,
        text=cmd.text,
    )
    return [Emit(event, cmd.on, cmd.by)]
