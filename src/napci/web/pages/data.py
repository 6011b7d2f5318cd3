"""The data of every page: the JSON twin the template renders.

Each ``*_data`` function returns JSON-native data (dicts, lists, strings,
numbers, booleans, None) built from the read models as the user may see
them. Expensive parts are cached per ledger head and clearance.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, timedelta
from typing import Any

from napci.domain.envelope import RecordedEvent, format_timestamp
from napci.domain.procedure import Refusal, advise
from napci.domain.procedure.consensus import participants_on
from napci.domain.process import DecisionView
from napci.domain.registry import Registry
from napci.domain.rules_of_procedure import LAYERS, RANKS
from napci.domain.trust.figures import LADDER, TrustFigures, evaluate
from napci.domain.trust.state import TrustState
from napci.web.pages import attendance
from napci.web.pages.common import Page
from napci.web.problems import Problem
from napci.web.state import WebState

__all__ = [
    "KINDS_TABLED",
    "POSITIONS",
    "countdown",
    "dashboard_data",
    "explain_data",
    "ledger_data",
    "login_data",
    "mechanisms_data",
    "meeting_data",
    "meetings_data",
    "projects_data",
    "proposal_data",
    "proposals_data",
    "regional_trend",
    "tracks_data",
    "trust_data",
]

POSITIONS = ("support", "no-objection", "objection", "amendment")
#: Proposal kinds the pages' form tables (the others: CLI and API).
KINDS_TABLED = ("add-track", "adopt-document", "admit-observer")
#: The seven states of Northeast Asia the initiative begins with.
NEA_STATES = ("KOR", "JPN", "CHN", "RUS", "PRK", "MNG", "USA")


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _names(registry: Registry) -> dict[str, dict[str, str]]:
    return {code: dict(actor.name) for code, actor in registry.actors.items()}


def _track_names(registry: Registry) -> dict[str, dict[str, str]]:
    return {code: dict(track.name) for code, track in registry.tracks.items()}


# -- regional trust over time -------------------------------------------------


def _quarter_ends(first: date, today: date) -> list[date]:
    days = []
    year, quarter = first.year, (first.month - 1) // 3
    while True:
        month = 3 * quarter + 3
        end = (
            date(year, 12, 31)
            if month == 12
            else date(year, month + 1, 1) - timedelta(days=1)
        )
        if end >= today:
            break
        days.append(end)
        quarter += 1
        if quarter == 4:
            year, quarter = year + 1, 0
    days.append(today)
    return days


def regional_trend(
    state: WebState, clearance: tuple[str, ...], today: date
) -> list[dict[str, Any]]:
    """The regional trust index at the end of each quarter, and today.

    Each point is :meth:`TrustService.figures` on its day; a day with no
    event since the previous point reuses that point's fold (the same events
    folded), evaluated on the later day.
    """
    trust = state.trust(clearance)
    stamps = sorted(
        event.occurred_at
        for event in state.platform.ledger.iter_events()
        if event.classification in clearance
    )
    if not stamps:
        return []
    first = date.fromisoformat(stamps[0][:10])
    points: list[dict[str, Any]] = []
    folded: TrustState | None = None
    included = -1
    for day in _quarter_ends(first, max(today, first)):
        count = bisect_left(stamps, format_timestamp(day + timedelta(days=1)))
        if count == 0:
            points.append({"date": day.isoformat(), "value": None})
            continue
        if folded is None or count != included:
            folded, _ = trust.state_as_of(day)
            included = count
        if folded.half_life_moved(day):
            folded, _ = trust.state_as_of(day)
        figures = evaluate(folded, day, folded.rules_on(day))
        points.append(
            {"date": day.isoformat(), "value": _round(figures.regional_index)}
        )
    return points


# -- the dashboard ------------------------------------------------------------


def dashboard_data(page: Page) -> dict[str, Any]:
    """The road-map checklist, regional trust over time, the objectives."""
    clearance = page.clearance
    state = page.state
    today = page.today

    def read(registry: Registry) -> dict[str, Any]:
        roadmap = state.status(None, clearance).as_dict()
        rules = registry.rules_on(today)
        index = roadmap["objectives"]["foundation_for_peace"]["regional_trust_index"]
        return {
            "as_of": roadmap["as_of"],
            "phase": roadmap["phase"],
            "phase_name": roadmap["phase_name"],
            "declared_phase": roadmap["declared_phase"],
            "phases": roadmap["phases"],
            "objectives": roadmap["objectives"],
            "regional_trust_index": index,
            "trust_deficit": None if index is None else round(1 - index, 6),
            "thresholds": {
                "base_rate": rules.number("trust.base_rate"),
                "framework_trust": rules.number("roadmap.framework_trust"),
                "hard_track_trust": rules.number("procedure.hard_track_trust"),
            },
            "trend": [],
            "counts": {
                "participants": len(registry.participants()),
                "observers": len(registry.observers()),
                "tracks": sum(1 for t in registry.tracks.values() if t.open),
                "meetings_held": sum(
                    1 for m in registry.meetings.values() if m.status == "held"
                ),
                "proposals_open": sum(
                    1 for d in registry.decisions.values() if not d.closed
                ),
                "projects_active": sum(
                    1 for p in registry.projects.values() if p.status == "active"
                ),
            },
            "tracks": _track_names(registry),
            "names": _names(registry),
        }

    def compute() -> dict[str, Any]:
        data = state.read(clearance, read)
        data["trend"] = regional_trend(state, clearance, today)
        return data

    body: dict[str, Any] = state.cached(("page:dashboard", clearance), compute).body
    # The signed-in delegation's own reports to acknowledge (rule 0): not cached.
    mine = page.locked(lambda: attendance.to_acknowledge(page, page.registry()))
    return {**body, "to_acknowledge": mine}


# -- trust --------------------------------------------------------------------


def _members(
    registry: Registry, figures: TrustFigures
) -> tuple[list[str], dict[str, str]]:
    """Participants, invited states and observers: the process's members."""
    kinds: dict[str, str] = {}
    for code in figures.actors:
        actor = registry.actors.get(code)
        if actor is None:
            continue
        if actor.status == "participant":
            kinds[code] = "participant"
        elif actor.status == "invited":
            kinds[code] = "invited"
        elif "observer" in actor.roles:
            kinds[code] = "observer"
    order = {"participant": 0, "invited": 1, "observer": 2}
    codes = sorted(kinds, key=lambda c: (order[kinds[c]], c))
    return codes, kinds


def trust_data(page: Page, as_of: date | None, track: str | None) -> dict[str, Any]:
    """Heat maps per track, the network of pairs, the ladder."""
    clearance = page.clearance
    state = page.state

    def compute() -> dict[str, Any]:
        figures = state.trust(clearance).figures(as_of)
        if track is not None and track not in figures.tracks:
            raise Problem(
                422,
                "Invalid request",
                f"unknown track {track!r}; on the agenda: {', '.join(figures.tracks)}",
            )
        if as_of is None:
            registry, (codes, kinds), names, track_names = state.read(
                clearance,
                lambda r: (r, _members(r, figures), _names(r), _track_names(r)),
            )
        else:
            registry = state.platform.registry(as_of, clearance=clearance)
            codes, kinds = _members(registry, figures)
            names, track_names = _names(registry), _track_names(registry)
        index = [figures.index_of(c) for c in codes]

        def grid(k: int | None) -> list[list[float | None]]:
            out: list[list[float | None]] = []
            for i in index:
                row: list[float | None] = []
                for j in index:
                    if i == j:
                        row.append(None)
                    elif k is None:
                        row.append(_round(float(figures.symmetric[i, j])))
                    else:
                        row.append(_round(float(figures.symmetric_track[i, j, k])))
                out.append(row)
            return out

        selected = None if track is None else figures.tracks.index(track)
        heatmaps = [{"track": None, "matrix": grid(None)}] + [
            {"track": t, "matrix": grid(k)} for k, t in enumerate(figures.tracks)
        ]
        ladder: list[dict[str, Any]] = []
        for n, a in enumerate(codes):
            for b in codes[n + 1 :]:
                i, j = figures.index_of(a), figures.index_of(b)
                steps = {
                    t: int(figures.ladder[i, j, k])
                    for k, t in enumerate(figures.tracks)
                }
                ladder.append(
                    {
                        "pair": [a, b],
                        "steps": steps,
                        "top": max(steps.values(), default=0),
                    }
                )
        members = set(figures.participants)
        ladder.sort(
            key=lambda row: (-row["top"], not members >= set(row["pair"]), row["pair"])
        )
        base = registry.rules_on(figures.as_of).number("trust.base_rate")
        return {
            "as_of": figures.as_of.isoformat(),
            "track": track,
            "tracks": list(figures.tracks),
            "track_names": track_names,
            "codes": codes,
            "kinds": kinds,
            "names": {c: names[c] for c in codes},
            "regional_trust_index": _round(figures.regional_index),
            "trust_deficit": _round(figures.deficit),
            "participants": list(figures.participants),
            "base_rate": base,
            "standing": {c: round(v, 6) for c, v in sorted(figures.standing.items())},
            "matrix": grid(selected),
            "heatmaps": heatmaps,
            "ladder": ladder,
            "ladder_steps": list(LADDER),
        }

    key = ("page:trust", clearance, _iso(as_of), track)
    body: dict[str, Any] = state.cached(key, compute).body
    return body


def explain_data(
    page: Page, a: str | None, b: str | None, track: str | None, as_of: date | None
) -> dict[str, Any]:
    """Every item of evidence behind a pair's trust."""
    trust = page.state.trust(page.clearance)
    registry = page.registry()
    figures = trust.figures(as_of)
    codes, _ = _members(registry, figures)
    data: dict[str, Any] = {
        "as_of": figures.as_of.isoformat(),
        "a": a,
        "b": b,
        "track": track,
        "codes": codes,
        "actors": list(figures.actors),
        "tracks": list(figures.tracks),
        "names": _names(registry),
        "track_names": _track_names(registry),
        "figures": None,
        "evidence": [],
        "totals": None,
    }
    if not a or not b:
        return data
    a, b = a.upper(), b.upper()
    data["a"], data["b"] = a, b
    figures, items = trust.explain(a, b, track=track, as_of=as_of)
    pair = figures.pair(a, b)
    evidence = [item.as_dict() for item in items]
    totals = {
        "positive": round(
            sum(e["effective"] for e in evidence if e["polarity"] == "positive"), 6
        ),
        "negative": round(
            sum(e["effective"] for e in evidence if e["polarity"] == "negative"), 6
        ),
    }
    data.update(
        {
            "figures": {
                "trust": pair["trust"],
                "forward": pair[f"{a}->{b}"],
                "backward": pair[f"{b}->{a}"],
                "base_rate": pair["base_rate"],
                "tracks": {
                    t: {
                        "trust": v["trust"],
                        "ladder": v["ladder"],
                        "ladder_step": v["ladder_step"],
                        "forward": v[f"{a}->{b}"],
                        "backward": v[f"{b}->{a}"],
                    }
                    for t, v in pair["tracks"].items()
                },
            },
            "evidence": evidence,
            "totals": totals,
        }
    )
    return data


# -- tracks -------------------------------------------------------------------


def tracks_data(page: Page) -> dict[str, Any]:
    """The agenda: each track with its meetings, mechanisms, projects."""
    dashboard = dashboard_data(page)
    registry = page.registry()
    habit = dashboard["objectives"]["habit_of_cooperation"]
    rows = []
    for code, track in registry.tracks.items():
        held = sorted(
            (
                m
                for m in registry.meetings.values()
                if code in m.tracks and m.status == "held"
            ),
            key=lambda m: m.starts_on,
        )
        rows.append(
            {
                **track.as_dict(),
                "meetings_held": len(held),
                "last_meeting": None
                if not held
                else {
                    "meeting": held[-1].meeting,
                    "on": held[-1].starts_on.isoformat(),
                },
                "habit": habit.get(code),
                "mechanisms": sorted(
                    m.acronym for m in registry.mechanisms.values() if code in m.tracks
                ),
                "projects": sorted(
                    p.project for p in registry.projects.values() if code in p.tracks
                ),
                "open_proposals": sorted(
                    d.proposal
                    for d in registry.decisions.values()
                    if not d.closed and code in d.tracks
                ),
            }
        )
    thresholds = dashboard["thresholds"]
    rules = registry.rules_on(page.today)
    return {
        "tracks": rows,
        "gate": {
            "phase": dashboard["phase"],
            "regional_trust_index": dashboard["regional_trust_index"],
            "hard_track_phase": rules.whole("procedure.hard_track_phase"),
            "hard_track_trust": thresholds["hard_track_trust"],
        },
    }


# -- meetings -----------------------------------------------------------------


def _actor_rows(registry: Registry) -> list[dict[str, Any]]:
    order = {"participant": 0, "invited": 1, "registered": 2, "withdrawn": 3}
    actors = sorted(
        registry.actors.values(),
        key=lambda a: (order.get(a.status, 9), "observer" not in a.roles, a.code),
    )
    return [
        {
            "code": a.code,
            "kind": a.kind,
            "status": a.status,
            "observer": "observer" in a.roles,
        }
        for a in actors
    ]


def meetings_data(page: Page) -> dict[str, Any]:
    """Every meeting, newest first; the timeline's lanes; the forms."""
    registry = page.registry()
    meetings = sorted(
        (m.as_dict() for m in registry.meetings.values()),
        key=lambda m: (m["starts_on"], m["meeting"]),
        reverse=True,
    )
    forms = []
    if page.secretariat:
        forms.append("convene")
    return {
        "meetings": meetings,
        "lanes": [*registry.tracks, ""],
        "tracks": [c for c, t in registry.tracks.items() if t.open],
        "track_names": _track_names(registry),
        "names": _names(registry),
        "ranks": list(RANKS),
        "layers": list(LAYERS),
        "actors": _actor_rows(registry),
        "forms": forms,
    }


def meeting_data(page: Page, meeting: str) -> dict[str, Any]:
    """One meeting: attendance, proposals tabled at it, the forms."""
    registry = page.registry()
    view = registry.meetings.get(meeting)
    if view is None:
        raise Problem(404, "Not Found", f"meeting {meeting} is not in the record")
    forms = []
    actor = page.actor
    if actor is not None and actor in {page.facilitator(), view.host, view.chair}:
        if view.status != "cancelled":
            forms.append("attendance")
        if view.status == "convened":
            forms.append("held")
    mine = attendance.acknowledging(page)
    if mine is not None and mine in view.pending() and view.status != "cancelled":
        forms.append("acknowledge")
    return {
        "meeting": view.as_dict(),
        "to_acknowledge": attendance.to_acknowledge(page, registry),
        "reported": dict(sorted(view.reported.items())),
        "proposals": sorted(
            (
                {"proposal": d.proposal, "title": d.title, "outcome": d.outcome}
                for d in registry.decisions.values()
                if d.meeting == meeting
            ),
            key=lambda p: p["proposal"],
        ),
        "actors": _actor_rows(registry),
        "names": _names(registry),
        "track_names": _track_names(registry),
        "forms": forms,
    }


# -- proposals ----------------------------------------------------------------


def countdown(deadline: date | None, today: date) -> dict[str, Any] | None:
    """Days left to a silence deadline (the silence ends as the day ends, UTC)."""
    if deadline is None:
        return None
    ends = deadline + timedelta(days=1)
    return {
        "deadline": deadline.isoformat(),
        "ends_at": ends.isoformat() + "T00:00:00Z",
        "days_left": max(0, (deadline - today).days),
        "passed": today > deadline,
    }


def _proposal_row(decision: DecisionView, today: date) -> dict[str, Any]:
    row = decision.as_dict()
    row["countdown"] = (
        countdown(decision.silence_deadline, today)
        if decision.outcome == "open"
        else None
    )
    return row


def proposals_data(page: Page) -> dict[str, Any]:
    """Every proposal and its outcome; what the tabling form offers."""
    registry = page.registry()
    today = page.today
    rows = sorted(
        (_proposal_row(d, today) for d in registry.decisions.values()),
        key=lambda r: (r["outcome"] != "open", r["tabled_on"], r["proposal"]),
        reverse=False,
    )
    adopted_documents = {
        d.subject.get("document")
        for d in registry.decisions.values()
        if d.kind == "adopt-document" and d.outcome in ("adopted", "provisional")
    }
    documents = sorted(
        (
            {"document": doc["document"], "kind": doc["kind"], "title": doc["title"]}
            for doc in registry.documents.values()
            if doc["kind"] in ("recognition", "vision")
            and doc["document"] not in adopted_documents
        ),
        key=lambda d: d["document"],
    )
    candidates = sorted(
        code
        for code, a in registry.actors.items()
        if "observer" not in a.roles
        and not (a.kind == "state" and a.status == "participant")
    )
    forms = []
    actor = page.actor
    full = page.full_registry()
    if actor is not None and actor in participants_on(full, today):
        forms.append("table")
    if actor is not None and (
        full.actors.get(actor) is not None
        and (
            full.actors[actor].status == "participant"
            or "observer" in full.actors[actor].roles
        )
    ):
        forms.append("issue")
    return {
        "proposals": rows,
        "kinds": list(KINDS_TABLED),
        "meetings": [
            {
                "meeting": m.meeting,
                "title": m.title,
                "status": m.status,
                "starts_on": m.starts_on.isoformat(),
            }
            for m in sorted(
                registry.meetings.values(), key=lambda m: m.starts_on, reverse=True
            )
            if m.status != "cancelled"
        ],
        "tracks": [c for c, t in registry.tracks.items() if t.open],
        "track_names": _track_names(registry),
        "documents": documents,
        "observer_candidates": candidates,
        "names": _names(registry),
        "forms": forms,
    }


def proposal_data(page: Page, proposal: str) -> dict[str, Any]:
    """One proposal: positions, outcome, who joined; the silence countdown."""
    registry = page.registry()
    decision = registry.decisions.get(proposal)
    if decision is None:
        raise Problem(404, "Not Found", f"proposal {proposal} is not in the record")
    today = page.today
    full = page.full_registry()
    meeting = (
        None if decision.meeting is None else registry.meetings.get(decision.meeting)
    )
    on = decision.decided_on or today
    if decision.kind == "widen-project":
        project = registry.projects.get(str(decision.subject.get("project", "")))
        deciders = sorted(project.members) if project is not None else []
    else:
        deciders = sorted(participants_on(registry, on))
    positions = decision.positions
    strip = []
    for code in deciders:
        position = positions.get(code)
        strip.append(
            {
                "code": code,
                "position": None if position is None else position.position,
                "attended": None if meeting is None else code in meeting.attended,
                "joined": code in decision.joined,
            }
        )
    observers = [
        {"code": c, "position": p.position}
        for c, p in sorted(positions.items())
        if c not in deciders
    ]
    blocking = sorted(
        c
        for c in deciders
        if positions.get(c) and positions[c].position in ("objection", "amendment")
    )
    forms = []
    actor = page.actor
    chair = None if meeting is None else meeting.chair
    if actor is not None and not decision.closed:
        me = full.actors.get(actor)
        provisional_ok = (
            decision.outcome != "provisional" or actor in decision.provisional_for
        )
        if (
            me is not None
            and provisional_ok
            and (actor in deciders or "observer" in me.roles)
        ):
            forms.append("position")
        facilitator = page.facilitator()
        if (
            decision.outcome == "open"
            and decision.silence_deadline is None
            and actor in {facilitator, decision.tabled_by}
        ):
            forms.append("silence")
        if actor in {facilitator, chair} - {None}:
            forms.append("decide")
    subject = dict(decision.subject)
    document = None
    if decision.kind == "adopt-document":
        found = registry.documents.get(str(subject.get("document", "")))
        if found is not None:
            document = {
                "document": found["document"],
                "kind": found["kind"],
                "title": found["title"],
                "text": found.get("text"),
            }
    return {
        "proposal": _proposal_row(decision, today),
        "meeting": None if meeting is None else meeting.as_dict(),
        "deciders": strip,
        "observers": observers,
        "blocking": blocking,
        "document": document,
        "names": _names(registry),
        "track_names": _track_names(registry),
        "positions_allowed": list(POSITIONS),
        "silence_default": (
            today + timedelta(days=full.rules_on(today).whole("procedure.silence_days"))
        ).isoformat(),
        "my_position": None
        if actor is None or actor not in positions
        else positions[actor].position,
        "forms": forms,
    }


# -- projects -----------------------------------------------------------------


def projects_data(page: Page) -> dict[str, Any]:
    """Projects with their members and commitments."""
    registry = page.registry()
    today = page.today
    projects = []
    for view in sorted(
        registry.projects.values(), key=lambda p: (p.launched_on, p.project)
    ):
        row = view.as_dict()
        row["commitments"] = sorted(
            (
                c.as_dict()
                for c in registry.commitments.values()
                if c.project == view.project
            ),
            key=lambda c: (c["due_on"], c["commitment"]),
        )
        projects.append(row)
    actor = page.actor
    full = page.full_registry()
    participants = sorted(participants_on(full, today))
    forms = []
    mine: list[str] = []
    joinable: list[str] = []
    fulfillable: list[str] = []
    if actor is not None:
        facilitator = page.facilitator()
        if actor in participants or actor == facilitator:
            forms.append("launch")
        for p in full.projects.values():
            if p.status != "active":
                continue
            if actor in p.members:
                mine.append(p.project)
            elif actor in participants:
                joinable.append(p.project)
        fulfillable = sorted(
            c.commitment
            for c in full.commitments.values()
            if c.status == "open" and (c.code == actor or actor == facilitator)
        )
        if joinable:
            forms.append("join")
        if mine:
            forms.append("commit")
        if fulfillable:
            forms.append("fulfil")
    return {
        "projects": projects,
        "today": today.isoformat(),
        "participants": participants,
        "tracks": [c for c, t in registry.tracks.items() if t.open],
        "track_names": _track_names(registry),
        "names": _names(registry),
        "partners": sorted(
            c for c, a in registry.actors.items() if a.status != "participant"
        ),
        "my_projects": sorted(mine),
        "joinable": sorted(joinable),
        "fulfillable": fulfillable,
        "forms": forms,
    }


# -- mechanisms ---------------------------------------------------------------


def mechanisms_data(
    page: Page, track: str | None, members: list[str]
) -> dict[str, Any]:
    """The brochure's comparison table from the registry, and the adviser."""
    registry = page.registry()
    participants = registry.participants()
    open_tracks = [c for c, t in registry.tracks.items() if t.open]
    napci = {
        "mechanism": "napci",
        "acronym": "NAPCI",
        "kind": "process",
        "agenda": open_tracks,
        "members": participants,
        "member_count": len(participants),
        "observers": registry.observers(),
    }
    mechanisms = [m.as_dict() for m in registry.mechanisms.values()]
    states = [c for c in NEA_STATES if c in registry.actors]
    advice = None
    problem = None
    chosen = [m.strip().upper() for m in members if m.strip()]
    if track:
        try:
            advice = advise(registry, track, tuple(chosen)).as_dict()
        except Refusal as exc:
            problem = {"rule": exc.rule, "reason": exc.reason, "remedy": exc.remedy}
    return {
        "napci": napci,
        "mechanisms": mechanisms,
        "states": states,
        "tracks": open_tracks,
        "track_names": _track_names(registry),
        "names": _names(registry),
        "actors": [a["code"] for a in _actor_rows(registry)],
        "query": {"track": track, "members": chosen},
        "advice": advice,
        "advice_refused": problem,
    }


# -- the ledger ---------------------------------------------------------------


def _event_row(event: RecordedEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "id": event.id,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "actor": event.actor,
        "principal": event.principal,
        "classification": event.classification,
        "hash": event.hash,
        "prev_hash": event.prev_hash,
        "signed": event.signature is not None,
        "signer": event.signer,
    }


def ledger_data(
    page: Page, before: int | None, after: int | None, limit: int
) -> dict[str, Any]:
    """A page of the log (newest first) and the chain's verification."""
    state = page.state
    head_seq, head_hash = state.head()
    clearance = set(page.clearance)
    ledger = state.platform.ledger
    items: list[RecordedEvent] = []
    if after is not None:
        for event in ledger.iter_events(after=after, batch=limit * 4 + 16):
            if event.classification in clearance:
                items.append(event)
                if len(items) > limit:
                    break
        more_newer = len(items) > limit
        items = items[:limit]
        items.reverse()
        newer = items[0].seq if more_newer and items else None
        older = items[-1].seq if items and items[-1].seq > 1 else None
    else:
        upper = head_seq if before is None else min(head_seq, before - 1)
        window = limit * 2
        lower = upper
        while lower > 0 and len(items) <= limit:
            start = max(0, lower - window)
            chunk = [
                e
                for e in ledger.iter_events(after=start, upto=lower)
                if e.classification in clearance
            ]
            items = chunk + items
            lower = start
            window *= 2
        items.reverse()
        more_older = len(items) > limit
        items = items[:limit]
        older = items[-1].seq if more_older and items else None
        newer = items[0].seq if items and items[0].seq < head_seq else None
    state.integrity.check_tail(head_seq, head_hash)
    report = state.integrity.report()
    return {
        "head": {"seq": head_seq, "hash": head_hash},
        "verification": report,
        "events": [_event_row(e) for e in items],
        "limit": limit,
        "older": older,
        "newer": newer,
        "classifications": sorted(clearance),
    }


def login_data(page: Page, next_url: str = "/") -> dict[str, Any]:
    """Who is signed in, and where to go after signing in."""
    principal = page.principal
    if not next_url.startswith("/") or next_url.startswith("//"):
        next_url = "/"
    return {
        "next": next_url,
        "user": None
        if principal.role is None
        else {"name": principal.name, "role": principal.role, "actor": principal.actor},
    }
