"""``napci meetings confirm|attend|acknowledge``: attendance, by rule 0.

A delegation confirms in advance that it will attend; the facilitator's
secretariat, the host or the chair reports who attended; a delegation
acknowledges what a host or chair reported of it, and only then does it
count (``docs/procedure.md``, rule 0).
"""

from typing import Annotated, Any

import typer

from napci.cli.acting import ActorOption, OnOption, TokenOption, day, run, split
from napci.cli.common import DbOption, JsonOption, fail
from napci.cli.registry import meetings_app

__all__ = ["register"]

Meeting = Annotated[str, typer.Argument(help="The meeting's id.")]


def meetings_confirm(
    meeting: Meeting,
    actor: Annotated[str, typer.Option("--actor", help="Who confirms.")],
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """An actor confirms it will attend (with its delegation's token).

    Example: napci meetings confirm ns-2015-1 --actor CHN --token $CHN_TOKEN
    """
    from napci.domain.procedure import ConfirmAttendance

    run(
        db,
        lambda by: [ConfirmAttendance(meeting, by, day(on), by)],
        token=token,
        actor=actor,
    )


def meetings_attend(
    meeting: Meeting,
    attended: Annotated[
        str | None, typer.Option(help="Who attended: codes, comma-separated.")
    ] = None,
    absent: Annotated[
        str | None, typer.Option(help="Who did not come: codes, comma-separated.")
    ] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record who attended a meeting and who did not.

    Recorded by the facilitator's secretariat it counts at once; reported by
    the host or the chair (with its token) about another delegation, it counts once
    that delegation acknowledges it (napci meetings acknowledge).

    Example: napci meetings attend ns-2015-1 --attended KOR,JPN,CHN --absent RUS
    """
    from napci.domain.procedure import RecordAttendance

    present = [c.upper() for c in split(attended)]
    away = [c.upper() for c in split(absent)]
    if not present and not away:
        fail("name who attended (--attended) or who did not (--absent)")

    def build(by: str) -> list[Any]:
        when = day(on)
        return [RecordAttendance(meeting, c, True, when, by) for c in present] + [
            RecordAttendance(meeting, c, False, when, by) for c in away
        ]

    run(db, build, token=token, actor=actor)


def meetings_acknowledge(
    meeting: Meeting,
    actor: Annotated[
        str, typer.Option("--actor", help="The delegation acknowledging its own.")
    ],
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A delegation acknowledges its attendance (or absence) as reported.

    Attendance a host or chair reported of another delegation counts for
    consensus, trust and the road-map only once that delegation acknowledges
    it. The facilitator's secretariat never acknowledges for the ROK's
    delegation, which acts with its own token.

    Example: napci meetings acknowledge ns-2015-1 --actor CHN --token $CHN_TOKEN
    """
    from napci.domain.procedure import AcknowledgeAttendance

    run(
        db,
        lambda by: [AcknowledgeAttendance(meeting, by, day(on), by)],
        token=token,
        actor=actor,
        as_json=as_json,
    )


def register() -> None:
    """Add the attendance verbs to ``napci meetings``."""
    meetings_app.command("confirm")(meetings_confirm)
    meetings_app.command("attend")(meetings_attend)
    meetings_app.command("acknowledge")(meetings_acknowledge)
