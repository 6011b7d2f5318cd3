"""``napci projects``: opt-in projects, commitments, milestones."""

from typing import Annotated

import typer

from napci.cli.acting import ActorOption, OnOption, TokenOption, day, run, split
from napci.cli.common import DbOption, JsonOption, console, en, platform, print_json

__all__ = ["projects_app"]

projects_app = typer.Typer(
    help="Projects of the willing, and their commitments.", invoke_without_command=True
)
Project = Annotated[str, typer.Argument(help="The project's id.")]
Member = Annotated[str, typer.Option("--actor", help="The member who acts.")]


@projects_app.callback()
def projects(
    ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False
) -> None:
    """List projects with their members and commitments.

    Example: napci projects --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with platform(db) as napci:
        registry = napci.registry()
    rows = []
    for view in registry.projects.values():
        row = view.as_dict()
        row["commitments"] = [
            c.as_dict()
            for c in registry.commitments.values()
            if c.project == view.project
        ]
        rows.append(row)
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Projects")
    for column in ("project", "title", "tracks", "members", "status", "commitments"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["project"],
            en(r["title"]),
            ", ".join(r["tracks"]),
            ", ".join(r["members"]),
            r["status"],
            ", ".join(f"{c['commitment']} ({c['status']})" for c in r["commitments"]),
        )
    console.print(table)


@projects_app.command("launch")
def launch(
    project: Project,
    title: Annotated[str, typer.Option(help="Its title in English.")],
    founders: Annotated[str, typer.Option(help="Two or more willing participants.")],
    track: Annotated[
        list[str], typer.Option("--track", help="An issue track (repeat).")
    ],
    partners: Annotated[
        str | None, typer.Option(help="Observers or institutes working with it.")
    ] = None,
    description: Annotated[str | None, typer.Option(help="What it does.")] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Launch a project naming two or more willing participants as founders.

    A founder launching it (--actor) is its first member; the other founders
    are invited and join by their own act. Recorded by the facilitator's
    secretariat (the default actor), every founder is a member at once.

    Example: napci projects launch dust-monitoring --title "Dust monitoring"
    --founders KOR,CHN --track environment --actor KOR
    """
    from napci.domain.procedure import LaunchProject

    run(
        db,
        lambda by: [
            LaunchProject(
                project=project,
                title=title,
                tracks=tuple(track),
                founders=tuple(c.upper() for c in split(founders)),
                on=day(on),
                by=by,
                partners=tuple(c.upper() for c in split(partners)),
                description=description,
            )
        ],
        token=token,
        actor=actor,
    )


@projects_app.command("join")
def join(
    project: Project,
    actor: Member,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """A participant joins a project by its own act (with its token).

    Example: napci projects join dust-monitoring --actor MNG --token $MNG_TOKEN
    """
    from napci.domain.procedure import JoinProject

    run(
        db,
        lambda by: [JoinProject(project, by, day(on), by)],
        token=token,
        actor=actor,
    )


@projects_app.command("leave")
def leave(
    project: Project,
    actor: Member,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """A member leaves a project (with its token).

    Example: napci projects leave dust-monitoring --actor MNG --token $MNG_TOKEN
    """
    from napci.domain.procedure import LeaveProject

    run(
        db,
        lambda by: [LeaveProject(project, by, day(on), by)],
        token=token,
        actor=actor,
    )


@projects_app.command("commit")
def commit(
    commitment: Annotated[str, typer.Argument(help="The commitment's id.")],
    project: Annotated[str, typer.Option(help="The project.")],
    description: Annotated[str, typer.Option(help="What is promised.")],
    due: Annotated[str, typer.Option(help="Due date.")],
    actor: Member,
    grace_days: Annotated[
        int | None,
        typer.Option(min=0, max=3650, help="Grace period (the rules' by default)."),
    ] = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """A member commits to deliver something by a due date (with its token).

    Example: napci projects commit c-1 --project dust-monitoring --actor CHN
    --description "share station data" --due 2015-09-30 --token $CHN_TOKEN
    """
    from napci.domain.procedure import MakeCommitment

    run(
        db,
        lambda by: [
            MakeCommitment(
                commitment,
                project,
                by,
                description,
                day(due, "--due"),
                day(on),
                by,
                grace_days,
            )
        ],
        token=token,
        actor=actor,
    )


@projects_app.command("fulfil")
def fulfil(
    commitment: Annotated[str, typer.Argument(help="The commitment's id.")],
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record a commitment kept (by its member or the facilitator).

    Example: napci projects fulfil c-1 --actor CHN --token $CHN_TOKEN
    """
    from napci.domain.procedure import FulfilCommitment

    run(
        db,
        lambda by: [FulfilCommitment(commitment, day(on), by)],
        token=token,
        actor=actor,
    )


@projects_app.command("assess")
def assess(
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record as broken every commitment past due beyond its grace period.

    Example: napci projects assess --on 2016-01-15
    """
    from napci.domain.procedure import AssessCommitments

    run(db, lambda by: [AssessCommitments(day(on), by)], token=token, actor=actor)


@projects_app.command("milestone")
def milestone(
    project: Project,
    milestone: Annotated[str, typer.Option(help="The milestone's id.")],
    title: Annotated[str, typer.Option(help="What was reached.")],
    actor: Member,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """A member records a milestone reached.

    Example: napci projects milestone dust-monitoring --milestone m1
    --title "network online" --actor KOR
    """
    from napci.domain.procedure import ReachMilestone

    run(
        db,
        lambda by: [ReachMilestone(project, milestone, title, day(on), by)],
        token=token,
        actor=actor,
    )


@projects_app.command("complete")
def complete(
    project: Project,
    actor: Member,
    summary: Annotated[str | None, typer.Option(help="What it achieved.")] = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """A member completes a project whose commitments are settled.

    Example: napci projects complete dust-monitoring --actor KOR
    """
    from napci.domain.procedure import CompleteProject

    run(
        db,
        lambda by: [CompleteProject(project, day(on), by, summary)],
        token=token,
        actor=actor,
    )
