"""``napci users``: who may use the platform, with which role."""

from typing import Annotated

import typer

from napci.cli.common import DbOption, JsonOption, console, fail, platform, print_json
from napci.domain.access import ROLES

__all__ = ["users_app"]

users_app = typer.Typer(help="Users, roles and access tokens.", no_args_is_help=True)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    actor: Annotated[
        str | None, typer.Option(help="The actor it acts for (not for analysts).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a user and print its token, once (it is stored hashed).

    Example: napci users add jpn-delegation --role delegate --actor JPN
    """
    code = actor.upper() if actor else None
    with platform(db) as napci:
        if code is not None and code not in napci.registry().actors:
            fail(f"{code} is not in the registry")
        token = napci.users.add(name, role, code)  # a UserError: refused
    console.print(f"User {name} ({role}{', ' + code if code else ''}) added.")
    console.print("Token (shown once, keep it safe):")
    print(token)


@users_app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    db: DbOption = None,
) -> None:
    """Revoke a user's token and end its sessions on the web pages.

    Example: napci users revoke jpn-delegation
    """
    with platform(db) as napci:
        napci.users.revoke(name)  # a UserError: refused, by platform()
    console.print(f"User {name}'s token is revoked and its sessions are ended.")


@users_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List users (never their tokens).

    Example: napci users list --json
    """
    with platform(db) as napci:
        rows = napci.users.list()
    if as_json:
        print_json(
            [
                {
                    "name": r.name,
                    "role": r.role,
                    "actor": r.actor,
                    "created_at": r.created_at,
                    "revoked_at": r.revoked_at,
                }
                for r in rows
            ]
        )
        return
    from rich.table import Table

    table = Table(title="Users")
    for column in ("name", "role", "actor", "created", "revoked"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.name, r.role, r.actor or "", r.created_at[:19], r.revoked_at or ""
        )
    console.print(table)
