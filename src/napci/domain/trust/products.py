"""The matrix products the trust fold is made of, and the grouping of rows
they are taken over.

A meeting's evidence is an outer product of its attendance; many meetings'
evidence is one product of stacked rows. These helpers keep those products
small enough to run on the calling thread.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from napci.domain.trust.operators import FloatArray

__all__ = ["gram", "groups", "runs"]

IntArray = npt.NDArray[np.int64]

#: Largest ``m·n·k`` of one matrix product: OpenBLAS runs products up to
#: about twice this on the calling thread. Larger ones wake its worker
#: threads, which on a small busy machine cost far more than they save.
_GEMM_SIZE: Final[int] = 131_072


def gram(left: FloatArray, right: FloatArray) -> FloatArray:
    """``left.T @ right``, summed from products of a few rows each.

    >>> gram(np.ones((3, 2)), np.ones((3, 1))).tolist()
    [[3.0], [3.0]]
    """
    n, p = left.shape
    q = right.shape[1]
    rows = max(8, _GEMM_SIZE // max(1, p * q))
    if n <= rows:
        out: FloatArray = left.T @ right
        return out
    pad = -n % rows
    if pad:
        left = np.concatenate([left, np.zeros((pad, p))])
        right = np.concatenate([right, np.zeros((pad, q))])
    count = (n + pad) // rows
    parts = left.reshape(count, rows, p).transpose(0, 2, 1) @ right.reshape(
        count, rows, q
    )
    total: FloatArray = parts.sum(axis=0)
    return total


def groups(keys: IntArray) -> list[IntArray]:
    """Positions grouped by key, keys ascending, each group in its order.

    >>> [g.tolist() for g in groups(np.array([2, 1, 2]))]
    [[1], [0, 2]]
    """
    n = keys.size
    if n == 0:
        return []
    if n == 1 or keys.min() == keys.max():
        return [np.arange(n)]
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(keys[order][1:] != keys[order][:-1]) + 1
    return np.split(order, cuts)


def runs(keys: IntArray) -> list[tuple[int, IntArray | slice]]:
    """:func:`groups`, each group as its key and a selector of its
    positions: a slice taking all when there is one group (no copies)."""
    if keys.size == 1 or (keys.size and keys.min() == keys.max()):
        return [(int(keys[0]), slice(None))]
    return [(int(keys[chunk[0]]), chunk) for chunk in groups(keys)]
