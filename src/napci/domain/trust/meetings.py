"""The meetings the trust fold has seen, as grids: one row per meeting, in
the order convened (DESIGN §5.1).

A meeting's row of :attr:`Meetings.info` holds its seq, day, rank, layer,
status (1 cancelled), whether held, and how many tracks it lists; the grids
``attended``, ``absent`` and ``confirmed`` hold one column per actor, and
``listed`` one per track. :meth:`Meetings.rows` takes copies of some
meetings' rows, which the evidence is computed from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from napci.domain.rules_of_procedure import LAYERS, RANKS
from napci.domain.trust.operators import FloatArray
from napci.domain.trust.roster import Roster
from napci.domain.trust.rows import Rows

__all__ = [
    "ATTENDANCE_TYPES",
    "DAY",
    "LAYER",
    "MEETING_TYPES",
    "RANK",
    "SEQ",
    "STATUS",
    "MeetingRows",
    "Meetings",
    "joined",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: The columns of :attr:`Meetings.info`.
SEQ, DAY, RANK, LAYER, STATUS, HELD, LISTED = range(7)

MEETING_TYPES: Final[tuple[str, ...]] = (
    "MeetingConvened",
    "MeetingHeld",
    "MeetingCancelled",
    "AttendanceConfirmed",
    "AttendanceRecorded",
)
#: The meeting events that move only who attended (no day, track or status).
ATTENDANCE_TYPES: Final[frozenset[str]] = frozenset(
    ("AttendanceConfirmed", "AttendanceRecorded")
)
_RANK_INDEX: Final[dict[str, int]] = {r: i for i, r in enumerate(RANKS)}
_LAYER_INDEX: Final[dict[str, int]] = {x: i for i, x in enumerate(LAYERS)}

# the columns every row starts with, and the two the meeting types share
_ID = itemgetter(2)
_COL3 = itemgetter(3)
_COL4 = itemgetter(4)


class _Grow:
    """A growable 2-D array (rows added at the end, columns widened)."""

    def __init__(self, dtype: Any, cols: int) -> None:
        self.data = np.zeros((16, max(cols, 1)), dtype=dtype)
        self.rows = 0

    def ensure(self, rows: int, cols: int) -> None:
        r, c = self.data.shape
        if rows <= r and cols <= c:
            return
        grown = np.zeros(
            (max(rows, r * 2 if rows > r else r), max(cols, c)), self.data.dtype
        )
        grown[:r, :c] = self.data
        self.data = grown


def _last_positions(keys: IntArray) -> IntArray:
    """Positions of the last occurrence of each distinct key."""
    if keys.size < 2:
        return np.arange(keys.size)
    _, first_of_reversed = np.unique(keys[::-1], return_index=True)
    positions: IntArray = keys.size - 1 - first_of_reversed
    return positions


@dataclass(frozen=True, slots=True)
class MeetingRows:
    """What a contribution is computed from: some live meetings' rows, as
    they stand when taken (copies: later folding does not change them)."""

    meetings: IntArray
    info: IntArray  # (n, 7) rows of Meetings.info
    attended: FloatArray  # (n, a) 1.0 where the actor attended
    no_show: BoolArray  # (n, a) confirmed and recorded absent
    spread: FloatArray  # (n, k) each meeting's share per track

    def widened(self, a: int, k: int) -> MeetingRows:
        """The same rows for ``a`` actors and ``k`` tracks (zeros added)."""
        n, a0 = self.attended.shape
        k0 = self.spread.shape[1]
        if (a0, k0) == (a, k):
            return self
        attended = np.zeros((n, a))
        attended[:, :a0] = self.attended
        no_show = np.zeros((n, a), dtype=np.bool_)
        no_show[:, :a0] = self.no_show
        spread = np.zeros((n, k))
        spread[:, :k0] = self.spread
        return MeetingRows(self.meetings, self.info, attended, no_show, spread)

    def same_meetings(self, other: MeetingRows) -> bool:
        """Whether ``other`` holds the same meetings on the same days, ranks,
        layers, status and spread: rows that differ at most in attendance."""
        # compared as bytes: exact, and cheap on the few rows of an append
        return (
            self.info.shape == other.info.shape
            and self.spread.shape == other.spread.shape
            and self.info.tobytes() == other.info.tobytes()
            and self.spread.tobytes() == other.spread.tobytes()
        )


def joined(
    first: MeetingRows | None, second: MeetingRows | None, a: int, k: int
) -> MeetingRows | None:
    """The rows of both, in order, for ``a`` actors and ``k`` tracks."""
    if first is None or second is None:
        return second if first is None else first
    x, y = first.widened(a, k), second.widened(a, k)
    return MeetingRows(
        meetings=np.concatenate([x.meetings, y.meetings]),
        info=np.concatenate([x.info, y.info]),
        attended=np.concatenate([x.attended, y.attended]),
        no_show=np.concatenate([x.no_show, y.no_show]),
        spread=np.concatenate([x.spread, y.spread]),
    )


class Meetings:
    """The meetings as grids, read through :class:`Roster` indices."""

    def __init__(self, roster: Roster) -> None:
        self._roster = roster
        self.index: dict[str, int] = {}
        self.ids: list[str] = []
        self.info = _Grow(np.int64, 7)
        self.listed = _Grow(np.bool_, 8)  # the tracks each meeting lists
        self.attended = _Grow(np.bool_, 8)
        self.absent = _Grow(np.bool_, 8)
        self.confirmed = _Grow(np.bool_, 8)
        # (actors, tracks, meetings) the grids were last fitted to
        self._fitted = (-1, -1, -1)
        # meeting -> its spread over the tracks, kept while only attendance
        # is folded (which cannot move it)
        self._spreads: dict[int, FloatArray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    # -- folding ------------------------------------------------------------

    def fit(self) -> None:
        """Size the grids to the roster's actors and tracks."""
        a, k, m = self._roster.n_actors, self._roster.n_tracks, len(self.ids)
        if (a, k, m) == self._fitted:
            return
        self._fitted = (a, k, m)
        for grid in (self.attended, self.absent, self.confirmed):
            grid.ensure(m, a)
            grid.rows = m
        self.listed.ensure(m, k)
        self.listed.rows = m

    def touched(self, rows: Rows) -> IntArray:
        """Indices of the already known meetings that ``rows`` touch."""
        index = self.index
        found: set[int | None] = set()
        for type_ in MEETING_TYPES:
            batch = rows.get(type_, ())
            if batch:
                found.update(map(index.get, map(_ID, batch)))
        found.discard(None)
        return np.array(sorted(m for m in found if m is not None), dtype=np.int64)

    def apply(self, rows: Rows) -> None:
        """Fold the batch's meeting events (attendees created as met)."""
        if any(rows.get(t) for t in MEETING_TYPES if t not in ATTENDANCE_TYPES):
            self._spreads.clear()  # a meeting's day or tracks may move
        self._convene(rows.get("MeetingConvened", ()))
        info = self.info.data
        held = rows.get("MeetingHeld", ())
        if held:
            where, meetings = self._meetings_of(held)
            if where.size:
                days = np.fromiter(
                    map(self._roster.day, map(_COL3, held)), np.int64, len(held)
                )
                last = _last_positions(meetings)  # a later row wins
                info[meetings[last], DAY] = days[where[last]]
                info[meetings[last], HELD] = 1
        cancelled = rows.get("MeetingCancelled", ())
        if cancelled:
            info[self._meetings_of(cancelled)[1], STATUS] = 1
        confirmed = rows.get("AttendanceConfirmed", ())
        recorded = rows.get("AttendanceRecorded", ())
        codes = set(map(_COL3, confirmed))
        codes.update(map(_COL3, recorded))
        actor = self._roster.actor
        for code in codes:
            actor(code)
        self.fit()
        if confirmed:
            m, a, _ = self._cells(confirmed)
            self.confirmed.data[m, a] = True
        if 0 < len(recorded) <= 4:  # an append's few rows: a later row wins
            index, actors = self.index, self._roster.actor_index
            attended, absent = self.attended.data, self.absent.data
            for _seq, _at, meeting, code, value in recorded:
                m_ = index.get(meeting)
                if m_ is not None:
                    attended[m_, actors[code]] = bool(value)
                    absent[m_, actors[code]] = not value
        elif recorded:
            m, a, known = self._cells(recorded)
            value = np.fromiter(map(_COL4, recorded), np.bool_, len(recorded))
            value = value[known]
            last = _last_positions(m * (self._roster.n_actors + 1) + a)
            self.attended.data[m[last], a[last]] = value[last]
            self.absent.data[m[last], a[last]] = ~value[last]

    def forget_spreads(self) -> None:
        """Drop the spreads kept (the tracks in force may have moved)."""
        self._spreads.clear()

    def _convene(self, convened: Sequence[tuple[Any, ...]]) -> None:
        """New meetings: a row of ``info`` each and their listed tracks.

        A meeting convened twice keeps its first convening.
        """
        if not convened:
            return
        index = self.index
        ids = list(map(_ID, convened))
        if len(dict.fromkeys(m for m in ids if m not in index)) != len(ids):
            taken: set[str] = set()  # repeats: keep each first convening
            keep: list[tuple[Any, ...]] = []
            for row, meeting in zip(convened, ids, strict=True):
                if meeting not in index and meeting not in taken:
                    taken.add(meeting)
                    keep.append(row)
            convened = keep
        if not convened:
            return
        seqs, _, ids_, ranks, layers, tracks, starts = zip(*convened, strict=True)
        start = len(self.ids)
        end = start + len(ids_)
        index.update(zip(ids_, range(start, end), strict=True))
        self.ids.extend(ids_)
        listed = self._roster.track_lists_of(tracks)
        n = end - start
        counts = np.fromiter(map(len, listed), np.int64, n)
        self.info.ensure(end, 7)
        block = self.info.data[start:end]
        block[:, SEQ] = np.fromiter(seqs, np.int64, n)
        block[:, DAY] = self._roster.days_of(starts)
        block[:, RANK] = np.fromiter(map(_RANK_INDEX.__getitem__, ranks), np.int64, n)
        block[:, LAYER] = np.fromiter(
            map(_LAYER_INDEX.__getitem__, layers), np.int64, n
        )
        block[:, STATUS] = 0
        block[:, HELD] = 0
        block[:, LISTED] = counts
        self.info.rows = end
        self.listed.ensure(end, self._roster.n_tracks)
        self.listed.rows = end
        total = int(counts.sum())
        if total:
            rows_ = np.repeat(np.arange(start, end, dtype=np.int64), counts)
            cols = np.fromiter(chain.from_iterable(listed), np.int64, total)
            self.listed.data[rows_, cols] = True

    def _meetings_of(
        self, rows: Sequence[tuple[Any, ...]]
    ) -> tuple[IntArray, IntArray]:
        """Positions of the rows that name a known meeting, and its index."""
        found = np.fromiter(
            map(self.index.get, map(_ID, rows), repeat(-1)),
            np.int64,
            len(rows),
        )
        where = np.flatnonzero(found >= 0)
        return where, found[where]

    def _cells(
        self, rows: Sequence[tuple[Any, ...]]
    ) -> tuple[IntArray, IntArray, BoolArray]:
        """(meeting, actor) of each row naming a known meeting, and which those are."""
        n = len(rows)
        m = np.fromiter(map(self.index.get, map(_ID, rows), repeat(-1)), np.int64, n)
        a = np.fromiter(
            map(self._roster.actor_index.__getitem__, map(_COL3, rows)), np.int64, n
        )
        known = m >= 0
        if not known.all():
            m, a = m[known], a[known]
        return m, a, known

    # -- reading ------------------------------------------------------------

    def live(self) -> IntArray:
        """Indices of the meetings not cancelled."""
        found: IntArray = np.flatnonzero(self.info.data[: len(self.ids), STATUS] == 0)
        return found

    def rows(self, meetings: IntArray) -> MeetingRows | None:
        """The rows of those of ``meetings`` not cancelled (None if none)."""
        roster = self._roster
        if meetings.size == 0 or roster.n_actors == 0 or roster.n_tracks == 0:
            return None
        if meetings.size == 1:  # an append's: slices, cheaper than indexing
            m = int(meetings[0])
            if self.info.data[m, STATUS] != 0:
                return None
            a = roster.n_actors
            return MeetingRows(
                meetings.copy(),
                self.info.data[m : m + 1].copy(),
                self.attended.data[m : m + 1, :a].astype(np.float64),
                self.confirmed.data[m : m + 1, :a] & self.absent.data[m : m + 1, :a],
                self._spread_of(m)[None, :],
            )
        info = self.info.data[meetings]
        live = info[:, STATUS] == 0
        if not live.all():
            meetings, info = meetings[live], info[live]
        if meetings.size == 0:
            return None
        attended, no_show = self.attendance(meetings)
        return MeetingRows(meetings, info, attended, no_show, self.spread(meetings))

    def attendance(self, meetings: IntArray) -> tuple[FloatArray, BoolArray]:
        """Per meeting and actor: 1.0 where the actor attended, and whether it
        confirmed and was recorded absent (a no-show)."""
        a = self._roster.n_actors
        attended = self.attended.data[meetings, :a].astype(np.float64)
        no_show = self.confirmed.data[meetings, :a] & self.absent.data[meetings, :a]
        return attended, no_show

    def on_track(self, meetings: IntArray) -> FloatArray:
        """Per meeting and track: 1.0 where the meeting counts on the track."""
        on: FloatArray = (self.spread(meetings) > 0).astype(np.float64)
        return on

    def days(self, meetings: IntArray) -> IntArray:
        """The day of each meeting."""
        found: IntArray = self.info.data[meetings, DAY]
        return found

    def spread(self, meetings: IntArray) -> FloatArray:
        """Each meeting's share per track: its tracks, or all in force, evenly."""
        meetings = np.asarray(meetings, dtype=np.int64)
        k = self._roster.n_tracks
        if meetings.size == 0 or k == 0:
            return np.zeros((meetings.size, k))
        info = self.info.data[meetings]
        listed = info[:, LISTED]
        general = listed == 0
        share = 1.0 / np.maximum(listed, 1)
        spread = np.where(self.listed.data[meetings, :k], share[:, None], 0.0)
        if general.any():
            added, closed = self._roster.track_windows()
            seq = info[general, SEQ][:, None]
            day = info[general, DAY][:, None]
            force = (added[None, :, 0] < seq) & (added[None, :, 1] <= day)
            force &= ~((closed[None, :, 0] < seq) & (closed[None, :, 1] <= day))
            count = force.sum(axis=1)
            spread[general] = np.where(
                force, (1.0 / np.maximum(count, 1))[:, None], 0.0
            )
        return spread

    def _spread_of(self, meeting: int) -> FloatArray:
        """:meth:`spread` of one meeting, kept until a batch moves a
        meeting's day or tracks, or the roster (:meth:`forget_spreads`)."""
        spread = self._spreads.get(meeting)
        if spread is None or spread.size != self._roster.n_tracks:
            spread = self.spread(np.array([meeting], dtype=np.int64))[0]
            spread.flags.writeable = False
            self._spreads[meeting] = spread
        return spread
