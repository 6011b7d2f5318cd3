"""``napci ledger``: verify, export, import and read the record."""

from pathlib import Path
from typing import Annotated

import typer

from napci.cli.common import (
    DbOption,
    ExitCode,
    JsonOption,
    console,
    fail,
    platform,
    print_json,
    styled,
)

__all__ = ["app"]

app = typer.Typer(help="The append-only, signed record.", no_args_is_help=True)


@app.command()
def verify(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Recompute the hash chain and every signature; exit 1 if broken.

    Example: napci ledger verify --json
    """
    with platform(db) as napci:
        report = napci.verify()
    if as_json:
        print_json(report.as_dict())
    elif report.ok:
        console.print(
            styled(
                ("OK", "green"),
                f": {report.events} events, {report.signed} signed, head {report.head}",
            )
        )
    else:
        console.print(
            styled(
                ("BROKEN", "bold red"),
                f" at seq {report.first_bad_seq}: {report.problem} "
                f"({report.events} events examined)",
            )
        )
    if not report.ok:
        raise typer.Exit(ExitCode.BROKEN)


@app.command("export")
def export_(
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write.")],
    db: DbOption = None,
) -> None:
    """Export the whole record to a JSON Lines file.

    The file appears whole or not at all: it is written beside its place
    under a temporary name, then moved there.

    Example: napci ledger export record.jsonl
    """
    if file.is_dir():
        fail(
            f"{file} is a folder: name the file to write, e.g. {file / 'record.jsonl'}"
        )
    if not file.parent.is_dir():
        fail(f"cannot write {file}: the folder {file.parent} does not exist")
    from napci.services.ledger_io import export_ledger

    with platform(db) as napci:
        partial = file.with_name(file.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as out:
                count, head = export_ledger(napci.ledger, out)
            partial.replace(file)
        except OSError as exc:
            fail(f"cannot write {file}: {exc.strerror or exc}", code=ExitCode.SETUP)
        finally:
            partial.unlink(missing_ok=True)
    console.print(f"Exported {count} events to {file}, head {head}.")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="An export made by 'ledger export'.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check an export whole, then append the events this database lacks.

    Refused, with nothing appended, if any line is malformed, truncated or
    tampered with, or if this database's record is not a prefix of it.

    Example: napci ledger import record.jsonl --db sqlite:///copy.db
    """
    from napci.domain.admission import LedgerError
    from napci.services.ledger_io import check_export, import_ledger

    try:  # the whole file first: a refused import creates no database
        checked = check_export(file)
    except LedgerError as exc:
        fail(str(exc))
    with platform(db, migrate=True) as napci:
        result = import_ledger(napci.ledger, file, checked=checked)
    if as_json:
        print_json(
            {
                "events_in_file": result.events_in_file,
                "already_held": result.already_held,
                "appended": result.appended,
                "events": result.head_seq,
                "head": result.head_hash,
            }
        )
        return
    console.print(
        f"Imported {result.appended} events ({result.already_held} already held); "
        f"head {result.head_hash}."
    )


@app.command()
def log(
    db: DbOption = None,
    as_json: JsonOption = False,
    after: Annotated[
        int, typer.Option(min=0, max=2**62, help="Show events after this seq.")
    ] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    last: Annotated[
        bool, typer.Option("--last", help="Show the last LIMIT events.")
    ] = False,
) -> None:
    """List recorded events in seq order.

    Example: napci ledger log --last --limit 20
    """
    with platform(db) as napci:
        if last:
            head_seq, _ = napci.ledger.head()
            after = max(0, head_seq - limit)
        page = napci.ledger.page(after=after, limit=limit)
    if as_json:
        print_json([e.to_json_dict() for e in page])
        return
    from rich.table import Table

    table = Table(title="Ledger", show_lines=False)
    for column in ("seq", "occurred", "type", "actor", "class", "signed", "hash"):
        table.add_column(column, no_wrap=column != "type")
    for event in page:
        table.add_row(
            str(event.seq),
            event.occurred_at[:10],
            event.type,
            event.actor or "",
            event.classification,
            "yes" if event.signature else "",
            event.hash[:12],
        )
    console.print(table)
