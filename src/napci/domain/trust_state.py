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
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from napci.domain.rules_of_procedure import LAYERS, RANKS, Rules

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
NEGATIVE_KINDS: Final[frozenset[str]] = frozenset(
    {"commitment_broken", "no_show", "incident"}
)
_CO_INDEX: Final[dict[tuple[str, str], int]] = {
    (rank, layer): KIND_INDEX[f"co.{rank}.{layer}"]
    for rank in RANKS
    for layer in LAYERS
}

#: The payload fields the fold reads, per event type, in processing order.
EXTRACT: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "ActorRegistered": (("code", "str"), ("kind", "str")),
    "ActorJoined": (("code", "str"), ("joined_on", "str")),
    "ActorWithdrew": (("code", "str"), ("withdrew_on", "str")),
    "ObserverAdmitted": (("code", "str"),),
    "TrackAdded": (("code", "str"), ("category", "str"), ("added_on", "str")),
    "TrackClosed": (("code", "str"), ("closed_on", "str")),
    "RulesAmended": (("changes", "json"), ("effective_on", "str")),
    "MeetingConvened": (
        ("meeting", "str"),
        ("rank", "str"),
        ("layer", "str"),
        ("tracks", "json"),
        ("starts_on", "str"),
    ),
    "MeetingHeld": (("meeting", "str"), ("held_on", "str")),
    "MeetingCancelled": (("meeting", "str"),),
    "AttendanceConfirmed": (("meeting", "str"), ("code", "str")),
    "AttendanceRecorded": (("meeting", "str"), ("code", "str"), ("attended", "bool")),
    "DocumentIssued": (("document", "str"), ("kind", "str"), ("tracks", "json")),
    "ProposalTabled": (
        ("proposal", "str"),
        ("subject.kind", "str"),
        ("subject.document", "str"),
    ),
    "DecisionAdopted": (("proposal", "str"), ("adopted_on", "str"), ("joined", "json")),
    "ProvisionalAdoptionUndone": (("proposal", "str"),),
    "ProjectLaunched": (("project", "str"), ("tracks", "json"), ("founders", "json")),
    "ProjectJoined": (("project", "str"), ("code", "str")),
    "ProjectLeft": (("project", "str"), ("code", "str")),
    "ProjectScopeWidened": (("project", "str"), ("tracks", "json")),
    "ProjectCompleted": (("project", "str"), ("completed_on", "str")),
    "CommitmentMade": (("commitment", "str"), ("project", "str"), ("code", "str")),
    "CommitmentKept": (("commitment", "str"), ("kept_on", "str")),
    "CommitmentBroken": (("commitment", "str"), ("assessed_on", "str")),
    "IncidentRecorded": (
        ("incident", "str"),
        ("parties", "json"),
        ("occurred_on", "str"),
        ("severity", "int"),
        ("tracks", "json"),
    ),
}

Rows = Mapping[str, Sequence[tuple[Any, ...]]]


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


class TrustState:
    """Everything the trust figures are computed from, folded from the record."""

    def __init__(self, half_life_days: float) -> None:
        self.half_life = float(half_life_days)
        self.seq = 0
        self.version = 0
        self.last_day: int | None = None
        # actors and tracks: indices grow as codes appear
        self.actor_codes: list[str] = []
        self.actor_index: dict[str, int] = {}
        self.actor_kind: dict[str, str] = {}
        self.membership: list[tuple[int, int, int]] = []  # day, actor, ±1
        self.observers: set[str] = set()
        self.track_codes: list[str] = []
        self.track_index: dict[str, int] = {}
        self.track_category: dict[str, str] = {}
        self.track_added: list[tuple[int, int]] = []  # (seq, day) per track index
        self.track_closed: dict[int, int] = {}  # track index -> day
        self.amendments: list[tuple[int, dict[str, Any]]] = []  # effective day
        # meetings, as arrays
        self.meeting_index: dict[str, int] = {}
        self.meeting_ids: list[str] = []
        self.m_info = _Grow(np.int64, 6)  # seq, day, rank, layer, status, held
        self.m_tracks: list[tuple[int, ...]] = []
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
            self.track_added.append((1 << 62, 1 << 30))  # unknown until added
        return index

    def _fit_arrays(self) -> None:
        a, k = self.n_actors, self.n_tracks
        _, a0, _, k0 = self.acc.shape
        if a > a0 or k > k0:
            acc = np.zeros((len(KINDS), a, a, k))
            acc[:, :a0, :a0, :k0] = self.acc
            self.acc = acc
            adopted = np.zeros((2, a, a, k))
            adopted[:, :a0, :a0, :k0] = self.adopted
            self.adopted = adopted
        m = len(self.meeting_ids)
        for grid in (self.attended, self.absent, self.confirmed):
            grid.ensure(m, a)
            grid.rows = m

    def tracks_in_force(self, day: int, seq: int) -> tuple[int, ...]:
        """Tracks on the agenda on ``day`` by what the record said before ``seq``."""
        return tuple(
            t
            for t, (added_seq, added_day) in enumerate(self.track_added)
            if added_seq < seq
            and added_day <= day
            and self.track_closed.get(t, 1 << 30) > day
        )

    def participants_on(self, day: int) -> list[str]:
        """Codes of participants on ``day`` (joined and not withdrawn by then)."""
        status: dict[int, int] = {}
        for d, actor, delta in sorted(self.membership):
            if d <= day:
                status[actor] = delta
        return sorted(self.actor_codes[a] for a, s in status.items() if s > 0)

    # -- applying a batch ---------------------------------------------------

    def apply(self, rows: Rows, last_seq: int) -> None:
        """Fold a batch of extracted rows (all events after ``self.seq``)."""
        touched_ids = self._meetings_touched(rows)
        old_meetings = self._meeting_contribution(self._meeting_rows(touched_ids), -1.0)
        self._apply_registry(rows)
        self._apply_meetings(rows)
        self._apply_documents(rows)
        self._apply_projects(rows)
        self._apply_incidents(rows)
        self._fit_arrays()
        if old_meetings is not None:
            self._add(old_meetings)
        new = self._meeting_contribution(self._meeting_rows(touched_ids), 1.0)
        if new is not None:
            self._add(new)
        self.seq = max(self.seq, last_seq)
        self.version += 1
        latest = [max(r[1] for r in found) for found in rows.values() if found]
        if latest:
            day = day_number(max(latest))
            if self.last_day is None or day > self.last_day:
                self.last_day = day

    def _add(self, contribution: tuple[IntArray, FloatArray]) -> None:
        kinds, values = contribution
        a, _, k = values.shape[1:]
        for index, kind in enumerate(kinds):
            self.acc[kind, :a, :a, :k] += values[index]

    def _meeting_rows(self, ids: set[str]) -> IntArray:
        known = [self.meeting_index[m] for m in ids if m in self.meeting_index]
        return np.array(sorted(known), dtype=np.int64)

    def _meetings_touched(self, rows: Rows) -> set[str]:
        ids: set[str] = set()
        for type_ in (
            "MeetingConvened",
            "MeetingHeld",
            "MeetingCancelled",
            "AttendanceConfirmed",
            "AttendanceRecorded",
        ):
            ids.update(row[2] for row in rows.get(type_, ()))
        return ids

    def _apply_registry(self, rows: Rows) -> None:
        for _seq, _at, code, kind in rows.get("ActorRegistered", ()):
            self.actor(code)
            self.actor_kind[code] = kind
        for _seq, _at, code, on in rows.get("ActorJoined", ()):
            self.membership.append((day_number(on), self.actor(code), 1))
        for _seq, _at, code, on in rows.get("ActorWithdrew", ()):
            self.membership.append((day_number(on), self.actor(code), -1))
        for _seq, _at, code in rows.get("ObserverAdmitted", ()):
            self.actor(code)
            self.observers.add(code)
        for seq, _at, code, category, on in rows.get("TrackAdded", ()):
            index = self.track(code)
            self.track_category[code] = category
            if self.track_added[index][0] > seq:
                self.track_added[index] = (seq, day_number(on))
        for _seq, _at, code, on in rows.get("TrackClosed", ()):
            self.track_closed[self.track(code)] = day_number(on)
        for _seq, _at, changes, on in rows.get("RulesAmended", ()):
            self.amendments.append((day_number(on), json.loads(changes)))

    def _apply_meetings(self, rows: Rows) -> None:
        convened = rows.get("MeetingConvened", ())
        for seq, _at, meeting, rank, layer, tracks, starts in convened:
            if meeting in self.meeting_index:
                continue
            index = len(self.meeting_ids)
            self.meeting_index[meeting] = index
            self.meeting_ids.append(meeting)
            self.m_tracks.append(tuple(self.track(t) for t in _json_list(tracks)))
            self.m_info.ensure(index + 1, 6)
            self.m_info.data[index] = (
                seq,
                day_number(starts),
                RANKS.index(rank),
                LAYERS.index(layer),
                0,
                0,
            )
            self.m_info.rows = index + 1
        info = self.m_info.data
        for _seq, _at, meeting, held in rows.get("MeetingHeld", ()):
            found = self.meeting_index.get(meeting)
            if found is not None:
                info[found, 1] = day_number(held)
                info[found, 5] = 1
        for _seq, _at, meeting in rows.get("MeetingCancelled", ()):
            found = self.meeting_index.get(meeting)
            if found is not None:
                info[found, 4] = 1
        for code in {
            r[3]
            for t in ("AttendanceConfirmed", "AttendanceRecorded")
            for r in rows.get(t, ())
        }:
            self.actor(code)
        self._fit_arrays()
        self._set_cells(self.confirmed, rows.get("AttendanceConfirmed", ()), None)
        recorded = rows.get("AttendanceRecorded", ())
        self._set_cells(self.attended, recorded, True)
        self._set_cells(self.absent, recorded, False)

    def _set_cells(
        self,
        grid: _Grow,
        rows: Sequence[tuple[Any, ...]],
        attended: bool | None,
    ) -> None:
        """Set grid[meeting, actor] from rows, the last row for a cell winning."""
        known = [r for r in rows if r[2] in self.meeting_index]
        if not known:
            return
        m = np.fromiter((self.meeting_index[r[2]] for r in known), np.int64, len(known))
        a = np.fromiter((self.actor_index[r[3]] for r in known), np.int64, len(known))
        if attended is None:
            grid.data[m, a] = True
            return
        value = np.fromiter((bool(r[4]) for r in known), np.bool_, len(known))
        cell = m * (self.n_actors + 1) + a
        _, last = np.unique(cell[::-1], return_index=True)
        last = len(cell) - 1 - last
        grid.data[m[last], a[last]] = value[last] if attended else ~value[last]

    def _meeting_contribution(
        self, meetings: IntArray, sign: float
    ) -> tuple[IntArray, FloatArray] | None:
        """Evidence of ``meetings`` (co-attendance and no-shows), per kind."""
        if meetings.size == 0 or self.n_actors == 0 or self.n_tracks == 0:
            return None
        info = self.m_info.data[meetings]
        live = info[:, 4] == 0
        meetings, info = meetings[live], info[live]
        if meetings.size == 0:
            return None
        spread = self.meeting_spread(meetings)
        weight = sign * np.exp2(info[:, 1] / self.half_life)
        attended = self.attended.data[meetings].astype(np.float64)
        no_show = (self.confirmed.data[meetings] & self.absent.data[meetings]).astype(
            np.float64
        )
        a, k = self.n_actors, self.n_tracks
        kinds = info[:, 2] * len(LAYERS) + info[:, 3]
        out_kinds: list[int] = []
        out: list[FloatArray] = []
        by_track = attended[:, :, None] * spread[:, None, :]  # (m, a, k)
        for kind in np.unique(kinds):
            pick = kinds == kind
            left = attended[pick] * weight[pick, None]
            right = by_track[pick].reshape(int(pick.sum()), a * k)
            out_kinds.append(int(kind))
            out.append((left.T @ right).reshape(a, a, k))
        if no_show.any():
            right = (no_show[:, :, None] * spread[:, None, :]).reshape(
                len(meetings), a * k
            )
            left = attended * weight[:, None]
            out_kinds.append(KIND_INDEX["no_show"])
            out.append((left.T @ right).reshape(a, a, k))
        values = np.stack(out)
        idx = np.arange(a)
        values[:, idx, idx, :] = 0.0
        return np.array(out_kinds, dtype=np.int64), values

    def meeting_spread(self, meetings: IntArray) -> FloatArray:
        """Each meeting's share per track: its tracks, or all in force, evenly."""
        info = self.m_info.data[meetings]
        spread = np.zeros((len(meetings), self.n_tracks))
        for row, m in enumerate(meetings):
            tracks = self.m_tracks[m] or self.tracks_in_force(
                int(info[row, 1]), int(info[row, 0])
            )
            if tracks:
                spread[row, list(tracks)] = 1.0 / len(tracks)
        return spread

    # -- other evidence, per entity -----------------------------------------

    def _replace_source(self, key: str, source: Source | None) -> None:
        old = self.sources.pop(key, None)
        if old is not None:
            self._source_into(old, -1.0)
        if source is not None:
            self.sources[key] = source
            self._source_into(source, 1.0)

    def _source_into(self, source: Source, sign: float) -> None:
        self._fit_arrays()
        kind = KIND_INDEX[source.kind]
        weight = sign * source.amount * float(np.exp2(source.day / self.half_life))
        frm = np.array(source.frm, dtype=np.int64)
        to = np.array(source.to, dtype=np.int64)
        if frm.size == 0 or to.size == 0:
            return
        pair = np.ones((frm.size, to.size))
        pair[frm[:, None] == to[None, :]] = 0.0
        adopted = {"recognition": 0, "vision": 1}.get(source.kind)
        for track, share in source.spread:
            cells = np.ix_(frm, to, np.array([track], dtype=np.int64))
            self.acc[kind][cells] += (weight * share * pair)[:, :, None]
            if adopted is not None:
                self.adopted[adopted][cells] += (sign * pair)[:, :, None]

    def _spread(
        self, tracks: Iterable[int], day: int, seq: int
    ) -> tuple[tuple[int, float], ...]:
        chosen = tuple(sorted(set(tracks))) or self.tracks_in_force(day, seq)
        return tuple((t, 1.0 / len(chosen)) for t in chosen)

    def _apply_documents(self, rows: Rows) -> None:
        for _seq, _at, document, kind, tracks in rows.get("DocumentIssued", ()):
            self.documents[document] = (
                kind,
                tuple(self.track(t) for t in _json_list(tracks)),
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
            day = day_number(adopted_on)
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
        for seq, _at, project, tracks, founders in rows.get("ProjectLaunched", ()):
            state = self.projects.setdefault(project, _Project())
            state.tracks.append((seq, tuple(self.track(t) for t in _json_list(tracks))))
            for code in _json_list(founders):
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
                (seq, tuple(self.track(t) for t in _json_list(tracks)))
            )
        for seq, _at, project, on in rows.get("ProjectCompleted", ()):
            completed = self.projects.get(project)
            if completed is None:
                continue
            day = day_number(on)
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
                day = day_number(on)
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
            day = day_number(on)
            members = tuple(sorted({self.actor(c) for c in _json_list(parties)}))
            key = f"incident:{incident}"
            self._replace_source(
                key,
                Source(
                    "incident",
                    day,
                    float(severity),
                    self._spread((self.track(t) for t in _json_list(tracks)), day, seq),
                    members,
                    members,
                    (seq,),
                    f"incident {incident} (severity {severity})",
                ),
            )
