"""The pages' forms: the secretariat's and the delegations' commands.

Every POST carries the session's CSRF token (403 without it). The acting
actor is the signed-in user's, never a form field, and so is the capacity:
only a user with the role facilitator acts as the facilitator's secretariat
(a delegate of the facilitating actor acts as its delegation). A command
runs through the rules of procedure; on success the browser is sent (303)
to the page with a message, on a refusal the page is shown again with the
rule and the remedy (409) and nothing is appended.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from napci.domain.events import ProposalNotAdopted
from napci.domain.procedure import (
    AcknowledgeAttendance,
    ConveneMeeting,
    Decide,
    Emit,
    FulfilCommitment,
    HoldMeeting,
    IssueDocument,
    JoinProject,
    LaunchProject,
    MakeCommitment,
    RecordAttendance,
    RecordPosition,
    Refusal,
    StartSilence,
    TableProposal,
)
from napci.domain.text import first_unstorable
from napci.domain.values import MAX_TEXT
from napci.services.procedure import InvalidCommand, execute_all
from napci.web.pages import views
from napci.web.pages.common import CSRF_FIELD, Page, PageDep, check_csrf, redirect
from napci.web.problems import Problem

__all__ = ["posted", "router"]

router = APIRouter(include_in_schema=False)


async def posted(request: Request) -> FormData:
    """The submitted form, once its CSRF token matches the session's."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    check_csrf(request, token if isinstance(token, str) else None)
    return form


Form = Annotated[FormData, Depends(posted)]


# -- reading form fields ------------------------------------------------------


def _text(form: FormData, name: str, *, required: bool = True) -> str | None:
    value = form.get(name)
    text = value.strip() if isinstance(value, str) else ""
    found = first_unstorable(text, name, longest=MAX_TEXT)
    if found is not None:
        raise InvalidCommand(f"invalid command: {name}: the text {found[1]}")
    if not text:
        if required:
            raise InvalidCommand(f"invalid command: {name}: a value is required")
        return None
    return text


def _required(form: FormData, name: str) -> str:
    text = _text(form, name)
    assert text is not None
    return text


def _day(form: FormData, name: str, default: date | None) -> date:
    text = _text(form, name, required=default is None)
    if text is None:
        assert default is not None
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidCommand(
            f"invalid command: {name}: {text!r} is not a date (YYYY-MM-DD)"
        ) from None


def _many(form: FormData, name: str) -> tuple[str, ...]:
    values = (v.strip() for v in form.getlist(name) if isinstance(v, str))
    return tuple(dict.fromkeys(v for v in values if v))


def _code(form: FormData, name: str) -> str | None:
    text = _text(form, name, required=False)
    return None if text is None else text.upper()


# -- running a command --------------------------------------------------------


def acting(page: Page) -> str:
    """The actor the signed-in user acts for; 401/403 otherwise."""
    principal = page.principal
    if principal.role is None:
        raise Problem(401, "Unauthorized", page.tr("Sign in to act."))
    if not principal.can_act or principal.actor is None:
        raise Problem(
            403,
            "Forbidden",
            page.tr("A user with the role {role} cannot act.", role=principal.role),
        )
    return principal.actor


def _run(
    page: Page,
    build: Callable[[str], list[Any]],
    *,
    done: Callable[[], str],
    shown: Callable[[Exception], Response],
    check: Callable[[list[Emit]], None] | None = None,
) -> Response:
    """Build the commands for the user's actor, run them, report.

    ``check`` may refuse what the rules would bring about, as they judge
    the commands (under the ledger's write lock)."""
    actor = acting(page)
    try:
        commands = build(actor)
        result = execute_all(
            page.state.platform,
            commands,
            principal=page.principal.label,
            secretariat=page.secretariat,
            clearance=page.clearance,
            check=check,
        )
    except (Refusal, InvalidCommand) as exc:
        return shown(exc)
    recorded = result.recorded
    summary = ", ".join(f"{e.type} (seq {e.seq})" for e in recorded)
    message = page.tr.ngettext(
        "Recorded {n} event: {events}.",
        "Recorded {n} events: {events}.",
        len(recorded),
        events=summary,
    )
    if not recorded:
        message = page.tr("Already recorded: nothing new was appended.")
    return redirect(page.request, done(), flash=message)


# -- meetings -----------------------------------------------------------------


@router.post("/meetings")
def convene(page: PageDep, form: Form) -> Response:
    """The secretariat convenes a meeting."""
    meeting = _text(form, "meeting", required=False) or ""

    def build(actor: str) -> list[Any]:
        return [
            ConveneMeeting(
                meeting=_required(form, "meeting"),
                title=_required(form, "title"),
                tracks=_many(form, "tracks"),
                rank=_text(form, "rank", required=False) or "working",
                layer=_text(form, "layer", required=False) or "track-1",
                starts_on=_day(form, "starts_on", page.today),
                on=page.today,
                by=actor,
                host=_code(form, "host"),
                chair=_code(form, "chair"),
                occasion=_text(form, "occasion", required=False),
                venue=_text(form, "venue", required=False),
            )
        ]

    return _run(
        page,
        build,
        done=lambda: f"/meetings/{meeting}",
        shown=lambda exc: views.meetings_page(page, exc),
    )


@router.post("/meetings/{meeting}/attendance")
def attendance(page: PageDep, form: Form, meeting: str) -> Response:
    """Record who attended a meeting and who did not."""

    def build(actor: str) -> list[Any]:
        on = _day(form, "on", page.today)
        view = page.full_registry().meetings.get(meeting)
        commands: list[Any] = []
        for key, value in form.multi_items():
            if not key.startswith("att-") or value not in ("attended", "absent"):
                continue
            code = key[len("att-") :].upper()
            attended = value == "attended"
            # What the record shows as this recorder sees it: what counts for
            # the secretariat's record and a delegation's own, the report for
            # a host's or chair's report of another delegation.
            counts = page.secretariat or code == actor
            if view is not None and attended == (
                view.counted(code) if counts else view.reported.get(code)
            ):
                continue  # recorded so already: only changes are recorded
            commands.append(RecordAttendance(meeting, code, attended, on, actor))
        if not commands:
            raise InvalidCommand(
                "invalid command: nothing to record: mark an actor as attended or "
                "absent (only changes are recorded)"
            )
        return commands

    return _run(
        page,
        build,
        done=lambda: f"/meetings/{meeting}",
        shown=lambda exc: views.meeting_page(page, meeting, exc),
    )


@router.post("/meetings/{meeting}/attendance/acknowledge")
def acknowledge(page: PageDep, form: Form, meeting: str) -> Response:
    """The user's delegation acknowledges its attendance as reported (rule 0);
    back to the dashboard when asked from there."""
    back = "/" if form.get("back") == "dashboard" else f"/meetings/{meeting}"
    return _run(
        page,
        lambda actor: [AcknowledgeAttendance(meeting, actor, page.today, actor)],
        done=lambda: back,
        shown=lambda exc: views.meeting_page(page, meeting, exc),
    )


@router.post("/meetings/{meeting}/held")
def held(page: PageDep, form: Form, meeting: str) -> Response:
    """Record that the meeting took place."""
    return _run(
        page,
        lambda actor: [HoldMeeting(meeting, _day(form, "held_on", page.today), actor)],
        done=lambda: f"/meetings/{meeting}",
        shown=lambda exc: views.meeting_page(page, meeting, exc),
    )


# -- proposals ----------------------------------------------------------------


def _subject(form: FormData) -> dict[str, Any]:
    kind = _required(form, "kind")
    if kind == "add-track":
        track = _required(form, "track")
        return {
            "kind": kind,
            "track": track,
            "name": {"en": _text(form, "track_name", required=False) or track},
            "category": _text(form, "category", required=False) or "soft",
        }
    if kind == "adopt-document":
        return {"kind": kind, "document": _required(form, "document")}
    if kind == "admit-observer":
        return {"kind": kind, "code": _required(form, "code").upper()}
    raise InvalidCommand(
        f"invalid command: kind: {kind!r} is not one of add-track, adopt-document, "
        "admit-observer (the others are tabled with the CLI or the API)"
    )


@router.post("/proposals")
def table(page: PageDep, form: Form) -> Response:
    """A participant tables a proposal."""
    proposal = _text(form, "proposal", required=False) or ""

    def build(actor: str) -> list[Any]:
        return [
            TableProposal(
                proposal=_required(form, "proposal"),
                title=_required(form, "title"),
                subject=_subject(form),
                on=page.today,
                by=actor,
                meeting=_text(form, "meeting", required=False),
                tracks=_many(form, "tracks"),
            )
        ]

    return _run(
        page,
        build,
        done=lambda: f"/proposals/{proposal}",
        shown=lambda exc: views.proposals_page(page, exc),
    )


@router.post("/documents")
def issue(page: PageDep, form: Form) -> Response:
    """Issue a document (a draft recognition or vision, or a statement)."""

    def build(actor: str) -> list[Any]:
        return [
            IssueDocument(
                document=_required(form, "document"),
                kind=_required(form, "kind"),
                title=_required(form, "title"),
                on=page.today,
                by=actor,
                tracks=_many(form, "tracks"),
                text=_text(form, "text", required=False),
            )
        ]

    return _run(
        page,
        build,
        done=lambda: "/proposals",
        shown=lambda exc: views.proposals_page(page, exc),
    )


@router.post("/proposals/{proposal}/position")
def position(page: PageDep, form: Form, proposal: str) -> Response:
    """The user's delegation records (or changes) its position."""

    def build(actor: str) -> list[Any]:
        return [
            RecordPosition(
                proposal=proposal,
                code=actor,
                position=_required(form, "position"),
                on=page.today,
                by=actor,
                statement=_text(form, "statement", required=False),
                reservation=_text(form, "reservation", required=False),
                amendment=_text(form, "amendment", required=False),
            )
        ]

    return _run(
        page,
        build,
        done=lambda: f"/proposals/{proposal}",
        shown=lambda exc: views.proposal_page(page, proposal, exc),
    )


@router.post("/proposals/{proposal}/silence")
def silence(page: PageDep, form: Form, proposal: str) -> Response:
    """Put a proposal under the silence procedure."""
    return _run(
        page,
        lambda actor: [
            StartSilence(proposal, _day(form, "deadline", None), page.today, actor)
        ],
        done=lambda: f"/proposals/{proposal}",
        shown=lambda exc: views.proposal_page(page, proposal, exc),
    )


@router.post("/proposals/{proposal}/decide")
def decide(page: PageDep, form: Form, proposal: str) -> Response:
    """Adopt by consensus, or close as not adopted.

    The rules close a proposal with a participant's objection as not adopted.
    "Adopt" asks for consensus: if the rules would find none, it is refused
    (rule ``consensus``) and nothing is recorded, so the objection can still
    be withdrawn; "close" records the absence of consensus.
    """
    action = _text(form, "action", required=False) or "adopt"

    def check(emits: list[Emit]) -> None:
        if action != "adopt":
            return
        for emit in emits:
            if isinstance(emit.event, ProposalNotAdopted):
                by = ", ".join(emit.event.by)
                raise Refusal(
                    "consensus",
                    f"there is no consensus on {proposal}: {by} "
                    f"{'objects' if len(emit.event.by) == 1 else 'object'} "
                    f"({emit.event.reason})",
                    f"Consensus is the absence of any objection: {by} can withdraw "
                    "it (a position of no-objection or support), or close the "
                    "proposal as not adopted.",
                )

    return _run(
        page,
        lambda actor: [Decide(proposal, _day(form, "at", page.today), actor)],
        done=lambda: f"/proposals/{proposal}",
        shown=lambda exc: views.proposal_page(page, proposal, exc),
        check=check,
    )


# -- projects -----------------------------------------------------------------


def _projects_page(page: Page) -> Callable[[Exception], Response]:
    return lambda exc: views.projects_page(page, exc)


@router.post("/projects")
def launch(page: PageDep, form: Form) -> Response:
    """Launch a project with two or more willing participants."""
    project = _text(form, "project", required=False) or ""

    def build(actor: str) -> list[Any]:
        return [
            LaunchProject(
                project=_required(form, "project"),
                title=_required(form, "title"),
                tracks=_many(form, "tracks"),
                founders=tuple(c.upper() for c in _many(form, "founders")),
                on=page.today,
                by=actor,
                partners=tuple(c.upper() for c in _many(form, "partners")),
                description=_text(form, "description", required=False),
            )
        ]

    return _run(
        page, build, done=lambda: f"/projects#{project}", shown=_projects_page(page)
    )


@router.post("/projects/join")
def join(page: PageDep, form: Form) -> Response:
    """The user's delegation joins a project by its own act."""
    project = _text(form, "project", required=False) or ""
    return _run(
        page,
        lambda actor: [
            JoinProject(_required(form, "project"), actor, page.today, actor)
        ],
        done=lambda: f"/projects#{project}",
        shown=_projects_page(page),
    )


@router.post("/projects/commitments")
def commit(page: PageDep, form: Form) -> Response:
    """The user's delegation commits to deliver something by a date."""
    project = _text(form, "project", required=False) or ""

    def build(actor: str) -> list[Any]:
        grace = _text(form, "grace_days", required=False)
        try:
            grace_days = None if grace is None else int(grace)
        except ValueError:
            raise InvalidCommand(
                f"invalid command: grace_days: {grace!r} is not a whole number"
            ) from None
        return [
            MakeCommitment(
                commitment=_required(form, "commitment"),
                project=_required(form, "project"),
                code=actor,
                description=_required(form, "description"),
                due_on=_day(form, "due_on", None),
                on=page.today,
                by=actor,
                grace_days=grace_days,
            )
        ]

    return _run(
        page, build, done=lambda: f"/projects#{project}", shown=_projects_page(page)
    )


@router.post("/projects/fulfil")
def fulfil(page: PageDep, form: Form) -> Response:
    """Record a commitment kept (by its member or the secretariat)."""
    return _run(
        page,
        lambda actor: [
            FulfilCommitment(
                _required(form, "commitment"), _day(form, "on", page.today), actor
            )
        ],
        done=lambda: "/projects",
        shown=_projects_page(page),
    )
