"""``napci trust`` and ``napci status``: the figures the record shows."""

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from napci.cli.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    platform,
    print_json,
    styled,
)

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from napci.domain.trust.figures import TrustFigures

__all__ = ["register"]

trust_app = typer.Typer(
    help="Trust between participants: matrix, ladder, regional index.",
    invoke_without_command=True,
)

AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The figures as the record stood at the end of this day (YYYY-MM-DD).",
    ),
]
TrackOption = Annotated[
    str | None, typer.Option("--track", help="One issue track, e.g. environment.")
]


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of {text!r} is not a date (YYYY-MM-DD)")
    if not 1900 <= value.year <= 2999:
        fail(f"--as-of {text!r} is outside the years 1900 to 2999")
    return value


def _mark(met: bool) -> tuple[str, str]:
    return ("✔", "green") if met else ("✘", "red")


def _cell(value: float) -> "Text":
    """A heat-map cell: red for distrust, through amber, to green for trust."""
    from rich.text import Text

    if value >= 0.7:
        style = "bold white on green4"
    elif value >= 0.55:
        style = "black on green3"
    elif value >= 0.4:
        style = "black on yellow3"
    elif value >= 0.3:
        style = "black on orange3"
    else:
        style = "white on red3"
    return Text(f"{value:.2f}", style=style, justify="center")


def _matrix(figures: "TrustFigures", codes: list[str], track: str | None) -> "Table":
    from rich.table import Table
    from rich.text import Text

    title = "Trust (symmetric, fused over tracks)"
    if track is not None:
        title = f"Trust on {track} (symmetric)"

    table = Table(title=f"{title}, as of {figures.as_of.isoformat()}", padding=(0, 1))
    table.add_column("")
    for code in codes:
        table.add_column(code, justify="center", min_width=4, no_wrap=True)
    k = None if track is None else figures.tracks.index(track)
    for a in codes:
        i = figures.index_of(a)
        cells: list[Text | str] = [a]
        for b in codes:
            j = figures.index_of(b)
            if i == j:
                cells.append("·")
            elif k is None:
                cells.append(_cell(float(figures.symmetric[i, j])))
            else:
                cells.append(_cell(float(figures.symmetric_track[i, j, k])))
        table.add_row(*cells)
    return table


def _ladder(figures: "TrustFigures", codes: list[str], track: str | None) -> "Table":
    from napci.domain.trust.figures import LADDER

    tracks = figures.tracks if track is None else (track,)
    from rich.table import Table

    table = Table(title="The trust ladder (pairs past step 0)")
    table.add_column("pair")
    for t in tracks:
        table.add_column(t, justify="center")
    for n, a in enumerate(codes):
        for b in codes[n + 1 :]:
            i, j = figures.index_of(a), figures.index_of(b)
            steps = [int(figures.ladder[i, j, figures.tracks.index(t)]) for t in tracks]
            if any(steps):
                table.add_row(f"{a}-{b}", *(LADDER[s] if s else "" for s in steps))
    return table


@trust_app.callback()
def trust(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    track: TrackOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Trust per pair and track, the ladder, the regional trust index.

    Example: napci trust --as-of 2014-12-31 --track environment
    """
    if ctx.invoked_subcommand is not None:
        return
    day = _as_of(as_of)
    with platform(db) as napci:
        figures = napci.trust.figures(day)  # a TrustError: refused, by platform()
        registry = napci.registry(figures.as_of)
    # The matrix shows the process's members: participants, invited states
    # and observers (the JSON has every registered actor).
    codes = [
        c
        for c in figures.actors
        if c in registry.actors
        and (
            registry.actors[c].status in ("participant", "invited")
            or "observer" in registry.actors[c].roles
        )
    ]
    if track is not None and track not in figures.tracks:
        fail(f"unknown track {track!r}; on the agenda: {', '.join(figures.tracks)}")
    if as_json:
        data = figures.as_dict()
        if track is not None:
            data["tracks"] = [track]
            for pair in data["pairs"]:
                pair["tracks"] = {track: pair["tracks"][track]}
        print_json(data)
        return
    console.print(_matrix(figures, codes, track))
    console.print(_ladder(figures, codes, track))
    index = figures.regional_index
    if index is None:
        console.print("Regional trust index: undefined (fewer than two participants).")
    else:
        console.print(
            styled(
                "Regional trust index: ",
                (f"{index:.3f}", "bold"),
                f" over {len(figures.participants)} participants; trust deficit "
                f"{1 - index:.3f}.",
            )
        )
    if figures.standing:
        ranked = sorted(figures.standing.items(), key=lambda kv: -kv[1])
        console.print(
            "Regional standing (EigenTrust): "
            + ", ".join(f"{c} {v:.3f}" for c, v in ranked)
        )


@trust_app.command()
def explain(
    a: Annotated[str, typer.Argument(help="An actor's code, e.g. KOR.")],
    b: Annotated[str, typer.Argument(help="Another actor's code, e.g. JPN.")],
    track: TrackOption = None,
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every event behind the trust between A and B, with weight and age.

    Example: napci trust explain KOR CHN --as-of 2014-12-31
    """
    day = _as_of(as_of)
    a, b = a.upper(), b.upper()
    with platform(db) as napci:
        figures, items = napci.trust.explain(a, b, track=track, as_of=day)
    pair = figures.pair(a, b)
    if as_json:
        print_json(
            {
                "as_of": figures.as_of.isoformat(),
                **pair,
                "evidence": [item.as_dict() for item in items],
            }
        )
        return
    console.print(
        styled(
            f"Trust {a}-{b} as of {figures.as_of.isoformat()}: ",
            (f"{pair['trust']:.3f}", "bold"),
            f" ({a}→{b} {pair[f'{a}->{b}']:.3f}, {b}→{a} {pair[f'{b}->{a}']:.3f}; "
            f"base rate {pair['base_rate']:.2f})",
        )
    )
    from rich.table import Table

    table = Table(title="Evidence")
    for column in (
        "seq",
        "date",
        "age",
        "direction",
        "track",
        "evidence",
        "weight",
        "decay",
        "effective",
    ):
        table.add_column(column)
    for item in items:
        sign = "-" if item.polarity == "negative" else "+"
        table.add_row(
            ",".join(str(s) for s in item.seqs),
            item.day.isoformat(),
            f"{item.age_days}d",
            item.direction,
            item.track,
            item.label,
            f"{sign}{item.weight:.3f}",
            f"{item.decay:.3f}",
            f"{sign}{item.effective:.3f}",
        )
    console.print(table)
    if not items:
        console.print("No evidence: the pair's trust is its base rate.")


def status(
    as_of: AsOfOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The road-map phase with its checklist, and the three objectives.

    Example: napci status --as-of 2014-12-31
    """
    day = _as_of(as_of)
    with platform(db) as napci:
        roadmap = napci.status(day)
    data = roadmap.as_dict()
    if as_json:
        print_json(data)
        return
    console.print(
        styled(
            f"Road-map as of {data['as_of']}: ",
            (f"phase {data['phase']}", "bold"),
            f" ({data['phase_name']})",
        )
    )
    for check in roadmap.checks:
        console.print(
            styled("\n", _mark(check.met), f" Phase {check.phase}: {check.name}")
        )
        for criterion in check.criteria:
            console.print(
                styled(
                    "   ",
                    _mark(criterion.met),
                    f" {criterion.name}: {criterion.observed} "
                    f"(needs {criterion.required})",
                )
            )
            for line in criterion.evidence:
                console.print(f"       · {line}", highlight=False)
            if criterion.missing:
                console.print(
                    styled("       ", ("missing:", "yellow"), f" {criterion.missing}")
                )
    objectives = data["objectives"]
    from rich.table import Table

    table = Table(title="Objective 1: a habit of cooperation")
    for column in ("track", "last 12 months", "per year", "regularity", "attendance"):
        table.add_column(column)
    for code, row in objectives["habit_of_cooperation"].items():
        table.add_row(
            code,
            str(row["meetings_last_12_months"]),
            ", ".join(f"{y}: {n}" for y, n in row["meetings_per_year"].items()),
            f"{row['regularity']:.2f}",
            "" if row["attendance_rate"] is None else f"{row['attendance_rate']:.2f}",
        )
    console.print(table)
    foundation = objectives["foundation_for_peace"]
    console.print(
        "Objective 2: foundation for peace: regional trust "
        f"{foundation['regional_trust_index']}, 12-month trend "
        f"{foundation['trend_12_months']}, phase {foundation['phase']}"
    )
    dprk = objectives["dprk_engagement"]
    console.print(
        f"Objective 3: DPRK engagement: {dprk['status']}, invited "
        f"{dprk['invited_on']}, meetings attended {len(dprk['meetings_attended'])}, "
        f"projects joined {len(dprk['projects_joined'])}"
    )


def register(app: typer.Typer) -> None:
    """Add ``trust`` and ``status`` to the main app."""
    app.add_typer(trust_app, name="trust")
    app.command("status")(status)
