"""The trust fold's state: evidence accumulated from the record (DESIGN §5.1).

The fold never loops over events one by one. The database hands it, per event
type, columns of the fields it needs (see ``EXTRACT``); the state turns them
into arrays: a meeting is a row of an attendance matrix, and the evidence of
all meetings is a handful of matrix products. Rarer evidence (adoptions,
projects, commitments, incidents) is kept per entity as a :class:`Source`.

Evidence is stored in a decay-free form: an item of weight ``w`` on day ``t``
adds ``w·2^(t/H)``; the evidence as of day ``T`` is that sum times
``2^(-T/H)``, which equals the sum of ``w·2^(-(T-t)/H)``. So a snapshot does
not age: appending events only adds to it, and any date can be read off it.

Incremental and full replay are the same code: a batch of rows names the
entities it touches; their old contribution is subtracted, the rows applied,
their new contribution added. A full replay is one batch touching everything.

The ladder's dialogue step counts meetings within a window of days before the
date asked for, so those counts cannot be kept decay-free. They are kept per
block of :data:`DIALOGUE_BLOCK` days, by the same subtract-and-add; the counts
on a date are the sum of the blocks inside the window plus the meetings of the
(at most two) blocks its ends cut, counted one by one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from napci.domain.rules_of_procedure import LAYERS, RANKS, Rules, rules_in_force
from napci.domain.trust_rows import EXTRACT, Rows, counted_attendance

__all__ = [
    "EPOCH",
    "EXTRACT",
    "KINDS",
    "NEGATIVE_KINDS",
    "Source",
    "TrustState",
    "day_number",
    "kind_weights",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

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
_NO_SHOW: Final[int] = KIND_INDEX["no_show"]
NEGATIVE_KINDS: Final[frozenset[str]] = frozenset(
    {"commitment_broken", "no_show", "incident"}
)
_CO_INDEX: Final[dict[tuple[str, str], int]] = {
    (rank, layer): KIND_INDEX[f"co.{rank}.{layer}"]
    for rank in RANKS
    for layer in LAYERS
}

# the columns every row starts with, and the two the meeting types share
_AT = itemgetter(1)
_ID = itemgetter(2)
_COL3 = itemgetter(3)
_COL4 = itemgetter(4)
_NO_MEETINGS: Final = np.zeros(0, dtype=np.int64)


def day_number(text: str) -> int:
    """Days since 2000-01-01 of an ISO date or a canonical timestamp."""
    return date.fromisoformat(text[:10]).toordinal() - _EPOCH_ORDINAL


def _json_list(value: Any) -> list[Any]:
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

    def view(self) -> Any:
        return self.data[: self.rows]


@dataclass(slots=True)
class _Project:
    tracks: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)
    membership: list[tuple[int, int, int]] = field(
        default_factory=list
    )  # seq, actor, ±1

    def members_at(self, seq: int) -> list[int]:
        count: dict[int, int] = {}
        for s, actor, delta in self.membership:
            if s < seq:
                count[actor] = count.get(actor, 0) + delta
        return sorted(a for a, c in count.items() if c > 0)

    def tracks_at(self, seq: int) -> tuple[int, ...]:
        found: set[int] = set()
        for s, tracks in self.tracks:
            if s < seq:
                found.update(tracks)
        return tuple(sorted(found))


def _last_positions(keys: IntArray) -> IntArray:
    """Positions of the last occurrence of each distinct key."""
    if keys.size < 2:
        return np.arange(keys.size)
    _, first_of_reversed = np.unique(keys[::-1], return_index=True)
    positions: IntArray = keys.size - 1 - first_of_reversed
    return positions


#: Largest ``m·n·k`` of one matrix product: OpenBLAS runs products up to
#: about twice this on the calling thread. Larger ones wake its worker
#: threads, which on a small busy machine cost far more than they save.
_GEMM_SIZE: Final[int] = 131_072


def _gram(left: FloatArray, right: FloatArray) -> FloatArray:
    """``left.T @ right``, summed from products of a few rows each."""
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
    groups = (n + pad) // rows
    parts = left.reshape(groups, rows, p).transpose(0, 2, 1) @ right.reshape(
        groups, rows, q
    )
    total: FloatArray = parts.sum(axis=0)
    return total


def _groups(keys: IntArray) -> list[IntArray]:
    """Positions grouped by key, keys ascending, each group in its order."""
    n = keys.size
    if n == 0:
        return []
    if n == 1 or keys.min() == keys.max():
        return [np.arange(n)]
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(keys[order][1:] != keys[order][:-1]) + 1
    return np.split(order, cuts)


def _runs(keys: IntArray) -> list[tuple[int, IntArray | slice]]:
    """:func:`_groups`, each group as its key and a selector of its
    positions: a slice taking all when there is one group (no copies)."""
    if keys.size == 1 or (keys.size and keys.min() == keys.max()):
        return [(int(keys[0]), slice(None))]
    return [(int(keys[chunk[0]]), chunk) for chunk in _groups(keys)]


_ATTENDANCE: Final[frozenset[str]] = frozenset(
    ("AttendanceConfirmed", "AttendanceRecorded")
)


def _attendance_only(rows: Rows) -> bool:
    """Whether the batch's meeting events only confirm or record attendance
    (no meeting convened, held or cancelled: no meeting's day, tracks or
    status moves)."""
    return not any(
        rows.get(type_) for type_ in _MEETING_TYPES if type_ not in _ATTENDANCE
    )


def _count(rows: _MeetingRows | None) -> int:
    return 0 if rows is None else int(rows.meetings.size)


def _joined(
    first: _MeetingRows | None, second: _MeetingRows | None, a: int, k: int
) -> _MeetingRows | None:
    """The rows of both, in order, for ``a`` actors and ``k`` tracks."""
    if first is None or second is None:
        return second if first is None else first
    x, y = first.widened(a, k), second.widened(a, k)
    return _MeetingRows(
        meetings=np.concatenate([x.meetings, y.meetings]),
        info=np.concatenate([x.info, y.info]),
        attended=np.concatenate([x.attended, y.attended]),
        no_show=np.concatenate([x.no_show, y.no_show]),
        spread=np.concatenate([x.spread, y.spread]),
    )


#: Days per block of the dialogue counts kept per block (see ``dialogue_counts``).
DIALOGUE_BLOCK: Final[int] = 8

_MEETING_TYPES: Final[tuple[str, ...]] = (
    "MeetingConvened",
    "MeetingHeld",
    "MeetingCancelled",
    "AttendanceConfirmed",
    "AttendanceRecorded",
)
_REGISTRY_TYPES: Final[tuple[str, ...]] = (
    "ActorRegistered",
    "ActorJoined",
    "ActorWithdrew",
    "ObserverAdmitted",
    "TrackAdded",
    "TrackClosed",
    "RulesAmended",
)
_RANK_INDEX: Final[dict[str, int]] = {r: i for i, r in enumerate(RANKS)}
_LAYER_INDEX: Final[dict[str, int]] = {x: i for i, x in enumerate(LAYERS)}
_SEQ, _DAY, _RANK, _LAYER, _STATUS, _HELD, _LISTED = range(7)
_FAR: Final[int] = 1 << 30
_ADOPTED: Final[dict[str, int]] = {"recognition": 0, "vision": 1}


@dataclass(frozen=True, slots=True)
class _MeetingRows:
    """What a contribution is computed from: some live meetings' rows, as
    they stand when taken (copies: later folding does not change them)."""

    meetings: IntArray
    info: IntArray  # (n, 7) m_info rows
    attended: FloatArray  # (n, a) 1.0 where the actor attended
    no_show: BoolArray  # (n, a) confirmed and recorded absent
    spread: FloatArray  # (n, k) each meeting's share per track

    def widened(self, a: int, k: int) -> _MeetingRows:
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
        return _MeetingRows(self.meetings, self.info, attended, no_show, spread)


@dataclass(frozen=True, slots=True)
class _Contribution:
    """What some meetings add to the accumulators (or take away: ``signs``)."""

    signs: FloatArray  # +1 or -1 per meeting
    kinds: IntArray  # evidence kinds
    values: FloatArray  # (kinds, a, a, k), decay-free
    blocks: IntArray  # blocks of days
    counts: FloatArray  # (blocks, a, a, k) co-attendances
    meetings: IntArray  # the meetings (not cancelled)
    meeting_blocks: IntArray  # the block of each


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


class TrustState:
    """Everything the trust figures are computed from, folded from the record."""

    def __init__(self, half_life_days: float) -> None:
        self.half_life = float(half_life_days)
        self.seq = 0
        # counts the batches that changed actors, membership, tracks or rules
        self.roster = 0
        self.last_day: int | None = None
        # actors and tracks: indices grow as codes appear
        self.actor_codes: list[str] = []
        self.actor_index: dict[str, int] = {}
        self.actor_kind: dict[str, str] = {}
        # (day, seq, actor, +1 joined or -1 withdrew): record order breaks ties
        self.membership: list[tuple[int, int, int, int]] = []
        self.observers: set[str] = set()
        self.track_codes: list[str] = []
        self.track_index: dict[str, int] = {}
        self.track_category: dict[str, str] = {}
        self.track_added: list[tuple[int, int]] = []  # (seq, day) per track index
        # track index -> (seq, day) of its closing
        self.track_closed: dict[int, tuple[int, int]] = {}
        self.amendments: list[tuple[int, dict[str, Any]]] = []  # effective day
        # meetings, as arrays: one row per meeting, in the order convened
        self.meeting_index: dict[str, int] = {}
        self.meeting_ids: list[str] = []
        # seq, day, rank, layer, status (1 cancelled), held, tracks listed
        self.m_info = _Grow(np.int64, 7)
        self.m_tracks: list[tuple[int, ...]] = []
        self.m_listed = _Grow(np.bool_, 8)  # the tracks each meeting lists
        self.attended = _Grow(np.bool_, 8)
        self.absent = _Grow(np.bool_, 8)
        self.confirmed = _Grow(np.bool_, 8)
        # other evidence
        self.sources: dict[str, Source] = {}
        self.documents: dict[str, tuple[str, tuple[int, ...]]] = {}
        self.proposals: dict[str, tuple[str | None, str | None]] = {}
        self.projects: dict[str, _Project] = {}
        self.commitments: dict[str, tuple[str, int]] = {}
        # accumulators: decay-free evidence, and co-adoption counts
        self.acc = np.zeros((len(KINDS), 0, 0, 0))
        self.adopted = np.zeros((2, 0, 0, 0))  # recognition, vision counts
        # co-attendances per pair and track, summed per block of days
        self.dialogue = _Blocks()
        self.block_meetings: dict[int, set[int]] = {}  # live meetings per block
        # parsing caches: the same texts recur (dates, track lists)
        self._days: dict[str, int] = {}
        self._track_lists: dict[str, tuple[int, ...]] = {}
        self._membership_sorted: list[tuple[int, int, int, int]] | None = None
        # the dialogue counts last read: (as_of, window) -> counts; dropped
        # by every fold but a change of attendance, which keeps them current
        self._dialogue_cache: tuple[tuple[int, int], FloatArray] | None = None
        # sources' evidence waiting to be added: (kind, i, j, track) -> value
        self._pending: dict[tuple[int, int, int, int], float] = {}
        self._pending_adopted: dict[tuple[int, int, int, int], float] = {}
        # (actors, tracks, meetings) the arrays were last fitted to
        self._fitted = (-1, -1, -1)
        # meeting -> its spread over the tracks, kept between attendance rows
        self._spreads: dict[int, FloatArray] = {}
        # (amendments folded so far, day) -> the rules in force: amendments
        # only grow, so the key names the rules exactly
        self._rules: dict[tuple[int, date], Rules] = {}

    def rules_on(self, day: date) -> Rules:
        """The rules of procedure in force on ``day`` by the amendments
        folded so far."""
        key = (len(self.amendments), day)
        rules = self._rules.get(key)
        if rules is None:
            if len(self._rules) >= 64:
                self._rules.clear()
            rules = self._rules[key] = rules_in_force(
                (
                    (EPOCH + timedelta(days=effective), changes)
                    for effective, changes in self.amendments
                ),
                day,
            )
        return rules

    def half_life_on(self, day: date) -> float:
        """The evidence's half-life in days by the rules in force on ``day``."""
        return self.rules_on(day).number("trust.half_life_days")

    def half_life_moved(self, day: date) -> bool:
        """Whether the rules in force on ``day`` give another half-life than
        the state was folded with (it must then be folded anew, with
        :meth:`half_life_on`)."""
        return self.half_life_on(day) != self.half_life

    # -- indices ------------------------------------------------------------

    @property
    def n_actors(self) -> int:
        return len(self.actor_codes)

    @property
    def n_tracks(self) -> int:
        return len(self.track_codes)

    def actor(self, code: str) -> int:
        index = self.actor_index.get(code)
        if index is None:
            index = len(self.actor_codes)
            self.actor_codes.append(code)
            self.actor_index[code] = index
        return index

    def track(self, code: str) -> int:
        index = self.track_index.get(code)
        if index is None:
            index = len(self.track_codes)
            self.track_codes.append(code)
            self.track_index[code] = index
            self.track_added.append((1 << 62, _FAR))  # unknown until added
        return index

    def _day(self, text: str) -> int:
        day = self._days.get(text)
        if day is None:
            day = self._days[text] = day_number(text)
        return day

    def _track_list(self, value: Any) -> tuple[int, ...]:
        """The track indices of a JSON list of track codes (created as met)."""
        if isinstance(value, str):
            found = self._track_lists.get(value)
            if found is None:
                found = tuple(self.track(t) for t in _json_list(value))
                self._track_lists[value] = found
            return found
        return tuple(self.track(t) for t in _json_list(value))

    def _days_of(self, texts: Sequence[str]) -> IntArray:
        """:func:`day_number` of each text, through the cache."""
        days = self._days
        for text in set(texts).difference(days):
            days[text] = day_number(text)
        return np.fromiter(map(days.__getitem__, texts), np.int64, len(texts))

    def _track_lists_of(self, values: Sequence[Any]) -> list[tuple[int, ...]]:
        """:meth:`_track_list` of each value (tracks created in order met)."""
        distinct = dict.fromkeys(values)
        if not all(v is None or isinstance(v, str) for v in distinct):
            return [self._track_list(v) for v in values]
        cache = self._track_lists
        for value in distinct:
            if value is not None and value not in cache:
                self._track_list(value)
        return [() if v is None else cache[v] for v in values]

    def _fit_acc(self) -> None:
        a, k = self.n_actors, self.n_tracks
        _, a0, _, k0 = self.acc.shape
        if a > a0 or k > k0:
            acc = np.zeros((len(KINDS), a, a, k))
            acc[:, :a0, :a0, :k0] = self.acc
            self.acc = acc
            adopted = np.zeros((2, a, a, k))
            adopted[:, :a0, :a0, :k0] = self.adopted
            self.adopted = adopted

    def _fit_arrays(self) -> None:
        a, k = self.n_actors, self.n_tracks
        m = len(self.meeting_ids)
        if (a, k, m) == self._fitted:
            return
        self._fitted = (a, k, m)
        self._fit_acc()
        for grid in (self.attended, self.absent, self.confirmed):
            grid.ensure(m, a)
            grid.rows = m
        self.m_listed.ensure(m, k)
        self.m_listed.rows = m

    def tracks_in_force(self, day: int, seq: int) -> tuple[int, ...]:
        """Tracks on the agenda on ``day`` by what the record said before ``seq``."""
        return tuple(
            t
            for t, (added_seq, added_day) in enumerate(self.track_added)
            if added_seq < seq
            and added_day <= day
            and not self._closed_before(t, day, seq)
        )

    def _closed_before(self, track: int, day: int, seq: int) -> bool:
        """Whether the record, before ``seq``, closed ``track`` by ``day``."""
        closed = self.track_closed.get(track)
        return closed is not None and closed[0] < seq and closed[1] <= day

    def participants_on(self, day: int) -> list[str]:
        """Codes of participants on ``day`` (joined and not withdrawn by then)."""
        if self._membership_sorted is None:
            self._membership_sorted = sorted(self.membership)
        status: dict[int, int] = {}
        for d, _seq, actor, delta in self._membership_sorted:
            if d > day:
                break
            status[actor] = delta
        return sorted(self.actor_codes[a] for a, s in status.items() if s > 0)

    # -- applying a batch ---------------------------------------------------

    def apply(self, rows: Rows, last_seq: int) -> None:
        """Fold a batch of extracted rows (all events after ``self.seq``).

        The meetings the batch touches lose their old contribution and gain
        their new one; a meeting the batch convenes is touched by definition.
        A batch of one attendance row takes a shorter path to the same state
        (:meth:`_attend_one`). Attendance is what counts (``trust_rows``).
        """
        rows = counted_attendance(rows)
        if not any(rows.values()):  # nothing the fold reads: nothing moves
            self.seq = max(self.seq, last_seq)
            return
        counted = self._attend_one(rows)
        if counted is None:
            counted = self._apply_batch(rows)
        self.seq = max(self.seq, last_seq)
        if not counted:
            self._dialogue_cache = None
        latest = [max(map(_AT, found)) for found in rows.values() if found]
        if latest:
            day = day_number(max(latest))
            if self.last_day is None or day > self.last_day:
                self.last_day = day

    def _apply_batch(self, rows: Rows) -> bool:
        """:meth:`apply`'s fold of any batch; whether the dialogue counts
        last read were kept current."""
        self._spreads.clear()  # a batch may hold a meeting or a track's change
        before = len(self.meeting_ids)
        old_touched = self._known_meetings(rows) if before else _NO_MEETINGS
        old = self._meeting_rows(old_touched)
        roster = self.roster
        self._apply_registry(rows)
        self._apply_meetings(rows)
        self._apply_documents(rows)
        self._apply_projects(rows)
        self._apply_incidents(rows)
        self._fit_arrays()
        self._flush()
        # A closing can move the spread of general meetings folded earlier (a
        # track closed twice keeps its last closing): count dialogue afresh.
        recount = before > 0 and bool(rows.get("TrackClosed"))
        counted = False  # whether the dialogue counts last read were kept
        if old is not None and roster == self.roster and _attendance_only(rows):
            # Only who attended changed: same meetings, same days and tracks.
            counted = self._reattend(old)
        else:
            # The meetings touched before, and those this batch convened: their
            # old contribution out, their new one in, as one computation over
            # both sets of rows, signed -1 and +1.
            touched = np.union1d(
                old_touched, np.arange(before, len(self.meeting_ids), dtype=np.int64)
            )
            new = self._meeting_rows(touched)
            both = _joined(old, new, self.n_actors, self.n_tracks)
            if both is not None:
                signs = np.repeat([-1.0, 1.0], [_count(old), _count(new)])
                contribution = self._contribution(both, signs)
                if contribution is not None:
                    self._add(contribution, dialogue=not recount)
        if recount:
            self._recount_dialogue()
        return counted

    def _add(self, contribution: _Contribution, *, dialogue: bool) -> None:
        """Add a contribution to the accumulators; with ``dialogue``, to the
        dialogue counts too, and its meetings to their blocks'."""
        c = contribution
        a, _, k = c.values.shape[1:]
        for index, kind in enumerate(c.kinds.tolist()):
            self.acc[kind, :a, :a, :k] += c.values[index]
        if dialogue:
            self.dialogue.add(c.blocks, c.counts)
            self._file(c)

    def _reattend(self, old: _MeetingRows) -> bool:
        """Fold a change of who attended meetings already folded (``old``:
        their rows before it). Their days, tracks, ranks, blocks and status
        are as they were, so each meeting's evidence and dialogue counts
        change by what its new attendance gives minus what its old gave:
        the sums :meth:`_contribution` makes of the old rows taken out and the
        new put in, as differences of outer products per meeting.

        The dialogue counts last read (:meth:`dialogue_counts`) change by the
        same differences, of the meetings within their window: kept so, and
        True returned (False if there were none to keep).
        """
        a, k = self.n_actors, self.n_tracks
        old = old.widened(a, k)
        attended, no_show = self.attendance(old.meetings)
        info, spread = old.info, old.spread
        n = info.shape[0]

        def change(
            left: FloatArray, right: Any, left_was: FloatArray, right_was: Any
        ) -> FloatArray:
            """Per meeting, (a * a): left x right now, minus as it was."""
            out = left[:, :, None] * right[:, None, :]
            out -= left_was[:, :, None] * right_was[:, None, :]
            per_meeting: FloatArray = out.reshape(n, a * a)
            return per_meeting

        co = change(attended, attended, old.attended, old.attended)
        weight = np.exp2(info[:, _DAY] / self.half_life)[:, None]
        kinds = info[:, _RANK] * len(LAYERS) + info[:, _LAYER]
        evidence = [(kind, chunk, co) for kind, chunk in _runs(kinds)]
        if no_show.any() or old.no_show.any():
            shows = change(attended, no_show, old.attended, old.no_show)
            evidence.append((_NO_SHOW, slice(None), shows))
        for kind, chunk, pairs in evidence:
            values = _gram(pairs[chunk] * weight[chunk], spread[chunk])
            values[:: a + 1] = 0.0  # no actor with itself
            self.acc[kind, :a, :a, :k] += values.reshape(a, a, k)
        on_track = (spread > 0).astype(np.float64)
        days = info[:, _DAY]
        runs = _runs(days // DIALOGUE_BLOCK)
        counts = np.empty((len(runs), a, a, k))
        for row, (_, chunk) in enumerate(runs):
            counts[row] = _gram(co[chunk], on_track[chunk]).reshape(a, a, k)
        self.dialogue.add(np.array([block for block, _ in runs]), counts)
        read = self._counted_window(a, k)
        if read is None:
            return False
        as_of, window = read
        inside = np.flatnonzero((days >= as_of - window) & (days <= as_of))
        if inside.size:
            moved = _gram(co[inside], on_track[inside])
            moved[:: a + 1] = 0.0  # no actor with itself
            self._count_moved(moved.reshape(a, a, k))
        return True

    def _counted_window(self, a: int, k: int) -> tuple[int, int] | None:
        """The (as_of, window) of the dialogue counts last read, when they
        can be kept current (read for ``a`` actors and ``k`` tracks)."""
        if self._dialogue_cache is None:
            return None
        read, counted = self._dialogue_cache
        return read if counted.shape == (a, a, k) else None

    def _count_moved(self, moved: FloatArray) -> None:
        """Add ``moved`` to the dialogue counts last read, as a new array:
        counts already handed out stay as they were read."""
        assert self._dialogue_cache is not None
        read, counted = self._dialogue_cache
        self._dialogue_cache = (read, counted + moved)

    def _attend_one(self, rows: Rows) -> bool | None:
        """Fold a batch of one attendance row (confirmed or recorded) of a
        meeting and an actor both known: the commonest append. None for any
        other batch (:meth:`_apply_batch` folds it).

        Only the actor ``x``'s cell of the meeting changes, so of the outer
        products :meth:`_reattend` takes the difference of, only row and
        column ``x`` move. With ``o`` the others' attendance (``x``'s zeroed)
        and ``q`` their no-shows, attendance going from ``v`` to ``v'`` and
        ``x``'s no-show from ``n`` to ``n'``::

            co-attendance  row x and column x: (v' - v)·o      (diagonal: v' - v)
            no-shows       row x: (v' - v)·q;  column x: (n' - n)·o

        each times the meeting's weight and its spread over the tracks (the
        diagonal is not evidence). Returns whether the dialogue counts last
        read were kept current.
        """
        found = [item for item in rows.items() if item[1]]
        if len(found) != 1 or len(found[0][1]) != 1:
            return None
        type_, (row,) = found[0]
        if type_ not in _ATTENDANCE:
            return None
        m = self.meeting_index.get(row[2])
        x = self.actor_index.get(row[3])
        if m is None or x is None:
            return None
        attended, absent = self.attended.data, self.absent.data
        confirmed = self.confirmed.data
        was = int(attended[m, x]), int(confirmed[m, x] and absent[m, x])
        if type_ == "AttendanceRecorded":
            attended[m, x] = value = bool(row[4])
            absent[m, x] = not value
        else:
            confirmed[m, x] = True
        d_att = int(attended[m, x]) - was[0]
        d_show = int(confirmed[m, x] and absent[m, x]) - was[1]
        a, k = self.n_actors, self.n_tracks
        _, day, rank, layer, status, *_ = self.m_info.data[m].tolist()
        if (d_att == 0 and d_show == 0) or status != 0 or k == 0:
            return True  # nothing the figures read has moved
        spread = self._spread_of(m)
        weight = 2.0 ** (day / self.half_life)
        others = attended[m, :a].astype(np.float64)
        others[x] = 0.0
        acc = self.acc
        if d_show:
            acc[_NO_SHOW, :a, x, :k] += np.multiply.outer(
                others * (d_show * weight), spread
            )
        if d_att == 0:
            return True  # no co-attendance moved: the dialogue counts stand
        evidence = np.multiply.outer(others * (d_att * weight), spread)
        kind = rank * len(LAYERS) + layer
        acc[kind, x, :a, :k] += evidence
        acc[kind, :a, x, :k] += evidence
        shows = confirmed[m, :a] & absent[m, :a]
        shows[x] = False
        if shows.any():
            acc[_NO_SHOW, x, :a, :k] += np.multiply.outer(
                shows * (d_att * weight), spread
            )
        on_track = (spread > 0).astype(np.float64)
        line = np.multiply.outer(others * d_att, on_track)
        counts = self.dialogue.at(day // DIALOGUE_BLOCK, a, k)
        counts[x] += line
        counts[:, x] += line
        counts[x, x] += d_att * on_track
        read = self._counted_window(a, k)
        if read is None:
            return False
        as_of, window = read
        if as_of - window <= day <= as_of:
            moved = np.zeros((a, a, k))
            moved[x] = line
            moved[:, x] += line  # line[x] is 0: no actor with itself
            self._count_moved(moved)
        return True

    def _spread_of(self, meeting: int) -> FloatArray:
        """:meth:`meeting_spread` of one meeting, kept until a batch other
        than :meth:`_attend_one`'s (which cannot move it) is folded."""
        spread = self._spreads.get(meeting)
        if spread is None:
            spread = self.meeting_spread(np.array([meeting], dtype=np.int64))[0]
            spread.flags.writeable = False
            self._spreads[meeting] = spread
        return spread

    def _file(self, c: _Contribution) -> None:
        """Keep ``block_meetings`` in step with the dialogue counts."""
        found = self.block_meetings
        for chunk in _groups(c.meeting_blocks):
            block = int(c.meeting_blocks[chunk[0]])
            signs = c.signs[chunk]
            meetings = c.meetings[chunk]
            gone = meetings[signs < 0].tolist()
            if gone:
                found.get(block, set()).difference_update(gone)
            added = meetings[signs > 0].tolist()
            if added:
                found.setdefault(block, set()).update(added)

    def _recount_dialogue(self) -> None:
        self.dialogue = _Blocks()
        self.block_meetings = {}
        everything = self._meeting_rows(
            np.arange(len(self.meeting_ids), dtype=np.int64)
        )
        found = None
        if everything is not None:
            signs = np.ones(everything.meetings.size)
            found = self._contribution(everything, signs)
        if found is not None:
            self.dialogue.add(found.blocks, found.counts)
            self._file(found)

    def _known_meetings(self, rows: Rows) -> IntArray:
        """Indices of the already known meetings that ``rows`` touch."""
        index = self.meeting_index
        found: set[int | None] = set()
        for type_ in _MEETING_TYPES:
            batch = rows.get(type_, ())
            if batch:
                found.update(map(index.get, map(_ID, batch)))
        found.discard(None)
        return np.array(sorted(m for m in found if m is not None), dtype=np.int64)

    def _apply_registry(self, rows: Rows) -> None:
        if any(rows.get(type_) for type_ in _REGISTRY_TYPES):
            self.roster += 1
        for _seq, _at, code, kind in rows.get("ActorRegistered", ()):
            self.actor(code)
            self.actor_kind[code] = kind
        for seq, _at, code, on in rows.get("ActorJoined", ()):
            self.membership.append((self._day(on), seq, self.actor(code), 1))
            self._membership_sorted = None
        for seq, _at, code, on in rows.get("ActorWithdrew", ()):
            self.membership.append((self._day(on), seq, self.actor(code), -1))
            self._membership_sorted = None
        for _seq, _at, code in rows.get("ObserverAdmitted", ()):
            self.actor(code)
            self.observers.add(code)
        for seq, _at, code, category, on in rows.get("TrackAdded", ()):
            index = self.track(code)
            self.track_category[code] = category
            if self.track_added[index][0] > seq:
                self.track_added[index] = (seq, self._day(on))
        for seq, _at, code, on in rows.get("TrackClosed", ()):
            self.track_closed[self.track(code)] = (seq, self._day(on))
        for _seq, _at, changes, on in rows.get("RulesAmended", ()):
            self.amendments.append((self._day(on), json.loads(changes)))

    def _apply_meetings(self, rows: Rows) -> None:
        self._convene(rows.get("MeetingConvened", ()))
        info = self.m_info.data
        held = rows.get("MeetingHeld", ())
        if held:
            where, meetings = self._meetings_of(held)
            if where.size:
                days = np.fromiter(
                    map(self._day, map(_COL3, held)), np.int64, len(held)
                )
                last = _last_positions(meetings)  # a later row wins
                info[meetings[last], _DAY] = days[where[last]]
                info[meetings[last], _HELD] = 1
        cancelled = rows.get("MeetingCancelled", ())
        if cancelled:
            info[self._meetings_of(cancelled)[1], _STATUS] = 1
        confirmed = rows.get("AttendanceConfirmed", ())
        recorded = rows.get("AttendanceRecorded", ())
        codes = set(map(_COL3, confirmed))
        codes.update(map(_COL3, recorded))
        actor = self.actor
        for code in codes:
            actor(code)
        self._fit_arrays()
        if confirmed:
            m, a, _ = self._cells(confirmed)
            self.confirmed.data[m, a] = True
        if recorded:
            m, a, known = self._cells(recorded)
            value = np.fromiter(map(_COL4, recorded), np.bool_, len(recorded))
            value = value[known]
            last = _last_positions(m * (self.n_actors + 1) + a)
            self.attended.data[m[last], a[last]] = value[last]
            self.absent.data[m[last], a[last]] = ~value[last]

    def _convene(self, convened: Sequence[tuple[Any, ...]]) -> None:
        """New meetings: a row of ``m_info`` each and their listed tracks.

        A meeting convened twice keeps its first convening.
        """
        if not convened:
            return
        index = self.meeting_index
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
        start = len(self.meeting_ids)
        end = start + len(ids_)
        index.update(zip(ids_, range(start, end), strict=True))
        self.meeting_ids.extend(ids_)
        listed = self._track_lists_of(tracks)
        self.m_tracks.extend(listed)
        n = end - start
        counts = np.fromiter(map(len, listed), np.int64, n)
        self.m_info.ensure(end, 7)
        block = self.m_info.data[start:end]
        block[:, _SEQ] = np.fromiter(seqs, np.int64, n)
        block[:, _DAY] = self._days_of(starts)
        block[:, _RANK] = np.fromiter(map(_RANK_INDEX.__getitem__, ranks), np.int64, n)
        block[:, _LAYER] = np.fromiter(
            map(_LAYER_INDEX.__getitem__, layers), np.int64, n
        )
        block[:, _STATUS] = 0
        block[:, _HELD] = 0
        block[:, _LISTED] = counts
        self.m_info.rows = end
        self.m_listed.ensure(end, self.n_tracks)
        self.m_listed.rows = end
        total = int(counts.sum())
        if total:
            rows_ = np.repeat(np.arange(start, end, dtype=np.int64), counts)
            cols = np.fromiter(chain.from_iterable(listed), np.int64, total)
            self.m_listed.data[rows_, cols] = True

    def _meetings_of(
        self, rows: Sequence[tuple[Any, ...]]
    ) -> tuple[IntArray, IntArray]:
        """Positions of the rows that name a known meeting, and its index."""
        found = np.fromiter(
            map(self.meeting_index.get, map(_ID, rows), repeat(-1)),
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
        m = np.fromiter(
            map(self.meeting_index.get, map(_ID, rows), repeat(-1)), np.int64, n
        )
        a = np.fromiter(
            map(self.actor_index.__getitem__, map(_COL3, rows)), np.int64, n
        )
        known = m >= 0
        if not known.all():
            m, a = m[known], a[known]
        return m, a, known

    def _meeting_rows(self, meetings: IntArray) -> _MeetingRows | None:
        """The rows of those of ``meetings`` not cancelled (None if none)."""
        if meetings.size == 0 or self.n_actors == 0 or self.n_tracks == 0:
            return None
        info = self.m_info.data[meetings]
        live = info[:, _STATUS] == 0
        if not live.all():
            meetings, info = meetings[live], info[live]
        if meetings.size == 0:
            return None
        attended, no_show = self.attendance(meetings)
        return _MeetingRows(
            meetings, info, attended, no_show, self.meeting_spread(meetings)
        )

    def attendance(self, meetings: IntArray) -> tuple[FloatArray, BoolArray]:
        """Per meeting and actor: 1.0 where the actor attended, and whether it
        confirmed and was recorded absent (a no-show)."""
        a = self.n_actors
        attended = self.attended.data[meetings, :a].astype(np.float64)
        no_show = self.confirmed.data[meetings, :a] & self.absent.data[meetings, :a]
        return attended, no_show

    def _contribution(
        self, rows: _MeetingRows, signs: FloatArray
    ) -> _Contribution | None:
        """Evidence of the meetings of ``rows`` (co-attendance and no-shows)
        per kind, each meeting's counted with its sign; and their
        co-attendance counts per block of days (unweighted)."""
        a, k = self.n_actors, self.n_tracks
        rows = rows.widened(a, k)
        info, attended, spread = rows.info, rows.attended, rows.spread
        n = rows.meetings.size
        weight = signs * np.exp2(info[:, _DAY] / self.half_life)
        by_track = (attended[:, :, None] * spread[:, None, :]).reshape(n, a * k)
        left_all = attended * weight[:, None]
        kinds = info[:, _RANK] * len(LAYERS) + info[:, _LAYER]
        groups = _groups(kinds)  # each kind keeps the meetings' order
        no_show = rows.no_show
        shows = bool(no_show.any())
        values = np.empty((len(groups) + shows, a * a, k))
        out_kinds = [int(kinds[chunk[0]]) for chunk in groups]
        for row, chunk in enumerate(groups):
            values[row] = _gram(left_all[chunk], by_track[chunk]).reshape(a * a, k)
        if shows:
            right = (no_show[:, :, None] * spread[:, None, :]).reshape(n, a * k)
            out_kinds.append(_NO_SHOW)
            values[-1] = _gram(left_all, right).reshape(a * a, k)
        values[:, :: a + 1] = 0.0  # no actor with itself
        on_track = (spread > 0).astype(np.float64)
        days = info[:, _DAY]
        blocks, counts = self._dialogue_blocks(days, attended, on_track, signs)
        return _Contribution(
            signs=signs,
            kinds=np.array(out_kinds, dtype=np.int64),
            values=values.reshape(-1, a, a, k),
            blocks=blocks,
            counts=counts,
            meetings=rows.meetings,
            meeting_blocks=days // DIALOGUE_BLOCK,
        )

    @staticmethod
    def _dialogue_blocks(
        days: IntArray, attended: FloatArray, on_track: FloatArray, signs: FloatArray
    ) -> tuple[IntArray, FloatArray]:
        """Co-attendance counts per ordered pair and track, per block of days
        (each meeting counted with its sign)."""
        n, a = attended.shape
        k = on_track.shape[1]
        block = days // DIALOGUE_BLOCK
        right = (attended[:, :, None] * on_track[:, None, :]).reshape(n, a * k)
        if signs.min() < 0:
            right *= signs[:, None]
        groups = _groups(block)
        out = np.empty((len(groups), a, a, k))
        firsts = np.empty(len(groups), dtype=np.int64)
        for row, chunk in enumerate(groups):
            firsts[row] = chunk[0]
            out[row] = _gram(attended[chunk], right[chunk]).reshape(a, a, k)
        return block[firsts], out

    def meeting_spread(self, meetings: IntArray) -> FloatArray:
        """Each meeting's share per track: its tracks, or all in force, evenly."""
        meetings = np.asarray(meetings, dtype=np.int64)
        k = self.n_tracks
        if meetings.size == 0 or k == 0:
            return np.zeros((meetings.size, k))
        info = self.m_info.data[meetings]
        listed = info[:, _LISTED]
        general = listed == 0
        share = 1.0 / np.maximum(listed, 1)
        spread = np.where(self.m_listed.data[meetings, :k], share[:, None], 0.0)
        if general.any():
            added = np.array(self.track_added, dtype=np.int64).reshape(k, 2)
            closed = np.array(
                [self.track_closed.get(t, (_FAR, _FAR)) for t in range(k)],
                dtype=np.int64,
            ).reshape(k, 2)
            seq = info[general, _SEQ][:, None]
            day = info[general, _DAY][:, None]
            force = (added[None, :, 0] < seq) & (added[None, :, 1] <= day)
            force &= ~((closed[None, :, 0] < seq) & (closed[None, :, 1] <= day))
            count = force.sum(axis=1)
            spread[general] = np.where(
                force, (1.0 / np.maximum(count, 1))[:, None], 0.0
            )
        return spread

    def dialogue_counts(self, as_of: int, window: int) -> FloatArray:
        """Co-attendances per ordered pair and track in the ``window`` days to
        ``as_of`` (both ends included), of meetings not cancelled.

        Whole blocks of days inside the window are read off the counts kept
        per block; the meetings of the blocks cut by either end are counted
        one by one.
        """
        key = (as_of, window)
        if self._dialogue_cache is not None and self._dialogue_cache[0] == key:
            return self._dialogue_cache[1]
        a, k = self.n_actors, self.n_tracks
        m = len(self.meeting_ids)
        if m == 0 or a == 0 or k == 0:
            return np.zeros((a, a, k))
        low, high = as_of - window, as_of
        first = -(-low // DIALOGUE_BLOCK)  # the first block wholly inside
        last = (high + 1) // DIALOGUE_BLOCK - 1  # the last block wholly inside
        counts = self.dialogue.total(first, last, a, k)
        # the blocks the window cuts: their meetings one by one
        ends = (low // DIALOGUE_BLOCK, high // DIALOGUE_BLOCK)
        cut = {b for b in ends if not first <= b <= last}
        found: list[int] = []
        for block in cut:
            found.extend(self.block_meetings.get(block, ()))
        pick = np.array(sorted(found), dtype=np.int64)
        if pick.size:
            days = self.m_info.data[pick, _DAY]
            pick = pick[(days >= low) & (days <= high)]
        if pick.size:
            attended = self.attended.data[pick, :a].astype(np.float64)
            on_track = (self.meeting_spread(pick) > 0).astype(np.float64)
            right = (attended[:, :, None] * on_track[:, None, :]).reshape(
                pick.size, a * k
            )
            counts += _gram(attended, right).reshape(a, a, k)
        idx = np.arange(a)
        counts[idx, idx, :] = 0.0
        self._dialogue_cache = (key, counts)
        return counts

    # -- other evidence, per entity -----------------------------------------

    def _replace_source(self, key: str, source: Source | None) -> None:
        old = self.sources.pop(key, None)
        if old is not None:
            self._source_into(old, -1.0)
        if source is not None:
            self.sources[key] = source
            self._source_into(source, 1.0)

    def _source_into(self, source: Source, sign: float) -> None:
        """Queue a source's evidence (``sign`` -1 takes it back) for ``_flush``.

        Queued per cell, the sums are added in the order the sources came:
        the same additions as adding each source to the array at once.
        """
        if not source.frm or not source.to:
            return
        kind = KIND_INDEX[source.kind]
        weight = sign * source.amount * float(np.exp2(source.day / self.half_life))
        adopted = _ADOPTED.get(source.kind)
        pending, counts = self._pending, self._pending_adopted
        pairs = [(i, j) for i in source.frm for j in source.to if i != j]
        for track, share in source.spread:
            value = weight * share
            for i, j in pairs:
                key = (kind, i, j, track)
                pending[key] = pending.get(key, 0.0) + value
            if adopted is not None:
                for i, j in pairs:
                    key = (adopted, i, j, track)
                    counts[key] = counts.get(key, 0.0) + sign

    def _flush(self) -> None:
        """Add the queued evidence of sources to the arrays."""
        self._fit_acc()
        for target, pending in (
            (self.acc, self._pending),
            (self.adopted, self._pending_adopted),
        ):
            if pending:
                n = len(pending)
                cells = np.fromiter(chain.from_iterable(pending), np.int64, 4 * n)
                cells = cells.reshape(n, 4)
                values = np.fromiter(pending.values(), np.float64, n)
                target[cells[:, 0], cells[:, 1], cells[:, 2], cells[:, 3]] += values
                pending.clear()

    def _spread(
        self, tracks: Iterable[int], day: int, seq: int
    ) -> tuple[tuple[int, float], ...]:
        chosen = tuple(sorted(set(tracks))) or self.tracks_in_force(day, seq)
        return tuple((t, 1.0 / len(chosen)) for t in chosen)

    def _apply_documents(self, rows: Rows) -> None:
        for _seq, _at, document, kind, tracks in rows.get("DocumentIssued", ()):
            self.documents[document] = (
                kind,
                self._track_list(tracks),
            )
        for _seq, _at, proposal, kind, document in rows.get("ProposalTabled", ()):
            self.proposals[proposal] = (kind, document)
        for seq, _at, proposal, adopted_on, joined in rows.get("DecisionAdopted", ()):
            kind, document = self.proposals.get(proposal, (None, None))
            if kind != "adopt-document" or document not in self.documents:
                continue
            doc_kind, doc_tracks = self.documents[document]
            if doc_kind not in ("recognition", "vision"):
                continue
            day = self._day(adopted_on)
            members = tuple(sorted({self.actor(c) for c in _json_list(joined)}))
            tracks = () if doc_kind == "vision" else doc_tracks
            key = f"decision:{proposal}"
            self._replace_source(
                key,
                Source(
                    kind=doc_kind,
                    day=day,
                    amount=1.0,
                    spread=self._spread(tracks, day, seq),
                    frm=members,
                    to=members,
                    seqs=(seq,),
                    label=f"{doc_kind} document {document} adopted ({proposal})",
                ),
            )
        for _seq, _at, proposal in rows.get("ProvisionalAdoptionUndone", ()):
            self._replace_source(f"decision:{proposal}", None)

    def _apply_projects(self, rows: Rows) -> None:
        for seq, _at, project, tracks, founders, invited in rows.get(
            "ProjectLaunched", ()
        ):
            state = self.projects.setdefault(project, _Project())
            state.tracks.append((seq, self._track_list(tracks)))
            # Founders invited, not yet acting, become members by joining.
            pending = set(_json_list(invited))
            for code in _json_list(founders):
                if code not in pending:
                    state.membership.append((seq, self.actor(code), 1))
        for seq, _at, project, code in rows.get("ProjectJoined", ()):
            self.projects.setdefault(project, _Project()).membership.append(
                (seq, self.actor(code), 1)
            )
        for seq, _at, project, code in rows.get("ProjectLeft", ()):
            self.projects.setdefault(project, _Project()).membership.append(
                (seq, self.actor(code), -1)
            )
        for seq, _at, project, tracks in rows.get("ProjectScopeWidened", ()):
            self.projects.setdefault(project, _Project()).tracks.append(
                (seq, self._track_list(tracks))
            )
        for seq, _at, project, on in rows.get("ProjectCompleted", ()):
            completed = self.projects.get(project)
            if completed is None:
                continue
            day = self._day(on)
            members = tuple(completed.members_at(seq))
            key = f"project:{project}"
            self._replace_source(
                key,
                Source(
                    "project_completed",
                    day,
                    1.0,
                    self._spread(completed.tracks_at(seq), day, seq),
                    members,
                    members,
                    (seq,),
                    f"project {project} completed",
                ),
            )
        for _seq, _at, commitment, project, code in rows.get("CommitmentMade", ()):
            self.commitments[commitment] = (project, self.actor(code))
        for type_, kind in (
            ("CommitmentKept", "commitment_kept"),
            ("CommitmentBroken", "commitment_broken"),
        ):
            for seq, _at, commitment, on in rows.get(type_, ()):
                if commitment not in self.commitments:
                    continue
                project, actor = self.commitments[commitment]
                state = self.projects.setdefault(project, _Project())
                day = self._day(on)
                others = tuple(m for m in state.members_at(seq) if m != actor)
                key = f"commitment:{commitment}"
                self._replace_source(
                    key,
                    Source(
                        kind,
                        day,
                        1.0,
                        self._spread(state.tracks_at(seq), day, seq),
                        others,
                        (actor,),
                        (seq,),
                        f"commitment {commitment} ({project}) "
                        f"{'kept' if kind == 'commitment_kept' else 'broken'}",
                    ),
                )

    def _apply_incidents(self, rows: Rows) -> None:
        for seq, _at, incident, parties, on, severity, tracks in rows.get(
            "IncidentRecorded", ()
        ):
            day = self._day(on)
            members = tuple(sorted({self.actor(c) for c in _json_list(parties)}))
            key = f"incident:{incident}"
            self._replace_source(
                key,
                Source(
                    "incident",
                    day,
                    float(severity),
                    self._spread(self._track_list(tracks), day, seq),
                    members,
                    members,
                    (seq,),
                    f"incident {incident} (severity {severity})",
                ),
            )
