"""The ``napci`` command line, driven through Typer's runner on real SQLite files."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner, Result

from napci.cli import app

SEVEN_STATES = {"KOR", "JPN", "CHN", "RUS", "PRK", "MNG", "USA"}
RANKS = {"working", "senior-official", "ministerial", "summit"}


@pytest.fixture(autouse=True)
def _no_database_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every test names its database with --db; a developer's setting must not leak.
    monkeypatch.delenv("NAPCI_DATABASE_URL", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, code: int = 0) -> Result:
    """Invoke ``napci ARGS`` and check its exit code."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (
        f"napci {' '.join(args)} exited {result.exit_code}, expected {code}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
        f"exception: {result.exception!r}"
    )
    return result


def run_json(runner: CliRunner, *args: str) -> Any:
    return json.loads(run(runner, *args).stdout)


def flat(text: str) -> str:
    """Text with its line wrapping undone, for matching console messages."""
    return " ".join(text.split())


@pytest.fixture
def db(runner: CliRunner, sqlite_url: str) -> str:
    """A database that ``napci init`` has set up."""
    run(runner, "init", "--db", sqlite_url)
    return sqlite_url


def head(runner: CliRunner, url: str) -> tuple[int, str]:
    report = run_json(runner, "ledger", "verify", "--json", "--db", url)
    assert report["ok"] is True, report
    return report["events"], report["head"]


# -- init and the read verbs --------------------------------------------------


def test_init_reports_the_record_and_is_idempotent(
    runner: CliRunner, sqlite_url: str
) -> None:
    first = run_json(runner, "init", "--json", "--db", sqlite_url)
    assert first["appended"] == first["events"] > 0
    assert first["already_recorded"] == 0
    assert len(first["head"]) == 64

    again = run_json(runner, "init", "--json", "--db", sqlite_url)
    assert again["appended"] == 0
    assert again["already_recorded"] == first["events"]
    assert (again["events"], again["head"]) == (first["events"], first["head"])


def test_init_prints_a_summary(runner: CliRunner, sqlite_url: str) -> None:
    result = run(runner, "init", "--db", sqlite_url)
    assert "Record ready" in flat(result.stdout)


def test_actors_lists_the_states_and_the_observers(runner: CliRunner, db: str) -> None:
    actors = {
        row["code"]: row for row in run_json(runner, "actors", "--json", "--db", db)
    }
    assert SEVEN_STATES | {"ASEAN", "EU"} <= set(actors)
    assert actors["PRK"]["status"] == "invited"
    for code in SEVEN_STATES:
        assert actors[code]["kind"] == "state"
    for code in ("ASEAN", "EU"):
        assert actors[code]["kind"] == "organisation"
        assert "observer" in actors[code]["roles"]
    assert "facilitator" in actors["KOR"]["roles"]


def test_actors_table(runner: CliRunner, db: str) -> None:
    out = run(runner, "actors", "--db", db).stdout
    assert "PRK" in out
    assert "invited" in out


def test_meetings_json_and_track_filter(runner: CliRunner, db: str) -> None:
    meetings = run_json(runner, "meetings", "--json", "--db", db)
    assert meetings, "the record holds meetings"
    days = [m["starts_on"] for m in meetings]
    assert days == sorted(days)
    for meeting in meetings:
        assert meeting["rank"] in RANKS
        assert meeting["layer"] in {"track-1", "track-1.5", "track-2"}

    track = next(t for m in meetings for t in m["tracks"])
    only = run_json(runner, "meetings", "--json", "--track", track, "--db", db)
    assert only
    assert all(track in m["tracks"] for m in only)
    assert {m["meeting"] for m in only} <= {m["meeting"] for m in meetings}

    assert (
        run_json(runner, "meetings", "--json", "--track", "no-such", "--db", db) == []
    )
    assert "Meetings" in run(runner, "meetings", "--db", db).stdout


def test_mechanisms_json(runner: CliRunner, db: str) -> None:
    mechanisms = run_json(runner, "mechanisms", "--json", "--db", db)
    by_acronym = {m["acronym"]: m for m in mechanisms}
    assert {"ARF", "TCS", "ASEAN+3", "EAS", "APEC"} <= set(by_acronym)
    assert by_acronym["TCS"]["members"] == ["CHN", "JPN", "KOR"]
    assert "ARF" in run(runner, "mechanisms", "--db", db).stdout


def test_ledger_log(runner: CliRunner, db: str) -> None:
    events = run_json(runner, "ledger", "log", "--json", "--limit", "5", "--db", db)
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[0]["prev_hash"] == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after["prev_hash"] == before["hash"]
    for event in events:
        assert isinstance(event["payload"], dict)
        assert event["classification"] in {"public", "participants", "restricted"}

    count, _ = head(runner, db)
    last = run_json(
        runner, "ledger", "log", "--json", "--last", "--limit", "2", "--db", db
    )
    assert [e["seq"] for e in last] == [count - 1, count]
    after = run_json(
        runner, "ledger", "log", "--json", "--after", "3", "--limit", "1", "--db", db
    )
    assert [e["seq"] for e in after] == [4]
    assert "Ledger" in run(runner, "ledger", "log", "--limit", "3", "--db", db).stdout


def test_ledger_log_limit_is_bounded(runner: CliRunner, db: str) -> None:
    run(runner, "ledger", "log", "--limit", "0", "--db", db, code=2)


def test_ledger_verify(runner: CliRunner, db: str) -> None:
    report = run_json(runner, "ledger", "verify", "--json", "--db", db)
    assert report["ok"] is True
    assert report["events"] > 0
    assert report["first_bad_seq"] is None
    assert report["problem"] is None
    assert report["signed"] == 0
    assert flat(run(runner, "ledger", "verify", "--db", db).stdout).startswith("OK")


# -- export and import -------------------------------------------------------


def test_export_then_import_reproduces_the_head(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    export = tmp_path / "record.jsonl"
    run(runner, "ledger", "export", str(export), "--db", db)
    lines = export.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    count, head_hash = head(runner, db)
    assert header["format"] == "napci-ledger"
    assert (header["events"], header["head"]) == (count, head_hash)
    assert len(lines) == count + 1
    assert not (tmp_path / "record.jsonl.partial").exists()

    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    result = run_json(runner, "ledger", "import", str(export), "--json", "--db", copy)
    assert result["appended"] == count
    assert (result["events"], result["head"]) == (count, head_hash)
    assert head(runner, copy) == (count, head_hash)

    # Importing the same export again appends nothing.
    again = run_json(runner, "ledger", "import", str(export), "--json", "--db", copy)
    assert (again["appended"], again["already_held"]) == (0, count)


def test_import_refuses_a_tampered_export_naming_the_line(
    runner: CliRunner, db: str, tmp_path: Path
) -> None:
    export = tmp_path / "record.jsonl"
    run(runner, "ledger", "export", str(export), "--db", db)
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    event = json.loads(lines[3])
    event["occurred_at"] = "1999-01-01T00:00:00.000000Z"
    lines[3] = json.dumps(event) + "\n"
    export.write_text("".join(lines), encoding="utf-8")

    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    result = run(runner, "ledger", "import", str(export), "--db", copy, code=2)
    assert "line 4" in flat(result.stderr)
    assert head(runner, copy) == (0, "0" * 64)


def test_import_of_a_missing_file_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = run(
        runner, "ledger", "import", str(tmp_path / "none.jsonl"), "--db", url, code=2
    )
    assert "cannot read" in flat(result.stderr)


# -- refusals and help ---------------------------------------------------------


@pytest.mark.parametrize(
    "verb",
    [
        ["actors"],
        ["meetings"],
        ["mechanisms"],
        ["ledger", "verify"],
        ["ledger", "log"],
        ["ledger", "export", "out.jsonl"],
    ],
    ids=" ".join,
)
def test_a_verb_on_an_uninitialised_database_says_to_run_init(
    runner: CliRunner, tmp_path: Path, verb: list[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'never.db'}"
    result = run(runner, *verb, "--db", url, code=2)
    assert "there is no database at" in flat(result.stderr)
    assert "run 'napci init'" in flat(result.stderr)
    assert not (tmp_path / "never.db").exists()


def test_a_verb_on_an_empty_database_file_says_to_run_init(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "empty.db").touch()
    result = run(runner, "actors", "--db", f"sqlite:///{tmp_path / 'empty.db'}", code=2)
    assert "not initialised: run 'napci init'" in flat(result.stderr)


def test_an_unsupported_database_url_is_refused(runner: CliRunner) -> None:
    result = run(runner, "actors", "--db", "mysql://nobody@localhost/napci", code=2)
    assert "unsupported database URL" in flat(result.stderr)


def test_the_database_url_comes_from_the_environment(
    runner: CliRunner, db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NAPCI_DATABASE_URL", db)
    assert run_json(runner, "ledger", "verify", "--json")["ok"] is True


def _command_paths() -> Iterator[list[str]]:
    def walk(command: Any, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), [])


@pytest.mark.parametrize(
    "path", list(_command_paths()), ids=lambda p: " ".join(p) or "napci"
)
def test_help_works_for_every_command(runner: CliRunner, path: list[str]) -> None:
    result = run(runner, *path, "--help")
    assert "Usage" in result.stdout
