"""Evidence other than meetings, as the record gives it (DESIGN §5.1):
adopted recognition and vision documents, completed projects, commitments
kept and broken, incidents.

Each becomes a :class:`Source` kept under a key (the decision, project,
commitment or incident it comes from), so that a later event can replace or
withdraw it: an undone adoption, an incident recorded anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from napci.domain.trust.evidence import Evidence
from napci.domain.trust.kinds import Source, json_list
from napci.domain.trust.roster import Roster
from napci.domain.trust.rows import Rows

__all__ = ["Sources"]


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


class Sources:
    """What the record said of documents, proposals, projects and
    commitments, kept to turn later events into :class:`Source` items."""

    def __init__(self, roster: Roster, evidence: Evidence) -> None:
        self._roster = roster
        self._evidence = evidence
        self.documents: dict[str, tuple[str, tuple[int, ...]]] = {}
        self.proposals: dict[str, tuple[str | None, str | None]] = {}
        self.projects: dict[str, _Project] = {}
        self.commitments: dict[str, tuple[str, int]] = {}

    def apply(self, rows: Rows) -> None:
        """Fold the batch's documents, projects and incidents."""
        self._documents(rows)
        self._projects(rows)
        self._incidents(rows)

    def _documents(self, rows: Rows) -> None:
        roster, replace = self._roster, self._evidence.replace_source
        for _seq, _at, document, kind, tracks in rows.get("DocumentIssued", ()):
            self.documents[document] = (kind, roster.track_list(tracks))
        for _seq, _at, proposal, kind, document in rows.get("ProposalTabled", ()):
            self.proposals[proposal] = (kind, document)
        for seq, _at, proposal, adopted_on, joined in rows.get("DecisionAdopted", ()):
            kind, document = self.proposals.get(proposal, (None, None))
            if kind != "adopt-document" or document not in self.documents:
                continue
            doc_kind, doc_tracks = self.documents[document]
            if doc_kind not in ("recognition", "vision"):
                continue
            day = roster.day(adopted_on)
            members = tuple(sorted({roster.actor(c) for c in json_list(joined)}))
            tracks = () if doc_kind == "vision" else doc_tracks
            replace(
                f"decision:{proposal}",
                Source(
                    kind=doc_kind,
                    day=day,
                    amount=1.0,
                    spread=roster.spread(tracks, day, seq),
                    frm=members,
                    to=members,
                    seqs=(seq,),
                    label=f"{doc_kind} document {document} adopted ({proposal})",
                ),
            )
        for _seq, _at, proposal in rows.get("ProvisionalAdoptionUndone", ()):
            replace(f"decision:{proposal}", None)

    def _project(self, project: str) -> _Project:
        return self.projects.setdefault(project, _Project())

    def _projects(self, rows: Rows) -> None:
        roster, replace = self._roster, self._evidence.replace_source
        for seq, _at, project, tracks, founders, invited in rows.get(
            "ProjectLaunched", ()
        ):
            state = self._project(project)
            state.tracks.append((seq, roster.track_list(tracks)))
            # Founders invited, not yet acting, become members by joining.
            pending = set(json_list(invited))
            for code in json_list(founders):
                if code not in pending:
                    state.membership.append((seq, roster.actor(code), 1))
        for seq, _at, project, code in rows.get("ProjectJoined", ()):
            self._project(project).membership.append((seq, roster.actor(code), 1))
        for seq, _at, project, code in rows.get("ProjectLeft", ()):
            self._project(project).membership.append((seq, roster.actor(code), -1))
        for seq, _at, project, tracks in rows.get("ProjectScopeWidened", ()):
            self._project(project).tracks.append((seq, roster.track_list(tracks)))
        for seq, _at, project, on in rows.get("ProjectCompleted", ()):
            completed = self.projects.get(project)
            if completed is None:
                continue
            day = roster.day(on)
            members = tuple(completed.members_at(seq))
            replace(
                f"project:{project}",
                Source(
                    "project_completed",
                    day,
                    1.0,
                    roster.spread(completed.tracks_at(seq), day, seq),
                    members,
                    members,
                    (seq,),
                    f"project {project} completed",
                ),
            )
        for _seq, _at, commitment, project, code in rows.get("CommitmentMade", ()):
            self.commitments[commitment] = (project, roster.actor(code))
        for type_, kind in (
            ("CommitmentKept", "commitment_kept"),
            ("CommitmentBroken", "commitment_broken"),
        ):
            for seq, _at, commitment, on in rows.get(type_, ()):
                if commitment not in self.commitments:
                    continue
                project, actor = self.commitments[commitment]
                state = self._project(project)
                day = roster.day(on)
                others = tuple(m for m in state.members_at(seq) if m != actor)
                replace(
                    f"commitment:{commitment}",
                    Source(
                        kind,
                        day,
                        1.0,
                        roster.spread(state.tracks_at(seq), day, seq),
                        others,
                        (actor,),
                        (seq,),
                        f"commitment {commitment} ({project}) "
                        f"{'kept' if kind == 'commitment_kept' else 'broken'}",
                    ),
                )

    def _incidents(self, rows: Rows) -> None:
        roster, replace = self._roster, self._evidence.replace_source
        for seq, _at, incident, parties, on, severity, tracks in rows.get(
            "IncidentRecorded", ()
        ):
            day = roster.day(on)
            members = tuple(sorted({roster.actor(c) for c in json_list(parties)}))
            replace(
                f"incident:{incident}",
                Source(
                    "incident",
                    day,
                    float(severity),
                    roster.spread(roster.track_list(tracks), day, seq),
                    members,
                    members,
                    (seq,),
                    f"incident {incident} (severity {severity})",
                ),
            )
