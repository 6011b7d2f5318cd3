"""The ``napci`` command line: thin wrappers over the platform's Python API."""

from __future__ import annotations

import typer

from napci.cli import attendance, keys, ledger, operations, registry, trust
from napci.cli.common import (
    DbOption,
    JsonOption,
    console,
    platform,
    principal,
    print_json,
)
from napci.cli.projects import projects_app
from napci.cli.proposals import proposals_app
from napci.cli.serve import serve
from napci.cli.users import users_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="napci",
    help="The Northeast Asia Peace and Cooperation Initiative: its rules, its "
    "signed record and the trust it shows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(ledger.app, name="ledger")
app.add_typer(keys.app, name="keys")
registry.register(app)
trust.register(app)
operations.register(app)
attendance.register()
app.add_typer(proposals_app, name="proposals")
app.add_typer(projects_app, name="projects")
app.add_typer(users_app, name="users")
app.command("serve")(serve)


@app.command()
def init(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Create or migrate the database and load the NAPCI record 2013-2014.

    Running it again changes nothing.

    Example: napci init --db sqlite:///napci.db
    """
    with platform(db, migrate=True) as napci:
        result = napci.init(principal=principal())
    if as_json:
        print_json(
            {
                "appended": result.appended,
                "already_recorded": result.already_recorded,
                "events": result.head_seq,
                "head": result.head_hash,
            }
        )
        return
    console.print(
        f"Record ready: {result.head_seq} events, head {result.head_hash[:16]}… "
        f"({result.appended} appended, {result.already_recorded} already there)."
    )


def main() -> None:
    """Entry point of the console script."""
    app()
