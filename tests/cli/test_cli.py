"""The ``napci`` command line, driven through Typer's runner on real SQLite files."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from napci_console import Console, flat

from napci.cli import app

SEVEN_STATES = {"KOR", "JPN", "CHN", "RUS", "PRK", "MNG", "USA"}
RANKS = {"working", "senior-official", "ministerial", "summit"}


# -- init and the read verbs --------------------------------------------------


def test_init_reports_the_record_and_is_idempotent(sqlite_url: str) -> None:
    napci = Console(sqlite_url)
    first = napci.json("init")
    assert first["appended"] == first["events"] > 0
    assert first["already_recorded"] == 0
    assert len(first["head"]) == 64

    again = napci.json("init")
    assert again["appended"] == 0
    assert again["already_recorded"] == first["events"]
    assert (again["events"], again["head"]) == (first["events"], first["head"])


def test_init_prints_a_summary(sqlite_url: str) -> None:
    result = Console(sqlite_url)("init")
    assert "Record ready" in flat(result.stdout)


def test_actors_lists_the_states_and_the_observers(napci: Console) -> None:
    actors = {row["code"]: row for row in napci.json("actors")}
    assert SEVEN_STATES | {"ASEAN", "EU"} <= set(actors)
    assert actors["PRK"]["status"] == "invited"
    for code in SEVEN_STATES:
        assert actors[code]["kind"] == "state"
    for code in ("ASEAN", "EU"):
        assert actors[code]["kind"] == "organisation"
        assert "observer" in actors[code]["roles"]
    assert "facilitator" in actors["KOR"]["roles"]


def test_actors_table(napci: Console) -> None:
    out = napci("actors").stdout
    assert "PRK" in out
    assert "invited" in out


def test_meetings_json_and_track_filter(napci: Console) -> None:
    meetings = napci.json("meetings")
    assert meetings, "the record holds meetings"
    days = [m["starts_on"] for m in meetings]
    assert days == sorted(days)
    for meeting in meetings:
        assert meeting["rank"] in RANKS
        assert meeting["layer"] in {"track-1", "track-1.5", "track-2"}

    track = next(t for m in meetings for t in m["tracks"])
    only = napci.json("meetings", "--track", track)
    assert only
    assert all(track in m["tracks"] for m in only)
    assert {m["meeting"] for m in only} <= {m["meeting"] for m in meetings}

    assert napci.json("meetings", "--track", "no-such") == []
    assert "Meetings" in napci("meetings").stdout


def test_mechanisms_json(napci: Console) -> None:
    mechanisms = napci.json("mechanisms")
    by_acronym = {m["acronym"]: m for m in mechanisms}
    assert {"ARF", "TCS", "ASEAN+3", "EAS", "APEC"} <= set(by_acronym)
    assert by_acronym["TCS"]["members"] == ["CHN", "JPN", "KOR"]
    assert "ARF" in napci("mechanisms").stdout


def test_ledger_log(napci: Console) -> None:
    events = napci.json("ledger", "log", "--limit", "5")
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[0]["prev_hash"] == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after["prev_hash"] == before["hash"]
    for event in events:
        assert isinstance(event["payload"], dict)
        assert event["classification"] in {"public", "participants", "restricted"}

    count, _ = napci.head()
    last = napci.json("ledger", "log", "--last", "--limit", "2")
    assert [e["seq"] for e in last] == [count - 1, count]
    after = napci.json("ledger", "log", "--after", "3", "--limit", "1")
    assert [e["seq"] for e in after] == [4]
    assert "Ledger" in napci("ledger", "log", "--limit", "3").stdout


def test_ledger_log_limit_is_bounded(napci: Console) -> None:
    napci("ledger", "log", "--limit", "0", code=2)


def test_ledger_verify(napci: Console) -> None:
    report = napci.json("ledger", "verify")
    assert report["ok"] is True
    assert report["events"] > 0
    assert report["first_bad_seq"] is None
    assert report["problem"] is None
    assert report["signed"] == 0
    assert flat(napci("ledger", "verify").stdout).startswith("OK")


# -- export and import -------------------------------------------------------


def test_export_then_import_reproduces_the_head(napci: Console, tmp_path: Path) -> None:
    export = tmp_path / "record.jsonl"
    napci("ledger", "export", str(export))
    lines = export.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    count, head_hash = napci.head()
    assert header["format"] == "napci-ledger"
    assert (header["events"], header["head"]) == (count, head_hash)
    assert len(lines) == count + 1
    assert not (tmp_path / "record.jsonl.partial").exists()

    copy = napci.on(f"sqlite:///{tmp_path / 'copy.db'}")
    result = copy.json("ledger", "import", str(export))
    assert result["appended"] == count
    assert (result["events"], result["head"]) == (count, head_hash)
    assert copy.head() == (count, head_hash)

    # Importing the same export again appends nothing.
    again = copy.json("ledger", "import", str(export))
    assert (again["appended"], again["already_held"]) == (0, count)


def test_import_refuses_a_tampered_export_naming_the_line(
    napci: Console, tmp_path: Path
) -> None:
    export = tmp_path / "record.jsonl"
    napci("ledger", "export", str(export))
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    event = json.loads(lines[3])
    event["occurred_at"] = "1999-01-01T00:00:00.000000Z"
    lines[3] = json.dumps(event) + "\n"
    export.write_text("".join(lines), encoding="utf-8")

    copy = napci.on(f"sqlite:///{tmp_path / 'copy.db'}")
    assert "line 4" in copy.refused("ledger", "import", str(export))
    # Refused whole, before the database is even created.
    assert not (tmp_path / "copy.db").exists()


def test_import_of_a_missing_file_is_refused(tmp_path: Path) -> None:
    napci = Console(f"sqlite:///{tmp_path / 'x.db'}")
    message = napci.refused("ledger", "import", str(tmp_path / "none.jsonl"))
    assert "cannot read" in message
    assert not (tmp_path / "x.db").exists()


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
    tmp_path: Path, verb: list[str]
) -> None:
    napci = Console(f"sqlite:///{tmp_path / 'never.db'}")
    message = napci.refused(*verb, code=3)
    assert "there is no database at" in message
    assert "run 'napci init'" in message
    assert not (tmp_path / "never.db").exists()


def test_a_verb_on_an_empty_database_file_says_to_run_init(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()
    napci = Console(f"sqlite:///{tmp_path / 'empty.db'}")
    assert "not initialised: run 'napci init'" in napci.refused("actors", code=3)


def test_an_unsupported_database_url_is_refused() -> None:
    napci = Console("mysql://nobody@localhost/napci")
    assert "unsupported database URL" in napci.refused("actors", code=3)


def test_the_database_url_comes_from_the_environment(
    napci: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert napci.db is not None
    monkeypatch.setenv("NAPCI_DATABASE_URL", napci.db)
    assert Console(None).json("ledger", "verify")["ok"] is True


def _command_paths() -> Iterator[list[str]]:
    def walk(command: Any, path: list[str]) -> Iterator[list[str]]:
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), [])


@pytest.mark.parametrize(
    "path", list(_command_paths()), ids=lambda p: " ".join(p) or "napci"
)
def test_help_works_for_every_command(path: list[str]) -> None:
    result = Console(None)(*path, "--help")
    assert "Usage" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
