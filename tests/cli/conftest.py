"""Fixtures of the command-line tests.

- ``napci``: ``napci`` at a console (``napci_console.Console``) on a fresh
  SQLite database that ``napci init`` has set up; ``napci.delegation("JPN")``
  acts with a token of JPN's.
- Autouse: no ``NAPCI_*`` setting leaks in from the environment, and the
  command tree is built once per session rather than on every invoke.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer.main
import typer.testing

# A plain module beside this one (pytest puts this directory on sys.path):
# tests import Console from it, not from a conftest.
from napci_console import Console

from napci.cli import app


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every test names its database with --db and acts with the tokens it
    # means; a developer's settings must not leak in.
    for name in ("NAPCI_DATABASE_URL", "NAPCI_TOKEN", "NAPCI_DEBUG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True, scope="session")
def _command_tree_built_once() -> Iterator[None]:
    """Build the command tree from the Typer app once, not on every invoke.

    ``CliRunner.invoke`` rebuilds it each time (about 0.3 s for napci's
    fifty-odd commands), which would be most of these tests' time; the
    commands themselves run exactly as before.
    """
    command = typer.main.get_command(app)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            typer.testing,
            "_get_command",
            lambda typer_app: (
                command if typer_app is app else typer.main.get_command(typer_app)
            ),
        )
        yield


@pytest.fixture
def napci(sqlite_url: str) -> Console:
    """``napci`` on a fresh SQLite database that ``napci init`` has set up."""
    console = Console(sqlite_url)
    console("init")
    return console
