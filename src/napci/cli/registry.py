"""``napci actors``, ``napci meetings``, ``napci mechanisms``: the registry."""

from typing import Annotated

import typer

from napci.cli.common import (
    DbOption,
    JsonOption,
    console,
    en,
    platform,
    print_json,
    styled,
)

__all__ = ["register"]

actors_app = typer.Typer(
    help="Participants, observers and institutes.", invoke_without_command=True
)
meetings_app = typer.Typer(
    help="Meetings per issue track.", invoke_without_command=True
)
mechanisms_app = typer.Typer(
    help="Existing mechanisms for cooperation.", invoke_without_command=True
)

_STATUS_STYLE = {
    "participant": "green",
    "invited": "yellow",
    "withdrawn": "red",
    "registered": "dim",
}


@actors_app.callback()
def actors(
    ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List the registry: status, roles, support expressed.

    Example: napci actors --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with platform(db) as napci:
        registry = napci.registry()
    rows = [a.as_dict() for a in registry.actors.values()]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Actors")
    for column in ("code", "name", "kind", "layer", "status", "roles", "support"):
        table.add_column(column)
    for row in rows:
        style = _STATUS_STYLE.get(row["status"], "")
        table.add_row(
            row["code"],
            en(row["name"]),
            row["kind"],
            row["layer"],
            styled((row["status"], style)),
            ", ".join(row["roles"]),
            row["support_expressed_on"] or "",
        )
    console.print(table)


@meetings_app.callback()
def meetings(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: JsonOption = False,
    track: Annotated[
        str | None, typer.Option(help="Only meetings on this track.")
    ] = None,
) -> None:
    """List meetings in date order, with rank, layer and attendance.

    Example: napci meetings --track nuclear-safety
    """
    if ctx.invoked_subcommand is not None:
        return
    with platform(db) as napci:
        registry = napci.registry()
    found = sorted(registry.meetings.values(), key=lambda m: (m.starts_on, m.meeting))
    if track is not None:
        found = [m for m in found if track in m.tracks]
    rows = [m.as_dict() for m in found]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Meetings")
    for column in (
        "date",
        "meeting",
        "tracks",
        "rank",
        "layer",
        "host",
        "status",
        "attended",
    ):
        table.add_column(column)
    for row in rows:
        when = row["starts_on"]
        if row["date_precision"] == "month":
            when = when[:7]
        elif row["date_precision"] == "year":
            when = when[:4]
        attended = ", ".join(row["attended"])
        if not row["attendance_complete"]:
            attended = (attended + ", …") if attended else "unknown"
        table.add_row(
            when,
            en(row["title"]),
            ", ".join(row["tracks"]),
            row["rank"],
            row["layer"],
            row["host"] or "",
            row["status"],
            attended,
        )
    console.print(table)


@mechanisms_app.callback()
def mechanisms(
    ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List existing mechanisms: agenda, members, relation to the initiative.

    Example: napci mechanisms --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with platform(db) as napci:
        registry = napci.registry()
    rows = [m.as_dict() for m in registry.mechanisms.values()]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Mechanisms for cooperation")
    for column in ("acronym", "kind", "agenda", "tracks", "members", "count"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["acronym"],
            row["kind"],
            en(row["agenda"]),
            ", ".join(row["tracks"]),
            ", ".join(row["members"]),
            "" if row["member_count"] is None else str(row["member_count"]),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the registry groups to the main app."""
    app.add_typer(actors_app, name="actors")
    app.add_typer(meetings_app, name="meetings")
    app.add_typer(mechanisms_app, name="mechanisms")
