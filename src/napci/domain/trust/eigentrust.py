"""EigenTrust: a global trust vector from a matrix of local trust.

Pure arithmetic, as :mod:`napci.domain.trust.operators`: numbers in, numbers
out, nonsense refused with a :class:`ValueError` naming the offending value.
:func:`eigentrust` iterates as the paper does; :func:`solved_eigentrust` is
the same fixed point solved as a linear system, which the figures use.
See ``docs/trust-arithmetic.md`` for the formulas.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from napci.domain.trust.operators import FloatArray

__all__ = ["eigentrust", "solved_eigentrust"]


def _row_stochastic(local: FloatArray, p: FloatArray) -> FloatArray:
    """Rows of ``local`` scaled to sum 1; all-zero rows replaced by ``p``."""
    row_max = local.max(axis=1, initial=0.0)
    has_trust = row_max > 0.0
    # Scale by the row maximum first so that huge entries cannot overflow.
    scaled = local / np.where(has_trust, row_max, 1.0)[:, np.newaxis]
    row_sum = scaled.sum(axis=1)
    normalised = scaled / np.where(has_trust, row_sum, 1.0)[:, np.newaxis]
    return np.where(has_trust[:, np.newaxis], normalised, p[np.newaxis, :])


def eigentrust(
    local: npt.ArrayLike,
    pretrust: npt.ArrayLike,
    alpha: float,
    tol: float = 1e-9,
    max_iter: int = 10_000,
) -> FloatArray:
    """Global trust vector by EigenTrust with pre-trust.

    ``local[i, j]`` is how much ``i`` trusts ``j`` (non-negative, e.g. the
    projected trust ``P(i→j)``). Rows are normalised to ``C[i, j] =
    local[i, j] / Σ_j local[i, j]``; a row with no trust at all takes the
    normalised pre-trust vector ``p``. Starting from ``t = p`` the iteration
    ``t ← (1 - alpha)·Cᵀ·t + alpha·p`` runs until the L1 change is below ``tol``.

    Returns a probability vector (non-negative, summing to 1). For ``alpha > 0``
    it is the unique fixed point and convergence is geometric with rate
    ``1 - alpha``; for ``alpha = 0`` it is plain power iteration, which need not
    converge (:class:`RuntimeError` after ``max_iter`` steps).
    """
    c_in = np.asarray(local, dtype=np.float64)
    p_in = np.asarray(pretrust, dtype=np.float64)
    if c_in.ndim != 2 or c_in.shape[0] != c_in.shape[1]:
        raise ValueError(
            f"local trust must be a square 2-D array, got shape {c_in.shape}"
        )
    n = c_in.shape[0]
    if p_in.shape != (n,):
        raise ValueError(
            f"pre-trust must have shape ({n},) to match local trust of shape "
            f"{c_in.shape}, got {p_in.shape}"
        )
    if not np.all(np.isfinite(c_in)):
        raise ValueError("local trust entries must be finite")
    if np.any(c_in < 0.0):
        raise ValueError(
            f"local trust entries must be >= 0, got {float(c_in.min()):.12g}"
        )
    if not np.all(np.isfinite(p_in)):
        raise ValueError("pre-trust entries must be finite")
    if np.any(p_in < 0.0):
        raise ValueError(
            f"pre-trust entries must be >= 0, got {float(p_in.min()):.12g}"
        )
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:  # also refuses NaN
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    if not tol > 0.0:
        raise ValueError(f"tol must be > 0, got {tol}")
    if max_iter < 1:
        raise ValueError(f"max_iter must be >= 1, got {max_iter}")
    p_max = float(p_in.max(initial=0.0))
    if p_max == 0.0:
        raise ValueError("pre-trust must not sum to 0")
    p_scaled = p_in / p_max
    p: FloatArray = p_scaled / p_scaled.sum()

    c_t = _row_stochastic(c_in, p).T
    t = p
    change = math.inf
    for _ in range(max_iter):
        t_next: FloatArray = (1.0 - alpha) * (c_t @ t) + alpha * p
        change = float(np.abs(t_next - t).sum())
        t = t_next
        if change < tol:
            t = np.clip(t, 0.0, None)
            result: FloatArray = t / t.sum()
            return result
    raise RuntimeError(
        f"EigenTrust did not converge within {max_iter} iterations "
        f"(last L1 change {change:.3g}, tol {tol:.3g}); use alpha > 0"
    )


def solved_eigentrust(local: FloatArray, alpha: float) -> FloatArray:
    """``eigentrust(local, ones, alpha)``, solved rather than iterated.

    The iteration ``t <- (1 - alpha) C^T t + alpha p`` converges to the one
    solution of ``(I - (1 - alpha) C^T) t = alpha p`` (for ``alpha > 0`` the
    matrix is invertible: ``C`` is row-stochastic), which a dozen actors'
    linear solve finds exactly, in the time of a few of the iteration's
    steps. The iteration stops within its tolerance (1e-9) of it.
    ``local`` is projected trust: finite, in [0, 1].
    """
    n = local.shape[0]
    if not 0.0 < alpha <= 1.0:
        return eigentrust(local, np.ones(n), alpha)
    sums = local.sum(axis=1)
    # C: when every row trusts someone, no row takes p, and each is just
    # divided by its sum (by the sum itself: its reciprocal can overflow)
    if sums.min() > 0.0:
        c = local / sums[:, None]
    else:
        c = _row_stochastic(local, np.full(n, 1.0 / n))
    system = c.T * (alpha - 1.0)
    system.flat[:: n + 1] += 1.0  # I - (1 - alpha) C^T
    t = np.linalg.solve(system, np.full(n, alpha / n))
    t = np.maximum(t, 0.0)
    result: FloatArray = t / t.sum()
    return result
