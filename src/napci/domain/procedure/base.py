"""What every rule of procedure shares: refusals, emitted events, context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from napci.domain.events import Event
from napci.domain.registry import Registry
from napci.domain.rules_of_procedure import Rules

__all__ = ["Context", "Emit", "Gate", "Refusal", "require"]


class Refusal(Exception):
    """A command refused by a rule of procedure; nothing is appended.

    ``rule`` names the rule (quoted in the message), ``remedy`` says what
    would make the command admissible.
    """

    def __init__(self, rule: str, message: str, remedy: str | None = None) -> None:
        self.rule = rule
        self.reason = message
        self.remedy = remedy
        text = f"Refused: {message} (rule {rule})."
        if remedy:
            text += f" {remedy}"
        super().__init__(text)


def require(
    condition: bool, rule: str, message: str, remedy: str | None = None
) -> None:
    """Refuse unless ``condition`` holds."""
    if not condition:
        raise Refusal(rule, message, remedy)


@dataclass(frozen=True, slots=True)
class Emit:
    """An event a rule emits: payload, when it occurred, on whose behalf."""

    event: Event
    on: date
    actor: str | None
    classification: str = "public"


@dataclass(frozen=True, slots=True)
class Gate:
    """What the record shows for the gradual agenda: phase, trust, evidence."""

    phase: int
    trust: float | None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """What a rule may know besides the registry: the day, the rules, the gate.

    ``gate`` is computed only when a rule asks for it (the road-map and the
    trust figures cost a replay).
    """

    today: date
    registry: Registry
    gate: Callable[[date], Gate]

    def rules(self, day: date) -> Rules:
        """The rules of procedure in force on ``day``."""
        return self.registry.rules_on(day)
