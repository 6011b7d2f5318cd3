"""Tests of the trust arithmetic: opinions, fusion, discounting, decay, EigenTrust."""

from __future__ import annotations

import ast
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import napci.trust
from napci.domain.trust import eigentrust as domain_eigentrust
from napci.domain.trust import operators as domain_trust
from napci.domain.trust.eigentrust import solved_eigentrust
from napci.trust import (
    DEFAULT_HALF_LIFE_DAYS,
    NON_INFORMATIVE_WEIGHT,
    TOLERANCE,
    Opinion,
    averaging_fusion,
    averaging_fusion_arrays,
    cumulative_fusion,
    cumulative_fusion_arrays,
    decay,
    decay_factor,
    discount,
    eigentrust,
    opinion_from_evidence,
    opinions_from_evidence_arrays,
    projected_arrays,
)

# --------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------

unit = st.floats(min_value=0.0, max_value=1.0)
evidence = st.floats(min_value=0.0, max_value=1e6)


@st.composite
def opinions(draw: st.DrawFn) -> Opinion:
    """Any valid opinion, with the edge cases (dogmatic, vacuous) well covered."""
    kind = draw(st.sampled_from(["any", "dogmatic", "vacuous", "evidence"]))
    a = draw(unit)
    if kind == "vacuous":
        return Opinion.vacuous(a)
    if kind == "evidence":
        return opinion_from_evidence(draw(evidence), draw(evidence), a)
    b = draw(unit)
    if kind == "dogmatic":
        return Opinion(b, 1.0 - b, 0.0, a)
    d = draw(st.floats(min_value=0.0, max_value=1.0 - b))
    return Opinion(b, d, max(0.0, 1.0 - b - d), a)


def assert_valid(o: Opinion) -> None:
    for x in (o.b, o.d, o.u, o.a, o.projected):
        assert 0.0 <= x <= 1.0
    assert abs(o.b + o.d + o.u - 1.0) <= TOLERANCE


def assert_close(x: Opinion, y: Opinion, tol: float = 1e-12) -> None:
    for name in ("b", "d", "u", "a"):
        assert getattr(x, name) == pytest.approx(getattr(y, name), abs=tol), name


# --------------------------------------------------------------------------
# Worked examples
# --------------------------------------------------------------------------


def test_cumulative_fusion_worked_example() -> None:
    fused = cumulative_fusion(Opinion(0.5, 0.3, 0.2), Opinion(0.6, 0.2, 0.2))
    assert round(fused.b, 3) == 0.611
    assert round(fused.d, 3) == 0.278
    assert round(fused.u, 3) == 0.111
    # Exactly: D = 0.36, b = 0.22/0.36 = 11/18, d = 0.1/0.36 = 5/18, u = 1/9.
    assert fused.b == pytest.approx(11 / 18)
    assert fused.d == pytest.approx(5 / 18)
    assert fused.u == pytest.approx(1 / 9)
    assert fused.a == 0.5
    assert str(fused) == "(b=0.611, d=0.278, u=0.111, a=0.5)"


def test_discount_worked_example() -> None:
    trust_in_source = Opinion(0.2, 0.4, 0.4, 0.75)
    assert trust_in_source.projected == pytest.approx(0.5)
    result = discount(trust_in_source, Opinion(0.45, 0.35, 0.2, 0.25))
    assert result.b == pytest.approx(0.225)
    assert result.d == pytest.approx(0.175)
    assert result.u == pytest.approx(0.600)
    assert result.a == 0.25
    assert str(result) == "(b=0.225, d=0.175, u=0.600, a=0.25)"


# --------------------------------------------------------------------------
# Opinion
# --------------------------------------------------------------------------


def test_opinion_basics() -> None:
    o = Opinion(0.5, 0.3, 0.2, 0.25)
    assert o.projected == pytest.approx(0.55)
    assert Opinion.vacuous() == Opinion(0.0, 0.0, 1.0, 0.5)
    assert Opinion.vacuous(0.3).projected == pytest.approx(0.3)
    with pytest.raises(AttributeError):
        o.b = 0.1  # type: ignore[misc]


def test_opinion_clamps_rounding_noise() -> None:
    o = Opinion(-1e-12, 0.5, 0.5 + 1e-12, 1.0 + 1e-12)
    assert o.b == 0.0
    assert o.a == 1.0
    assert isinstance(Opinion(1, 0, 0, 0).b, float)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1.5, 0.0, 0.0), r"belief must be in \[0, 1\], got 1\.5"),
        ((0.0, -0.1, 1.1), r"disbelief must be in \[0, 1\], got -0\.1"),
        ((0.0, 0.0, 1.2), r"uncertainty must be in \[0, 1\], got 1\.2"),
        ((0.5, 0.3, 0.2, 2.0), r"base rate must be in \[0, 1\], got 2"),
        ((math.nan, 0.5, 0.5), r"belief must be finite, got nan"),
        ((0.5, math.inf, 0.5), r"disbelief must be finite, got inf"),
        ((0.5, 0.5, 0.0, -math.inf), r"base rate must be finite, got -inf"),
        (
            (0.5, 0.5, 0.2),
            r"belief \+ disbelief \+ uncertainty must be 1, got 1\.2 "
            r"\(b=0\.5, d=0\.5, u=0\.2\)",
        ),
        ((0.1, 0.1, 0.1), r"must be 1, got 0\.3 "),
    ],
)
def test_invalid_opinion(args: tuple[float, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Opinion(*args)


def test_opinion_sum_tolerance() -> None:
    Opinion(0.5, 0.5, 0.0 + 0.5 * TOLERANCE)
    with pytest.raises(ValueError, match="must be 1"):
        Opinion(0.5, 0.5, 10 * TOLERANCE)


@given(opinions())
def test_projected_in_unit_interval(o: Opinion) -> None:
    assert_valid(o)


# --------------------------------------------------------------------------
# Evidence
# --------------------------------------------------------------------------


def test_opinion_from_evidence() -> None:
    o = opinion_from_evidence(3, 1)
    assert (o.b, o.d, o.u, o.a) == pytest.approx((0.5, 1 / 6, 1 / 3, 0.5))
    assert opinion_from_evidence(0, 0, 0.3) == Opinion.vacuous(0.3)
    heavy = opinion_from_evidence(8, 0, weight=8.0)
    assert (heavy.b, heavy.u) == pytest.approx((0.5, 0.5))
    assert NON_INFORMATIVE_WEIGHT == 2.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"r": -1.0, "s": 0.0}, r"positive evidence r must be finite and >= 0, got -1"),
        ({"r": math.nan, "s": 0.0}, r"positive evidence r .* got nan"),
        ({"r": 0.0, "s": -0.5}, r"negative evidence s must be finite and >= 0"),
        ({"r": 0.0, "s": math.inf}, r"negative evidence s .* got inf"),
        ({"r": 1.0, "s": 1.0, "weight": 0.0}, r"prior weight must be .* > 0, got 0"),
        ({"r": 1.0, "s": 1.0, "weight": -2.0}, r"prior weight .* got -2"),
        ({"r": 1.0, "s": 1.0, "weight": math.inf}, r"prior weight .* got inf"),
        ({"r": 1.0, "s": 1.0, "base_rate": 1.5}, r"base rate must be in \[0, 1\]"),
    ],
)
def test_invalid_evidence(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        opinion_from_evidence(**kwargs)


@given(evidence, evidence, evidence, evidence, unit)
def test_cumulative_fusion_adds_evidence(
    r1: float, s1: float, r2: float, s2: float, a: float
) -> None:
    fused = cumulative_fusion(
        opinion_from_evidence(r1, s1, a), opinion_from_evidence(r2, s2, a)
    )
    assert_close(fused, opinion_from_evidence(r1 + r2, s1 + s2, a), tol=1e-9)
    assert fused.a == a


# --------------------------------------------------------------------------
# Fusion and discounting
# --------------------------------------------------------------------------


@given(opinions(), opinions())
def test_cumulative_fusion_commutative(x: Opinion, y: Opinion) -> None:
    assert_close(cumulative_fusion(x, y), cumulative_fusion(y, x))


@given(opinions(), opinions())
def test_averaging_fusion_commutative(x: Opinion, y: Opinion) -> None:
    assert_close(averaging_fusion(x, y), averaging_fusion(y, x))


@given(opinions(), opinions())
def test_fusion_and_discount_stay_valid(x: Opinion, y: Opinion) -> None:
    for result in (
        cumulative_fusion(x, y),
        averaging_fusion(x, y),
        discount(x, y),
    ):
        assert_valid(result)


@given(opinions(), opinions())
def test_cumulative_base_rate_is_josangs(x: Opinion, y: Opinion) -> None:
    a = cumulative_fusion(x, y).a
    assert min(x.a, y.a) <= a <= max(x.a, y.a)
    denom = x.u + y.u - 2 * x.u * y.u
    if denom > 1e-6:  # the literal formula cancels badly near 0
        expected = (x.a * y.u + y.a * x.u - (x.a + y.a) * x.u * y.u) / denom
        assert a == pytest.approx(expected, abs=1e-9)


def test_cumulative_base_rate_when_the_formula_is_undefined() -> None:
    # u_x + u_y - 2 u_x u_y = 0 when both are dogmatic or both vacuous: the mean.
    assert cumulative_fusion(Opinion.vacuous(0.2), Opinion.vacuous(0.6)).a == 0.4
    dogmatic = cumulative_fusion(Opinion(1.0, 0.0, 0.0, 0.2), Opinion(0, 1, 0, 0.6))
    assert dogmatic.a == pytest.approx(0.4)
    # Otherwise the less uncertain side weighs more: u_x = 0.5, u_y = 1 gives a_x.
    assert cumulative_fusion(Opinion(0.5, 0, 0.5, 0.2), Opinion.vacuous(0.6)).a == 0.2


@given(opinions())
def test_vacuous_is_neutral_for_cumulative_fusion(x: Opinion) -> None:
    fused = cumulative_fusion(x, Opinion.vacuous(x.a))
    assert_close(fused, x)


@given(opinions())
def test_averaging_fusion_idempotent(x: Opinion) -> None:
    assert_close(averaging_fusion(x, x), x)


def test_fusion_of_dogmatic_opinions_is_the_average() -> None:
    x, y = Opinion(1.0, 0.0, 0.0, 0.2), Opinion(0.4, 0.6, 0.0, 0.6)
    for fuse in (cumulative_fusion, averaging_fusion):
        fused = fuse(x, y)
        assert (fused.b, fused.d, fused.u, fused.a) == pytest.approx(
            (0.7, 0.3, 0.0, 0.4)
        )


def test_one_dogmatic_opinion_dominates() -> None:
    dogmatic, uncertain = Opinion(0.9, 0.1, 0.0), Opinion(0.1, 0.5, 0.4)
    for fuse in (cumulative_fusion, averaging_fusion):
        assert_close(fuse(dogmatic, uncertain), dogmatic)
        assert_close(fuse(uncertain, dogmatic), dogmatic)


def test_averaging_fusion_formula() -> None:
    fused = averaging_fusion(Opinion(0.5, 0.3, 0.2, 0.4), Opinion(0.6, 0.0, 0.4, 0.8))
    # b = (0.5*0.4 + 0.6*0.2)/0.6, d = (0.3*0.4)/0.6, u = 2*0.08/0.6.
    assert (fused.b, fused.d, fused.u, fused.a) == pytest.approx(
        (0.32 / 0.6, 0.12 / 0.6, 0.16 / 0.6, 0.6)
    )


def test_tiny_uncertainties_keep_precision() -> None:
    x, y = Opinion(0.2, 0.8, 0.0), Opinion(0.6, 0.4 - 5e-320, 5e-320)
    assert_close(cumulative_fusion(x, y), x)
    assert_close(averaging_fusion(y, x), x)
    z = Opinion(0.6, 0.4 - 1e-310, 1e-310)
    w = Opinion(0.2, 0.8 - 1e-310, 1e-310)
    fused = cumulative_fusion(z, w)
    assert (fused.b, fused.d) == pytest.approx((0.4, 0.6))


def test_discount_by_full_and_no_trust() -> None:
    source = Opinion(0.45, 0.35, 0.2, 0.25)
    assert_close(discount(Opinion(1.0, 0.0, 0.0), source), source)
    assert_close(discount(Opinion(0.0, 1.0, 0.0), source), Opinion.vacuous(0.25))


# --------------------------------------------------------------------------
# Decay
# --------------------------------------------------------------------------


def test_decay_scalars_and_arrays() -> None:
    assert DEFAULT_HALF_LIFE_DAYS == 730.0
    assert decay_factor(0.0) == 1.0
    assert decay_factor(730.0) == 0.5
    assert decay(4.0, 1460.0) == 1.0
    assert isinstance(decay(4.0, 10.0), float)
    assert isinstance(decay_factor(10), float)
    ages = np.array([0.0, 365.0, 730.0, 1460.0])
    np.testing.assert_allclose(
        decay_factor(ages), [1.0, 2**-0.5, 0.5, 0.25], rtol=1e-15
    )
    weights = np.array([1.0, 2.0, 4.0, 8.0])
    result = decay(weights, ages)
    assert isinstance(result, np.ndarray)
    np.testing.assert_allclose(result, [1.0, 2**0.5, 2.0, 2.0], rtol=1e-15)
    np.testing.assert_allclose(decay(2.0, ages, 365.0), [2.0, 1.0, 0.5, 0.125])
    np.testing.assert_allclose(decay(weights, 730.0), weights / 2)
    assert decay(3.0, 1e6, math.inf) == 3.0


@given(
    st.floats(min_value=0.0, max_value=1e9),
    st.floats(min_value=0.0, max_value=1e5),
    st.floats(min_value=1e-3, max_value=1e5),
)
def test_decay_halves_every_half_life(
    weight: float, age: float, half_life: float
) -> None:
    assert decay(weight, half_life, half_life) == pytest.approx(weight / 2)
    assert decay(weight, age + half_life, half_life) == pytest.approx(
        decay(weight, age, half_life) / 2, rel=1e-9, abs=1e-300
    )


@pytest.mark.parametrize(
    ("age", "half_life", "message"),
    [
        (-1.0, 730.0, r"age_days must be >= 0 .*, got -1"),
        (np.array([3.0, -2.5]), 730.0, r"age_days must be >= 0 .*, got -2\.5"),
        (math.nan, 730.0, r"age_days must be finite"),
        (np.array([math.inf]), 730.0, r"age_days must be finite"),
        (1.0, 0.0, r"half_life_days must be > 0, got 0"),
        (1.0, -5.0, r"half_life_days must be > 0, got -5"),
        (1.0, math.nan, r"half_life_days must be > 0, got nan"),
    ],
)
def test_invalid_decay(age: float, half_life: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decay(1.0, age, half_life)
    with pytest.raises(ValueError, match=message):
        decay_factor(age, half_life)


# --------------------------------------------------------------------------
# EigenTrust
# --------------------------------------------------------------------------


def test_eigentrust_cycle_by_hand() -> None:
    # 0 trusts 1, 1 trusts 2, 2 trusts 0; pre-trust only in 0; alpha = 1/2.
    # With beta = 1 - alpha the fixed point satisfies t1 = beta t0,
    # t2 = beta t1, t0 = beta t2 + alpha, so t0 = alpha / (1 - beta^3) = 4/7,
    # t1 = 2/7, t2 = 1/7.
    local = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
    t = eigentrust(local, np.array([1.0, 0.0, 0.0]), alpha=0.5)
    np.testing.assert_allclose(t, [4 / 7, 2 / 7, 1 / 7], atol=1e-9)


def test_eigentrust_with_empty_row_by_hand() -> None:
    # Rows normalised: C = [[0, 1/2, 1/2], [3/4, 0, 1/4], p], p = (1/4, 1/4, 1/2)
    # (the third row trusts nobody, so it takes the pre-trust vector).
    # t = 0.8 C^T t + 0.2 p reads
    #   x = 0.6 y + 0.2 z + 0.05
    #   y = 0.4 x + 0.2 z + 0.05
    #   z = 0.4 x + 0.2 y + 0.4 z + 0.1
    # whose solution is (40, 35, 61) / 136; it sums to 1.
    expected = [Fraction(40, 136), Fraction(35, 136), Fraction(61, 136)]
    assert sum(expected) == 1
    local = [[0.0, 2.0, 2.0], [3.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    t = eigentrust(local, [1.0, 1.0, 2.0], alpha=0.2, tol=1e-13)
    np.testing.assert_allclose(t, [float(f) for f in expected], atol=1e-12)


def test_eigentrust_edge_cases() -> None:
    local = np.array([[0.0, 5.0], [1.0, 1.0]])
    np.testing.assert_allclose(eigentrust(local, [3.0, 1.0], alpha=1.0), [0.75, 0.25])
    # No trust at all anywhere: everyone takes the pre-trust.
    np.testing.assert_allclose(
        eigentrust(np.zeros((3, 3)), [1.0, 0.0, 1.0], alpha=0.1), [0.5, 0.0, 0.5]
    )
    # alpha = 0 converges when the chain does.
    np.testing.assert_allclose(
        eigentrust(np.ones((4, 4)), [1.0, 0.0, 0.0, 0.0], alpha=0.0), [0.25] * 4
    )
    # Huge entries do not overflow the row sums.
    big = np.array([[1e308, 1e308], [1e308, 0.0]])
    t = eigentrust(big, [1.0, 1.0], alpha=0.5)
    assert np.all(np.isfinite(t))
    assert t.sum() == pytest.approx(1.0)


def _reference_fixed_point(
    local: np.ndarray, pretrust: np.ndarray, alpha: float
) -> np.ndarray:
    p = pretrust / pretrust.sum()
    row_sums = local.sum(axis=1)
    c = np.array(
        [row / s if s > 0 else p for row, s in zip(local, row_sums, strict=True)]
    )
    n = len(p)
    return np.linalg.solve(np.eye(n) - (1 - alpha) * c.T, alpha * p)


@st.composite
def trust_matrices(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=1, max_value=6))
    entries = st.one_of(st.just(0.0), st.floats(min_value=0.0, max_value=1e6))
    local = draw(hnp.arrays(np.float64, (n, n), elements=entries))
    zero_rows = draw(hnp.arrays(np.bool_, (n,)))
    local[zero_rows] = 0.0
    pretrust = draw(hnp.arrays(np.float64, (n,), elements=entries))
    pretrust[draw(st.integers(min_value=0, max_value=n - 1))] += 1.0
    return local, pretrust


@given(trust_matrices(), st.floats(min_value=0.05, max_value=1.0))
def test_eigentrust_is_a_probability_vector(
    case: tuple[np.ndarray, np.ndarray], alpha: float
) -> None:
    local, pretrust = case
    t = eigentrust(local, pretrust, alpha)
    assert t.shape == pretrust.shape
    assert np.all(t >= 0.0)
    assert t.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(
        t, _reference_fixed_point(local, pretrust, alpha), atol=1e-7
    )


@given(trust_matrices(), st.floats(min_value=0.05, max_value=1.0))
@example(case=(np.array([[2.225e-309]]), np.ones(1)), alpha=0.5)  # a subnormal sum
def test_the_figures_eigentrust_solves_for_the_same_fixed_point(
    case: tuple[np.ndarray, np.ndarray], alpha: float
) -> None:
    """The figures solve EigenTrust (uniform pre-trust) instead of iterating
    it, by one path when every row trusts someone and another when a row
    trusts no one: both give the fixed point."""
    local, _ = case
    local = local / max(1.0, float(local.max()))  # projected trust: in [0, 1]
    uniform = np.ones(local.shape[0])
    t = solved_eigentrust(local, alpha)
    assert np.all(t >= 0.0)
    assert t.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(
        t, _reference_fixed_point(local, uniform, alpha), atol=1e-12
    )
    np.testing.assert_allclose(t, eigentrust(local, uniform, alpha), atol=1e-7)


@pytest.mark.parametrize(
    ("local", "pretrust", "alpha", "message"),
    [
        (np.ones((2, 3)), np.ones(2), 0.5, r"square 2-D array, got shape \(2, 3\)"),
        (np.ones(3), np.ones(3), 0.5, r"square 2-D array, got shape \(3,\)"),
        (np.ones((2, 2, 2)), np.ones(2), 0.5, r"square 2-D array"),
        (np.ones((3, 3)), np.ones(2), 0.5, r"pre-trust must have shape \(3,\)"),
        (np.ones((2, 2)), np.ones((2, 1)), 0.5, r"got \(2, 1\)"),
        ([[1.0, -1.0], [0.0, 1.0]], [1.0, 1.0], 0.5, r"local .* >= 0, got -1"),
        ([[1.0, math.nan], [0.0, 1.0]], [1.0, 1.0], 0.5, r"local .* must be finite"),
        ([[1.0, math.inf], [0.0, 1.0]], [1.0, 1.0], 0.5, r"local .* must be finite"),
        (np.ones((2, 2)), [1.0, -0.5], 0.5, r"pre-trust .* >= 0, got -0\.5"),
        (np.ones((2, 2)), [1.0, math.inf], 0.5, r"pre-trust .* must be finite"),
        (np.ones((2, 2)), [0.0, 0.0], 0.5, r"pre-trust must not sum to 0"),
        (np.zeros((0, 0)), np.zeros(0), 0.5, r"pre-trust must not sum to 0"),
        (np.ones((2, 2)), [1.0, 1.0], -0.1, r"alpha must be in \[0, 1\], got -0\.1"),
        (np.ones((2, 2)), [1.0, 1.0], 1.5, r"alpha must be in \[0, 1\], got 1\.5"),
        (np.ones((2, 2)), [1.0, 1.0], math.nan, r"alpha must be in \[0, 1\]"),
    ],
)
def test_invalid_eigentrust(
    local: object, pretrust: object, alpha: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        eigentrust(local, pretrust, alpha)  # type: ignore[arg-type]


def test_eigentrust_invalid_settings() -> None:
    with pytest.raises(ValueError, match=r"tol must be > 0, got 0"):
        eigentrust(np.ones((2, 2)), [1.0, 1.0], 0.5, tol=0.0)
    with pytest.raises(ValueError, match=r"max_iter must be >= 1, got 0"):
        eigentrust(np.ones((2, 2)), [1.0, 1.0], 0.5, max_iter=0)


def test_eigentrust_no_convergence() -> None:
    swap = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(RuntimeError, match=r"did not converge within 50 iterations"):
        eigentrust(swap, [1.0, 0.0], alpha=0.0, max_iter=50)
    with pytest.raises(RuntimeError, match=r"did not converge"):
        eigentrust(swap, [1.0, 0.0], alpha=1e-6, max_iter=10)


# --------------------------------------------------------------------------
# Array versions
# --------------------------------------------------------------------------


def _columns(ops: list[Opinion]) -> tuple[np.ndarray, ...]:
    return tuple(np.array([getattr(o, f) for o in ops]) for f in ("b", "d", "u", "a"))


@given(st.lists(st.tuples(opinions(), opinions()), min_size=1, max_size=20))
def test_fusion_arrays_agree_with_scalars(pairs: list[tuple[Opinion, Opinion]]) -> None:
    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    for scalar, vector in (
        (cumulative_fusion, cumulative_fusion_arrays),
        (averaging_fusion, averaging_fusion_arrays),
    ):
        expected = _columns([scalar(x, y) for x, y in pairs])
        got = vector(*_columns(xs), *_columns(ys))
        for e, g in zip(expected, got, strict=True):
            np.testing.assert_allclose(g, e, rtol=0, atol=1e-12)


@given(st.lists(st.tuples(evidence, evidence, unit), min_size=1, max_size=20))
def test_evidence_arrays_agree_with_scalars(
    rows: list[tuple[float, float, float]],
) -> None:
    r, s, a = (np.array(col) for col in zip(*rows, strict=True))
    b, d, u = opinions_from_evidence_arrays(r, s, a)
    expected = [opinion_from_evidence(*row) for row in rows]
    np.testing.assert_allclose(b, [o.b for o in expected], rtol=0, atol=1e-15)
    np.testing.assert_allclose(d, [o.d for o in expected], rtol=0, atol=1e-15)
    np.testing.assert_allclose(u, [o.u for o in expected], rtol=0, atol=1e-15)
    np.testing.assert_allclose(
        projected_arrays(b, u, a), [o.projected for o in expected], rtol=0, atol=1e-15
    )


@given(st.lists(opinions(), min_size=1, max_size=20))
def test_projected_arrays_agree_with_scalars(ops: list[Opinion]) -> None:
    b, _, u, a = _columns(ops)
    p = projected_arrays(b, u, a)
    assert np.all((p >= 0.0) & (p <= 1.0))
    np.testing.assert_allclose(p, [o.projected for o in ops], rtol=0, atol=1e-15)


def test_fusion_arrays_dogmatic_and_broadcasting() -> None:
    b, d, u, a = cumulative_fusion_arrays(
        [1.0, 0.5], [0.0, 0.3], [0.0, 0.2], 0.5, [0.4, 0.6], [0.6, 0.2], [0.0, 0.2], 0.5
    )
    np.testing.assert_allclose(b, [0.7, 11 / 18])
    np.testing.assert_allclose(d, [0.3, 5 / 18])
    np.testing.assert_allclose(u, [0.0, 1 / 9])
    np.testing.assert_allclose(a, [0.5, 0.5])
    assert a.shape == (2,)
    b2, d2, u2, a2 = averaging_fusion_arrays(
        np.full((2, 3), 0.5), 0.5, 0.0, 0.2, 0.1, 0.9, 0.0, np.array([0.4, 0.6, 0.8])
    )
    assert b2.shape == d2.shape == u2.shape == a2.shape == (2, 3)
    np.testing.assert_allclose(b2, 0.3)
    np.testing.assert_allclose(a2[0], [0.3, 0.4, 0.5])
    b2[0, 0] = 0.0  # results are fresh arrays, not read-only views
    b3, _, _ = opinions_from_evidence_arrays(np.array([1.0, 2.0]), 0.0, [[0.5], [0.2]])
    assert b3.shape == (2, 2)


def test_invalid_arrays() -> None:
    good = (0.5, 0.3, 0.2, 0.5)
    with pytest.raises(ValueError, match=r"belief \(first\) must be in \[0, 1\]"):
        cumulative_fusion_arrays([0.5, 1.5], 0.0, 0.0, 0.5, *good)
    with pytest.raises(ValueError, match=r"uncertainty \(second\) must be finite"):
        averaging_fusion_arrays(*good, 0.5, 0.3, math.nan, 0.5)
    with pytest.raises(
        ValueError,
        match=r"belief \(second\) \+ disbelief \(second\) \+ uncertainty \(second\) "
        r"must be 1, got 1\.2 \(b=0\.5, d=0\.5, u=0\.2\)",
    ):
        averaging_fusion_arrays(*good, [0.5, 0.5], [0.3, 0.5], 0.2, 0.5)
    with pytest.raises(ValueError, match=r"positive evidence r must be .*, got -1"):
        opinions_from_evidence_arrays([1.0, -1.0], 0.0, 0.5)
    with pytest.raises(ValueError, match=r"negative evidence s .* got nan"):
        opinions_from_evidence_arrays(1.0, [math.nan], 0.5)
    with pytest.raises(ValueError, match=r"base rate must be in \[0, 1\], got 2"):
        opinions_from_evidence_arrays(1.0, 1.0, [0.5, 2.0])
    with pytest.raises(ValueError, match=r"prior weight .* got 0"):
        opinions_from_evidence_arrays(1.0, 1.0, 0.5, weight=0.0)


# --------------------------------------------------------------------------
# Module hygiene
# --------------------------------------------------------------------------


def test_reexports() -> None:
    exported = {"eigentrust"} | set(domain_trust.__all__)
    assert set(napci.trust.__all__) == exported
    for name in domain_trust.__all__:
        assert getattr(napci.trust, name) is getattr(domain_trust, name)
    assert napci.trust.eigentrust is domain_eigentrust.eigentrust


@pytest.mark.parametrize("module", [domain_trust, domain_eigentrust])
def test_the_arithmetic_imports_only_stdlib_and_numpy(module: object) -> None:
    source = Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    allowed = {"__future__", "dataclasses", "math", "typing", "numpy", "numpy.typing"}
    assert imported <= allowed | {m for m in imported if m.startswith("napci.domain")}
