"""What every rule of procedure shares: refusals, emitted events, context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from napci.domain.events import Event
from napci.domain.registry import Registry
from napci.domain.rules_of_procedure import Rules

__all__ = [
    "SECRETARIAT",
    "Context",
    "Emit",
    "Gate",
    "Refusal",
    "ask_secretariat",
    "require",
]

#: How a refusal tells the facilitating actor's delegation who may do it.
SECRETARIAT = "the facilitator's secretariat (a user with the role facilitator)"


class Refusal(Exception):
    """A command refused by a rule of procedure; nothing is appended.

    ``rule`` names the rule (quoted in the message), ``remedy`` says what
    would make the command admissible: every refusal has one, a sentence
    that follows the rule in the message::

        Refused: <what is wrong> (rule <rule>). <remedy>
    """

    def __init__(self, rule: str, message: str, remedy: str) -> None:
        if not remedy.strip():
            raise ValueError(f"a refusal by rule {rule} needs a remedy")
        self.rule = rule
        self.reason = message
        self.remedy = remedy
        super().__init__(f"Refused: {message} (rule {rule}). {remedy}")


def require(condition: bool, rule: str, message: str, remedy: str) -> None:
    """Refuse unless ``condition`` holds, saying what would make it admissible."""
    if not condition:
        raise Refusal(rule, message, remedy)


def ask_secretariat(to: str, **others: str | None) -> str:
    """The remedy a refusal gives the facilitating actor's delegation: ask the
    secretariat, or whichever of ``others`` (a capacity and the actor holding
    it, e.g. ``host="JPN"``) is named, ``to`` do it."""
    who = [SECRETARIAT]
    who.extend(f"the {capacity} ({code})" for capacity, code in others.items() if code)
    named = who[0] if len(who) == 1 else f"{', '.join(who[:-1])} or {who[-1]}"
    return f"Ask {named} to {to}."


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
    """What a rule may know besides the registry: the day, the rules, the gate,
    and the capacity in which the caller acts.

    ``gate`` is computed only when a rule asks for it (the road-map and the
    trust figures cost a replay).

    ``secretariat`` says whether the caller acts as the facilitator's
    secretariat. The facilitating actor (the ROK) is two things: the
    secretariat that runs the procedure, and a participant like any other.
    Its delegation acts for the participant only; the facilitator's authority
    (registering, inviting, convening, recording what meetings decide,
    closing proposals, ...) is the secretariat's. Without it, the
    facilitating actor has a participant's powers and no more: a context
    grants that authority only when told to.
    """

    today: date
    registry: Registry
    gate: Callable[[date], Gate]
    secretariat: bool = False
    visible: Registry | None = None

    def seen(self) -> Registry:
        """The record as the caller may read it (its clearance): what a
        refusal may speak of. The whole ``registry`` when not given.

        Rules judge against ``registry`` (an id is unique across the whole
        record), but a refusal about something the caller may not read must
        read exactly as for something absent.
        """
        return self.registry if self.visible is None else self.visible

    def rules(self, day: date) -> Rules:
        """The rules of procedure in force on ``day``."""
        return self.registry.rules_on(day)

    def facilitator(self) -> str | None:
        """The actor whose facilitator's authority the caller holds: the
        registry's facilitator when the caller acts as its secretariat,
        otherwise none."""
        return self.registry.facilitator() if self.secretariat else None

    def as_delegation(self, by: str) -> bool:
        """Whether ``by`` is the facilitating actor acting as its own
        delegation, not as the secretariat."""
        return not self.secretariat and by == self.registry.facilitator()

    def require_facilitator_or(
        self,
        by: str,
        rule: str,
        message: str,
        to: str,
        remedy: str,
        **others: str | None,
    ) -> None:
        """Refuse unless ``by`` holds the facilitator's authority or one of
        ``others`` (a capacity and the actor holding it, e.g. ``chair="JPN"``).

        The refusal says, for the facilitating actor acting as its
        delegation, in which capacity it acted and whom to ask ``to`` do it;
        for anyone else it gives ``remedy``.
        """
        allowed = {self.facilitator(), *others.values()} - {None}
        if by in allowed:
            return
        if self.as_delegation(by):
            raise Refusal(
                rule, message + self.capacity(by), ask_secretariat(to, **others)
            )
        raise Refusal(rule, message, remedy)

    def require_own_act(
        self, by: str, code: str, what: str, rule: str = "own-act"
    ) -> None:
        """Refuse unless ``code``'s own delegation does ``what`` (rule 0: no one
        acts for another).

        ``by`` must be ``code``; and the facilitator's secretariat never acts
        for the facilitating actor's delegation: the secretariat and the
        ROK's delegation are two parties, even though both act for the code
        ``KOR``.
        """
        if by != code:
            raise Refusal(
                rule,
                f"{by} cannot {what} for {code}: no one acts for another",
                f"{code}'s delegation must do it itself.",
            )
        if self.secretariat and by == self.registry.facilitator():
            raise Refusal(
                rule,
                f"the facilitator's secretariat cannot {what} for {code}: the "
                f"secretariat and {code}'s delegation are two parties",
                f"{code}'s delegation acts with its own token (a user with the "
                f"role delegate for {code}).",
            )

    def require_new_id(self, what: str, ident: str, taken: bool) -> None:
        """Refuse a new ``what`` whose id is ``taken`` anywhere in the record.

        Ids are unique across the whole record, whatever the caller may read,
        so the refusal reads the same whether the object holding the id is
        one the caller can see or not (the one thing a refusal may tell of a
        record the caller may not read: that an id is taken).
        """
        require(
            not taken,
            "registry",
            f"the {what} id {ident} is taken",
            "Choose another id: ids are unique across the whole record.",
        )

    def capacity(self, by: str) -> str:
        """What a refusal adds when ``by`` is the facilitating actor acting as
        its delegation: why the facilitator's authority does not apply."""
        if not self.as_delegation(by):
            return ""
        return (
            f"; {by} acts here as its delegation, not as the facilitator's secretariat"
        )
