"""The trust figures read off a :class:`TrustState` on a date (DESIGN §5.2-§5.3).

Opinions per ordered pair and track, fused per pair, made symmetric per pair;
the ladder step per pair and track; the regional trust index and deficit; the
EigenTrust standing of each participant. The state is read through its
read-only queries; the explanation of a pair's figures is
:mod:`napci.domain.trust.explain`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from napci.domain.rules_of_procedure import Rules
from napci.domain.trust.eigentrust import solved_eigentrust
from napci.domain.trust.kinds import EPOCH, KINDS, NEGATIVE_KINDS, kind_weights
from napci.domain.trust.operators import (
    FloatArray,
    averaging_fusion_arrays,
    opinions_from_evidence_arrays,
    projected_arrays,
)
from napci.domain.trust.state import TrustState

__all__ = ["LADDER", "TrustFigures", "day_of", "evaluate"]

_NEGATIVE = np.array([k in NEGATIVE_KINDS for k in KINDS])
LADDER = ("none", "dialogue", "common recognition", "common vision")


def day_of(value: date) -> int:
    """The fold's day number of ``value`` (days since the epoch)."""
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


def evaluate(state: TrustState, as_of: date, rules: Rules) -> TrustFigures:
    """The figures as of ``as_of`` (the state must hold nothing later)."""
    rule = _constants(rules)
    if rule.half_life != state.half_life:
        raise ValueError("the state was folded with another half-life: replay it")
    today = day_of(as_of)
    roster = _roster(state, today, rules)
    a, k = len(roster.actors), len(roster.tracks)

    # Positive and negative evidence: the kinds' weights, aged to the day,
    # times the kinds' accumulated evidence, as one matrix product; then each
    # pair's sums over the tracks as one more column, so that every formula
    # below runs once for the per-track and the fused figures together.
    acc = roster.pick(state.accumulated(), first=1).reshape(len(KINDS), a * a * k)
    decay = 2.0 ** (-today / state.half_life)
    evidence = np.empty((2, a, a, k + 1))
    np.maximum(
        ((rule.signed * decay) @ acc).reshape(2, a, a, k),
        0.0,
        out=evidence[..., :k],
    )
    np.matmul(evidence[..., :k], roster.ones_k, out=evidence[..., k])
    opinions = _opinions(evidence, rule.prior, roster)
    if opinions is None:  # values the operators refuse: let them say so
        opinions = _checked_opinions(evidence, rule.prior, roster)
    b, d, u, projected, symmetric = opinions

    counts = roster.pick(state.dialogue_counts(today, rule.window), first=0)
    ladder = (counts >= rule.meetings).astype(np.int64)
    adopted = roster.pick(state.adopted(), first=1)
    ladder[adopted[0] > 0.5] = 2
    ladder[adopted[1] > 0.5] = 3
    ladder.reshape(a * a, k)[:: a + 1] = 0  # no actor with itself

    participants = roster.participants
    regional: float | None = None
    standing: dict[str, float] = {}
    if len(participants) >= 2:
        regional = float(symmetric.take(roster.upper).sum()) / roster.upper.size
        local = projected.take(roster.local)
        local *= roster.off_diagonal
        vector = solved_eigentrust(local, rule.alpha)
        standing = dict(zip(participants, vector.tolist(), strict=True))
    return TrustFigures(
        as_of=as_of,
        actors=roster.actors,
        tracks=roster.tracks,
        participants=participants,
        r=evidence[0, ..., :k],
        s=evidence[1, ..., :k],
        belief=b[..., :k],
        disbelief=d[..., :k],
        uncertainty=u[..., :k],
        base_rate=roster.base,
        projected=projected[..., :k],
        symmetric_track=symmetric[..., :k],
        directed=projected[..., k],
        symmetric=symmetric[..., k],
        ladder=ladder,
        regional_index=regional,
        standing=standing,
    )


@dataclass(frozen=True, slots=True)
class _Constants:
    """What evaluation reads of the rules, read once per rules."""

    rules: Rules  # kept alive, so that its id stays its own
    half_life: float
    signed: FloatArray  # (2, kinds): the weights of positive, negative kinds
    prior: float
    window: int
    meetings: int
    alpha: float


_CONSTANTS: dict[int, _Constants] = {}


def _constants(rules: Rules) -> _Constants:
    found = _CONSTANTS.get(id(rules))
    if found is not None and found.rules is rules:
        return found
    weights = kind_weights(rules)
    signed = np.stack((weights * ~_NEGATIVE, weights * _NEGATIVE))
    signed.flags.writeable = False
    found = _Constants(
        rules=rules,
        half_life=rules.number("trust.half_life_days"),
        signed=signed,
        prior=rules.number("trust.prior_weight"),
        window=rules.whole("trust.dialogue_window_days"),
        meetings=rules.whole("trust.dialogue_meetings"),
        alpha=rules.number("trust.eigentrust_alpha"),
    )
    if len(_CONSTANTS) >= 32:
        _CONSTANTS.clear()
    _CONSTANTS[id(rules)] = found
    return found


Opinions = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


# The operators of napci.domain.trust check every input: the right thing for
# a library, and most of the cost of evaluating a dozen actors. The fold's
# values are in range by construction, so _opinions computes the same values
# (to rounding) without the checks, whenever the one thing that could fail
# them (evidence that is not finite, or so large that the uncertainty
# all but vanishes) is absent; otherwise _checked_opinions calls the
# operators.

#: The least uncertainty _opinions takes: products of two stay normal floats.
_LEAST_U = 1e-150


def _opinions(evidence: FloatArray, prior: float, roster: _Roster) -> Opinions | None:
    """From ``evidence`` (r and s, per pair and track, with a fused column):
    belief, disbelief, uncertainty, the directed projected trust and the
    symmetric projected trust; None where the checked operators must judge.

    ``opinions_from_evidence_arrays``, then ``projected_arrays`` of each
    opinion and of its ``averaging_fusion_arrays`` with the reverse pair's.
    """
    total = evidence[0] + evidence[1]
    total += prior
    u = prior / total
    # r and s are at least 0, so only evidence that is infinite or NaN, or
    # astronomically large, leaves u below the least
    if u.size and not u.min() >= _LEAST_U:
        return None
    b, d = evidence / total
    # Sums and products of values at least 0 stay at least 0: only the upper
    # end is clipped (rounding can pass 1).
    projected = _at_most_one(b + roster.base_k * u)
    # Averaged with the reverse pair's opinion (not dogmatic: u > 0):
    # b = (b·u' + b'·u) / (u + u'), u = 2·u·u' / (u + u'), then projected
    # with the pair's averaged base rate a. With b = r/T and u = W/T
    # (T = r + s + W), that projection is (r + r' + 2·a·W) / (T + T'). A
    # weighted mean of values in [0, 1] stays there: only the projection is
    # clipped.
    r = evidence[0]
    fused = r + r.swapaxes(0, 1)
    fused += roster.twice_fused_base_k * prior
    fused /= total + total.swapaxes(0, 1)
    symmetric = _at_most_one(fused)
    return b, d, u, projected, symmetric


def _checked_opinions(evidence: FloatArray, prior: float, roster: _Roster) -> Opinions:
    """:func:`_opinions` by the checked operators (which raise where they must)."""
    r, s = evidence
    base_k = np.broadcast_to(roster.base_k, r.shape)
    b, d, u = opinions_from_evidence_arrays(r, s, base_k, weight=prior)
    projected = projected_arrays(b, u, base_k)
    fb, _fd, fu, fa = averaging_fusion_arrays(
        b, d, u, base_k, *(np.swapaxes(x, 0, 1) for x in (b, d, u, base_k))
    )
    return b, d, u, projected, projected_arrays(fb, fu, fa)


@dataclass(frozen=True, slots=True)
class _Roster:
    """Who and what the figures of one day are about: the registered actors
    and their indices in the state, the tracks in force, the participants
    (and their positions among the actors), the base rates per pair; and
    the indices evaluation reads them by."""

    actors: tuple[str, ...]
    index: npt.NDArray[np.int64]
    tracks: tuple[str, ...]
    track_idx: npt.NDArray[np.int64]
    #: whether the actors and tracks are the state's first ones, in order
    leading: bool
    participants: tuple[str, ...]
    base: FloatArray  # (a, a), read-only
    base_k: FloatArray  # (a, a, 1): the base rates over the tracks
    #: (a, a, 1): twice the base rate averaged with the reverse pair's
    twice_fused_base_k: FloatArray
    ones_k: FloatArray  # (k,): sums over the tracks, as a product
    #: flat positions, in an (a, a, k + 1) array, of the fused column of the
    #: participants' pairs: each pair once (upper), and every ordered pair
    upper: npt.NDArray[np.intp]
    local: npt.NDArray[np.intp]  # (p, p)
    off_diagonal: FloatArray  # (p, p): 0 on the diagonal, 1 elsewhere

    def pick(self, array: npt.NDArray[Any], *, first: int) -> npt.NDArray[Any]:
        """``array`` at the actors on axes ``first`` and ``first + 1`` and at
        the tracks on the next (what ``np.ix_`` gives, in cheap steps)."""
        if self.leading:
            a, k = self.index.size, self.track_idx.size
            return array[(slice(None),) * first + (slice(a), slice(a), slice(k))]
        out: npt.NDArray[Any] = (
            array.take(self.index, axis=first)
            .take(self.index, axis=first + 1)
            .take(self.track_idx, axis=first + 2)
        )
        return out


#: Per state, the last roster computed: (state.version, day, rules) -> roster.
#: Appends of meetings leave the roster as it was: only registry events,
#: another day or other rules make a new one.
_ROSTERS: weakref.WeakKeyDictionary[TrustState, tuple[Any, _Roster]] = (
    weakref.WeakKeyDictionary()
)


def _roster(state: TrustState, today: int, rules: Rules) -> _Roster:
    key = (state.version, today, id(rules))
    found = _ROSTERS.get(state)
    if found is not None and found[0][:3] == key:
        return found[1]
    actors = state.registered_actors()
    tracks = tuple(state.track_code(t) for t in state.tracks_in_force(today))
    a, k = len(actors), len(tracks)
    base = np.full((a, a), rules.number("trust.base_rate"))
    for (x, y), value in rules.pair_base_rates().items():
        if x in actors and y in actors:
            base[actors.index(x), actors.index(y)] = value
            base[actors.index(y), actors.index(x)] = value
    participants = tuple(c for c in state.participants_on(today) if c in actors)
    p_idx = np.array([actors.index(c) for c in participants], dtype=np.intp)
    fused = p_idx[:, None] * a + p_idx[None, :]  # (p, p) flat positions in (a, a)
    fused = fused * (k + 1) + k
    index = np.array([state.actor_position(c) for c in actors], dtype=np.int64)
    track_idx = np.array([state.track_position(t) for t in tracks], dtype=np.int64)
    roster = _Roster(
        actors=actors,
        index=index,
        tracks=tracks,
        track_idx=track_idx,
        leading=bool(
            (index == np.arange(a)).all() and (track_idx == np.arange(k)).all()
        ),
        participants=participants,
        base=_frozen(base),
        base_k=_frozen(base[:, :, None]),
        twice_fused_base_k=_frozen(2.0 * _unit((base + base.T) / 2.0)[:, :, None]),
        ones_k=_frozen(np.ones(k)),
        upper=_frozen(fused[np.triu_indices(p_idx.size, 1)]),
        local=_frozen(fused),
        off_diagonal=_frozen(1.0 - np.eye(p_idx.size)),
    )
    _ROSTERS[state] = ((*key, rules), roster)  # the rules kept: id stays theirs
    return roster


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``array``, read-only (shared between evaluations)."""
    array.flags.writeable = False
    return array


def _unit(x: FloatArray) -> FloatArray:
    """``x`` clipped to [0, 1], in place (``np.clip``'s result, with less
    overhead on the small arrays here)."""
    np.maximum(x, 0.0, out=x)
    out: FloatArray = np.minimum(x, 1.0, out=x)
    return out


def _at_most_one(x: FloatArray) -> FloatArray:
    """``x`` (at least 0) clipped to at most 1, in place."""
    out: FloatArray = np.minimum(x, 1.0, out=x)
    return out
