"""``napci keys``: delegation signing keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from napci.cli.common import DbOption, console, platform, principal

__all__ = ["app"]

app = typer.Typer(help="Delegations' Ed25519 signing keys.", no_args_is_help=True)


@app.command()
def new(
    actor: Annotated[str, typer.Argument(help="The actor's code, e.g. JPN.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the private key file.")
    ] = Path("."),
    register: Annotated[
        bool,
        typer.Option(
            "--register/--no-register",
            help="Register the public key in the record (signed by itself).",
        ),
    ] = True,
    db: DbOption = None,
) -> None:
    """Write a new key pair for ACTOR and register its public key.

    Example: napci keys new JPN --out keys/
    """
    with platform(db) as napci:
        pair, path = napci.new_key(
            actor.upper(), out, principal=principal(), register=register
        )
    console.print(f"Key {pair.key_id} for {actor.upper()} written to {path}.")
    if register:
        console.print("Its public key is registered in the record.")
