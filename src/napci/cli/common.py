"""What every verb shares: the --db and --json options, output, errors.

Output is never read as Rich markup: text from the record or from a message
is printed as it is (styles come from :func:`styled`), with the characters a
terminal would act on shown as escapes (:func:`printable`).

Exit codes (docs/cli.md): 0 done, 1 the ledger is broken, 2 refused (by a
rule of procedure, the ledger, or the command's own arguments), 3 the record
could not be opened or a file, port or setting could not be used, 4 an
unexpected failure (a bug).
"""

from __future__ import annotations

import getpass
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, cast

import typer

from napci.domain.text import REMEDY, unstorable
from napci.settings import DEFAULT_DATABASE_URL, ENV_DATABASE_URL, Settings

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from napci.services.platform import Platform

__all__ = [
    "VERB",
    "DbOption",
    "ExitCode",
    "JsonOption",
    "check_place",
    "check_text",
    "check_url",
    "console",
    "database_problem",
    "fail",
    "option_name",
    "platform",
    "principal",
    "print_json",
    "printable",
    "styled",
]


class ExitCode(IntEnum):
    """What ``napci`` exits with."""

    DONE = 0
    BROKEN = 1  # ``ledger verify`` found the ledger broken
    REFUSED = 2  # a rule, the ledger or the arguments refused the command
    SETUP = 3  # the database, a file, a port or a setting cannot be used
    FAILED = 4  # an unexpected failure: a bug


_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` with control characters and lone surrogates as escapes
    (``\\x1b``, ``\\udcff``): a terminal shows them rather than acts on them,
    and text that is not valid Unicode can still be printed."""
    return _UNPRINTABLE.sub(
        lambda m: m.group().encode("unicode_escape").decode("ascii"), text
    )


def _console(**options: Any) -> Console:
    """A console that prints every string as text, never as markup."""
    from rich.console import Console

    class _Console(Console):
        def render_str(self, text: str, **kwargs: Any) -> Text:
            kwargs["markup"] = False
            kwargs["emoji"] = False
            return super().render_str(printable(text), **kwargs)

    return _Console(**options)


class _Deferred:
    """A console made when first used, so that a verb printing JSON (or
    nothing) starts without Rich's console."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._made: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._made is None:
            options = dict(self._options)
            # Piped output gets room for the tables (a terminal keeps its own
            # width).
            if options.pop("piped_width", False):
                options["width"] = None if sys.stdout.isatty() else 132
            self._made = _console(**options)
        return getattr(self._made, name)


def styled(*parts: str | tuple[str, str]) -> Text:
    """Text from plain parts and ``(text, style)`` parts, all of it printable."""
    from rich.text import Text

    return Text.assemble(
        *(
            printable(part) if isinstance(part, str) else (printable(part[0]), part[1])
            for part in parts
        )
    )


console = cast("Console", _Deferred(piped_width=True, markup=False, emoji=False))
err_console = cast(
    "Console", _Deferred(stderr=True, markup=False, emoji=False, highlight=False)
)


#: The verb being run (its context: its command and its parameters), for
#: checks and messages that name its options: every verb takes ``--db``,
#: whose callback sets it.
VERB: ContextVar[Any] = ContextVar("napci_verb", default=None)


def _db_of(ctx: typer.Context, value: str | None) -> str | None:
    """``--db`` after the verb, else before it (``napci --db URL VERB``), else
    ``NAPCI_DATABASE_URL``; checked to be a URL napci can use."""
    VERB.set(ctx)
    source = "--db"
    if value is None:
        root = ctx.find_root()
        value = root.params.get("db")
        given = root.get_parameter_source("db")
        if value is not None and given is not None and given.name == "ENVIRONMENT":
            source = ENV_DATABASE_URL
    if value is not None:
        check_url(value, source)
    return value


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (default sqlite:///napci.db); also before the verb: "
        f"napci --db URL VERB; else ${ENV_DATABASE_URL}.",
        callback=_db_of,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON instead of a table.")
]


def check_url(url: str, source: str = "--db") -> None:
    """Fail (exit 3) unless ``url`` names a database napci can keep a record in."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    usage = "use sqlite:///FILE or postgresql+psycopg://USER@HOST:PORT/DB"
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        fail(f"{source} {url!r} is not a database URL: {usage}", code=ExitCode.SETUP)
    masked = parsed.render_as_string(hide_password=True)
    shown = repr(url if parsed.password is None else masked)
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        fail(
            f"{source} {shown}: unsupported database URL: {usage}",
            code=ExitCode.SETUP,
        )
    database = parsed.database or ""
    if backend == "sqlite" and (database in ("", ":memory:") or "mode=memory" in url):
        fail(
            f"{source} {shown} is an in-memory database, which would vanish when "
            f"the command ends: name a file, e.g. {DEFAULT_DATABASE_URL}",
            code=ExitCode.SETUP,
        )


def option_name(param: Any) -> str:
    """How the command line names a parameter: ``--title`` or ``MEETING``."""
    opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
    if getattr(param, "param_type_name", "") == "option" and opts:
        return str(opts[0])
    return str(param.name).upper()


def check_text() -> None:
    """Refuse (exit 2) a verb given text a database cannot store (see
    :mod:`napci.domain.text`): a NUL, or bytes that are not UTF-8, which
    Python reads as lone surrogates. Nothing is opened or written."""
    ctx = VERB.get()
    if ctx is None:
        return
    for param in ctx.command.params:  # text, not file names: those are the OS's
        value = ctx.params.get(param.name)
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str) and (problem := unstorable(item)) is not None:
                fail(
                    f"{option_name(param)} {problem}: {REMEDY} (is the terminal's "
                    "encoding UTF-8?)"
                )


def principal() -> str:
    """Who appends from this command line when no user signs in."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"cli:{user}"


def fail(message: str, *, code: int = ExitCode.REFUSED) -> NoReturn:
    """Print a refusal or error to stderr, on one line, and exit."""
    text = " ".join(message.split())
    err_console.print(styled(("Error:", "bold red"), " ", text), soft_wrap=True)
    raise typer.Exit(int(code))


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def check_place(url: str) -> None:
    """Fail (exit 3) with a hint when a SQLite file's folder cannot hold it."""
    path = _sqlite_file(url)
    if path is None:
        return
    folder = path.parent
    if not folder.exists():
        fail(
            f"cannot open the database {path}: the folder {folder} does not exist "
            "(create it, or give another --db)",
            code=ExitCode.SETUP,
        )
    if not folder.is_dir():
        fail(
            f"cannot open the database {path}: {folder} is not a folder",
            code=ExitCode.SETUP,
        )
    if path.is_dir():
        fail(f"cannot open the database {path}: it is a folder", code=ExitCode.SETUP)


def database_problem(url: str, exc: Exception, *, opening: bool) -> str:
    """What went wrong with the database at ``url``, with what would help."""
    first = _first_line(exc)
    path = _sqlite_file(url)
    if path is not None and any(
        words in first for words in ("unable to open", "readonly", "read-only")
    ):
        return (
            f"cannot use the database {path} ({first.split(') ')[-1]}): napci "
            f"reads and writes the file and the -wal and -shm files beside it, "
            f"so the file and its folder {path.parent} must be writable by this "
            "user"
        )
    return (
        f"{'cannot open the database' if opening else 'the database failed'}: {first}"
    )


@contextmanager
def platform(db: str | None, *, migrate: bool = False) -> Iterator[Platform]:
    """Open the record for one verb, turning known failures into messages.

    The database layers are imported here, when a verb opens the record, so
    that ``napci --help`` and the verbs that need no record start without
    them."""
    from sqlalchemy.exc import DBAPIError

    from napci.adapters.db import SchemaError
    from napci.domain.admission import LedgerError
    from napci.services.platform import open_platform

    check_text()
    settings = Settings.load(db)
    check_url(settings.database_url, "--db" if db else ENV_DATABASE_URL)
    check_place(settings.database_url)
    try:
        opened = open_platform(settings, migrate=migrate)
    except SchemaError as exc:
        fail(str(exc), code=ExitCode.SETUP)
    except (ValueError, DBAPIError) as exc:
        fail(
            database_problem(settings.database_url, exc, opening=True),
            code=ExitCode.SETUP,
        )
    try:
        yield opened
    except (LedgerError, ValueError) as exc:
        fail(str(exc))
    except DBAPIError as exc:
        fail(
            database_problem(settings.database_url, exc, opening=False),
            code=ExitCode.SETUP,
        )
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        fail(f"{exc.strerror or exc}{where}", code=ExitCode.SETUP)
    finally:
        opened.close()


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def print_json(data: Any) -> None:
    """Print JSON data to stdout, one document."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def en(name: dict[str, str]) -> str:
    """The English text of a multilingual name."""
    return name.get("en", next(iter(name.values()), ""))
