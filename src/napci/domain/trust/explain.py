"""The explanation of a pair's trust figures (DESIGN §5.3): every item of
evidence between two actors, with its weight, age and decay, read off a
:class:`TrustState` through its read-only queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from napci.domain.rules_of_procedure import LAYERS, RANKS, Rules
from napci.domain.trust.figures import day_of
from napci.domain.trust.kinds import EPOCH, KIND_INDEX, NEGATIVE_KINDS, kind_weights
from napci.domain.trust.state import TrustState

__all__ = ["ExplainItem", "explain"]


@dataclass(frozen=True, slots=True)
class ExplainItem:
    """One item of evidence behind a pair's figures."""

    seqs: tuple[int, ...]
    label: str
    kind: str
    direction: str  # "A->B" or "B->A"
    polarity: str  # "positive" or "negative"
    day: date
    age_days: int
    track: str
    weight: float  # the rule's weight times the item's amount and track share
    decay: float
    effective: float

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "seqs": list(self.seqs),
            "label": self.label,
            "kind": self.kind,
            "direction": self.direction,
            "polarity": self.polarity,
            "date": self.day.isoformat(),
            "age_days": self.age_days,
            "track": self.track,
            "weight": round(self.weight, 6),
            "decay": round(self.decay, 6),
            "effective": round(self.effective, 6),
        }


def explain(
    state: TrustState, a: str, b: str, as_of: date, rules: Rules, track: str | None
) -> list[ExplainItem]:
    """Every item of evidence between ``a`` and ``b`` (both directions)."""
    today = day_of(as_of)
    weights = kind_weights(rules)
    i, j = state.actor_position(a), state.actor_position(b)
    in_force = set(state.tracks_in_force(today))
    wanted = None if track is None else state.track_position(track)
    items: list[ExplainItem] = []

    def add(
        seqs: tuple[int, ...],
        label: str,
        kind: str,
        frm: int,
        day: int,
        amount: float,
        spread: list[tuple[int, float]],
    ) -> None:
        for t, share in spread:
            if t not in in_force or (wanted is not None and t != wanted):
                continue
            age = today - day
            factor = float(np.exp2(-age / state.half_life))
            weight = float(weights[KIND_INDEX[kind]]) * amount * share
            items.append(
                ExplainItem(
                    seqs=seqs,
                    label=label,
                    kind=kind,
                    direction=f"{a}->{b}" if frm == i else f"{b}->{a}",
                    polarity="negative" if kind in NEGATIVE_KINDS else "positive",
                    day=EPOCH + timedelta(days=day),
                    age_days=age,
                    track=state.track_code(t),
                    weight=weight,
                    decay=factor,
                    effective=weight * factor,
                )
            )

    for shared in state.shared_meetings(i, j):
        spread = list(shared.spread)
        name = shared.meeting
        if shared.both:
            rank, layer = RANKS[shared.rank], LAYERS[shared.layer]
            kind = f"co.{rank}.{layer}"
            label = f"both attended {name} ({rank}, {layer})"
            for frm in (i, j):
                add((shared.seq,), label, kind, frm, shared.day, 1.0, spread)
        for frm, to in shared.no_shows:
            who = a if to == i else b
            add(
                (shared.seq,),
                f"{who} confirmed {name} and did not come",
                "no_show",
                frm,
                shared.day,
                1.0,
                spread,
            )
    for frm, source in state.sources_between(i, j):
        add(
            source.seqs,
            source.label,
            source.kind,
            frm,
            source.day,
            source.amount,
            list(source.spread),
        )
    items.sort(key=lambda item: (item.day, item.seqs, item.direction, item.track))
    return items
