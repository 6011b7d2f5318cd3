"""Secretariat and delegation verbs: participation, meetings, incidents, advice."""

from typing import Annotated

import typer

from napci.cli.acting import ActorOption, OnOption, TokenOption, day, run, split
from napci.cli.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    platform,
    print_json,
    styled,
)
from napci.cli.registry import actors_app, mechanisms_app, meetings_app

__all__ = ["incidents_app", "register"]

incidents_app = typer.Typer(help="Incidents recorded by the facilitator.")
documents_app = typer.Typer(
    help="Statements, chair's statements, recognitions and visions.",
    invoke_without_command=True,
)
Code = Annotated[str, typer.Argument(help="An actor's code, e.g. PRK.")]
Meeting = Annotated[str, typer.Argument(help="The meeting's id.")]


@actors_app.command("join")
def actors_join(
    code: Code, on: OnOption = None, token: TokenOption = None, db: DbOption = None
) -> None:
    """A state notifies that it takes part (open participation), with its
    delegation's token.

    Example: napci actors join PRK --on 2016-03-01 --token $PRK_TOKEN
    """
    from napci.domain.procedure import JoinActor

    run(db, lambda by: [JoinActor(by, day(on), by)], token=token, actor=code)


@actors_app.command("withdraw")
def actors_withdraw(
    code: Code,
    reason: Annotated[str | None, typer.Option(help="Why, in words.")] = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """A participant notifies that it no longer takes part, with its
    delegation's token.

    Example: napci actors withdraw MNG --reason "domestic review" --token $MNG_TOKEN
    """
    from napci.domain.procedure import WithdrawActor

    run(
        db,
        lambda by: [WithdrawActor(by, day(on), by, reason)],
        token=token,
        actor=code,
    )


@actors_app.command("invite")
def actors_invite(
    code: Code,
    note: Annotated[str | None, typer.Option(help="A note.")] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """The facilitator invites an actor to take part.

    Example: napci actors invite PRK --note "at any stage"
    """
    from napci.domain.procedure import InviteActor

    run(
        db,
        lambda by: [InviteActor(code.upper(), day(on), by, note)],
        token=token,
        actor=actor,
    )


@actors_app.command("register")
def actors_register(
    code: Code,
    name: Annotated[str, typer.Option(help="Its name in English.")],
    kind: Annotated[str, typer.Option(help="state, organisation or institute.")],
    layer: Annotated[str, typer.Option(help="track-1, track-1.5 or track-2.")] = (
        "track-1"
    ),
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """The facilitator enters a new actor in the registry.

    Example: napci actors register KINU --name "Korea Institute for National
    Unification" --kind institute --layer track-1.5
    """
    from napci.domain.procedure import RegisterActor

    run(
        db,
        lambda by: [RegisterActor(code.upper(), name, kind, layer, day(on), by)],
        token=token,
        actor=actor,
    )


@meetings_app.command("convene")
def meetings_convene(
    meeting: Meeting,
    title: Annotated[str, typer.Option(help="Its title in English.")],
    starts_on: Annotated[str, typer.Option(help="The day it opens.")],
    track: Annotated[
        list[str] | None, typer.Option("--track", help="An issue track (repeat).")
    ] = None,
    rank: Annotated[
        str, typer.Option(help="working, senior-official, ministerial or summit.")
    ] = "working",
    layer: Annotated[str, typer.Option(help="track-1, track-1.5 or track-2.")] = (
        "track-1"
    ),
    host: Annotated[str | None, typer.Option(help="The hosting actor.")] = None,
    chair: Annotated[str | None, typer.Option(help="The chairing actor.")] = None,
    occasion: Annotated[
        str | None, typer.Option(help="The meeting or mechanism it is held at.")
    ] = None,
    venue: Annotated[str | None, typer.Option(help="Where.")] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Convene a meeting (rank rises one step after two meetings below).

    Example: napci meetings convene ns-2015-1 --title "Nuclear safety working
    group" --track nuclear-safety --starts-on 2015-03-10 --host JPN --chair JPN
    """
    from napci.domain.procedure import ConveneMeeting

    run(
        db,
        lambda by: [
            ConveneMeeting(
                meeting=meeting,
                title=title,
                tracks=tuple(track or ()),
                rank=rank,
                layer=layer,
                starts_on=day(starts_on, "--starts-on"),
                on=day(on),
                by=by,
                host=host.upper() if host else None,
                chair=chair.upper() if chair else None,
                occasion=occasion,
                venue=venue,
            )
        ],
        token=token,
        actor=actor,
    )


@meetings_app.command("held")
def meetings_held(
    meeting: Meeting,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record that a convened meeting took place (on --on).

    Example: napci meetings held ns-2015-1 --on 2015-03-10
    """
    from napci.domain.procedure import HoldMeeting

    run(db, lambda by: [HoldMeeting(meeting, day(on), by)], token=token, actor=actor)


@meetings_app.command("cancel")
def meetings_cancel(
    meeting: Meeting,
    reason: Annotated[str | None, typer.Option(help="Why.")] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Call off a convened meeting.

    Example: napci meetings cancel ns-2015-2 --reason "typhoon"
    """
    from napci.domain.procedure import CancelMeeting

    run(
        db,
        lambda by: [CancelMeeting(meeting, day(on), by, reason)],
        token=token,
        actor=actor,
    )


@meetings_app.command("next-host")
def meetings_next_host(
    willing: Annotated[
        str | None, typer.Option(help="Willing hosts, comma-separated (all if none).")
    ] = None,
    on: OnOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Suggest the next host: the willing participant who hosted least recently.

    Example: napci meetings next-host --willing JPN,CHN,MNG
    """
    from napci.domain.procedure import Refusal, next_host

    codes = tuple(c.upper() for c in split(willing)) or None
    with platform(db) as napci:
        try:
            suggestion = next_host(napci.registry(), day(on), codes)
        except Refusal as exc:
            fail(str(exc))
    if as_json:
        print_json(suggestion)
        return
    console.print(styled("Suggested host: ", (suggestion["suggested"], "bold")))
    for code, last in suggestion["last_hosted"].items():
        console.print(f"  {code}: last hosted {last or 'never'}")


@mechanisms_app.command("advise")
def mechanisms_advise(
    track: Annotated[str, typer.Option(help="The issue track.")],
    members: Annotated[str, typer.Option(help="Intended members, comma-separated.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revitalise, widen or create? The overlap adviser, with its reasoning.

    Example: napci mechanisms advise --track nuclear-safety
    --members KOR,JPN,CHN,USA,RUS
    """
    from napci.domain.procedure import Refusal, advise

    codes = tuple(c.upper() for c in split(members))
    with platform(db) as napci:
        try:
            advice = advise(napci.registry(), track, codes)
        except Refusal as exc:
            fail(str(exc))
    if as_json:
        print_json(advice.as_dict())
        return
    target = f" {advice.mechanism.upper()}" if advice.mechanism else ""
    console.print(styled("Recommendation: ", (f"{advice.action}{target}", "bold")))
    for line in advice.reasoning:
        console.print(f"  · {line}", highlight=False)


@incidents_app.command("record")
def incidents_record(
    incident: Annotated[str, typer.Argument(help="The incident's id.")],
    parties: Annotated[str, typer.Option(help="The actors involved, comma-separated.")],
    severity: Annotated[int, typer.Option(min=1, max=5, help="1 (minor) to 5.")],
    description: Annotated[str, typer.Option(help="What happened.")],
    source: Annotated[str, typer.Option(help="The source's title.")],
    url: Annotated[str | None, typer.Option(help="The source's address.")] = None,
    occurred_on: Annotated[str | None, typer.Option(help="When it happened.")] = None,
    track: Annotated[
        list[str] | None, typer.Option("--track", help="A track concerned (repeat).")
    ] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """The facilitator records an incident, with its source and severity.

    The incident is dated when it happened (--occurred-on); its recording,
    the secretariat's act, is dated --on (today by default).

    Example: napci incidents record inc-1 --parties CHN,JPN --severity 2
    --description "..." --source "Kyodo, 2015-04-02"
    """
    from napci.domain.procedure import RecordIncident

    run(
        db,
        lambda by: [
            RecordIncident(
                incident=incident,
                parties=tuple(c.upper() for c in split(parties)),
                occurred_on=day(occurred_on, "--occurred-on"),
                severity=severity,
                description=description,
                source_title=source,
                source_url=url,
                on=day(on),
                by=by,
                tracks=tuple(track or ()),
            )
        ],
        token=token,
        actor=actor,
    )


@incidents_app.command("list")
def incidents_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List recorded incidents.

    Example: napci incidents list --json
    """
    with platform(db) as napci:
        rows = list(napci.registry().incidents.values())
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Incidents")
    for column in ("incident", "occurred", "parties", "severity", "description"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["incident"],
            row["occurred_on"],
            ", ".join(row["parties"]),
            str(row["severity"]),
            row["description"],
        )
    console.print(table)


def ownership_verb(
    on: OnOption = None, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """The ownership index (1 - Gini of hosting, chairing, initiatives).

    Example: napci ownership --json
    """
    from napci.domain.procedure import ownership

    with platform(db) as napci:
        data = ownership(napci.registry(), day(on))
    if as_json:
        print_json(data)
        return
    index = data["index"]
    console.print(
        styled(
            "Ownership index: ",
            "undefined (nothing shared yet)"
            if index is None
            else (f"{index:.3f}", "bold"),
        )
    )
    from rich.table import Table

    table = Table()
    for column in ("participant", "hosted", "chaired", "initiatives"):
        table.add_column(column)
    for code, share in data["shares"].items():
        table.add_row(
            code, str(share["hosted"]), str(share["chaired"]), str(share["initiatives"])
        )
    console.print(table)


@documents_app.callback()
def documents(
    ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List issued documents.

    Example: napci documents --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with platform(db) as napci:
        rows = list(napci.registry().documents.values())
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Documents")
    for column in ("document", "kind", "issued", "by", "tracks", "title"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["document"],
            row["kind"],
            row["issued_on"],
            row.get("issued_by") or "",
            ", ".join(row.get("tracks", ())),
            row["title"].get("en", ""),
        )
    console.print(table)


@documents_app.command("issue")
def documents_issue(
    document: Annotated[str, typer.Argument(help="The document's id.")],
    kind: Annotated[
        str,
        typer.Option(
            help="statement, chair-statement, concept-paper, report, recognition "
            "or vision."
        ),
    ],
    title: Annotated[str, typer.Option(help="Its title in English.")],
    track: Annotated[
        list[str] | None, typer.Option("--track", help="A track it concerns (repeat).")
    ] = None,
    meeting: Annotated[
        str | None, typer.Option(help="The meeting it comes from.")
    ] = None,
    text: Annotated[str | None, typer.Option(help="Its text or summary.")] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Issue a document; a recognition or vision is a draft until adopted.

    Example: napci documents issue rec-ns --kind recognition --title "Common
    recognition on nuclear safety" --track nuclear-safety --actor KOR
    """
    from napci.domain.procedure import IssueDocument

    run(
        db,
        lambda by: [
            IssueDocument(
                document=document,
                kind=kind,
                title=title,
                on=day(on),
                by=by,
                tracks=tuple(track or ()),
                meeting=meeting,
                text=text,
            )
        ],
        token=token,
        actor=actor,
    )


def register(app: typer.Typer) -> None:
    """Add the incidents and documents groups and the ownership verb."""
    app.add_typer(incidents_app, name="incidents")
    app.add_typer(documents_app, name="documents")
    app.command("ownership")(ownership_verb)
