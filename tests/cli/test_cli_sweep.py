"""Every verb, run carelessly: never a traceback, always its documented exit code.

``napci --help``, every group's help, and every verb given a database URL it
cannot use, a database that does not exist, an impossible day, ids and
actors the record does not hold, and a token no one holds. Each answer is
one line on standard error (``Error: …``), or a usage message for arguments
the parser itself refuses, with the exit code docs/cli.md gives: 2 refused,
3 the record or a setting cannot be used.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_verbs import ACTING, ADMIN, FILES, VERBS, params_of, verbs
from napci_console import Console
from typer.testing import Result

from napci.domain.signing import generate_key_pair

DATES = {"--on", "--as-of", "--at", "--deadline", "--due", "--starts-on"}
DATES |= {"--occurred-on"}
#: Verbs whose arguments name something the record does not hold.
UNKNOWN = {verb for verb, args in VERBS.items() if "no-such" in args}
UNKNOWN |= {"trust explain", "actors invite", "ledger import"}
UNKNOWN |= {"keys register", "keys revoke"}  # no such request file, no such key


def _answered(result: Result, code: int) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code == code, output
    if result.stderr.startswith("Error: "):
        assert result.stderr.count("\n") == 1, result.stderr
    else:  # refused by the parser itself: its usage message
        assert code == 2 and "Usage:" in output, output


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    """A port something listens on (so ``napci serve`` never starts)."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        yield busy.getsockname()[1]


@pytest.fixture(scope="module")
def empty_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export of an empty record (so an import gets as far as its database)."""
    path = tmp_path_factory.mktemp("export") / "empty.jsonl"
    header = {"format": "napci-ledger", "version": 1, "events": 0, "head": "0" * 64}
    path.write_text(json.dumps(header) + "\n", encoding="utf-8")
    return path


def _args(verb: str, port: int, export: Path) -> list[str]:
    """``verb``'s arguments, for the secretariat where an actor is named."""
    if verb == "serve":
        return ["--port", str(port)]
    if verb == "ledger import":
        return [str(export)]
    args = [a.replace("{code}", "KOR") for a in VERBS[verb]]
    required = {p.name for p in verbs()[verb].params if p.required}
    if "actor" in required and verb not in ("keys new", "users add"):
        args += ["--actor", "KOR"]
    return args


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory) -> Console:
    """One record for the whole sweep; nothing in it appends anything."""
    console = Console(f"sqlite:///{tmp_path_factory.mktemp('sweep') / 'napci.db'}")
    console("init")
    return console


def test_help_at_every_level_has_no_traceback() -> None:
    napci = Console(None)
    for args in ([], ["--help"], ["proposals"], ["ledger"], ["nosuch"]):
        result = napci.invoke(*args)
        assert "Traceback" not in result.stdout + result.stderr
        assert "Usage:" in result.stdout + result.stderr


@pytest.mark.parametrize("verb", sorted(VERBS))
def test_a_database_napci_cannot_use(
    verb: str,
    tmp_path: Path,
    busy_port: int,
    empty_export: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    args = [*verb.split(), *_args(verb, busy_port, empty_export)]
    for url in ("garbage", "sqlite://", f"sqlite:///{tmp_path / 'no' / 'x.db'}"):
        _answered(Console(url).invoke(*args), 3)
        _answered(Console(None).invoke("--db", url, *args), 3)
    _answered(Console(None).invoke(*args, env={"NAPCI_DATABASE_URL": "garbage"}), 3)
    if verb not in ("init", "ledger import", "serve"):
        # A database never made: run 'napci init' first.
        result = Console(f"sqlite:///{tmp_path / 'never.db'}").invoke(*args)
        _answered(result, 3)
        assert "napci init" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("verb", sorted(FILES))
def test_a_verb_on_files_alone_opens_no_record(
    verb: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``keys new`` and ``keys request`` write files and open no record: a
    database setting napci cannot use is none of their concern, and a folder
    they cannot write is (exit 3), in one line."""
    monkeypatch.chdir(tmp_path)
    key = tmp_path / "held.key"
    key.write_bytes(generate_key_pair().private_pem())

    def args(out: Path) -> list[str]:
        given = [a.replace("OUT", str(out)) for a in FILES[verb]]
        return [*verb.split(), *(str(key) if a == "KEY" else a for a in given)]

    napci = Console(None)
    (tmp_path / "keys").mkdir()
    napci("--db", "garbage", *args(tmp_path / "keys"))
    napci(*args(tmp_path / "keys"), env={"NAPCI_DATABASE_URL": "sqlite://"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["held.key", "keys"]

    (tmp_path / "taken").write_text("a file, not a folder\n", encoding="utf-8")
    result = napci.invoke(*args(tmp_path / "taken" / "keys"))
    _answered(result, 3)
    assert "cannot write" in result.stderr


@pytest.mark.parametrize("verb", sorted(verb for verb in VERBS if verb in UNKNOWN))
def test_ids_and_actors_the_record_does_not_hold(record: Console, verb: str) -> None:
    before = record.head()
    args = [a.replace("{code}", "KOR") for a in VERBS[verb]]
    if verb == "trust explain":
        args = ["KOR", "ZZZ"]
    if "actor" in params_of(verb) and verb not in ("keys new", "users add"):
        args += ["--actor", "KOR"]
    _answered(record.invoke(*verb.split(), *args), 2)
    assert record.head() == before


@pytest.mark.parametrize(
    "verb", sorted(v for v in VERBS if DATES & set(VERBS[v]) and v not in ADMIN)
)
@pytest.mark.parametrize("day", ["2015-02-30", "yesterday", "3000-01-01"])
def test_an_impossible_day(record: Console, verb: str, day: str) -> None:
    before = record.head()
    args = [a.replace("{code}", "KOR") for a in VERBS[verb]]
    for i, arg in enumerate(args[:-1]):
        if arg in DATES:
            args[i + 1] = day
    if "actor" in params_of(verb):
        args += ["--actor", "KOR"]
    result = record.invoke(*verb.split(), *args)
    _answered(result, 2)
    assert record.head() == before


@pytest.mark.parametrize("verb", sorted(ACTING))
def test_a_token_no_one_holds(record: Console, verb: str) -> None:
    before = record.head()
    args = [a.replace("{code}", "KOR") for a in ACTING[verb]]
    if "{code}" not in ACTING[verb]:
        args += ["--actor", "KOR"]
    result = record.invoke(*verb.split(), *args, "--token", "napci_forged")
    _answered(result, 2)
    assert "the token is unknown or revoked" in result.stderr
    assert record.head() == before
