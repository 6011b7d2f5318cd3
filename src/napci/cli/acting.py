"""What every command verb shares: who acts, on which day, running the rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from napci.adapters.db.ledger import AppendResult
from napci.cli.common import console, fail, platform, principal, print_json
from napci.domain.procedure import Refusal
from napci.domain.signing import KeyPair, load_private_key
from napci.services.platform import Platform
from napci.services.procedure import InvalidCommand, execute_all

__all__ = [
    "ActorOption",
    "OnOption",
    "SignOption",
    "acting",
    "day",
    "report",
    "run",
    "signing_key",
    "split",
]

ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Who acts (an actor's code); by default the facilitator.",
    ),
]
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="The day it happens (YYYY-MM-DD); today by default."),
]
SignOption = Annotated[
    Path | None,
    typer.Option("--sign", help="Sign with this delegation key file (PEM)."),
]


def day(text: str | None, name: str = "--on") -> date:
    """A date option, today by default."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        value = date.fromisoformat(text)
    except ValueError:
        fail(f"{name} {text!r} is not a date (YYYY-MM-DD)")
    if not 1900 <= value.year <= 2999:
        fail(f"{name} {text!r} is outside the years 1900 to 2999")
    return value


def split(text: str | None) -> tuple[str, ...]:
    """A comma-separated option as a tuple, upper-cased for actor codes."""
    if not text:
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


def acting(napci: Platform, actor: str | None) -> str:
    """The acting actor: the one given, else the facilitator."""
    if actor is not None:
        return actor.upper()
    # The registry the command is judged against: the record is folded once.
    facilitator = napci.record.registry().facilitator()
    if facilitator is None:
        fail("no facilitator is designated: say who acts with --actor")
    return facilitator


def signing_key(path: Path | None) -> KeyPair | None:
    if path is None:
        return None
    try:
        return load_private_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        fail(f"cannot load the key {path}: {exc}")


def run(
    db: str | None,
    build: Callable[[Platform], list[Any]],
    *,
    sign: Path | None = None,
    as_json: bool = False,
) -> None:
    """Build commands with the record open, judge them, append, report.

    The command line is the operator's tool: it acts with the facilitator's
    authority (as its secretariat) when the acting actor is the facilitator.
    """
    key = signing_key(sign)
    with platform(db) as napci:
        try:
            commands = build(napci)
            result = execute_all(
                napci, commands, principal=principal(), secretariat=True, key=key
            )
        except Refusal as exc:
            fail(str(exc))
        except InvalidCommand as exc:
            fail(str(exc))
    report(result, as_json=as_json)


def report(result: AppendResult, *, as_json: bool = False) -> None:
    """Say what was recorded."""
    if as_json:
        print_json(
            {
                "recorded": [e.to_json_dict() for e in result.recorded],
                "head_seq": result.head_seq,
                "head": result.head_hash,
            }
        )
        return
    for event in result.recorded:
        signed = " (signed)" if event.signature else ""
        console.print(
            f"Recorded seq {event.seq}: {event.type} on {event.occurred_at[:10]} "
            f"for {event.actor}{signed}",
            highlight=False,
        )
