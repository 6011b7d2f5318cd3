"""The kinds of trust evidence, their weights by the rules, and the days the
fold counts in (DESIGN §5.1).

Co-attendance is split by rank and layer so that the rules' weights can
change without a replay; the other kinds are one each. A :class:`Source` is
one item of evidence other than a meeting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import numpy as np

from napci.domain.rules_of_procedure import LAYERS, RANKS, Rules
from napci.domain.trust.operators import FloatArray

__all__ = [
    "CO_KINDS",
    "EPOCH",
    "KINDS",
    "KIND_INDEX",
    "NEGATIVE_KINDS",
    "NO_SHOW",
    "Source",
    "co_kind",
    "day_number",
    "json_list",
    "kind_weights",
]

EPOCH: Final[date] = date(2000, 1, 1)
_EPOCH_ORDINAL: Final[int] = EPOCH.toordinal()

#: Evidence kinds. Co-attendance is split by rank and layer so that the
#: rules' weights can change without a replay.
CO_KINDS: Final[tuple[str, ...]] = tuple(
    f"co.{rank}.{layer}" for rank in RANKS for layer in LAYERS
)
KINDS: Final[tuple[str, ...]] = (
    *CO_KINDS,
    "recognition",
    "vision",
    "project_completed",
    "commitment_kept",
    "commitment_broken",
    "no_show",
    "incident",
)
KIND_INDEX: Final[dict[str, int]] = {k: i for i, k in enumerate(KINDS)}
NO_SHOW: Final[int] = KIND_INDEX["no_show"]
NEGATIVE_KINDS: Final[frozenset[str]] = frozenset(
    {"commitment_broken", "no_show", "incident"}
)
_CO_INDEX: Final[dict[tuple[str, str], int]] = {
    (rank, layer): KIND_INDEX[f"co.{rank}.{layer}"]
    for rank in RANKS
    for layer in LAYERS
}


def co_kind(rank: int, layer: int) -> int:
    """The co-attendance kind of a meeting of rank and layer (their indices).

    >>> KINDS[co_kind(0, 0)] == f"co.{RANKS[0]}.{LAYERS[0]}"
    True
    """
    return rank * len(LAYERS) + layer


def day_number(text: str) -> int:
    """Days since 2000-01-01 of an ISO date or a canonical timestamp.

    >>> day_number("2000-01-31T08:00:00.000000Z")
    30
    """
    return date.fromisoformat(text[:10]).toordinal() - _EPOCH_ORDINAL


def json_list(value: Any) -> list[Any]:
    """A JSON list given as text or as parsed data (``[]`` for anything else)."""
    if value is None:
        return []
    parsed = json.loads(value) if isinstance(value, str) else value
    return list(parsed) if isinstance(parsed, list) else []


def kind_weights(rules: Rules) -> FloatArray:
    """The rules' weight of each evidence kind, in :data:`KINDS` order."""
    weights = np.zeros(len(KINDS))
    co = rules.number("trust.co_attendance")
    for (rank, layer), index in _CO_INDEX.items():
        weights[index] = (
            co
            * rules.number(f"trust.rank.{rank}")
            * rules.number(f"trust.layer.{layer}")
        )
    for kind in KINDS[len(CO_KINDS) :]:
        weights[KIND_INDEX[kind]] = rules.number(f"trust.{kind}")
    return weights


@dataclass(frozen=True, slots=True)
class Source:
    """One item of evidence other than a meeting: who, when, on what, why."""

    kind: str
    day: int
    amount: float
    spread: tuple[tuple[int, float], ...]  # (track index, share) summing to 1
    frm: tuple[int, ...]  # the trusting side i
    to: tuple[int, ...]  # the trusted side j
    seqs: tuple[int, ...]  # the events behind it
    label: str
