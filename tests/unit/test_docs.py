"""The reference docs cover the code: every event type and field, every CLI command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main

import napci.cli
from napci.domain.events import EVENT_TYPES

ROOT = Path(__file__).parents[2]
EVENTS_MD = ROOT / "docs" / "events.md"
CLI_MD = ROOT / "docs" / "cli.md"

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")


def sections(text: str, level: int) -> dict[str, str]:
    """Body of every heading of exactly ``level``, up to the next heading of any level.

    A heading repeated at that level is an error: each must name one thing.
    """
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match is None:
            if current is not None:
                current.append(line)
            continue
        current = None
        if len(match.group(1)) == level:
            title = match.group(2)
            assert title not in found, f"heading {title!r} appears twice"
            current = found[title] = []
    return {title: "\n".join(body) for title, body in found.items()}


def first_table_column(body: str) -> list[str]:
    """The first cell of each data row of the first Markdown table in ``body``."""
    rows: list[str] = []
    in_table = False
    for line in body.splitlines():
        if line.lstrip().startswith("|"):
            in_table = True
            rows.append(line.strip())
        elif in_table:
            break
    cells = []
    for row in rows[2:]:  # skip the header and the |---| rule
        first = row.strip("|").split("|")[0]
        cells.append(first.strip().strip("`").strip())
    return cells


# -- events --------------------------------------------------------------------


def event_fields() -> dict[str, set[str]]:
    """Field names of every event type, across all its versions."""
    fields: dict[str, set[str]] = {}
    for (name, _version), cls in EVENT_TYPES.items():
        fields.setdefault(name, set()).update(cls.model_fields)
    return fields


@pytest.fixture(scope="module")
def event_sections() -> dict[str, str]:
    return sections(EVENTS_MD.read_text(encoding="utf-8"), 3)


def test_the_vocabulary_is_found() -> None:
    assert {"ActorJoined", "MeetingHeld", "DecisionAdopted", "KeyRegistered"} <= set(
        event_fields()
    )


@pytest.mark.parametrize("name", sorted(event_fields()))
def test_every_event_type_has_a_section(
    name: str, event_sections: dict[str, str]
) -> None:
    assert name in event_sections, f"docs/events.md has no '### {name}' section"


def test_every_documented_event_type_exists(event_sections: dict[str, str]) -> None:
    unknown = sorted(set(event_sections) - set(event_fields()))
    assert not unknown, f"docs/events.md documents unknown event types: {unknown}"


@pytest.mark.parametrize("name", sorted(event_fields()))
def test_every_field_is_in_its_table(name: str, event_sections: dict[str, str]) -> None:
    body = event_sections.get(name)
    if body is None:
        pytest.fail(f"docs/events.md has no '### {name}' section")
    documented = first_table_column(body)
    expected = event_fields()[name]
    missing = sorted(expected - set(documented))
    assert not missing, f"### {name}: fields missing from its table: {missing}"
    stale = sorted(set(documented) - expected)
    assert not stale, f"### {name}: its table lists fields the type lacks: {stale}"
    repeated = sorted({f for f in documented if documented.count(f) > 1})
    assert not repeated, f"### {name}: fields listed twice: {repeated}"


@pytest.mark.parametrize("key", sorted(EVENT_TYPES), ids=lambda k: f"{k[0]}-v{k[1]}")
def test_every_version_is_stated(
    key: tuple[str, int], event_sections: dict[str, str]
) -> None:
    name, version = key
    body = event_sections.get(name, "")
    assert re.search(rf"\bversion {version}\b", body, re.IGNORECASE), (
        f"### {name}: does not say 'version {version}'"
    )


# -- CLI -------------------------------------------------------------------------


def cli_commands() -> list[str]:
    """Every command a user can run, as 'napci a b'; groups are walked into.

    A group counts as a command itself when it has no sub-commands or runs
    without one (``napci actors``: a verb whose callback does the work);
    ``napci ledger`` only lists its sub-commands and does not count.
    """

    def walk(command: Any, path: tuple[str, ...]) -> Iterator[str]:
        subs: dict[str, Any] = getattr(command, "commands", {}) or {}
        runs_alone = getattr(command, "invoke_without_command", False)
        if path and (not subs or runs_alone):
            yield " ".join(("napci", *path))
        for name, sub in sorted(subs.items()):
            if not getattr(sub, "hidden", False):
                yield from walk(sub, (*path, name))

    return list(walk(typer.main.get_command(napci.cli.app), ()))


@pytest.fixture(scope="module")
def cli_headings() -> set[str]:
    return {
        title
        for title in sections(CLI_MD.read_text(encoding="utf-8"), 3)
        if title.startswith("napci")
    }


def test_the_cli_walk_finds_the_commands() -> None:
    commands = cli_commands()
    assert {"napci init", "napci ledger verify", "napci keys new"} <= set(commands)
    assert "napci ledger" not in commands


@pytest.mark.parametrize("command", cli_commands())
def test_every_cli_command_has_a_heading(command: str, cli_headings: set[str]) -> None:
    assert command in cli_headings, f"docs/cli.md has no '### {command}' heading"


def test_every_documented_cli_command_exists(cli_headings: set[str]) -> None:
    unknown = sorted(cli_headings - set(cli_commands()))
    assert not unknown, f"docs/cli.md documents commands that do not exist: {unknown}"
