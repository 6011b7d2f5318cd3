"""Trust arithmetic: subjective-logic opinions, their operators, decay.

This module is pure arithmetic. It knows nothing of the ledger, the database or
the command line; it takes numbers and returns numbers, and it refuses
nonsense with a :class:`ValueError` that names the offending value.

The model is Jøsang's subjective logic for binomial opinions with the
non-informative prior weight ``W = 2``:

* an :class:`Opinion` ``(b, d, u, a)`` holds belief, disbelief and uncertainty
  (which sum to 1) and a base rate ``a``; its projected probability is
  ``b + a·u``;
* evidence ``r`` (for) and ``s`` (against) maps to the opinion
  ``(r, s, W) / (r + s + W)`` (:func:`opinion_from_evidence`);
* :func:`cumulative_fusion` merges independent evidence (with ``W = 2`` it is
  exactly the addition of evidence), :func:`averaging_fusion` merges dependent
  evidence, :func:`discount` weighs a source's opinion by the trust placed in
  that source;
* :func:`decay` ages evidence with a half-life.

EigenTrust, which turns a matrix of local trust into a global trust vector,
is :mod:`napci.domain.trust.eigentrust`.

The ``*_arrays`` functions are element-wise versions of the scalar operators
over NumPy arrays of any (broadcastable) shape, for folding many opinions at
once. They compute the same formulas and agree with the scalar functions.

See ``docs/trust-arithmetic.md`` for the formulas and worked examples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, overload

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_BASE_RATE",
    "DEFAULT_HALF_LIFE_DAYS",
    "NON_INFORMATIVE_WEIGHT",
    "TOLERANCE",
    "FloatArray",
    "Opinion",
    "averaging_fusion",
    "averaging_fusion_arrays",
    "cumulative_fusion",
    "cumulative_fusion_arrays",
    "decay",
    "decay_factor",
    "discount",
    "opinion_from_evidence",
    "opinions_from_evidence_arrays",
    "projected_arrays",
]

#: Slack allowed on the range checks and on ``b + d + u = 1``. Values that are
#: out of range by no more than this are clamped into ``[0, 1]``.
TOLERANCE: Final[float] = 1e-9

#: Jøsang's non-informative prior weight ``W``.
NON_INFORMATIVE_WEIGHT: Final[float] = 2.0

#: Base rate used when nothing else is known.
DEFAULT_BASE_RATE: Final[float] = 0.5

#: Default half-life of evidence, in days (two years).
DEFAULT_HALF_LIFE_DAYS: Final[float] = 730.0

FloatArray = npt.NDArray[np.float64]

_COMPONENT_NAMES: Final[dict[str, str]] = {
    "b": "belief",
    "d": "disbelief",
    "u": "uncertainty",
    "a": "base rate",
}


def _unit_interval(name: str, value: float) -> float:
    """``value`` as a float in ``[0, 1]``; within :data:`TOLERANCE` is clamped."""
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    if x < -TOLERANCE or x > 1.0 + TOLERANCE:
        raise ValueError(f"{name} must be in [0, 1], got {x:.12g}")
    return min(1.0, max(0.0, x))


@dataclass(frozen=True, slots=True)
class Opinion:
    """A binomial subjective-logic opinion.

    ``b`` (belief), ``d`` (disbelief) and ``u`` (uncertainty) are in ``[0, 1]``
    and sum to 1; ``a`` (base rate) is in ``[0, 1]``. All four are checked on
    construction with slack :data:`TOLERANCE`; values within the slack but
    outside ``[0, 1]`` are clamped, so rounding noise never escapes.

    >>> str(Opinion(0.5, 0.3, 0.2))
    '(b=0.500, d=0.300, u=0.200, a=0.5)'
    >>> Opinion(0.5, 0.3, 0.2).projected
    0.6
    """

    b: float
    d: float
    u: float
    a: float = DEFAULT_BASE_RATE

    def __post_init__(self) -> None:
        for field, name in _COMPONENT_NAMES.items():
            object.__setattr__(self, field, _unit_interval(name, getattr(self, field)))
        total = self.b + self.d + self.u
        if abs(total - 1.0) > TOLERANCE:
            raise ValueError(
                "belief + disbelief + uncertainty must be 1, "
                f"got {total:.12g} (b={self.b:.12g}, d={self.d:.12g}, "
                f"u={self.u:.12g})"
            )

    @classmethod
    def vacuous(cls, a: float = DEFAULT_BASE_RATE) -> Opinion:
        """The opinion of total ignorance, ``(0, 0, 1, a)``."""
        return cls(0.0, 0.0, 1.0, a)

    @property
    def projected(self) -> float:
        """Projected probability ``b + a·u``, always in ``[0, 1]``."""
        return min(1.0, max(0.0, self.b + self.a * self.u))

    def __str__(self) -> str:
        return f"(b={self.b:.3f}, d={self.d:.3f}, u={self.u:.3f}, a={self.a:.3g})"


def _check_evidence(name: str, value: float) -> float:
    x = float(value)
    if not math.isfinite(x) or x < 0.0:
        raise ValueError(f"{name} must be finite and >= 0, got {x}")
    return x


def _check_weight(weight: float) -> float:
    w = float(weight)
    if not math.isfinite(w) or w <= 0.0:
        raise ValueError(f"prior weight must be finite and > 0, got {w}")
    return w


def opinion_from_evidence(
    r: float,
    s: float,
    base_rate: float = DEFAULT_BASE_RATE,
    weight: float = NON_INFORMATIVE_WEIGHT,
) -> Opinion:
    """The opinion held after ``r`` positive and ``s`` negative observations.

    ``b = r/(r+s+W)``, ``d = s/(r+s+W)``, ``u = W/(r+s+W)``. Evidence may be
    fractional (decayed or weighted) but must be finite and non-negative.

    >>> str(opinion_from_evidence(3, 1))
    '(b=0.500, d=0.167, u=0.333, a=0.5)'
    """
    r = _check_evidence("positive evidence r", r)
    s = _check_evidence("negative evidence s", s)
    w = _check_weight(weight)
    total = r + s + w
    return Opinion(r / total, s / total, w / total, base_rate)


def _cumulative_base_rate(a_x: float, u_x: float, a_y: float, u_y: float) -> float:
    """Jøsang's fused base rate, written as a weighted mean of ``a_x``, ``a_y``.

    ``(a_x·u_y + a_y·u_x - (a_x+a_y)·u_x·u_y) / (u_x + u_y - 2·u_x·u_y)``
    equals ``(a_x·w_x + a_y·w_y)/(w_x + w_y)`` with ``w_x = u_y·(1 - u_x)`` and
    ``w_y = u_x·(1 - u_y)``; that form has no cancellation. When the weights
    vanish (both opinions dogmatic, or both vacuous) the mean is used.
    """
    w_x = u_y * (1.0 - u_x)
    w_y = u_x * (1.0 - u_y)
    total = w_x + w_y
    if total <= 0.0:
        return (a_x + a_y) / 2.0
    a = (a_x * w_x + a_y * w_y) / total
    return min(max(a_x, a_y), max(min(a_x, a_y), a))


def cumulative_fusion(x: Opinion, y: Opinion) -> Opinion:
    """Cumulative fusion ``x ⊕ y`` of opinions built on independent evidence.

    With ``D = u_x + u_y - u_x·u_y``: ``b = (b_x·u_y + b_y·u_x)/D``, ``d``
    likewise, ``u = u_x·u_y/D``. Two dogmatic opinions (``u_x = u_y = 0``)
    fuse to the equal-weight average of their beliefs and disbeliefs with
    ``u = 0``. With ``W = 2`` fusing two evidence opinions is the same as
    adding their evidence. Commutative.

    >>> str(cumulative_fusion(Opinion(0.5, 0.3, 0.2), Opinion(0.6, 0.2, 0.2)))
    '(b=0.611, d=0.278, u=0.111, a=0.5)'
    """
    a = _cumulative_base_rate(x.a, x.u, y.a, y.u)
    m = max(x.u, y.u)
    if m == 0.0:
        return Opinion((x.b + y.b) / 2.0, (x.d + y.d) / 2.0, 0.0, a)
    # Divide through by m = max(u_x, u_y) so tiny uncertainties keep precision.
    ux, uy = x.u / m, y.u / m
    denom = ux + uy - ux * uy * m
    return Opinion(
        (x.b * uy + y.b * ux) / denom,
        (x.d * uy + y.d * ux) / denom,
        ux * uy * m / denom,
        a,
    )


def averaging_fusion(x: Opinion, y: Opinion) -> Opinion:
    """Averaging fusion ``x ⊕̲ y`` of opinions built on dependent evidence.

    ``b = (b_x·u_y + b_y·u_x)/(u_x + u_y)``, ``d`` likewise,
    ``u = 2·u_x·u_y/(u_x + u_y)``, ``a = (a_x + a_y)/2``. Two dogmatic
    opinions fuse to the average of their beliefs and disbeliefs with
    ``u = 0``. Commutative; ``x ⊕̲ x = x``.
    """
    a = (x.a + y.a) / 2.0
    m = max(x.u, y.u)
    if m == 0.0:
        return Opinion((x.b + y.b) / 2.0, (x.d + y.d) / 2.0, 0.0, a)
    ux, uy = x.u / m, y.u / m
    denom = ux + uy
    return Opinion(
        (x.b * uy + y.b * ux) / denom,
        (x.d * uy + y.d * ux) / denom,
        2.0 * ux * uy * m / denom,
        a,
    )


def discount(trust_in_source: Opinion, source_opinion: Opinion) -> Opinion:
    """Trust discounting ``trust_in_source ⊗ source_opinion``.

    With ``p`` the projected probability of ``trust_in_source``:
    ``b = p·b_s``, ``d = p·d_s``, ``u = 1 - b - d``, ``a = a_s``.

    >>> str(discount(Opinion(0.2, 0.4, 0.4, 0.75), Opinion(0.45, 0.35, 0.2, 0.25)))
    '(b=0.225, d=0.175, u=0.600, a=0.25)'
    """
    p = trust_in_source.projected
    b = p * source_opinion.b
    d = p * source_opinion.d
    return Opinion(b, d, 1.0 - b - d, source_opinion.a)


# --------------------------------------------------------------------------
# Decay
# --------------------------------------------------------------------------


def _check_half_life(half_life_days: float) -> float:
    h = float(half_life_days)
    if math.isnan(h) or h <= 0.0:
        raise ValueError(f"half_life_days must be > 0, got {h}")
    return h


def _is_scalar(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating)


def _check_ages(ages: FloatArray) -> None:
    if not np.all(np.isfinite(ages)):
        raise ValueError("age_days must be finite")
    if np.any(ages < 0.0):
        worst = float(np.min(ages))
        raise ValueError(
            "age_days must be >= 0 (evidence dated after the as-of date), "
            f"got {worst:.12g}"
        )


@overload
def decay_factor(
    age_days: float, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> float: ...
@overload
def decay_factor(
    age_days: FloatArray, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> FloatArray: ...
def decay_factor(
    age_days: float | FloatArray, half_life_days: float = DEFAULT_HALF_LIFE_DAYS
) -> float | FloatArray:
    """The weight ``2^(-t/H)`` of evidence of age ``t`` days, half-life ``H``.

    Ages must be finite and non-negative: a negative age is evidence from
    after the as-of date, which is an error in the caller. An infinite
    half-life means no decay. A scalar gives a float, an array an array.

    >>> decay_factor(730.0)
    0.5
    """
    h = _check_half_life(half_life_days)
    ages = np.asarray(age_days, dtype=np.float64)
    _check_ages(ages)
    factors: FloatArray = np.exp2(-ages / h)
    if _is_scalar(age_days):
        return float(factors)
    return factors


@overload
def decay(
    weight_or_array: float,
    age_days: float,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> float: ...
@overload
def decay(
    weight_or_array: FloatArray,
    age_days: float | FloatArray,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> FloatArray: ...
@overload
def decay(
    weight_or_array: float,
    age_days: FloatArray,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> FloatArray: ...
def decay(
    weight_or_array: float | FloatArray,
    age_days: float | FloatArray,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> float | FloatArray:
    """Evidence weight ``w`` aged ``t`` days: ``w·2^(-t/H)``.

    Weights and ages broadcast against each other. If both are scalars the
    result is a float, otherwise an array. Errors as in :func:`decay_factor`.

    >>> decay(4.0, 1460.0)
    1.0
    """
    h = _check_half_life(half_life_days)
    ages = np.asarray(age_days, dtype=np.float64)
    _check_ages(ages)
    weights = np.asarray(weight_or_array, dtype=np.float64)
    result: FloatArray = weights * np.exp2(-ages / h)
    if _is_scalar(weight_or_array) and _is_scalar(age_days):
        return float(result)
    return result


# --------------------------------------------------------------------------
# Element-wise versions over arrays
# --------------------------------------------------------------------------


def _as_unit_array(name: str, value: npt.ArrayLike) -> FloatArray:
    x = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} must be finite")
    if np.any(x < -TOLERANCE) or np.any(x > 1.0 + TOLERANCE):
        bad = x[(x < -TOLERANCE) | (x > 1.0 + TOLERANCE)].flat[0]
        raise ValueError(f"{name} must be in [0, 1], got {float(bad):.12g}")
    clipped: FloatArray = np.clip(x, 0.0, 1.0)
    return clipped


def _as_opinion_arrays(
    suffix: str,
    b: npt.ArrayLike,
    d: npt.ArrayLike,
    u: npt.ArrayLike,
    a: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    bb = _as_unit_array(f"belief{suffix}", b)
    dd = _as_unit_array(f"disbelief{suffix}", d)
    uu = _as_unit_array(f"uncertainty{suffix}", u)
    aa = _as_unit_array(f"base rate{suffix}", a)
    total = bb + dd + uu
    off = np.abs(total - 1.0) > TOLERANCE
    if np.any(off):
        i = int(np.flatnonzero(off)[0])
        b_i, d_i, u_i = (np.broadcast_to(x, total.shape).flat[i] for x in (bb, dd, uu))
        raise ValueError(
            f"belief{suffix} + disbelief{suffix} + uncertainty{suffix} must be 1, "
            f"got {float(total.flat[i]):.12g} (b={float(b_i):.12g}, "
            f"d={float(d_i):.12g}, u={float(u_i):.12g})"
        )
    return bb, dd, uu, aa


def opinions_from_evidence_arrays(
    r: npt.ArrayLike,
    s: npt.ArrayLike,
    base_rate: npt.ArrayLike,
    weight: float = NON_INFORMATIVE_WEIGHT,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Element-wise :func:`opinion_from_evidence`; returns ``(b, d, u)``.

    ``base_rate`` is checked to lie in ``[0, 1]`` and takes part in
    broadcasting (so the result has the shape of ``r``, ``s`` and
    ``base_rate`` broadcast together) but does not change ``b``, ``d``, ``u``.
    """
    rr = np.asarray(r, dtype=np.float64)
    ss = np.asarray(s, dtype=np.float64)
    for name, x in (("positive evidence r", rr), ("negative evidence s", ss)):
        if not np.all(np.isfinite(x)) or np.any(x < 0.0):
            bad = x[~np.isfinite(x) | (x < 0.0)].flat[0]
            raise ValueError(f"{name} must be finite and >= 0, got {float(bad)}")
    aa = _as_unit_array("base rate", base_rate)
    w = _check_weight(weight)
    rr, ss, _ = np.broadcast_arrays(rr, ss, aa)
    total = rr + ss + w
    return rr / total, ss / total, w / total


def projected_arrays(
    b: npt.ArrayLike, u: npt.ArrayLike, a: npt.ArrayLike
) -> FloatArray:
    """Element-wise projected probability ``b + a·u``, clipped to ``[0, 1]``."""
    bb = np.asarray(b, dtype=np.float64)
    uu = np.asarray(u, dtype=np.float64)
    aa = np.asarray(a, dtype=np.float64)
    result: FloatArray = np.clip(bb + aa * uu, 0.0, 1.0)
    return result


def cumulative_fusion_arrays(
    b1: npt.ArrayLike,
    d1: npt.ArrayLike,
    u1: npt.ArrayLike,
    a1: npt.ArrayLike,
    b2: npt.ArrayLike,
    d2: npt.ArrayLike,
    u2: npt.ArrayLike,
    a2: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Element-wise :func:`cumulative_fusion`; returns ``(b, d, u, a)``."""
    xb, xd, xu, xa = _as_opinion_arrays(" (first)", b1, d1, u1, a1)
    yb, yd, yu, ya = _as_opinion_arrays(" (second)", b2, d2, u2, a2)

    w_x = yu * (1.0 - xu)
    w_y = xu * (1.0 - yu)
    w_total = w_x + w_y
    has_weight = w_total > 0.0
    a_weighted = (xa * w_x + ya * w_y) / np.where(has_weight, w_total, 1.0)
    a_weighted = np.clip(a_weighted, np.minimum(xa, ya), np.maximum(xa, ya))
    a = np.where(has_weight, a_weighted, (xa + ya) / 2.0)

    m = np.maximum(xu, yu)
    dogmatic = m == 0.0
    m_safe = np.where(dogmatic, 1.0, m)
    ux, uy = xu / m_safe, yu / m_safe
    denom = np.where(dogmatic, 1.0, ux + uy - ux * uy * m)
    b = np.where(dogmatic, (xb + yb) / 2.0, (xb * uy + yb * ux) / denom)
    d = np.where(dogmatic, (xd + yd) / 2.0, (xd * uy + yd * ux) / denom)
    u = np.where(dogmatic, 0.0, ux * uy * m / denom)
    return _clip_all(b, d, u, a)


def averaging_fusion_arrays(
    b1: npt.ArrayLike,
    d1: npt.ArrayLike,
    u1: npt.ArrayLike,
    a1: npt.ArrayLike,
    b2: npt.ArrayLike,
    d2: npt.ArrayLike,
    u2: npt.ArrayLike,
    a2: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Element-wise :func:`averaging_fusion`; returns ``(b, d, u, a)``."""
    xb, xd, xu, xa = _as_opinion_arrays(" (first)", b1, d1, u1, a1)
    yb, yd, yu, ya = _as_opinion_arrays(" (second)", b2, d2, u2, a2)

    a = (xa + ya) / 2.0
    m = np.maximum(xu, yu)
    dogmatic = m == 0.0
    m_safe = np.where(dogmatic, 1.0, m)
    ux, uy = xu / m_safe, yu / m_safe
    denom = np.where(dogmatic, 1.0, ux + uy)
    b = np.where(dogmatic, (xb + yb) / 2.0, (xb * uy + yb * ux) / denom)
    d = np.where(dogmatic, (xd + yd) / 2.0, (xd * uy + yd * ux) / denom)
    u = np.where(dogmatic, 0.0, 2.0 * ux * uy * m / denom)
    return _clip_all(b, d, u, a)


def _clip_all(
    *arrays: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Clip each array to ``[0, 1]`` and give all four the common shape.

    The results are fresh, writeable arrays (never broadcast views).
    """
    shape = np.broadcast_shapes(*(x.shape for x in arrays))
    b, d, u, a = (
        np.array(np.broadcast_to(np.clip(x, 0.0, 1.0), shape), dtype=np.float64)
        for x in arrays
    )
    return b, d, u, a
