"""Who decides a proposal and what blocks it (DESIGN §4.1-§4.4a).

The participants on a day, the deciders of a decision, the positions that
block consensus, and consensus minus one (a violation's concerned
participant's objection does not count); the lookup of a proposal the caller
may read, and the dating of acts on it. Shared by tabling, positions and
deciding.
"""

from __future__ import annotations

from datetime import date

from napci.domain.procedure.base import (
    Context,
    Refusal,
    require,
)
from napci.domain.process import DecisionView
from napci.domain.registry import Registry

__all__ = [
    "BLOCKING",
    "deciders_of",
    "ignored",
    "not_before_tabling",
    "participants_on",
    "proposal_of",
]


BLOCKING = ("objection", "amendment")


def participants_on(reg: Registry, day: date) -> set[str]:
    """Participants on ``day``: joined on or before it, not withdrawn by then
    (each time a state took part counts, a withdrawal and a return apart)."""
    return {c for c, a in reg.actors.items() if a.participant_on(day)}


def not_before_tabling(decision: DecisionView, day: date, what: str) -> None:
    require(
        day >= decision.tabled_on,
        "consensus",
        f"{what} is dated {day.isoformat()}, before {decision.proposal} was tabled "
        f"({decision.tabled_on.isoformat()})",
        f"Date it on or after {decision.tabled_on.isoformat()}.",
    )


def proposal_of(ctx: Context, proposal: str) -> DecisionView:
    """The proposal, if the caller may read it; refused as not tabled
    otherwise, in the same words whether it was never tabled or is hidden."""
    decision = ctx.registry.decisions.get(proposal)
    if decision is None or proposal not in ctx.seen().decisions:
        raise Refusal(
            "registry",
            f"proposal {proposal} has not been tabled",
            "Table it first (proposals table), or name a proposal the record holds.",
        )
    return decision


def deciders_of(reg: Registry, decision: DecisionView, day: date) -> set[str]:
    """Whose objection blocks on ``day``: participants, or a project's members."""
    if decision.kind == "widen-project":
        project = reg.projects.get(decision.subject.get("project", ""))
        return project.members_on(day) if project is not None else set()
    return participants_on(reg, day)


def ignored(decision: DecisionView, code: str) -> bool:
    """Consensus minus one: the concerned participant's objection does not count."""
    return decision.kind == "violation" and decision.subject.get("concerned") == code
