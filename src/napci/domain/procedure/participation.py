"""Registry and meetings: open participation, attendance, the gradual rank.

Rules: ``open-participation`` (states join and withdraw by their own
notification, no one can veto it), ``own-act`` (an actor acts for itself;
the facilitator records what meetings decide), ``facilitator`` (the
facilitator's acts are its secretariat's: the facilitating actor's delegation
has a participant's powers only), ``gradual-rank`` (DESIGN §4.4b),
``known-track``, ``no-future``, ``no-backdating`` (a host or chair acts for a
meeting only if it took part on the meeting's date). Attendance is in
:mod:`napci.domain.procedure.attendance`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from napci.domain.events import (
    ActorInvited,
    ActorJoined,
    ActorRegistered,
    ActorWithdrew,
    DocumentIssued,
    MeetingCancelled,
    MeetingConvened,
    MeetingHeld,
)
from napci.domain.meetings import MeetingView
from napci.domain.procedure.base import (
    Context,
    Emit,
    Refusal,
    ask_secretariat,
    require,
)
from napci.domain.registry import ActorView, Registry
from napci.domain.rules_of_procedure import RANKS

__all__ = [
    "CancelMeeting",
    "ConveneMeeting",
    "HoldMeeting",
    "InviteActor",
    "IssueDocument",
    "JoinActor",
    "RegisterActor",
    "WithdrawActor",
    "cancel_meeting",
    "check_actor",
    "check_facilitator",
    "check_host_dated",
    "check_not_future",
    "check_recorder",
    "convene_meeting",
    "hold_meeting",
    "invite_actor",
    "issue_document",
    "join_actor",
    "meeting_seen",
    "register_actor",
    "took_part_on",
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
        f"Act as {facilitator}."
        if facilitator
        else "Designate a facilitator first: the NAPCI record (napci init) gives "
        "the role to the ROK.",
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
        "Choose another code; an actor is registered once.",
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
    """Open participation: one of the seven Northeast Asian states (the
    registry's prospective participants) joins by its own notification, at
    any stage."""
    reg = ctx.registry
    check_actor(reg, cmd.code)
    ctx.require_own_act(cmd.by, cmd.code, "notify participation")
    actor = reg.actors[cmd.code]
    require(
        actor.kind == "state",
        "open-participation",
        f"{cmd.code} is an {actor.kind}; organisations and institutes take part "
        "as observers",
        f"Table an admit-observer proposal for {cmd.code}.",
    )
    require(
        actor.prospective_participant,
        "open-participation",
        f"{cmd.code} is not one of the seven Northeast Asian states the initiative "
        "begins with: open participation by notification is theirs; other states "
        "take part as observers or partners",
        f"Table an admit-observer proposal for {cmd.code}, or name it a partner "
        "of a project (projects launch --partners).",
    )
    require(
        actor.status != "participant",
        "open-participation",
        f"{cmd.code} already takes part (since {actor.joined_on})",
        f"Nothing to notify: {cmd.code} joins again only after withdrawing.",
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
    ctx.require_own_act(cmd.by, cmd.code, "withdraw")
    require(
        reg.actors[cmd.code].status == "participant",
        "open-participation",
        f"{cmd.code} is not a participant",
        f"Only a participant withdraws: {cmd.code} would have to join first.",
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
        "Invite an actor that does not take part yet; participants need no invitation.",
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


def convene_meeting(cmd: ConveneMeeting, ctx: Context) -> list[Emit]:
    """Convene, with the gradual rank: one step after two meetings below."""
    reg = ctx.registry
    ctx.require_new_id("meeting", cmd.meeting, cmd.meeting in reg.meetings)
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
    check_host_dated(
        ctx, cmd.by, cmd.meeting, cmd.starts_on, cmd.host, cmd.chair, "convene it"
    )
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
        # bilateral meetings and forums are outside the ladder. Each layer
        # has its own ladder: Track-2 seminars do not qualify a Track-1
        # meeting. Only meetings held before this one starts count.
        general: tuple[str | None, ...] = (
            (None,) if cmd.format == "multilateral" else ()
        )
        starts = cmd.starts_on.isoformat()
        for ladder in cmd.tracks or general:
            held = reg.held_before(ladder, cmd.layer, below, cmd.starts_on)
            where = f"on {ladder}" if ladder else "on no particular track"
            require(
                held >= needed,
                "gradual-rank",
                f"a {cmd.layer} {cmd.rank} meeting {where} needs {needed} "
                f"{cmd.layer} {below} meetings held before it starts ({starts}); "
                f"the record shows {held}",
                f"Convene it at {below} rank, or hold {needed - held} more "
                f"{cmd.layer} {below} meeting(s) {where} and have it start after "
                "them.",
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


def meeting_seen(ctx: Context, meeting: str) -> MeetingView:
    """The meeting ``meeting``, if the caller may read it; refused as not
    convened otherwise, in the same words whether it does not exist or the
    caller may not read it."""
    if meeting not in ctx.seen().meetings or meeting not in ctx.registry.meetings:
        raise Refusal(
            "registry",
            f"meeting {meeting} is not convened",
            "Convene it first (meetings convene), or name a meeting the record holds.",
        )
    return ctx.registry.meetings[meeting]


def took_part_on(actor: ActorView, day: date) -> bool:
    """Whether ``actor`` took part in the process on ``day``: a state as a
    participant (joined by then, not withdrawn), an organisation or an
    institute by being in the record."""
    if actor.kind != "state":
        return actor.registered_on is None or actor.registered_on <= day
    return actor.participant_on(day)


def check_host_dated(
    ctx: Context,
    by: str,
    meeting: str,
    day: date,
    host: str | None,
    chair: str | None,
    to: str,
) -> None:
    """Refuse a host or chair acting as such (not as the facilitator's
    secretariat) for a meeting dated before it took part in the process:
    nothing is dated before the acting party is in the record. The refusal
    asks the secretariat, which acts for any meeting, ``to`` do it."""
    if by == ctx.facilitator() or by not in (host, chair):
        return
    actor = ctx.registry.actors.get(by)
    if actor is None or took_part_on(actor, day):
        return
    capacity = "host" if by == host else "chair"
    since = actor.joined_on if actor.kind == "state" else actor.registered_on
    joined = "" if since is None else f" (it took part from {since.isoformat()})"
    raise Refusal(
        "no-backdating",
        f"{by} acts as {capacity} of meeting {meeting}, dated {day.isoformat()}, "
        f"when it did not yet take part in the process{joined}",
        "A host or chair acts only for meetings dated while it takes part. "
        + ask_secretariat(to),
    )


def check_recorder(ctx: Context, view: MeetingView, by: str, what: str) -> None:
    """Refuse unless ``by`` records ``what`` of a meeting as the facilitator's
    secretariat, or as its host or chair, having taken part on its date."""
    ctx.require_facilitator_or(
        by,
        "facilitator",
        f"{what} of {view.meeting} is recorded by the facilitator, the host or the "
        f"chair, not {by}",
        "record it",
        ask_secretariat("record it", host=view.host, chair=view.chair),
        host=view.host,
        chair=view.chair,
    )
    check_host_dated(
        ctx, by, view.meeting, view.starts_on, view.host, view.chair, f"record {what}"
    )


@dataclass(frozen=True, slots=True)
class HoldMeeting:
    """Record that a convened meeting took place."""

    meeting: str
    held_on: date
    by: str
    ends_on: date | None = None


def hold_meeting(cmd: HoldMeeting, ctx: Context) -> list[Emit]:
    """A meeting is held once, on or after the day it was convened for."""
    meeting = meeting_seen(ctx, cmd.meeting)
    check_recorder(ctx, meeting, cmd.by, "the holding")
    check_host_dated(
        ctx,
        cmd.by,
        cmd.meeting,
        cmd.held_on,
        meeting.host,
        meeting.chair,
        "record the holding",
    )
    require(
        meeting.status == "convened",
        "meetings",
        f"meeting {cmd.meeting} is already {meeting.status}",
        "A meeting is held once: convene a new one for another session.",
    )
    require(
        cmd.held_on >= meeting.starts_on,
        "meetings",
        f"meeting {cmd.meeting} was convened for {meeting.starts_on.isoformat()}; "
        f"it cannot have been held on {cmd.held_on.isoformat()}",
        f"Date it on or after {meeting.starts_on.isoformat()}.",
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
    meeting = meeting_seen(ctx, cmd.meeting)
    check_recorder(ctx, meeting, cmd.by, "the cancellation")
    require(
        meeting.status == "convened",
        "meetings",
        f"meeting {cmd.meeting} is {meeting.status}",
        "Only a meeting still convened, not yet held, can be cancelled.",
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
    ctx.require_new_id("document", cmd.document, cmd.document in reg.documents)
    check_actor(reg, cmd.by)
    if cmd.meeting is not None:
        meeting_seen(ctx, cmd.meeting)
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
            f"Act as a participant or an observer; {cmd.by} becomes one by "
            "joining (one of the seven states) or by an admit-observer decision.",
        )
    for track in cmd.tracks:
        require(
            track in reg.tracks and reg.tracks[track].open,
            "known-track",
            f"{track} is not a track on the agenda",
            f"On the agenda: {', '.join(c for c, t in reg.tracks.items() if t.open)}.",
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
