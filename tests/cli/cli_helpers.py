"""Helpers of the command-line tests: run ``napci`` through Typer's runner.

A plain module, imported by name (pytest puts ``tests/cli`` on ``sys.path``).
"""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from napci.cli import app

__all__ = ["flat", "head", "run", "run_json"]


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
    """Invoke ``napci ARGS`` and parse what it printed as JSON."""
    return json.loads(run(runner, *args).stdout)


def flat(text: str) -> str:
    """Text with its line wrapping undone, for matching console messages."""
    return " ".join(text.split())


def head(runner: CliRunner, url: str) -> tuple[int, str]:
    """The ledger's event count and head hash, verified."""
    report = run_json(runner, "ledger", "verify", "--json", "--db", url)
    assert report["ok"] is True, report
    return report["events"], report["head"]
