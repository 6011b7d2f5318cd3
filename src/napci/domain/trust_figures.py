"""The trust figures read off a :class:`TrustState` on a date (DESIGN §5.2-§5.3).

Opinions per ordered pair and track, fused per pair, made symmetric per pair;
the ladder step per pair and track; the regional trust index and deficit; the
EigenTrust standing of each participant. And, for any pair, the explanation:
every item of evidence behind its figures with its weight, age and decay.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from napci.domain.rules_of_procedure import LAYERS, RANKS, Rules
from napci.domain.trust import (
    _row_stochastic,
    averaging_fusion_arrays,
    eigentrust,
    opinions_from_evidence_arrays,
    projected_arrays,
)
from napci.domain.trust_state import (
    EPOCH,
    KIND_INDEX,
    KINDS,
    NEGATIVE_KINDS,
    TrustState,
    kind_weights,
)

__all__ = ["ExplainItem", "TrustFigures", "evaluate", "explain"]

FloatArray = npt.NDArray[np.float64]

_NEGATIVE = np.array([k in NEGATIVE_KINDS for k in KINDS])
LADDER = ("none", "dialogue", "common recognition", "common vision")


def _day(value: date) -> int:
    return (value - EPOCH).days


@dataclass(frozen=True, slots=True)
class TrustFigures:
    """Every trust figure as of one date. Arrays are indexed by ``actors``
    (the trusting side first) and ``tracks``."""

    as_of: date
    actors: tuple[str, ...]
    tracks: tuple[str, ...]
    participants: tuple[str, ...]
    r: FloatArray  # (A, A, K) positive evidence i -> j
    s: FloatArray  # (A, A, K) negative evidence i -> j
    belief: FloatArray
    disbelief: FloatArray
    uncertainty: FloatArray
    base_rate: FloatArray  # (A, A)
    projected: FloatArray  # (A, A, K) directed, per track
    symmetric_track: FloatArray  # (A, A, K) symmetric, per track
    directed: FloatArray  # (A, A) fused over tracks, directed
    symmetric: FloatArray  # (A, A) fused over tracks, symmetric
    ladder: npt.NDArray[np.int64]  # (A, A, K) 0..3
    regional_index: float | None
    standing: dict[str, float] = field(default_factory=dict)

    @property
    def deficit(self) -> float | None:
        """1 minus the regional trust index."""
        return None if self.regional_index is None else 1.0 - self.regional_index

    def index_of(self, code: str) -> int:
        """The position of an actor in the arrays."""
        return self.actors.index(code)

    def pair(self, a: str, b: str) -> dict[str, Any]:
        """The figures of one pair as JSON data."""
        i, j = self.index_of(a), self.index_of(b)
        tracks = {}
        for k, track in enumerate(self.tracks):
            tracks[track] = {
                "trust": round(float(self.symmetric_track[i, j, k]), 6),
                "ladder": int(self.ladder[i, j, k]),
                "ladder_step": LADDER[int(self.ladder[i, j, k])],
                f"{a}->{b}": self._directed(i, j, k),
                f"{b}->{a}": self._directed(j, i, k),
            }
        return {
            "pair": [a, b],
            "trust": round(float(self.symmetric[i, j]), 6),
            f"{a}->{b}": round(float(self.directed[i, j]), 6),
            f"{b}->{a}": round(float(self.directed[j, i]), 6),
            "base_rate": round(float(self.base_rate[i, j]), 6),
            "tracks": tracks,
        }

    def _directed(self, i: int, j: int, k: int) -> dict[str, float]:
        return {
            "r": round(float(self.r[i, j, k]), 6),
            "s": round(float(self.s[i, j, k]), 6),
            "b": round(float(self.belief[i, j, k]), 6),
            "d": round(float(self.disbelief[i, j, k]), 6),
            "u": round(float(self.uncertainty[i, j, k]), 6),
            "projected": round(float(self.projected[i, j, k]), 6),
        }

    def as_dict(self) -> dict[str, Any]:
        """Everything as JSON data: index, standing, and every pair."""
        pairs = [
            self.pair(a, b)
            for n, a in enumerate(self.actors)
            for b in self.actors[n + 1 :]
        ]
        return {
            "as_of": self.as_of.isoformat(),
            "actors": list(self.actors),
            "participants": list(self.participants),
            "tracks": list(self.tracks),
            "regional_trust_index": _round(self.regional_index),
            "trust_deficit": _round(self.deficit),
            "standing": {k: round(v, 6) for k, v in self.standing.items()},
            "pairs": pairs,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def dialogue_counts(
    state: TrustState, as_of: int, window: int
) -> npt.NDArray[np.float64]:
    """Co-attendances per ordered pair and track within ``window`` days."""
    return state.dialogue_counts(as_of, window)


def evaluate(state: TrustState, as_of: date, rules: Rules) -> TrustFigures:
    """The figures as of ``as_of`` (the state must hold nothing later)."""
    if rules.number("trust.half_life_days") != state.half_life:
        raise ValueError("the state was folded with another half-life: replay it")
    today = _day(as_of)
    roster = _roster(state, today, rules)
    actors, index, tracks, track_idx = (
        roster.actors,
        roster.index,
        roster.tracks,
        roster.track_idx,
    )
    a, k = len(actors), len(tracks)

    decay = float(np.exp2(-today / state.half_life))
    weights = kind_weights(rules) * decay
    acc = _pick(state.acc, index, track_idx, first=1).reshape(len(weights), -1)
    # positive and negative evidence: the kinds' weights times the kinds'
    # accumulated evidence, as one matrix product
    r, s = (np.stack((weights * ~_NEGATIVE, weights * _NEGATIVE)) @ acc).reshape(
        2, a, a, k
    )
    r = np.maximum(r, 0.0)
    s = np.maximum(s, 0.0)

    base = roster.base
    prior = rules.number("trust.prior_weight")
    base_k = base[:, :, None]  # broadcast over the tracks
    per_track = _evidence(r, s, prior)
    fused = _evidence(r.sum(axis=2), s.sum(axis=2), prior)
    if per_track is not None and fused is not None:
        # napci.domain.trust's operators, the same arithmetic without the
        # checks that every value here is known to pass (see _evidence)
        b, d, u = per_track
        fb, _fd, fu = fused
        projected = _projected(b, u, base_k)
        symmetric_track = _projected(
            *_averaged(b, u, base_k, *_transposed(b, u, base_k))
        )
        directed = _projected(fb, fu, base)
        symmetric = _projected(*_averaged(fb, fu, base, fb.T, fu.T, base.T))
    else:  # values the operators refuse: let them say so
        base_k = np.broadcast_to(base_k, (a, a, k))
        b, d, u = opinions_from_evidence_arrays(r, s, base_k, weight=prior)
        projected = projected_arrays(b, u, base_k)
        sb, _sd, su, sa = averaging_fusion_arrays(
            b, d, u, base_k, *_transposed(b, d, u, base_k)
        )
        symmetric_track = projected_arrays(sb, su, sa)
        fb, fd, fu = opinions_from_evidence_arrays(
            r.sum(axis=2), s.sum(axis=2), base, weight=prior
        )
        directed = projected_arrays(fb, fu, base)
        yb, _yd, yu, ya = averaging_fusion_arrays(
            fb, fd, fu, base, fb.T, fd.T, fu.T, base.T
        )
        symmetric = projected_arrays(yb, yu, ya)

    ladder = np.zeros((a, a, k), dtype=np.int64)
    window = rules.whole("trust.dialogue_window_days")
    counts = _pick(dialogue_counts(state, today, window), index, track_idx, first=0)
    ladder[counts >= rules.whole("trust.dialogue_meetings")] = 1
    adopted = _pick(state.adopted, index, track_idx, first=1)
    ladder[adopted[0] > 0.5] = 2
    ladder[adopted[1] > 0.5] = 3
    diagonal = np.arange(a)
    ladder[diagonal, diagonal, :] = 0

    participants = roster.participants
    regional: float | None = None
    standing: dict[str, float] = {}
    if len(participants) >= 2:
        p_idx = roster.p_idx
        sub = symmetric.take(p_idx, axis=0).take(p_idx, axis=1)
        regional = float(sub[_upper(len(participants))].mean())
        local = directed.take(p_idx, axis=0).take(p_idx, axis=1)
        np.fill_diagonal(local, 0.0)
        vector = _eigentrust(local, rules.number("trust.eigentrust_alpha"))
        standing = dict(zip(participants, vector.tolist(), strict=True))
    return TrustFigures(
        as_of=as_of,
        actors=actors,
        tracks=tracks,
        participants=participants,
        r=r,
        s=s,
        belief=b,
        disbelief=d,
        uncertainty=u,
        base_rate=base,
        projected=projected,
        symmetric_track=symmetric_track,
        directed=directed,
        symmetric=symmetric,
        ladder=ladder,
        regional_index=regional,
        standing=standing,
    )


@dataclass(frozen=True, slots=True)
class _Roster:
    """Who and what the figures of one day are about: the registered actors
    and their indices in the state, the tracks in force, the participants
    (and their positions among the actors), the base rates per pair."""

    actors: tuple[str, ...]
    index: npt.NDArray[np.int64]
    tracks: tuple[str, ...]
    track_idx: npt.NDArray[np.int64]
    participants: tuple[str, ...]
    p_idx: npt.NDArray[np.int64]
    base: FloatArray  # (a, a), read-only


#: Per state, the last roster computed: (state.roster, day, rules) -> roster.
#: Appends of meetings leave the roster as it was: only registry events,
#: another day or other rules make a new one.
_ROSTERS: weakref.WeakKeyDictionary[TrustState, tuple[Any, _Roster]] = (
    weakref.WeakKeyDictionary()
)


def _roster(state: TrustState, today: int, rules: Rules) -> _Roster:
    key = (state.roster, today, id(rules))
    found = _ROSTERS.get(state)
    if found is not None and found[0][:3] == key:
        return found[1]
    actors = tuple(c for c in state.actor_codes if c in state.actor_kind)
    tracks = tuple(
        state.track_codes[t] for t in state.tracks_in_force(today, state.seq + 1)
    )
    a = len(actors)
    base = np.full((a, a), rules.number("trust.base_rate"))
    for (x, y), value in rules.pair_base_rates().items():
        if x in actors and y in actors:
            base[actors.index(x), actors.index(y)] = value
            base[actors.index(y), actors.index(x)] = value
    base.flags.writeable = False
    participants = tuple(c for c in state.participants_on(today) if c in actors)
    roster = _Roster(
        actors=actors,
        index=np.array([state.actor_index[c] for c in actors], dtype=np.int64),
        tracks=tracks,
        track_idx=np.array([state.track_index[t] for t in tracks], dtype=np.int64),
        participants=participants,
        p_idx=np.array([actors.index(c) for c in participants], dtype=np.int64),
        base=base,
    )
    _ROSTERS[state] = ((*key, rules), roster)  # the rules kept: id stays theirs
    return roster


def _pick(
    array: npt.NDArray[Any],
    actors: npt.NDArray[np.int64],
    tracks: npt.NDArray[np.int64],
    *,
    first: int,
) -> npt.NDArray[Any]:
    """``array`` at ``actors`` on axes ``first`` and ``first + 1`` and at
    ``tracks`` on the next (what ``np.ix_`` gives, in three cheap takes)."""
    out: npt.NDArray[Any] = (
        array.take(actors, axis=first)
        .take(actors, axis=first + 1)
        .take(tracks, axis=first + 2)
    )
    return out


@functools.lru_cache(maxsize=64)
def _upper(n: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The indices above the diagonal of an n x n matrix (shared: read-only)."""
    rows, cols = np.triu_indices(n, 1)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols


def _transposed(*arrays: FloatArray) -> tuple[FloatArray, ...]:
    return tuple(np.swapaxes(x, 0, 1) for x in arrays)


# The operators of napci.domain.trust check every input: the right thing for
# a library, and most of the cost of evaluating a dozen actors. The fold's
# values are in range by construction, so evaluate() computes the same
# formulas, in the same order, without the checks, whenever the one thing
# that could fail them (evidence that is not finite, or so large that the
# uncertainty vanishes) is absent; otherwise it calls the operators.


def _evidence(
    r: FloatArray, s: FloatArray, weight: float
) -> tuple[FloatArray, FloatArray, FloatArray] | None:
    """``opinions_from_evidence_arrays(r, s, ·, weight)``, or None."""
    if not (np.isfinite(r).all() and np.isfinite(s).all()):
        return None
    total = r + s + weight
    u = weight / total
    if not (u > 0.0).all():
        return None
    return r / total, s / total, u


def _averaged(
    xb: FloatArray,
    xu: FloatArray,
    xa: FloatArray,
    yb: FloatArray,
    yu: FloatArray,
    ya: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(b, u, a) of ``averaging_fusion_arrays`` for opinions with u > 0."""
    a = (xa + ya) / 2.0
    m = np.maximum(xu, yu)
    ux, uy = xu / m, yu / m
    denom = ux + uy
    b = (xb * uy + yb * ux) / denom
    u = 2.0 * ux * uy * m / denom
    return _unit(b), _unit(u), _unit(a)


def _projected(b: FloatArray, u: FloatArray, a: FloatArray) -> FloatArray:
    """``projected_arrays(b, u, a)``."""
    return _unit(b + a * u)


def _unit(x: FloatArray) -> FloatArray:
    """``x`` clipped to [0, 1] (``np.clip``'s result, with less overhead on
    the small arrays here)."""
    out: FloatArray = np.minimum(np.maximum(x, 0.0), 1.0)
    return out


def _eigentrust(local: FloatArray, alpha: float) -> FloatArray:
    """``eigentrust(local, ones, alpha)``, solved rather than iterated.

    The iteration ``t <- (1 - alpha) C^T t + alpha p`` converges to the one
    solution of ``(I - (1 - alpha) C^T) t = alpha p`` (for ``alpha > 0`` the
    matrix is invertible: ``C`` is row-stochastic), which a dozen actors'
    linear solve finds exactly, in the time of a few of the iteration's
    steps. The iteration stops within its tolerance (1e-9) of it.
    """
    n = local.shape[0]
    if not (0.0 < alpha <= 1.0 and np.isfinite(local).all() and local.min() >= 0):
        return eigentrust(local, np.ones(n), alpha)
    p: FloatArray = np.full(n, 1.0 / n)
    c_t = _row_stochastic(local, p).T
    t = np.linalg.solve(np.eye(n) - (1.0 - alpha) * c_t, alpha * p)
    t = np.maximum(t, 0.0)
    result: FloatArray = t / t.sum()
    return result


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
    today = _day(as_of)
    weights = kind_weights(rules)
    i, j = state.actor_index[a], state.actor_index[b]
    in_force = set(state.tracks_in_force(today, state.seq + 1))
    wanted = None if track is None else state.track_index[track]
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
                    track=state.track_codes[t],
                    weight=weight,
                    decay=factor,
                    effective=weight * factor,
                )
            )

    m = len(state.meeting_ids)
    if m and max(i, j) < state.attended.data.shape[1]:
        info = state.m_info.data[:m]
        attended = state.attended.data[:m]
        no_show = state.confirmed.data[:m] & state.absent.data[:m]
        for mi in np.flatnonzero(info[:, 4] == 0):
            both = attended[mi, i] and attended[mi, j]
            shows = [(i, j)] if attended[mi, i] and no_show[mi, j] else []
            if attended[mi, j] and no_show[mi, i]:
                shows.append((j, i))
            if not both and not shows:
                continue
            seq, day, rank, layer = (int(x) for x in info[mi, :4])
            spread_row = state.meeting_spread(np.array([mi]))[0]
            spread = [
                (int(t), float(spread_row[t])) for t in np.flatnonzero(spread_row)
            ]
            name = state.meeting_ids[mi]
            if both:
                kind = f"co.{RANKS[rank]}.{LAYERS[layer]}"
                label = f"both attended {name} ({RANKS[rank]}, {LAYERS[layer]})"
                for frm in (i, j):
                    add((seq,), label, kind, frm, day, 1.0, spread)
            for frm, to in shows:
                who = state.actor_codes[to]
                add(
                    (seq,),
                    f"{who} confirmed {name} and did not come",
                    "no_show",
                    frm,
                    day,
                    1.0,
                    spread,
                )
    for source in state.sources.values():
        for frm, to in ((i, j), (j, i)):
            if frm in source.frm and to in source.to:
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
