"""The ``napci`` command line: thin wrappers over the platform's Python API.

Start-up. Every verb is registered, and described by ``napci --help``, from
modules that import only typer, rich and napci's light modules (settings,
``napci.domain.access``, ``napci.domain.text``); a verb imports what it needs
(the domain's models, the services, the database layers) in its body, when
it runs. ``tests/unit/test_structure.py`` holds this. The modules defining
verbs do not use ``from __future__ import annotations``: Typer reads each
verb's annotations several times while it builds the commands, and as strings
each would be compiled and evaluated every time (half of building them), so
what a verb's signature names must be importable at the top of its module.
"""

import os
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from napci.cli import attendance, keys, ledger, operations, registry, trust
from napci.cli.acting import ENV_TOKEN
from napci.cli.common import (
    DbOption,
    ExitCode,
    JsonOption,
    console,
    fail,
    platform,
    principal,
    print_json,
)
from napci.cli.projects import projects_app
from napci.cli.proposals import proposals_app
from napci.cli.serve import serve
from napci.cli.users import users_app
from napci.settings import ENV_DATABASE_URL

__all__ = ["app", "main"]

#: Set to 1 to see the traceback of an unexpected failure.
ENV_DEBUG = "NAPCI_DEBUG"


class _Guarded(TyperGroup):
    """The root group: an unexpected failure of any verb is one line and
    exit 4, never a traceback (unless ``NAPCI_DEBUG=1``)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            # typer's Exit and the usage errors carry their exit code.
            if hasattr(exc, "exit_code") or isinstance(exc, typer.Abort):
                raise
            if os.environ.get(ENV_DEBUG, "") not in ("", "0"):
                raise
            fail(
                f"napci failed unexpectedly ({type(exc).__name__}: "
                f"{str(exc).strip() or 'no message'}). If the record was changed "
                "behind napci's back, 'napci ledger verify' says where; otherwise "
                f"this is a bug: run the command again with {ENV_DEBUG}=1 and "
                "report what it prints",
                code=ExitCode.FAILED,
            )


app = typer.Typer(
    name="napci",
    cls=_Guarded,
    help="The Northeast Asia Peace and Cooperation Initiative: its rules, its "
    "signed record and the trust it shows.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def options(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar=ENV_DATABASE_URL,
            show_envvar=True,
            help="Database URL for the verb (default sqlite:///napci.db); "
            "a --db after the verb wins.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar=ENV_TOKEN,
            show_envvar=True,
            help="Act as the napci user holding this token (see 'napci users "
            "add'); a --token after the verb wins. Without one, napci acts as "
            "the facilitator's secretariat only.",
        ),
    ] = None,
) -> None:
    """The Northeast Asia Peace and Cooperation Initiative: its rules, its
    signed record and the trust it shows.

    --db and --token go before the verb or after it (after it wins).
    """
    del db, token  # the verbs read them from the context (napci.cli.common)


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
