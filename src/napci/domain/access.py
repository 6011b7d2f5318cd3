"""Who may read what and do what (DESIGN §3 classification; issue: access).

Roles: ``facilitator`` (the secretariat, acting for the facilitating actor),
``delegate`` (acts only for its own actor), ``observer`` (an observer's
delegation: its positions never block), ``analyst`` (reads everything, acts
on nothing). Anonymous users read only ``public`` records.

Only the role ``facilitator`` acts as the facilitator's secretariat. A
delegate whose actor is the facilitating actor (a delegate of the ROK) acts
for the ROK's delegation, a participant like any other: the rules of
procedure grant it none of the facilitator's authority
(:attr:`Principal.secretariat`, ``Context.secretariat``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ANONYMOUS",
    "CLEARANCE",
    "ROLES",
    "Principal",
]

ROLES: Final[tuple[str, ...]] = ("facilitator", "delegate", "observer", "analyst")

#: The classifications each role may read.
CLEARANCE: Final[dict[str | None, tuple[str, ...]]] = {
    None: ("public",),
    "observer": ("public", "participants"),
    "delegate": ("public", "participants"),
    "analyst": ("public", "participants", "restricted"),
    "facilitator": ("public", "participants", "restricted"),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user (or the anonymous reader)."""

    name: str | None
    role: str | None
    actor: str | None

    @property
    def clearance(self) -> tuple[str, ...]:
        """The classifications this principal may read."""
        return CLEARANCE[self.role]

    @property
    def can_act(self) -> bool:
        """Whether this principal may issue commands at all."""
        return self.role in ("facilitator", "delegate", "observer") and bool(self.actor)

    @property
    def secretariat(self) -> bool:
        """Whether this principal acts as the facilitator's secretariat, with
        the facilitator's authority (when its actor is the facilitator)."""
        return self.role == "facilitator" and self.can_act

    @property
    def label(self) -> str:
        """How the ledger records who appended."""
        return "anonymous" if self.name is None else f"user:{self.name}"


ANONYMOUS: Final[Principal] = Principal(None, None, None)
