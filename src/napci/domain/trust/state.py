"""The trust fold's state: evidence accumulated from the record (DESIGN §5.1).

The fold never loops over events one by one. The database hands it, per event
type, columns of the fields it needs (see :data:`~napci.domain.trust.rows.EXTRACT`);
the state turns them into arrays: a meeting is a row of an attendance matrix,
and the evidence of all meetings is a handful of matrix products. Rarer
evidence (adoptions, projects, commitments, incidents) is kept per entity as
a :class:`~napci.domain.trust.kinds.Source`.

A :class:`TrustState` is four parts, each with one job: the
:class:`~napci.domain.trust.roster.Roster` (actors, tracks, membership,
amendments), the :class:`~napci.domain.trust.meetings.Meetings` (the grids),
the :class:`~napci.domain.trust.sources.Sources` (documents, projects,
commitments, incidents) and the :class:`~napci.domain.trust.evidence.Evidence`
(the decay-free accumulators and the dialogue counts).

Incremental and full replay are the same code, :meth:`TrustState.apply`: a
batch of rows names the meetings it touches; their old rows are taken, the
rows folded, and :meth:`Evidence.replace` takes the old rows' evidence out
and puts the new rows' in. A full replay is one batch touching everything.
Readers (the figures, explanations) use the read-only queries below, never
the parts' arrays.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from napci.domain.rules_of_procedure import Rules
from napci.domain.trust.evidence import Evidence
from napci.domain.trust.kinds import Source, day_number
from napci.domain.trust.meetings import DAY, LAYER, RANK, SEQ, Meetings
from napci.domain.trust.operators import FloatArray
from napci.domain.trust.roster import Roster
from napci.domain.trust.rows import Rows, counted_attendance
from napci.domain.trust.sources import Sources

__all__ = ["SharedMeeting", "TrustState"]

IntArray = npt.NDArray[np.int64]

_AT = itemgetter(1)


@dataclass(frozen=True, slots=True)
class SharedMeeting:
    """A live meeting that is evidence between two actors ``i`` and ``j``."""

    seq: int
    day: int
    rank: int
    layer: int
    meeting: str
    both: bool  # both attended
    no_shows: tuple[tuple[int, int], ...]  # (attended, confirmed and absent)
    spread: tuple[tuple[int, float], ...]  # (track, share)


class TrustState:
    """Everything the trust figures are computed from, folded from the record."""

    def __init__(self, half_life_days: float) -> None:
        self.half_life = float(half_life_days)
        self.seq = 0
        self.last_day: int | None = None  # of the latest event folded
        self.roster = Roster()
        self.meetings = Meetings(self.roster)
        self.evidence = Evidence(self.roster, self.half_life)
        self.sources = Sources(self.roster, self.evidence)

    # -- folding ------------------------------------------------------------

    def apply(self, rows: Rows, last_seq: int) -> None:
        """Fold a batch of extracted rows (all events after ``self.seq``).

        The meetings the batch touches lose their old evidence and gain their
        new (:meth:`Evidence.replace`); a meeting the batch convenes is
        touched by definition. Attendance is what counts (``rows``).
        """
        rows = counted_attendance(rows)
        if not any(rows.values()):  # nothing the fold reads: nothing moves
            self.seq = max(self.seq, last_seq)
            return
        meetings, evidence = self.meetings, self.evidence
        before = len(meetings)
        touched = meetings.touched(rows) if before else np.zeros(0, dtype=np.int64)
        old = meetings.rows(touched)
        version = self.roster.version
        self.roster.apply(rows)
        meetings.apply(rows)
        self.sources.apply(rows)
        if self.roster.version != version:
            meetings.forget_spreads()  # the tracks in force may have moved
        meetings.fit()
        evidence.flush()
        if len(meetings) > before:
            convened = np.arange(before, len(meetings), dtype=np.int64)
            touched = np.union1d(touched, convened)
        # A closing can move the spread of general meetings folded earlier (a
        # track closed twice keeps its last closing): count dialogue afresh.
        recount = before > 0 and bool(rows.get("TrackClosed"))
        evidence.replace(old, meetings.rows(touched), dialogue=not recount)
        if recount:
            everything = np.arange(len(meetings), dtype=np.int64)
            evidence.recount(meetings.rows(everything))
        self.seq = max(self.seq, last_seq)
        latest = [max(map(_AT, found)) for found in rows.values() if found]
        if latest:
            day = day_number(max(latest))
            if self.last_day is None or day > self.last_day:
                self.last_day = day

    # -- the rules ----------------------------------------------------------

    def rules_on(self, day: date) -> Rules:
        """The rules of procedure in force on ``day`` by the amendments
        folded so far."""
        return self.roster.rules_on(day)

    def half_life_on(self, day: date) -> float:
        """The evidence's half-life in days by the rules in force on ``day``."""
        return self.rules_on(day).number("trust.half_life_days")

    def half_life_moved(self, day: date) -> bool:
        """Whether the rules in force on ``day`` give another half-life than
        the state was folded with (it must then be folded anew, with
        :meth:`half_life_on`)."""
        return self.half_life_on(day) != self.half_life

    # -- read-only queries --------------------------------------------------

    @property
    def version(self) -> int:
        """Counts the batches that changed actors, membership, tracks or rules."""
        return self.roster.version

    def registered_actors(self) -> tuple[str, ...]:
        """Codes of the registered actors, in the order of the arrays."""
        return self.roster.registered()

    def actor_position(self, code: str) -> int:
        """The index of actor ``code`` in the arrays (KeyError if unseen)."""
        return self.roster.actor_index[code]

    def track_position(self, code: str) -> int:
        """The index of track ``code`` in the arrays (KeyError if unseen)."""
        return self.roster.track_index[code]

    def track_code(self, track: int) -> str:
        """The code of the track at ``track``."""
        return self.roster.track_codes[track]

    def tracks_in_force(self, day: int) -> tuple[int, ...]:
        """Indices of the tracks on the agenda on ``day``, by all folded."""
        return self.roster.tracks_in_force(day, self.seq + 1)

    def participants_on(self, day: int) -> list[str]:
        """Codes of participants on ``day`` (joined and not withdrawn by then)."""
        return self.roster.participants_on(day)

    def accumulated(self) -> FloatArray:
        """The decay-free evidence, (kinds, actors, actors, tracks), read-only."""
        view = self.evidence.acc.view()
        view.flags.writeable = False
        return view

    def adopted(self) -> FloatArray:
        """Co-adoptions of recognition and vision documents, (2, a, a, k),
        read-only."""
        view = self.evidence.adopted.view()
        view.flags.writeable = False
        return view

    def dialogue_counts(self, as_of: int, window: int) -> FloatArray:
        """Co-attendances per ordered pair and track in the ``window`` days to
        ``as_of`` (both ends included), of meetings not cancelled."""
        roster = self.roster
        return self.evidence.dialogue.counts(
            as_of, window, self.meetings, roster.n_actors, roster.n_tracks
        )

    def sources_between(self, i: int, j: int) -> Iterator[tuple[int, Source]]:
        """Each item of evidence other than meetings from ``i`` to ``j`` or
        from ``j`` to ``i``, with its trusting side."""
        for source in self.evidence.sources.values():
            for frm, to in ((i, j), (j, i)):
                if frm in source.frm and to in source.to:
                    yield frm, source

    def shared_meetings(self, i: int, j: int) -> list[SharedMeeting]:
        """The live meetings that are evidence between actors ``i`` and
        ``j``: both attended, or one attended and the other was a no-show."""
        meetings = self.meetings
        live = meetings.live()
        if live.size == 0 or max(i, j) >= self.roster.n_actors:
            return []
        attended, no_show = meetings.attendance(live)
        att_i, att_j = attended[:, i] > 0, attended[:, j] > 0
        both = att_i & att_j
        i_to_j = att_i & no_show[:, j]
        j_to_i = att_j & no_show[:, i]
        found: list[SharedMeeting] = []
        for row in np.flatnonzero(both | i_to_j | j_to_i).tolist():
            m = int(live[row])
            info = meetings.info.data[m]
            spread_row = meetings.spread(np.array([m]))[0]
            shows = [(i, j)] if i_to_j[row] else []
            if j_to_i[row]:
                shows.append((j, i))
            found.append(
                SharedMeeting(
                    seq=int(info[SEQ]),
                    day=int(info[DAY]),
                    rank=int(info[RANK]),
                    layer=int(info[LAYER]),
                    meeting=meetings.ids[m],
                    both=bool(both[row]),
                    no_shows=tuple(shows),
                    spread=tuple(
                        (int(t), float(spread_row[t]))
                        for t in np.flatnonzero(spread_row)
                    ),
                )
            )
        return found
