"""The road-map phase the record meets, and the three objectives (DESIGN §6).

Pure: given the registry as the record stood on a date, the regional trust
index on that date (and a year before), and the rules in force, it says which
criteria are met, with the evidence for each and what is missing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from napci.domain.registry import Registry
from napci.domain.rules_of_procedure import Rules

__all__ = [
    "PHASES",
    "Criterion",
    "Objectives",
    "PhaseCheck",
    "Roadmap",
    "assess",
]

PHASES: dict[int, str] = {
    1: "gain support",
    2: "accumulate practice",
    3: "solid framework",
    4: "beyond: a multilateral security consultation body",
}


@dataclass(frozen=True, slots=True)
class Criterion:
    """One criterion of a phase: met or not, the evidence, what is missing."""

    name: str
    met: bool
    required: str
    observed: str
    evidence: tuple[str, ...] = ()
    missing: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "name": self.name,
            "met": self.met,
            "required": self.required,
            "observed": self.observed,
            "evidence": list(self.evidence),
            "missing": self.missing,
        }


@dataclass(frozen=True, slots=True)
class PhaseCheck:
    """A phase and its checklist."""

    phase: int
    name: str
    criteria: tuple[Criterion, ...]

    @property
    def met(self) -> bool:
        """Whether every criterion is met."""
        return all(c.met for c in self.criteria)

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "phase": self.phase,
            "name": self.name,
            "met": self.met,
            "criteria": [c.as_dict() for c in self.criteria],
        }


@dataclass(frozen=True, slots=True)
class Objectives:
    """Indicators of the three objectives (DESIGN §6.2)."""

    habit: dict[str, Any]
    foundation: dict[str, Any]
    dprk: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "habit_of_cooperation": self.habit,
            "foundation_for_peace": self.foundation,
            "dprk_engagement": self.dprk,
        }


@dataclass(frozen=True, slots=True)
class Roadmap:
    """The assessment of the record on a date."""

    as_of: date
    phase: int  # 0 when not even phase 1 is met
    checks: tuple[PhaseCheck, ...]
    objectives: Objectives
    declared: int | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "as_of": self.as_of.isoformat(),
            "phase": self.phase,
            "phase_name": PHASES.get(self.phase, "not yet at phase 1"),
            "declared_phase": self.declared,
            "phases": [c.as_dict() for c in self.checks],
            "objectives": self.objectives.as_dict(),
        }


def _held(registry: Registry, as_of: date) -> list[Any]:
    return sorted(
        (
            m
            for m in registry.meetings.values()
            if m.status == "held" and m.starts_on <= as_of
        ),
        key=lambda m: (m.starts_on, m.meeting),
    )


def _phase1(registry: Registry, as_of: date, rules: Rules) -> PhaseCheck:
    facilitators = {c for c, a in registry.actors.items() if "facilitator" in a.roles}
    partners = {
        c
        for c, a in registry.actors.items()
        if a.kind == "state" and a.prospective_participant and c not in facilitators
    }
    organisations = {c for c, a in registry.actors.items() if a.kind == "organisation"}
    first: dict[str, Any] = {}
    for support in registry.supports:
        if support.on <= as_of and support.code not in first:
            first[support.code] = support
    states = sorted(c for c in first if c in partners)
    orgs = sorted(c for c in first if c in organisations)
    need_states = rules.whole("roadmap.support_states")
    need_orgs = rules.whole("roadmap.support_organisations")

    def evidence(codes: list[str]) -> tuple[str, ...]:
        return tuple(
            f"{c}: support expressed {first[c].on.isoformat()} (seq {first[c].seq}"
            + (f", at {first[c].occasion})" if first[c].occasion else ")")
            for c in codes
        )

    silent = sorted(partners - set(states))
    return PhaseCheck(
        1,
        PHASES[1],
        (
            Criterion(
                "support from partner states",
                len(states) >= need_states,
                f">= {need_states} of the {len(partners)} partner states",
                f"{len(states)}: {', '.join(states) or 'none'}",
                evidence(states),
                None
                if len(states) >= need_states
                else f"{need_states - len(states)} more of {', '.join(silent)}",
            ),
            Criterion(
                "support from regional organisations",
                len(orgs) >= need_orgs,
                f">= {need_orgs} regional organisation(s)",
                f"{len(orgs)}: {', '.join(orgs) or 'none'}",
                evidence(orgs),
                None if len(orgs) >= need_orgs else "support from ASEAN or the EU",
            ),
        ),
    )


def _participants_on(registry: Registry, day: date) -> set[str]:
    return {
        c
        for c, a in registry.actors.items()
        if a.joined_on is not None
        and a.joined_on <= day
        and (a.withdrew_on is None or a.withdrew_on > day)
    }


def _phase2(registry: Registry, as_of: date, rules: Rules) -> PhaseCheck:
    window = rules.whole("roadmap.practice_window_days")
    need_tracks = rules.whole("roadmap.practice_tracks")
    need_people = rules.whole("roadmap.practice_participants")
    since = as_of - timedelta(days=window)
    soft = sorted(
        c for c, t in registry.tracks.items() if t.category == "soft" and t.open
    )
    best: dict[str, tuple[int, Any]] = {}
    for meeting in _held(registry, as_of):
        if meeting.starts_on <= since:
            continue
        present = meeting.attended & _participants_on(registry, meeting.starts_on)
        for track in meeting.tracks:
            if track in soft and len(present) > best.get(track, (-1, None))[0]:
                best[track] = (len(present), meeting)
    met = sorted(t for t, (n, _) in best.items() if n >= need_people)
    evidence = tuple(
        f"{t}: {best[t][1].meeting} on {best[t][1].starts_on.isoformat()} with "
        f"{best[t][0]} participants"
        for t in sorted(best)
    )
    short = [t for t in soft if t not in met]
    missing = None
    if len(met) < need_tracks:
        detail = "; ".join(
            f"{t}: best {best[t][0]} participant(s)" if t in best else f"{t}: none"
            for t in short
        )
        missing = (
            f"{need_tracks - len(met)} more soft track(s) meeting with >= "
            f"{need_people} participants since {since.isoformat()} ({detail})"
        )
    return PhaseCheck(
        2,
        PHASES[2],
        (
            Criterion(
                "soft tracks meeting regularly",
                len(met) >= need_tracks,
                f">= {need_tracks} soft tracks each with a meeting of >= "
                f"{need_people} participants in the last {window} days",
                f"{len(met)}: {', '.join(met) or 'none'}",
                evidence,
                missing,
            ),
        ),
    )


def _phase3(
    registry: Registry, as_of: date, rules: Rules, trust: float | None
) -> PhaseCheck:
    need_tracks = rules.whole("roadmap.framework_tracks")
    need_trust = rules.number("roadmap.framework_trust")
    by_year: dict[int, set[str]] = defaultdict(set)
    for meeting in _held(registry, as_of):
        by_year[meeting.starts_on.year].update(meeting.tracks)
    years = sorted(
        (
            (y, by_year[y] & by_year.get(y + 1, set()))
            for y in by_year
            if y + 1 <= as_of.year
        ),
        key=lambda item: (len(item[1]), item[0]),
    )
    best_year, best_tracks = years[-1] if years else (None, set())
    tracks_met = len(best_tracks) >= need_tracks
    visions = []
    for decision in registry.decisions.values():
        if decision.kind != "adopt-document" or decision.outcome != "adopted":
            continue
        if decision.decided_on is None or decision.decided_on > as_of:
            continue
        document = registry.documents.get(decision.subject.get("document", ""))
        if document is None or document.get("kind") != "vision":
            continue
        everyone = _participants_on(registry, decision.decided_on)
        if everyone <= set(decision.joined):
            visions.append(decision)
    trust_met = trust is not None and trust >= need_trust
    return PhaseCheck(
        3,
        PHASES[3],
        (
            Criterion(
                "tracks meeting two years running",
                tracks_met,
                f">= {need_tracks} tracks that met in each of two consecutive years",
                f"{len(best_tracks)}"
                + (f" in {best_year}-{best_year + 1}" if best_year else ""),
                tuple(sorted(best_tracks)),
                None
                if tracks_met
                else f"{need_tracks - len(best_tracks)} more track(s) meeting in "
                "each of two consecutive years",
            ),
            Criterion(
                "a common vision adopted by all participants",
                bool(visions),
                "a vision document adopted by consensus of all participants",
                f"{len(visions)} adopted",
                tuple(
                    f"{d.proposal}: {d.subject.get('document')} adopted "
                    f"{d.decided_on} (seq {d.decided_seq})"
                    for d in visions
                ),
                None if visions else "a vision document adopted by all participants",
            ),
            Criterion(
                "regional trust",
                trust_met,
                f"regional trust index >= {need_trust}",
                "undefined (fewer than two participants)"
                if trust is None
                else f"{trust:.3f}",
                (),
                None
                if trust_met
                else f"regional trust {need_trust} (now "
                + ("undefined" if trust is None else f"{trust:.3f}")
                + ")",
            ),
        ),
    )


def _phase4(registry: Registry, as_of: date) -> PhaseCheck:
    hard = sorted(
        c
        for c, t in registry.tracks.items()
        if t.category == "hard" and t.decision is not None and t.added_on <= as_of
    )
    return PhaseCheck(
        4,
        PHASES[4],
        (
            Criterion(
                "a hard track added by consensus",
                bool(hard),
                "a traditional-security track added by consensus",
                ", ".join(hard) or "none",
                tuple(hard),
                None if hard else "a hard track added by a consensus decision",
            ),
        ),
    )


def _objectives(
    registry: Registry,
    as_of: date,
    phase: int,
    trust: float | None,
    trust_year_ago: float | None,
) -> Objectives:
    held = _held(registry, as_of)
    year_ago = as_of - timedelta(days=365)
    habit: dict[str, Any] = {}
    for code in sorted(registry.tracks):
        meetings = [m for m in held if code in m.tracks]
        per_year: dict[str, int] = defaultdict(int)
        for meeting in meetings:
            per_year[str(meeting.starts_on.year)] += 1
        quarters = {
            (m.starts_on.year, (m.starts_on.month - 1) // 3)
            for m in meetings
            if m.starts_on > year_ago
        }
        attended = sum(len(m.attended) for m in meetings)
        absent = sum(len(m.absent) for m in meetings)
        habit[code] = {
            "meetings_last_12_months": sum(
                1 for m in meetings if m.starts_on > year_ago
            ),
            "meetings_per_year": dict(sorted(per_year.items())),
            "regularity": round(min(len(quarters), 4) / 4, 3),
            "attendance_rate": None
            if attended + absent == 0
            else round(attended / (attended + absent), 3),
        }
    dprk = registry.actors.get("PRK")
    dprk_meetings = [m.meeting for m in held if "PRK" in m.attended]
    foundation = {
        "regional_trust_index": None if trust is None else round(trust, 6),
        "trend_12_months": None
        if trust is None or trust_year_ago is None
        else round(trust - trust_year_ago, 6),
        "phase": phase,
    }
    return Objectives(
        habit=habit,
        foundation=foundation,
        dprk={
            "status": None if dprk is None else dprk.status,
            "invited_on": None
            if dprk is None or dprk.invited_on is None
            else dprk.invited_on.isoformat(),
            "meetings_attended": dprk_meetings,
            "projects_joined": sorted(
                p.project for p in registry.projects.values() if "PRK" in p.members
            ),
        },
    )


def assess(
    registry: Registry,
    as_of: date,
    rules: Rules,
    trust: float | None,
    trust_year_ago: float | None = None,
) -> Roadmap:
    """The phase the record meets on ``as_of``, with its checklist."""
    checks = (
        _phase1(registry, as_of, rules),
        _phase2(registry, as_of, rules),
        _phase3(registry, as_of, rules, trust),
        _phase4(registry, as_of),
    )
    phase = 0
    for check in checks:
        if not check.met:
            break
        phase = check.phase
    declared = None
    for decision in registry.decisions.values():
        if (
            decision.kind == "declare-phase"
            and decision.outcome == "adopted"
            and decision.decided_on is not None
            and decision.decided_on <= as_of
        ):
            declared = max(declared or 0, int(decision.subject["phase"]))
    return Roadmap(
        as_of=as_of,
        phase=phase,
        checks=checks,
        objectives=_objectives(registry, as_of, phase, trust, trust_year_ago),
        declared=declared,
    )
