"""What every rule of procedure is judged by besides its own checks (rule 0).

Two things hold for every command, whatever its rule:

- **Nothing is dated before the acting party is in the record** (rule
  ``no-backdating``): the day an act is dated (its ``on``; ``at`` for a
  decision, ``held_on`` for a meeting held) is not before the day its
  acting party (``by``) was registered, and an act of the facilitator's
  secretariat is not dated before the facilitator role was assigned. A fact
  the secretariat records from a source (an incident) is dated by the fact;
  its recording, the secretariat's act, is the command's ``on``.
- **What a command records is at least as restricted as what it refers
  to**: an event naming a meeting, a proposal, a document, a project, a
  commitment, an incident or a mechanism inherits that object's
  classification when it is stricter than its own, so a public event never
  names something a public reader may not read.

:func:`judged` wraps a rule with both; ``RULES`` holds only wrapped rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from napci.domain.procedure.base import Context, Emit, Refusal

__all__ = ["act_day", "check_dating", "classify", "judged", "judged_all"]

#: Who may read what, from the least to the most restricted.
_LEVELS = ("public", "participants", "restricted")

#: Payload fields that name an object, and the kinds of object they may name.
_REFS: dict[str, tuple[str, ...]] = {
    "meeting": ("meeting",),
    "occasion": ("meeting", "mechanism"),
    "proposal": ("proposal",),
    "decision": ("proposal",),
    "document": ("document",),
    "project": ("project",),
    "commitment": ("commitment",),
    "incident": ("incident",),
    "mechanism": ("mechanism",),
    "widens": ("mechanism",),
}

Rule = Callable[[Any, Context], list[Emit]]


def act_day(command: Any) -> date | None:
    """The day a command's act is dated: ``at`` (a decision), ``held_on`` (a
    meeting held) or ``on`` (every other command)."""
    for name in ("at", "held_on", "on"):
        value = getattr(command, name, None)
        if isinstance(value, date):
            return value
    return None


def check_dating(command: Any, ctx: Context) -> None:
    """Refuse an act dated before its acting party was in the record."""
    by = getattr(command, "by", None)
    day = act_day(command)
    actor = None if by is None else ctx.registry.actors.get(by)
    if actor is None or day is None:
        return  # an unknown actor is the rule's to refuse
    entered = actor.registered_on
    if entered is not None and day < entered:
        raise Refusal(
            "no-backdating",
            f"{by} entered the record on {entered.isoformat()}; nothing it does "
            f"can be dated {day.isoformat()}, before that",
            f"Date it on or after {entered.isoformat()}.",
        )
    since = actor.role_since.get("facilitator")
    if ctx.facilitator() == by and since is not None and day < since:
        raise Refusal(
            "no-backdating",
            f"the facilitator's secretariat acts since {by} took the facilitator "
            f"role on {since.isoformat()}; its act cannot be dated "
            f"{day.isoformat()}, before that",
            f"Date it on or after {since.isoformat()}.",
        )


def _strictest(levels: Iterable[str]) -> str:
    return max(levels, key=lambda c: _LEVELS.index(c) if c in _LEVELS else 0)


def _references(payload: dict[str, Any]) -> Iterable[tuple[str, str]]:
    """The objects a payload names: (kind, id), its subject's too."""
    for data in (payload, payload.get("subject")):
        if not isinstance(data, dict):
            continue
        for name, kinds in _REFS.items():
            ident = data.get(name)
            if isinstance(ident, str):
                for kind in kinds:
                    yield kind, ident


def classify(emits: list[Emit], ctx: Context) -> list[Emit]:
    """``emits``, each at least as restricted as the objects it names."""
    out = []
    for emit in emits:
        found = [
            level
            for kind, ident in _references(emit.event.payload())
            if (level := ctx.registry.classification_of(kind, ident)) is not None
        ]
        level = _strictest([emit.classification, *found])
        if level != emit.classification:
            emit = dataclasses.replace(emit, classification=level)
        out.append(emit)
    return out


def judged(rule: Rule) -> Rule:
    """``rule``, with the checks every command shares (see the module)."""

    def judge(command: Any, ctx: Context) -> list[Emit]:
        check_dating(command, ctx)
        return classify(list(rule(command, ctx)), ctx)

    judge.__name__ = getattr(rule, "__name__", "judge")
    judge.__doc__ = rule.__doc__
    judge.__wrapped__ = rule  # type: ignore[attr-defined]
    return judge


def judged_all(rules: dict[type[Any], Rule]) -> dict[type[Any], Rule]:
    """Every rule of ``rules`` :func:`judged`."""
    return {command: judged(rule) for command, rule in rules.items()}
