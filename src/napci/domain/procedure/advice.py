"""Complementing existing mechanisms, and ownership (DESIGN §4.5, §4.6).

The overlap adviser: before a forum or project is created on an issue, list
the mechanisms that already cover it, with their member overlap, and say
whether to revitalise one, widen one (the TRM to TRM+ pattern) or create a
new process (the cyberspace pattern), with the reasoning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from napci.domain.procedure.base import Refusal
from napci.domain.procedure.consensus import participants_on
from napci.domain.registry import MechanismView, Registry

__all__ = ["Advice", "advise", "next_host", "ownership"]


@dataclass(frozen=True, slots=True)
class Advice:
    """The adviser's recommendation and its reasoning."""

    track: str
    members: tuple[str, ...]
    action: str  # revitalise | widen | create-new
    mechanism: str | None
    reasoning: tuple[str, ...]
    candidates: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "track": self.track,
            "members": list(self.members),
            "recommendation": self.action,
            "mechanism": self.mechanism,
            "reasoning": list(self.reasoning),
            "candidates": list(self.candidates),
        }


def _candidate(m: MechanismView, members: set[str]) -> dict[str, Any]:
    shared = sorted(members & m.members)
    return {
        "mechanism": m.mechanism,
        "acronym": m.acronym,
        "members": sorted(m.members),
        "shared": shared,
        "missing": sorted(members - m.members),
        "overlap": round(len(shared) / len(members), 3) if members else 0.0,
        "widens": m.widens,
    }


def advise(reg: Registry, track: str, members: tuple[str, ...]) -> Advice:
    """Recommend revitalising, widening or creating, with the reasoning."""
    if track not in reg.tracks:
        raise Refusal(
            "known-track",
            f"{track} is not a track on the agenda",
            f"On the agenda: {', '.join(sorted(reg.tracks))}.",
        )
    for code in members:
        if code not in reg.actors:
            raise Refusal(
                "registry",
                f"{code} is not in the registry",
                f"Known actors: {', '.join(sorted(reg.actors))}.",
            )
    wanted = set(members)
    covering = sorted(
        (m for m in reg.mechanisms.values() if track in m.tracks),
        key=lambda m: m.mechanism,
    )
    candidates = tuple(
        sorted(
            (_candidate(m, wanted) for m in covering),
            key=lambda c: (-c["overlap"], c["widens"] is not None, c["mechanism"]),
        )
    )
    reasoning: list[str] = []
    if not candidates:
        reasoning.append(
            f"No mechanism in the registry covers {track}: there is nothing to "
            "revitalise or widen."
        )
        reasoning.append(
            "Principle 3: where no mechanism exists, create a new process of "
            "dialogue and cooperation (the cyberspace pattern)."
        )
        return Advice(track, members, "create-new", None, tuple(reasoning), ())
    for c in candidates:
        reasoning.append(
            f"{c['acronym']} covers {track}; it shares {len(c['shared'])} of the "
            f"{len(wanted)} members ({', '.join(c['shared']) or 'none'})"
            + (f", lacks {', '.join(c['missing'])}" if c["missing"] else "")
            + (f"; it widens {c['widens'].upper()}" if c["widens"] else "")
            + "."
        )
    bases = [c for c in candidates if c["widens"] is None]
    best = bases[0] if bases else candidates[0]
    if not best["missing"]:
        reasoning.append(
            f"{best['acronym']} already has every member: revitalise it rather than "
            "create a parallel forum (principle 3)."
        )
        return Advice(
            track,
            members,
            "revitalise",
            best["mechanism"],
            tuple(reasoning),
            candidates,
        )
    widening = [
        c for c in candidates if c["widens"] == best["mechanism"] and not c["missing"]
    ]
    text = (
        f"{best['acronym']} has the core ({', '.join(best['shared'])}): widen it "
        f"with {', '.join(best['missing'])} (the TRM to TRM+ pattern)"
    )
    if widening:
        text += f"; {widening[0]['acronym']} already does so and can carry the work"
    reasoning.append(text + ".")
    return Advice(
        track, members, "widen", best["mechanism"], tuple(reasoning), candidates
    )


def _gini(values: list[float]) -> float:
    if not values or sum(values) == 0:
        return 0.0
    ordered = sorted(values)
    n = len(ordered)
    cumulative = sum((i + 1) * v for i, v in enumerate(ordered))
    return (2 * cumulative) / (n * sum(ordered)) - (n + 1) / n


def ownership(reg: Registry, on: date) -> dict[str, Any]:
    """Shares of hosting, chairing and initiatives; the index is 1 - Gini."""
    participants = sorted(participants_on(reg, on))
    shares = {
        code: {"hosted": 0, "chaired": 0, "initiatives": 0} for code in participants
    }
    for meeting in reg.meetings.values():
        if meeting.status != "held" or meeting.starts_on > on:
            continue
        if meeting.host in shares:
            shares[meeting.host]["hosted"] += 1
        if meeting.chair in shares:
            shares[meeting.chair]["chaired"] += 1
    for code, count in reg.initiatives.items():
        if code in shares:
            shares[code]["initiatives"] += count
    totals = [float(sum(s.values())) for s in shares.values()]
    return {
        "as_of": on.isoformat(),
        "index": round(1.0 - _gini(totals), 6) if any(totals) else None,
        "shares": shares,
    }


def next_host(
    reg: Registry, on: date, willing: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """The willing participant who hosted least recently (never first)."""
    participants = participants_on(reg, on)
    candidates = sorted(participants if not willing else set(willing) & participants)
    if not candidates:
        raise Refusal(
            "ownership",
            "no willing participant to host",
            "Name as willing one or more of the participants on that day: "
            f"{', '.join(sorted(participants)) or 'none'}.",
        )
    last: dict[str, date] = {}
    for meeting in reg.meetings.values():
        if meeting.status == "held" and meeting.host in participants:
            host = str(meeting.host)
            if host not in last or meeting.starts_on > last[host]:
                last[host] = meeting.starts_on
    ordered = sorted(candidates, key=lambda c: (c in last, last.get(c, date.min), c))
    return {
        "suggested": ordered[0],
        "last_hosted": {c: last[c].isoformat() if c in last else None for c in ordered},
    }
