"""The ladder's dialogue step: co-attendances per pair and track within a
window of days before the date asked for (DESIGN §5.1).

Those counts cannot be kept decay-free, so they are kept per block of
:data:`DIALOGUE_BLOCK` days, by the same subtract-and-add as the evidence;
the counts on a date are the sum of the blocks inside the window plus the
meetings of the (at most two) blocks its ends cut, counted one by one.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from napci.domain.trust.meetings import Meetings
from napci.domain.trust.operators import FloatArray
from napci.domain.trust.products import gram, groups

__all__ = ["DIALOGUE_BLOCK", "Dialogue", "block_counts"]

IntArray = npt.NDArray[np.int64]

#: Days per block of the dialogue counts kept per block.
DIALOGUE_BLOCK: Final[int] = 8


def block_counts(
    days: IntArray, attended: FloatArray, on_track: FloatArray, signs: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Co-attendance counts per ordered pair and track, per block of days
    (each meeting counted with its sign): the blocks and their counts."""
    n, a = attended.shape
    k = on_track.shape[1]
    block = days // DIALOGUE_BLOCK
    right = (attended[:, :, None] * on_track[:, None, :]).reshape(n, a * k)
    if signs.min() < 0:
        right *= signs[:, None]
    found = groups(block)
    out = np.empty((len(found), a, a, k))
    firsts = np.empty(len(found), dtype=np.int64)
    for row, chunk in enumerate(found):
        firsts[row] = chunk[0]
        out[row] = gram(attended[chunk], right[chunk]).reshape(a, a, k)
    return block[firsts], out


class _Blocks:
    """An array (a, a, k) per block of days, all in one growable array."""

    def __init__(self) -> None:
        self.data = np.zeros((0, 0, 0, 0))
        self.first = 0  # the block of data[0]

    def add(self, blocks: IntArray, values: FloatArray) -> None:
        """Add ``values[i]`` to the array of block ``blocks[i]`` (distinct)."""
        if blocks.size == 0:
            return
        _, a, _, k = values.shape
        if blocks.size == 1:
            self.at(int(blocks[0]), a, k)[...] += values[0]
            return
        self._cover(int(blocks.min()), int(blocks.max()), a, k)
        self.data[blocks - self.first, :a, :a, :k] += values

    def at(self, block: int, a: int, k: int) -> FloatArray:
        """The array of ``block``, as (a, a, k): a view to add to."""
        self._cover(block, block, a, k)
        view: FloatArray = self.data[block - self.first, :a, :a, :k]
        return view

    def _cover(self, low: int, high: int, a: int, k: int) -> None:
        """Grow the arrays to hold blocks ``low`` to ``high``, ``a`` actors
        and ``k`` tracks."""
        rows, a0, _, k0 = self.data.shape
        if rows == 0:
            first, last = low, high
        else:
            first, last = min(self.first, low), max(self.first + rows - 1, high)
        if first < self.first or last >= self.first + rows or a > a0 or k > k0:
            size = last - first + 1
            if rows and last >= self.first + rows:
                size += rows // 2  # room to grow at the recent end
            grown = np.zeros((size, max(a, a0), max(a, a0), max(k, k0)))
            if rows:
                at = self.first - first
                grown[at : at + rows, :a0, :a0, :k0] = self.data
            self.data, self.first = grown, first

    def total(self, first: int, last: int, a: int, k: int) -> FloatArray:
        """The sum of the arrays of blocks ``first`` to ``last``, as (a, a, k)."""
        out = np.zeros((a, a, k))
        rows, a0, _, k0 = self.data.shape
        low, high = max(first, self.first), min(last, self.first + rows - 1)
        if low <= high:
            part = self.data[low - self.first : high - self.first + 1].sum(axis=0)
            out[: min(a, a0), : min(a, a0), : min(k, k0)] = part[:a, :a, :k]
        return out


class Dialogue:
    """Co-attendance counts per block of days, the live meetings filed per
    block, and the counts last read (kept current through changes of
    attendance, dropped by any other change)."""

    def __init__(self) -> None:
        self.blocks = _Blocks()
        self.block_meetings: dict[int, set[int]] = {}  # live meetings per block
        # the counts last read: (as_of, window) -> counts
        self._read: tuple[tuple[int, int], FloatArray] | None = None

    def add(
        self,
        blocks: IntArray,
        counts: FloatArray,
        meetings: IntArray,
        signs: FloatArray,
        meeting_blocks: IntArray,
    ) -> None:
        """Add counts per block; file ``meetings`` (signed +1) in their
        blocks and take out those signed -1."""
        self.blocks.add(blocks, counts)
        found = self.block_meetings
        for chunk in groups(meeting_blocks):
            block = int(meeting_blocks[chunk[0]])
            chosen, signed = meetings[chunk], signs[chunk]
            gone = chosen[signed < 0].tolist()
            if gone:
                found.get(block, set()).difference_update(gone)
            added = chosen[signed > 0].tolist()
            if added:
                found.setdefault(block, set()).update(added)

    def at(self, block: int, a: int, k: int) -> FloatArray:
        """The counts of ``block``, as (a, a, k): a view to add to."""
        return self.blocks.at(block, a, k)

    def reset(self) -> None:
        """Forget every count (before counting afresh)."""
        self.blocks = _Blocks()
        self.block_meetings = {}

    def forget_read(self) -> None:
        """Drop the counts last read (something other than attendance moved)."""
        self._read = None

    def read_window(self, a: int, k: int) -> tuple[int, int] | None:
        """The (as_of, window) of the counts last read, when they can be kept
        current (read for ``a`` actors and ``k`` tracks)."""
        if self._read is None:
            return None
        read, counted = self._read
        return read if counted.shape == (a, a, k) else None

    def move_read(self, moved: FloatArray) -> None:
        """Add ``moved`` to the counts last read, as a new array: counts
        already handed out stay as they were read."""
        assert self._read is not None
        read, counted = self._read
        self._read = (read, counted + moved)

    def counts(
        self, as_of: int, window: int, meetings: Meetings, a: int, k: int
    ) -> FloatArray:
        """Co-attendances per ordered pair and track in the ``window`` days to
        ``as_of`` (both ends included), of meetings not cancelled.

        Whole blocks of days inside the window are read off the counts kept
        per block; the meetings of the blocks cut by either end are counted
        one by one.
        """
        key = (as_of, window)
        if self._read is not None and self._read[0] == key:
            return self._read[1]
        if len(meetings) == 0 or a == 0 or k == 0:
            return np.zeros((a, a, k))
        low, high = as_of - window, as_of
        first = -(-low // DIALOGUE_BLOCK)  # the first block wholly inside
        last = (high + 1) // DIALOGUE_BLOCK - 1  # the last block wholly inside
        counts = self.blocks.total(first, last, a, k)
        # the blocks the window cuts: their meetings one by one
        ends = (low // DIALOGUE_BLOCK, high // DIALOGUE_BLOCK)
        cut = {b for b in ends if not first <= b <= last}
        found: list[int] = []
        for block in cut:
            found.extend(self.block_meetings.get(block, ()))
        pick = np.array(sorted(found), dtype=np.int64)
        if pick.size:
            days = meetings.days(pick)
            pick = pick[(days >= low) & (days <= high)]
        if pick.size:
            attended, _ = meetings.attendance(pick)
            on_track = meetings.on_track(pick)
            right = (attended[:, :, None] * on_track[:, None, :]).reshape(
                pick.size, a * k
            )
            counts += gram(attended, right).reshape(a, a, k)
        idx = np.arange(a)
        counts[idx, idx, :] = 0.0
        self._read = (key, counts)
        return counts
