"""What every verb shares: the --db and --json options, output, errors."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError

from napci.adapters.db import LedgerError, SchemaError
from napci.services.platform import Platform, open_platform
from napci.settings import ENV_DATABASE_URL, Settings

__all__ = [
    "DbOption",
    "JsonOption",
    "console",
    "fail",
    "platform",
    "principal",
    "print_json",
]

# Piped output gets room for the tables (a terminal keeps its own width).
console = Console(width=None if sys.stdout.isatty() else 132)
err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_DATABASE_URL,
        help="Database URL (default sqlite:///napci.db).",
        show_envvar=True,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of a table.")
]


def principal() -> str:
    """Who appends from this command line."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


def fail(message: str, *, code: int = 2) -> NoReturn:
    """Print a refusal or error to stderr and exit."""
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@contextmanager
def platform(db: str | None, *, migrate: bool = False) -> Iterator[Platform]:
    """Open the record for one verb, turning known failures into messages."""
    try:
        opened = open_platform(Settings.load(db), migrate=migrate)
    except SchemaError as exc:
        fail(str(exc))
    except (ValueError, OperationalError) as exc:
        fail(f"cannot open the database: {_first_line(exc)}")
    try:
        yield opened
    except (LedgerError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    finally:
        opened.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0]


def print_json(data: Any) -> None:
    """Print JSON data to stdout, one document."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def en(name: dict[str, str]) -> str:
    """The English text of a multilingual name."""
    return name.get("en", next(iter(name.values()), ""))
