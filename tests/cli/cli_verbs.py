"""Every ``napci`` verb with arguments it takes, for the tests that run them all.

A plain module, imported by name (pytest puts this directory on
``sys.path``). :data:`VERBS` gives each verb well-formed arguments (days in
2015, ids the record does not hold); :func:`verbs` walks the command tree,
so a verb missing here fails the tests that use it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from napci.cli import app

__all__ = [
    "ACTING",
    "ADMIN",
    "FILES",
    "READING",
    "VERBS",
    "acting_args",
    "params_of",
    "verbs",
]

DAY = ["--on", "2015-03-01"]

#: Verbs that only read the record.
READING: dict[str, list[str]] = {
    "actors": [],
    "documents": [],
    "incidents list": [],
    "ledger export": ["out.jsonl"],
    "ledger log": [],
    "ledger verify": [],
    "mechanisms": [],
    "mechanisms advise": ["--track", "environment", "--members", "KOR,JPN"],
    "meetings": [],
    "meetings next-host": [],
    "ownership": [],
    "projects": [],
    "proposals list": [],
    "proposals show": ["no-such"],
    "status": ["--as-of", "2015-03-01"],
    "trust": ["--as-of", "2015-03-01"],
    "trust explain": ["KOR", "JPN"],
    "users list": [],
}

#: The operator's verbs on the database itself (no actor acts).
ADMIN: dict[str, list[str]] = {
    "init": [],
    "ledger import": ["no-such.jsonl"],
    "serve": ["--port", "1"],
    "users add": ["someone", "--role", "analyst"],
    "users revoke": ["no-such"],
}

#: Verbs that act for an actor (they take --token and --actor, or the
#: actor's code as their argument, first).
ACTING: dict[str, list[str]] = {
    "actors invite": ["ZZZ", *DAY],
    "actors join": ["{code}", *DAY],
    "actors register": ["ZZZ", "--name", "Z", "--kind", "institute", *DAY],
    "actors withdraw": ["{code}", *DAY],
    "documents issue": ["d-x", "--kind", "statement", "--title", "T", *DAY],
    "incidents record": [
        "i-x",
        "--parties",
        "CHN,JPN",
        "--severity",
        "2",
        "--description",
        "D",
        "--source",
        "S",
        "--occurred-on",
        "2015-03-01",
    ],
    "keys register": ["no-such.request.json"],
    "keys revoke": ["ed25519:0000000000000000", "--reason", "R", *DAY],
    "meetings acknowledge": ["no-such", *DAY],
    "meetings attend": ["no-such", "--attended", "KOR", *DAY],
    "meetings cancel": ["no-such", *DAY],
    "meetings confirm": ["no-such", *DAY],
    "meetings convene": [
        "m-x",
        "--title",
        "T",
        "--track",
        "environment",
        "--starts-on",
        "2015-03-10",
        *DAY,
    ],
    "meetings held": ["no-such", *DAY],
    "projects assess": [*DAY],
    "projects commit": [
        "c-x",
        "--project",
        "no-such",
        "--description",
        "D",
        "--due",
        "2016-01-01",
        *DAY,
    ],
    "projects complete": ["no-such", *DAY],
    "projects fulfil": ["no-such", *DAY],
    "projects join": ["no-such", *DAY],
    "projects launch": [
        "px",
        "--title",
        "T",
        "--founders",
        "KOR,JPN",
        "--track",
        "environment",
        *DAY,
    ],
    "projects leave": ["no-such", *DAY],
    "projects milestone": ["no-such", "--milestone", "m1", "--title", "T", *DAY],
    "proposals decide": ["no-such", "--at", "2015-03-01"],
    "proposals position": ["no-such", "--position", "support", *DAY],
    "proposals silence": ["no-such", "--deadline", "2015-03-20", *DAY],
    "proposals table": [
        "p-x",
        "--kind",
        "add-track",
        "--track",
        "cyber-norms",
        "--title",
        "T",
        *DAY,
    ],
    "proposals withdraw": ["no-such", *DAY],
}

#: Every verb that opens a record (it takes --db).
VERBS: dict[str, list[str]] = {**READING, **ADMIN, **ACTING}

#: Verbs on files of this machine alone: they open no record (no --db) and
#: act for no one (no --token). ``KEY`` stands for a private key file,
#: ``OUT`` for a folder.
FILES: dict[str, list[str]] = {
    "keys new": ["KOR", "--out", "OUT", *DAY],
    "keys request": ["KEY", "--actor", "KOR", "--out", "OUT/KOR.request.json"],
}


def _walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    subs: dict[str, Any] = getattr(command, "commands", {}) or {}
    if path and (not subs or getattr(command, "invoke_without_command", False)):
        yield " ".join(path), command
    for name, sub in sorted(subs.items()):
        yield from _walk(sub, (*path, name))


def verbs() -> dict[str, Any]:
    """Every verb a user can run, by name (``"proposals table"``): its
    click command."""
    return dict(_walk(typer.main.get_command(app), ()))


def params_of(verb: str) -> set[str]:
    """The names of the parameters ``verb`` takes."""
    return {p.name for p in verbs()[verb].params}


def acting_args(verb: str, code: str) -> list[str]:
    """``verb``'s arguments, acting for ``code``."""
    args = [code if a == "{code}" else a for a in ACTING[verb]]
    if "{code}" not in ACTING[verb]:
        args += ["--actor", code]
    return args
