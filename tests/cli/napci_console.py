"""``napci`` at a console, as the command-line tests drive it: :class:`Console`.

A plain module, imported by name (pytest puts this directory on
``sys.path``); the fixtures are in ``conftest.py``.

A test drives ``napci`` through Typer's runner on a real database, as a user
would at a console: ``napci("actors", "join", "PRK")`` runs the verb with
``--db`` added and checks its exit code (0 unless ``code=`` says otherwise);
``napci.json(...)`` parses what a read verb prints with ``--json``;
``napci.refused(...)`` runs a verb that must fail and returns its one-line
message, checking that it is one (no traceback, nothing on stdout).

Acting as a delegation takes its token (rule 0: no one acts for another):
``napci.delegation("JPN")`` is the same console signed in with a token of
JPN's (a delegate user, added the first time it is asked for). Without a
token ``napci`` acts as the facilitator's secretariat, the operator's
default.
"""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from napci.cli import app

__all__ = ["Console", "flat"]


def flat(text: str) -> str:
    """Text with its line wrapping undone, for matching console messages."""
    return " ".join(text.split())


class Console:
    """``napci`` at a console, on one database (see the module docstring)."""

    def __init__(
        self,
        db: str | None,
        *,
        token: str | None = None,
        tokens: dict[str, str] | None = None,
        counted: list[int] | None = None,
    ) -> None:
        self.db = db
        self.token = token
        self.runner = CliRunner()
        self._tokens: dict[str, str] = {} if tokens is None else tokens
        self._counted = [0] if counted is None else counted

    @property
    def commands(self) -> int:
        """How many commands this console (and its delegations) ran."""
        return self._counted[0]

    def invoke(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run ``napci ARGS`` (with ``--db`` and the token, if any) as it is."""
        extra = [] if self.db is None else ["--db", self.db]
        if self.token is not None:
            extra += ["--token", self.token]
        self._counted[0] += 1
        return self.runner.invoke(app, [*args, *extra], env=env)

    def __call__(
        self, *args: str, code: int = 0, env: dict[str, str] | None = None
    ) -> Result:
        """Run ``napci ARGS`` and check its exit code."""
        result = self.invoke(*args, env=env)
        assert result.exit_code == code, (
            f"napci {' '.join(args)} exited {result.exit_code}, expected {code}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n"
            f"exception: {result.exception!r}"
        )
        return result

    def json(self, *args: str) -> Any:
        """Run a read verb with ``--json`` and parse what it prints."""
        return json.loads(self(*args, "--json").stdout)

    def refused(self, *args: str, code: int = 2) -> str:
        """Run a verb that must fail with ``code``: its message, on one line."""
        result = self(*args, code=code)
        assert result.stdout == "", result.stdout
        message = result.stderr
        assert message.startswith("Error: "), message
        assert message.count("\n") == 1, f"not one line: {message!r}"
        assert "Traceback" not in message
        return message.strip()

    def head(self) -> tuple[int, str]:
        """The ledger's head (events, hash), verified."""
        report = self.json("ledger", "verify")
        assert report["ok"] is True, report
        return report["events"], report["head"]

    def on(self, db: str) -> Console:
        """The same console on another database."""
        return Console(db, token=self.token)

    def delegation(self, code: str) -> Console:
        """This console signed in with a token of ``code``'s delegation."""
        token = self._tokens.get(code)
        if token is None:
            operator = Console(self.db)
            added = operator("users", "add", f"{code.lower()}-delegation",
                             "--role", "delegate", "--actor", code)  # fmt: skip
            token = self._tokens[code] = added.stdout.strip().splitlines()[-1]
        return Console(self.db, token=token, tokens=self._tokens, counted=self._counted)
