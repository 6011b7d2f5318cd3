"""The trust fold's accumulators: evidence per kind, ordered pair and track,
kept decay-free (DESIGN §5.1).

An item of weight ``w`` on day ``t`` adds ``w·2^(t/H)``; the evidence as of
day ``T`` is that sum times ``2^(-T/H)``, which equals the sum of
``w·2^(-(T-t)/H)``. So the accumulators do not age: folding only adds to
them, and any date can be read off them.

Everything changes by one operation, :meth:`Evidence.replace`: the old rows
of some meetings out, their new rows in. Where old and new differ only in
who attended, it adds the difference instead; where they differ in one
cell, the change of that cell alone. Those are optimisations of the one
operation, and the batch tests keep them equal to it. Items other than
meetings (:class:`Source`) are replaced the same way, by key.
"""

from __future__ import annotations

from itertools import chain
from typing import Any, Final

import numpy as np

from napci.domain.rules_of_procedure import LAYERS
from napci.domain.trust.dialogue import DIALOGUE_BLOCK, Dialogue, block_counts
from napci.domain.trust.kinds import KIND_INDEX, KINDS, NO_SHOW, Source
from napci.domain.trust.meetings import DAY, LAYER, RANK, MeetingRows, joined
from napci.domain.trust.operators import FloatArray
from napci.domain.trust.products import gram, groups, runs
from napci.domain.trust.roster import Roster

__all__ = ["Evidence"]

_ADOPTED: Final[dict[str, int]] = {"recognition": 0, "vision": 1}


class Evidence:
    """Decay-free evidence, co-adoption counts and dialogue counts."""

    def __init__(self, roster: Roster, half_life: float) -> None:
        self._roster = roster
        self.half_life = half_life
        self.acc = np.zeros((len(KINDS), 0, 0, 0))
        self.adopted = np.zeros((2, 0, 0, 0))  # recognition, vision counts
        self.dialogue = Dialogue()
        self.sources: dict[str, Source] = {}
        # sources' evidence waiting to be added: (kind, i, j, track) -> value
        self._pending: dict[tuple[int, int, int, int], float] = {}
        self._pending_adopted: dict[tuple[int, int, int, int], float] = {}

    def fit(self) -> None:
        """Size the accumulators to the roster's actors and tracks."""
        a, k = self._roster.n_actors, self._roster.n_tracks
        _, a0, _, k0 = self.acc.shape
        if a > a0 or k > k0:
            acc = np.zeros((len(KINDS), a, a, k))
            acc[:, :a0, :a0, :k0] = self.acc
            self.acc = acc
            adopted = np.zeros((2, a, a, k))
            adopted[:, :a0, :a0, :k0] = self.adopted
            self.adopted = adopted

    # -- meetings -----------------------------------------------------------

    def replace(
        self,
        old: MeetingRows | None,
        new: MeetingRows | None,
        *,
        dialogue: bool = True,
    ) -> bool:
        """Take the evidence of ``old`` out and put that of ``new`` in (and,
        with ``dialogue``, their dialogue counts). Whether the dialogue
        counts last read were kept current (else they are dropped)."""
        a, k = self._roster.n_actors, self._roster.n_tracks
        if old is not None and new is not None:
            old = old.widened(a, k)
            if dialogue and old.same_meetings(new):
                return self._reattend(old, new)
        self.dialogue.forget_read()
        both = joined(old, new, a, k)
        if both is not None:
            counts = np.repeat(
                [-1.0, 1.0],
                [0 if x is None else x.meetings.size for x in (old, new)],
            )
            self._exchange(both, counts, dialogue=dialogue)
        return False

    def _exchange(
        self, rows: MeetingRows, signs: FloatArray, *, dialogue: bool
    ) -> None:
        """Add the evidence of the meetings of ``rows``, each with its sign
        (co-attendance and no-shows, per kind); with ``dialogue``, their
        co-attendance counts per block of days."""
        a, k = self._roster.n_actors, self._roster.n_tracks
        rows = rows.widened(a, k)
        info, attended, spread = rows.info, rows.attended, rows.spread
        n = rows.meetings.size
        weight = signs * np.exp2(info[:, DAY] / self.half_life)
        by_track = (attended[:, :, None] * spread[:, None, :]).reshape(n, a * k)
        left_all = attended * weight[:, None]
        kinds = info[:, RANK] * len(LAYERS) + info[:, LAYER]
        found = groups(kinds)  # each kind keeps the meetings' order
        no_show = rows.no_show
        shows = bool(no_show.any())
        values = np.empty((len(found) + shows, a * a, k))
        out_kinds = [int(kinds[chunk[0]]) for chunk in found]
        for row, chunk in enumerate(found):
            values[row] = gram(left_all[chunk], by_track[chunk]).reshape(a * a, k)
        if shows:
            right = (no_show[:, :, None] * spread[:, None, :]).reshape(n, a * k)
            out_kinds.append(NO_SHOW)
            values[-1] = gram(left_all, right).reshape(a * a, k)
        values[:, :: a + 1] = 0.0  # no actor with itself
        for index, kind in enumerate(out_kinds):
            self.acc[kind, :a, :a, :k] += values[index].reshape(a, a, k)
        if dialogue:
            self.count(rows, signs)

    def count(self, rows: MeetingRows, signs: FloatArray) -> None:
        """Add the dialogue counts of ``rows``, each meeting with its sign."""
        days = rows.info[:, DAY]
        on_track = (rows.spread > 0).astype(np.float64)
        blocks, counts = block_counts(days, rows.attended, on_track, signs)
        self.dialogue.add(blocks, counts, rows.meetings, signs, days // DIALOGUE_BLOCK)

    def _reattend(self, old: MeetingRows, new: MeetingRows) -> bool:
        """:meth:`replace` for rows that differ only in who attended: each
        meeting's evidence and dialogue counts change by what its new
        attendance gives minus what its old gave (differences of outer
        products per meeting); the counts last read by the same, for the
        meetings within their window."""
        moved_rows, moved_actors = np.nonzero(
            (old.attended != new.attended) | (old.no_show != new.no_show)
        )
        a, k = self._roster.n_actors, self._roster.n_tracks
        if moved_rows.size == 0:  # nothing the evidence reads has moved
            return self._keeps_read(a, k)
        if moved_rows.size == 1:
            return self._one_cell(old, new, int(moved_rows[0]), int(moved_actors[0]))
        attended, no_show = new.attended, new.no_show
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
        weight = np.exp2(info[:, DAY] / self.half_life)[:, None]
        kinds = info[:, RANK] * len(LAYERS) + info[:, LAYER]
        evidence = [(kind, chunk, co) for kind, chunk in runs(kinds)]
        if no_show.any() or old.no_show.any():
            shows = change(attended, no_show, old.attended, old.no_show)
            evidence.append((NO_SHOW, slice(None), shows))
        for kind, chunk, pairs in evidence:
            values = gram(pairs[chunk] * weight[chunk], spread[chunk])
            values[:: a + 1] = 0.0  # no actor with itself
            self.acc[kind, :a, :a, :k] += values.reshape(a, a, k)
        on_track = (spread > 0).astype(np.float64)
        days = info[:, DAY]
        found = runs(days // DIALOGUE_BLOCK)
        counts = np.empty((len(found), a, a, k))
        for row, (_, chunk) in enumerate(found):
            counts[row] = gram(co[chunk], on_track[chunk]).reshape(a, a, k)
        self.dialogue.blocks.add(np.array([block for block, _ in found]), counts)
        read = self.dialogue.read_window(a, k)
        if read is None:
            self.dialogue.forget_read()
            return False
        as_of, window = read
        inside = np.flatnonzero((days >= as_of - window) & (days <= as_of))
        if inside.size:
            moved = gram(co[inside], on_track[inside])
            moved[:: a + 1] = 0.0  # no actor with itself
            self.dialogue.move_read(moved.reshape(a, a, k))
        return True

    def _one_cell(self, old: MeetingRows, new: MeetingRows, row: int, x: int) -> bool:
        """:meth:`replace` for rows that differ in one cell: actor ``x`` at
        the meeting of ``row``, the commonest append.

        Of the outer products :meth:`_reattend` takes the difference of, only
        row and column ``x`` move. With ``o`` the others' attendance (``x``'s
        zeroed) and ``q`` their no-shows, attendance going from ``v`` to
        ``v'`` and ``x``'s no-show from ``n`` to ``n'``::

            co-attendance  row x and column x: (v' - v)·o      (diagonal: v' - v)
            no-shows       row x: (v' - v)·q;  column x: (n' - n)·o

        each times the meeting's weight and its spread over the tracks (the
        diagonal is not evidence).
        """
        a, k = self._roster.n_actors, self._roster.n_tracks
        d_att = int(new.attended[row, x]) - int(old.attended[row, x])
        d_show = int(new.no_show[row, x]) - int(old.no_show[row, x])
        _, day, rank, layer, *_ = new.info[row].tolist()
        spread = new.spread[row]
        weight = 2.0 ** (day / self.half_life)
        others = new.attended[row].copy()
        others[x] = 0.0
        acc = self.acc
        if d_show:
            acc[NO_SHOW, :a, x, :k] += np.multiply.outer(
                others * (d_show * weight), spread
            )
        if d_att == 0:  # no co-attendance moved: the dialogue counts stand
            return self._keeps_read(a, k)
        evidence = np.multiply.outer(others * (d_att * weight), spread)
        kind = rank * len(LAYERS) + layer
        acc[kind, x, :a, :k] += evidence
        acc[kind, :a, x, :k] += evidence
        shows = new.no_show[row].copy()
        shows[x] = False
        if shows.any():
            acc[NO_SHOW, x, :a, :k] += np.multiply.outer(
                shows * (d_att * weight), spread
            )
        on_track = (spread > 0).astype(np.float64)
        line = np.multiply.outer(others * d_att, on_track)
        counts = self.dialogue.at(day // DIALOGUE_BLOCK, a, k)
        counts[x] += line
        counts[:, x] += line
        counts[x, x] += d_att * on_track
        read = self.dialogue.read_window(a, k)
        if read is None:
            self.dialogue.forget_read()
            return False
        as_of, window = read
        if as_of - window <= day <= as_of:
            moved = np.zeros((a, a, k))
            moved[x] = line
            moved[:, x] += line  # line[x] is 0: no actor with itself
            self.dialogue.move_read(moved)
        return True

    def _keeps_read(self, a: int, k: int) -> bool:
        """Whether the counts last read can be kept current (else dropped)."""
        if self.dialogue.read_window(a, k) is None:
            self.dialogue.forget_read()
            return False
        return True

    def recount(self, everything: MeetingRows | None) -> None:
        """Count the dialogue afresh from the rows of every live meeting."""
        self.dialogue.reset()
        self.dialogue.forget_read()
        if everything is not None:
            self.count(everything, np.ones(everything.meetings.size))

    # -- other evidence, by key ---------------------------------------------

    def replace_source(self, key: str, source: Source | None) -> None:
        """Take the source kept under ``key`` out and put ``source`` in."""
        old = self.sources.pop(key, None)
        if old is not None:
            self._queue(old, -1.0)
        if source is not None:
            self.sources[key] = source
            self._queue(source, 1.0)

    def _queue(self, source: Source, sign: float) -> None:
        """Queue a source's evidence (``sign`` -1 takes it back) for :meth:`flush`.

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

    def flush(self) -> None:
        """Add the queued evidence of sources to the arrays."""
        self.fit()
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
