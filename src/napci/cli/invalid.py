"""An invalid command told in the command line's words: its options, not the
event's fields (``--track 'BAD': a track code: …``, not
``subject.add-track.track: String should match pattern …``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from napci.cli.common import VERB, option_name
from napci.domain.values import LANGUAGES, ActorCode, Ref, TrackCode
from napci.services.procedure import InvalidCommand

__all__ = ["invalid"]


def _pattern(kind: Any) -> str:
    return str(kind.__metadata__[0].pattern)


#: What each pattern of napci's values asks for, in words.
_PATTERNS: dict[str, str] = {
    _pattern(Ref): "an id: a lower-case letter or digit, then up to 79 lower-case "
    "letters, digits, '.', '_', '+' or '-'",
    _pattern(TrackCode): "a track code: a lower-case letter, then 1 to 39 "
    "lower-case letters, digits or '-' (e.g. nuclear-safety)",
    _pattern(ActorCode): "an actor's code: an upper-case letter, then 1 to 15 "
    "upper-case letters, digits, '+' or '-' (e.g. KOR)",
}

#: An event's field and the option that gives it, where their names differ.
_OPTIONS: dict[str, str] = {"tracks": "track", "source": "source"}


def _option(loc: tuple[Any, ...], verb: Any) -> str | None:
    """The verb's option (or argument) that gave the field at ``loc``."""
    params = {p.name: p for p in verb.params}
    for part in reversed(loc):
        if not isinstance(part, str) or part in LANGUAGES:
            continue
        for name in (part, _OPTIONS.get(part)):
            param = params.get((name or "").replace("-", "_"))
            if param is not None:
                return option_name(param)
    return None


def _words(error: Mapping[str, Any]) -> str:
    context = error.get("ctx") or {}
    if error.get("type") == "string_pattern_mismatch":
        wanted = _PATTERNS.get(str(context.get("pattern")))
        if wanted is not None:
            return f"expected {wanted}"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def invalid(exc: InvalidCommand) -> str:
    """The message of ``exc`` for the command line."""
    ctx = VERB.get()
    if not exc.errors or ctx is None:
        return str(exc)
    verb = ctx.command
    parts = []
    for error in exc.errors:
        loc = tuple(error.get("loc", ()))
        name = _option(loc, verb) or ".".join(str(p) for p in loc)
        value = error.get("input")
        given = f" {_shown(value)}" if isinstance(value, str | int | float) else ""
        parts.append(f"{name}{given}: {_words(error)}")
    return "invalid value: " + "; ".join(parts)
