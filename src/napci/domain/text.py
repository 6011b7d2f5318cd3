"""Text a database can store and read back (DESIGN §3).

Two kinds of character cannot be kept in the record on both backends alike:

- NUL (U+0000): PostgreSQL's ``text`` and ``jsonb`` cannot hold it (a payload
  holding ``\\u0000`` is stored as JSON text, but every read that parses it as
  ``jsonb`` fails), while SQLite keeps it;
- a lone surrogate (U+D800 to U+DFFF not in a pair): it has no UTF-8 form, so
  neither driver can write it (Python's ``surrogateescape`` turns the bytes of
  a command line that are not UTF-8 into such characters).

Everything else Unicode defines is stored and read back as it was given, on
both: right-to-left overrides, U+2028, characters beyond the Basic
Multilingual Plane, long strings. Text holding either kind is refused at the
door (the ledger's append and import, the API, the command line), never
altered: a record says what its author wrote or nothing.

>>> unstorable("a\\x00b")
'holds a NUL character (U+0000), which a database cannot store'
>>> unstorable("\\u202eok \\U0001f600") is None
True
>>> first_unstorable({"title": {"en": "x\\ud800"}})
('title.en', 'holds a lone surrogate (U+D800), text that is not valid Unicode')
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = [
    "REMEDY",
    "TEXT_PATTERN",
    "check_storable",
    "first_unstorable",
    "unstorable",
]

_BAD: Final = re.compile("[\x00\ud800-\udfff]")

#: The JSON Schema ``pattern`` of storable text (lone surrogates cannot be
#: written in a valid UTF-8 JSON document at all).
TEXT_PATTERN: Final[str] = "^[^\\u0000]*$"

#: What to do about it, for messages.
REMEDY: Final[str] = "remove it (or send valid UTF-8 text)"


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None when it can."""
    found = _BAD.search(text)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return "holds a NUL character (U+0000), which a database cannot store"
    return f"holds a lone surrogate (U+{ord(char):04X}), text that is not valid Unicode"


def _problem(text: str, longest: int | None) -> str | None:
    if longest is not None and len(text) > longest:
        return f"is {len(text):,} characters long; at most {longest:,} are taken"
    return unstorable(text)


def first_unstorable(
    value: Any, path: str = "", *, longest: int | None = None
) -> tuple[str, str] | None:
    """The first string in a JSON-like value (dicts, lists, strings; keys
    included) that cannot be stored, or is longer than ``longest``: its
    dotted path and why; else None."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            problem = _problem(item, longest)
            if problem is not None:
                return where, problem
        elif isinstance(item, dict):
            for key, sub in reversed(list(item.items())):
                if (
                    isinstance(key, str)
                    and (problem := _problem(key, longest)) is not None
                ):
                    return where or "a key", f"has a key that {problem}"
                stack.append((f"{where}.{key}" if where else str(key), sub))
        elif isinstance(item, list | tuple):
            stack.extend(
                (f"{where}.{i}" if where else str(i), sub)
                for i, sub in reversed(list(enumerate(item)))
            )
    return None


def check_storable(value: str) -> str:
    """A validator: ``value`` unchanged, or :class:`ValueError` saying why not."""
    problem = unstorable(value)
    if problem is not None:
        raise ValueError(f"the text {problem}: {REMEDY}")
    return value
