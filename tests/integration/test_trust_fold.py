"""The trust fold over a real ledger (DESIGN §5), on SQLite and PostgreSQL.

* a synthetic record whose every figure is worked out by hand below;
* incremental folding (the service's snapshot plus the tail) equals a full
  replay, for random event streams appended in random chunks;
* as-of dates: later events are ignored, dates before the record and unknown
  names are refused with messages that say what is known;
* rules of procedure amended on a date change the figures from that date on.
"""

from __future__ import annotations

import gc
import itertools
import json
import math
import select
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from db_helpers import migrated
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from napci.adapters.db import SqlLedger, make_engine
from napci.adapters.db import extract as extract_module
from napci.adapters.db import recent as recent_module
from napci.adapters.db.extract import (
    TAIL_STATEMENT,
    TINY_TAIL,
    extract_batch,
    extract_tail,
    read_tail,
)
from napci.adapters.db.recent import listen, recent_appends
from napci.domain.events import (
    ActorJoined,
    ActorRegistered,
    ActorWithdrew,
    AdoptDocument,
    AttendanceAcknowledged,
    AttendanceConfirmed,
    AttendanceRecorded,
    CommitmentBroken,
    CommitmentKept,
    CommitmentMade,
    DecisionAdopted,
    DocumentIssued,
    Event,
    IncidentRecorded,
    MeetingCancelled,
    MeetingConvened,
    MeetingHeld,
    ProjectCompleted,
    ProjectJoined,
    ProjectLaunched,
    ProjectLeft,
    ProjectScopeWidened,
    ProposalTabled,
    ProvisionalAdoptionUndone,
    RulesAmended,
    TrackAdded,
    TrackClosed,
)
from napci.domain.rules_of_procedure import Rules
from napci.domain.trust.eigentrust import eigentrust
from napci.domain.trust.explain import ExplainItem
from napci.domain.trust.figures import TrustFigures, evaluate
from napci.domain.trust.operators import (
    averaging_fusion_arrays,
    opinions_from_evidence_arrays,
    projected_arrays,
)
from napci.domain.trust.rows import EXTRACT
from napci.domain.trust.state import TrustState
from napci.domain.values import Source
from napci.services.drafting import draft
from napci.services.trust import TrustError, TrustService

# --- building records ------------------------------------------------------------


def en(text: str) -> dict[str, str]:
    return {"en": text}


@dataclass
class Record:
    """Events with the day each occurred, in record order (seq = position + 1)."""

    events: list[tuple[date, Event]] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)

    def add(self, on: date, *events: Event, mark: str | None = None) -> None:
        if mark is not None:
            self.marks[mark] = len(self.events) + 1  # the first event's seq
        self.events.extend((on, e) for e in events)

    def drafts(self, start: int = 0, stop: int | None = None) -> list[Any]:
        return [
            draft(event, occurred_at=on, actor=None)
            for on, event in self.events[start:stop]
        ]


def register(*codes: str, kind: str = "state") -> list[Event]:
    return [ActorRegistered(code=c, name=en(c), kind=kind) for c in codes]


def joined(on: date, *codes: str) -> list[Event]:
    return [ActorJoined(code=c, joined_on=on) for c in codes]


def track(code: str, on: date) -> TrackAdded:
    return TrackAdded(code=code, name=en(code), category="soft", added_on=on)


def convened(
    meeting: str,
    on: date,
    *,
    tracks: Sequence[str] = (),
    rank: str = "working",
    layer: str = "track-1",
) -> MeetingConvened:
    return MeetingConvened(
        meeting=meeting,
        title=en(meeting),
        tracks=tuple(tracks),
        rank=rank,  # type: ignore[arg-type]
        layer=layer,  # type: ignore[arg-type]
        starts_on=on,
    )


def attended(meeting: str, *codes: str, present: bool = True) -> list[Event]:
    """Attendance that counts: each delegation's own word (rule 0)."""
    return [
        AttendanceRecorded(meeting=meeting, code=c, attended=present, acknowledged=True)
        for c in codes
    ]


def adopt_document(
    proposal: str,
    document: str,
    on: date,
    *,
    kind: str,
    tracks: Sequence[str] = (),
) -> list[Event]:
    return [
        DocumentIssued(
            document=document,
            kind=kind,  # type: ignore[arg-type]
            title=en(document),
            issued_on=on,
            tracks=tuple(tracks),
        ),
        ProposalTabled(
            proposal=proposal,
            title=en(proposal),
            subject=AdoptDocument(document=document),
            tabled_by="KOR",
            tabled_on=on,
        ),
    ]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated, empty ledger database (both backends)."""
    with migrated(db_url) as made:
        yield made


def append(engine: Engine, drafts: Sequence[Any]) -> None:
    SqlLedger(engine).append(drafts, principal="test")


# --- hand arithmetic ---------------------------------------------------------------


def opinion(r: float, s: float) -> tuple[float, float, float]:
    """(b, d, u) with the prior weight W = 2."""
    total = r + s + 2.0
    return r / total, s / total, 2.0 / total


def averaged(
    x: tuple[float, float, float], y: tuple[float, float, float]
) -> tuple[float, float, float]:
    """Averaging fusion of two opinions (neither dogmatic)."""
    (bx, dx, ux), (by, dy, uy) = x, y
    return (
        (bx * uy + by * ux) / (ux + uy),
        (dx * uy + dy * ux) / (ux + uy),
        2.0 * ux * uy / (ux + uy),
    )


def projected(o: tuple[float, float, float], a: float = 0.3) -> float:
    return o[0] + a * o[2]


# --- a. the synthetic record, worked out by hand -------------------------------------

T = date(2016, 1, 1)  # the as-of date of the worked example
ACTORS = ("KOR", "CHN", "JPN", "USA")
TRACKS = ("environment", "energy", "cyberspace")


def synthetic() -> Record:
    """Four states, three tracks, 2015: every kind of evidence once or twice."""
    rec = Record()
    d = date
    rec.add(d(2015, 1, 1), *register(*ACTORS))
    rec.add(d(2015, 1, 1), track("environment", d(2015, 1, 1)))
    rec.add(d(2015, 1, 1), track("energy", d(2015, 1, 1)))
    rec.add(d(2015, 1, 1), *joined(d(2015, 1, 1), *ACTORS))
    # m1: ministerial, Track 1, on environment; convened for the 10th, held on
    # the 12th (the date that counts); the USA confirmed and did not come.
    rec.add(
        d(2015, 2, 1),
        convened("m1", d(2015, 2, 10), tracks=["environment"], rank="ministerial"),
        mark="m1",
    )
    rec.add(
        d(2015, 2, 5),
        AttendanceConfirmed(meeting="m1", code="USA"),
        AttendanceConfirmed(meeting="m1", code="KOR"),
    )
    rec.add(
        d(2015, 2, 12),
        MeetingHeld(meeting="m1", held_on=d(2015, 2, 12)),
        *attended("m1", "KOR", "CHN", "JPN"),
        *attended("m1", "USA", present=False),
    )
    # m2: working, Track 1.5, no tracks: spread over environment and energy
    # (cyberspace is added later).
    rec.add(
        d(2015, 3, 1),
        convened("m2", d(2015, 3, 1), layer="track-1.5"),
        MeetingHeld(meeting="m2", held_on=d(2015, 3, 1)),
        *attended("m2", "KOR", "CHN", "USA"),
        mark="m2",
    )
    # m3: senior officials, Track 2, environment; Japan confirmed, was first
    # recorded present, then corrected to absent.
    rec.add(
        d(2015, 3, 20),
        convened(
            "m3",
            d(2015, 4, 1),
            tracks=["environment"],
            rank="senior-official",
            layer="track-2",
        ),
        AttendanceConfirmed(meeting="m3", code="JPN"),
        mark="m3",
    )
    rec.add(
        d(2015, 4, 1),
        MeetingHeld(meeting="m3", held_on=d(2015, 4, 1)),
        *attended("m3", "KOR", "CHN", "JPN"),
    )
    rec.add(d(2015, 4, 2), *attended("m3", "JPN", present=False))
    # a project on environment and energy; the USA is a member for a month.
    rec.add(
        d(2015, 5, 1),
        ProjectLaunched(
            project="proj-1",
            title=en("proj-1"),
            tracks=("environment", "energy"),
            founders=("KOR", "CHN", "JPN"),
            launched_on=d(2015, 5, 1),
        ),
    )
    rec.add(
        d(2015, 5, 15),
        ProjectJoined(
            project="proj-1",
            code="USA",
            joined_on=d(2015, 5, 15),
            consented_by=("KOR",),
        ),
    )
    for commitment, code, due in (
        ("c-chn", "CHN", d(2015, 10, 31)),
        ("c-jpn", "JPN", d(2015, 9, 30)),
    ):
        rec.add(
            d(2015, 5, 20),
            CommitmentMade(
                commitment=commitment,
                project="proj-1",
                code=code,
                description="deliver",
                made_on=d(2015, 5, 20),
                due_on=due,
            ),
        )
    rec.add(d(2015, 6, 1), track("cyberspace", d(2015, 6, 1)))
    rec.add(
        d(2015, 6, 15),
        ProjectLeft(project="proj-1", code="USA", left_on=d(2015, 6, 15)),
    )
    # m4 on cyberspace: attended, then cancelled: no evidence.
    rec.add(
        d(2015, 7, 1),
        convened("m4", d(2015, 7, 1), tracks=["cyberspace"], rank="summit"),
        *attended("m4", "KOR", "CHN"),
    )
    rec.add(d(2015, 7, 2), MeetingCancelled(meeting="m4", cancelled_on=d(2015, 7, 2)))
    # a recognition on energy, adopted by the three.
    rec.add(
        d(2015, 8, 1),
        *adopt_document(
            "p-rec", "doc-rec", d(2015, 8, 1), kind="recognition", tracks=["energy"]
        ),
    )
    rec.add(
        d(2015, 8, 15),
        DecisionAdopted(
            proposal="p-rec",
            adopted_on=d(2015, 8, 15),
            procedure="meeting",
            joined=("KOR", "CHN", "JPN"),
        ),
        mark="rec",
    )
    # a vision adopted provisionally by KOR and CHN, undone by Japan.
    rec.add(
        d(2015, 9, 1),
        *adopt_document("p-vis-1", "doc-vis-1", d(2015, 9, 1), kind="vision"),
        DecisionAdopted(
            proposal="p-vis-1",
            adopted_on=d(2015, 9, 1),
            procedure="meeting",
            joined=("KOR", "CHN"),
            provisional_for=("JPN",),
            provisional_until=d(2015, 9, 15),
        ),
    )
    rec.add(
        d(2015, 9, 10),
        ProvisionalAdoptionUndone(
            proposal="p-vis-1", undone_on=d(2015, 9, 10), objected_by=("JPN",)
        ),
    )
    # a vision adopted by KOR and JPN: spread over the three tracks in force.
    rec.add(
        d(2015, 10, 1),
        *adopt_document("p-vis-2", "doc-vis-2", d(2015, 10, 1), kind="vision"),
        DecisionAdopted(
            proposal="p-vis-2",
            adopted_on=d(2015, 10, 1),
            procedure="meeting",
            joined=("KOR", "JPN"),
        ),
    )
    rec.add(
        d(2015, 10, 15),
        CommitmentKept(commitment="c-chn", kept_on=d(2015, 10, 15)),
        mark="kept",
    )
    rec.add(
        d(2015, 11, 1),
        CommitmentBroken(commitment="c-jpn", assessed_on=d(2015, 11, 1)),
        mark="broken",
    )
    rec.add(d(2015, 11, 15), ActorWithdrew(code="USA", withdrew_on=d(2015, 11, 15)))
    rec.add(
        d(2015, 12, 1),
        ProjectCompleted(project="proj-1", completed_on=d(2015, 12, 1)),
        mark="done",
    )
    rec.add(
        d(2015, 12, 10),
        IncidentRecorded(
            incident="inc-1",
            parties=("CHN", "JPN"),
            occurred_on=d(2015, 12, 10),
            severity=4,
            description="a collision at sea",
        ),
        mark="incident",
    )
    return rec


def expected_evidence() -> tuple[dict[tuple[str, str], list[float]], ...]:
    """r and s per ordered pair over (environment, energy, cyberspace), by hand."""
    # the ages of the evidence on 2016-01-01
    ages = {
        date(2015, 2, 12): 323,
        date(2015, 3, 1): 306,
        date(2015, 4, 1): 275,
        date(2015, 8, 15): 139,
        date(2015, 10, 1): 92,
        date(2015, 10, 15): 78,
        date(2015, 11, 1): 61,
        date(2015, 12, 1): 31,
        date(2015, 12, 10): 22,
    }
    for day, age in ages.items():
        assert (T - day).days == age
    # co-attendance: 0.25 x rank x layer, on the day the meeting was held
    co_m1 = 0.25 * 1.5 * 1.0 * 2 ** (-323 / 730)  # ministerial, Track 1
    co_m2 = 0.25 * 1.0 * 0.5 * 2 ** (-306 / 730) / 2  # working, Track 1.5, 2 tracks
    co_m3 = 0.25 * 1.25 * 0.25 * 2 ** (-275 / 730)  # senior officials, Track 2
    no_show_m1 = 0.5 * 2 ** (-323 / 730)
    no_show_m3 = 0.5 * 2 ** (-275 / 730)
    rec = 1.0 * 2 ** (-139 / 730)  # recognition on energy
    vis = 2.0 * 2 ** (-92 / 730) / 3  # vision over the three tracks in force
    kept = 2.0 * 2 ** (-78 / 730) / 2  # project on two tracks
    broken = 3.0 * 2 ** (-61 / 730) / 2
    done = 3.0 * 2 ** (-31 / 730) / 2
    inc = 4 * 1.0 * 2 ** (-22 / 730) / 3  # severity 4, three tracks in force
    r = {
        ("KOR", "CHN"): [
            co_m1 + co_m2 + co_m3 + kept + done,
            co_m2 + rec + kept + done,
            0,
        ],
        ("CHN", "KOR"): [co_m1 + co_m2 + co_m3 + done, co_m2 + rec + done, 0],
        ("KOR", "JPN"): [co_m1 + vis + done, rec + vis + done, vis],
        ("JPN", "KOR"): [co_m1 + vis + done, rec + vis + done, vis],
        ("CHN", "JPN"): [co_m1 + done, rec + done, 0],
        ("JPN", "CHN"): [co_m1 + kept + done, rec + kept + done, 0],
        ("KOR", "USA"): [co_m2, co_m2, 0],
        ("USA", "KOR"): [co_m2, co_m2, 0],
        ("CHN", "USA"): [co_m2, co_m2, 0],
        ("USA", "CHN"): [co_m2, co_m2, 0],
    }
    s = {
        ("KOR", "JPN"): [no_show_m3 + broken, broken, 0],
        ("CHN", "JPN"): [no_show_m3 + broken + inc, broken + inc, inc],
        ("JPN", "CHN"): [inc, inc, inc],
        ("KOR", "USA"): [no_show_m1, 0, 0],
        ("CHN", "USA"): [no_show_m1, 0, 0],
        ("JPN", "USA"): [no_show_m1, 0, 0],
    }
    return r, s


LADDER = {  # (environment, energy, cyberspace)
    ("KOR", "CHN"): (1, 2, 0),  # m1, m2, m3 on environment; the recognition
    ("KOR", "JPN"): (3, 3, 3),  # the vision (Japan was absent from m3)
    ("CHN", "JPN"): (0, 2, 0),  # one meeting together; the recognition
    ("KOR", "USA"): (0, 0, 0),  # only m2 (m1: the USA did not come)
    ("CHN", "USA"): (0, 0, 0),
    ("JPN", "USA"): (0, 0, 0),
}


def test_figures_of_the_synthetic_record_match_the_hand_arithmetic(
    engine: Engine,
) -> None:
    rec = synthetic()
    append(engine, rec.drafts())
    figures = TrustService(engine).figures(T)
    r_hand, s_hand = expected_evidence()

    assert figures.as_of == T
    assert figures.actors == ACTORS
    assert figures.tracks == TRACKS
    assert figures.participants == ("CHN", "JPN", "KOR")  # the USA withdrew
    ix = figures.index_of

    for a, b in itertools.permutations(ACTORS, 2):
        i, j = ix(a), ix(b)
        r = r_hand.get((a, b), [0.0, 0.0, 0.0])
        s = s_hand.get((a, b), [0.0, 0.0, 0.0])
        np.testing.assert_allclose(
            figures.r[i, j], r, rtol=1e-12, atol=1e-12, err_msg=f"r {a}->{b}"
        )
        np.testing.assert_allclose(
            figures.s[i, j], s, rtol=1e-12, atol=1e-12, err_msg=f"s {a}->{b}"
        )
        for k in range(len(TRACKS)):
            b_, d_, u_ = opinion(r[k], s[k])
            assert figures.belief[i, j, k] == pytest.approx(b_, abs=1e-12)
            assert figures.disbelief[i, j, k] == pytest.approx(d_, abs=1e-12)
            assert figures.uncertainty[i, j, k] == pytest.approx(u_, abs=1e-12)
            assert figures.projected[i, j, k] == pytest.approx(b_ + 0.3 * u_, abs=1e-12)
            back = opinion(
                r_hand.get((b, a), [0.0] * 3)[k], s_hand.get((b, a), [0.0] * 3)[k]
            )
            assert figures.symmetric_track[i, j, k] == pytest.approx(
                projected(averaged((b_, d_, u_), back)), abs=1e-12
            )
        # fused over tracks: the evidence summed; symmetric: the two directions
        forth = opinion(sum(r), sum(s))
        back = opinion(sum(r_hand.get((b, a), [0.0])), sum(s_hand.get((b, a), [0.0])))
        assert figures.directed[i, j] == pytest.approx(projected(forth), abs=1e-12)
        assert figures.symmetric[i, j] == pytest.approx(
            projected(averaged(forth, back)), abs=1e-12
        )
        assert figures.base_rate[i, j] == 0.3

    for (a, b), steps in LADDER.items():
        assert tuple(figures.ladder[ix(a), ix(b)]) == steps, (a, b)
        assert tuple(figures.ladder[ix(b), ix(a)]) == steps, (b, a)

    # the regional index: mean symmetric trust over the pairs of participants
    def sym(a: str, b: str) -> float:
        forth = opinion(sum(r_hand[(a, b)]), sum(s_hand.get((a, b), [0.0])))
        back = opinion(sum(r_hand[(b, a)]), sum(s_hand.get((b, a), [0.0])))
        return projected(averaged(forth, back))

    index = (sym("KOR", "CHN") + sym("KOR", "JPN") + sym("CHN", "JPN")) / 3
    assert figures.regional_index == pytest.approx(index, abs=1e-12)
    assert figures.deficit == pytest.approx(1 - index, abs=1e-12)
    assert set(figures.standing) == {"CHN", "JPN", "KOR"}
    assert sum(figures.standing.values()) == pytest.approx(1.0)

    # a few figures spelled out in full
    k_env = TRACKS.index("environment")
    s_kor_usa = 0.5 * 2 ** (-323 / 730)
    assert figures.s[ix("KOR"), ix("USA"), k_env] == pytest.approx(s_kor_usa)
    assert figures.uncertainty[ix("KOR"), ix("USA"), k_env] == pytest.approx(
        2 / (0.25 * 0.5 / 2 * 2 ** (-306 / 730) + s_kor_usa + 2)
    )
    assert figures.r[ix("JPN"), ix("KOR"), TRACKS.index("cyberspace")] == (
        pytest.approx(2 / 3 * 2 ** (-92 / 730))
    )

    # the JSON view carries the same numbers, rounded
    pair = figures.pair("KOR", "CHN")
    assert pair["trust"] == round(sym("KOR", "CHN"), 6)
    assert pair["tracks"]["energy"]["ladder_step"] == "common recognition"
    assert pair["tracks"]["environment"]["KOR->CHN"]["r"] == round(
        r_hand[("KOR", "CHN")][0], 6
    )


def sums(items: Sequence[ExplainItem], direction: str, polarity: str) -> list[float]:
    out = [0.0] * len(TRACKS)
    for item in items:
        if item.direction == direction and item.polarity == polarity:
            out[TRACKS.index(item.track)] += item.effective
    return out


def assert_items_add_up(
    figures: TrustFigures, items: Sequence[ExplainItem], a: str, b: str
) -> None:
    i, j = figures.index_of(a), figures.index_of(b)
    for frm, to, x, y in ((a, b, i, j), (b, a, j, i)):
        direction = f"{frm}->{to}"
        np.testing.assert_allclose(
            sums(items, direction, "positive"),
            figures.r[x, y],
            atol=1e-12,
            err_msg=f"positive evidence {direction}",
        )
        np.testing.assert_allclose(
            sums(items, direction, "negative"),
            figures.s[x, y],
            atol=1e-12,
            err_msg=f"negative evidence {direction}",
        )
    for item in items:
        assert item.age_days == (figures.as_of - item.day).days
        assert item.decay == pytest.approx(2 ** (-item.age_days / 730))
        assert item.effective == pytest.approx(item.weight * item.decay)


def test_explain_lists_every_item_behind_the_figures(engine: Engine) -> None:
    rec = synthetic()
    append(engine, rec.drafts())
    service = TrustService(engine)

    for a, b in itertools.combinations(ACTORS, 2):
        figures, items = service.explain(a, b, as_of=T)
        assert_items_add_up(figures, items, a, b)

    figures, items = service.explain("KOR", "CHN", as_of=T)
    kinds = sorted((i.kind, i.direction, i.track) for i in items)
    assert kinds == sorted(
        [
            ("co.ministerial.track-1", "KOR->CHN", "environment"),
            ("co.ministerial.track-1", "CHN->KOR", "environment"),
            ("co.working.track-1.5", "KOR->CHN", "environment"),
            ("co.working.track-1.5", "CHN->KOR", "environment"),
            ("co.working.track-1.5", "KOR->CHN", "energy"),
            ("co.working.track-1.5", "CHN->KOR", "energy"),
            ("co.senior-official.track-2", "KOR->CHN", "environment"),
            ("co.senior-official.track-2", "CHN->KOR", "environment"),
            ("recognition", "KOR->CHN", "energy"),
            ("recognition", "CHN->KOR", "energy"),
            ("commitment_kept", "KOR->CHN", "environment"),
            ("commitment_kept", "KOR->CHN", "energy"),
            ("project_completed", "KOR->CHN", "environment"),
            ("project_completed", "CHN->KOR", "environment"),
            ("project_completed", "KOR->CHN", "energy"),
            ("project_completed", "CHN->KOR", "energy"),
        ]
    ), "no evidence from the undone vision nor from the cancelled m4"
    assert all(item.polarity == "positive" for item in items)
    by_kind = {(i.kind, i.direction, i.track): i for i in items}
    m2 = by_kind[("co.working.track-1.5", "KOR->CHN", "energy")]
    assert m2.weight == pytest.approx(0.25 * 1.0 * 0.5 / 2)
    assert m2.day == date(2015, 3, 1)
    assert m2.age_days == 306
    assert m2.decay == pytest.approx(2 ** (-306 / 730))
    assert rec.marks["m2"] in m2.seqs
    recognition = by_kind[("recognition", "CHN->KOR", "energy")]
    assert recognition.seqs == (rec.marks["rec"],)
    assert recognition.weight == 1.0
    assert "doc-rec" in recognition.label
    kept = by_kind[("commitment_kept", "KOR->CHN", "environment")]
    assert kept.seqs == (rec.marks["kept"],)
    assert kept.weight == pytest.approx(2.0 / 2)
    assert "c-chn" in kept.label

    # one track only
    figures, items = service.explain("KOR", "JPN", track="cyberspace", as_of=T)
    assert sorted((i.kind, i.direction) for i in items) == [
        ("vision", "JPN->KOR"),
        ("vision", "KOR->JPN"),
    ]
    for item in items:
        assert item.track == "cyberspace"
        assert item.weight == pytest.approx(2.0 / 3)
        assert item.day == date(2015, 10, 1)

    # negative evidence: a no-show, a broken commitment, an incident
    figures, items = service.explain("CHN", "JPN", as_of=T)
    negative = sorted(
        (i.kind, i.direction, i.track) for i in items if i.polarity == "negative"
    )
    assert negative == sorted(
        [
            ("no_show", "CHN->JPN", "environment"),
            ("commitment_broken", "CHN->JPN", "environment"),
            ("commitment_broken", "CHN->JPN", "energy"),
            *(
                ("incident", direction, t)
                for direction in ("CHN->JPN", "JPN->CHN")
                for t in TRACKS
            ),
        ]
    )
    incident = next(i for i in items if i.kind == "incident")
    assert incident.seqs == (rec.marks["incident"],)
    assert incident.weight == pytest.approx(4 / 3)

    figures, items = service.explain("KOR", "USA", as_of=T)
    no_show = [i for i in items if i.kind == "no_show"]
    assert len(no_show) == 1
    assert no_show[0].direction == "KOR->USA"
    assert no_show[0].track == "environment"
    assert no_show[0].weight == 0.5
    assert no_show[0].day == date(2015, 2, 12)
    assert "USA" in no_show[0].label and "m1" in no_show[0].label
    assert rec.marks["m1"] in no_show[0].seqs


# --- c. as-of dates and refusals ----------------------------------------------------


def arrays(figures: TrustFigures) -> dict[str, Any]:
    return {
        "actors": figures.actors,
        "tracks": figures.tracks,
        "participants": figures.participants,
        "r": figures.r.tolist(),
        "s": figures.s.tolist(),
        "projected": figures.projected.tolist(),
        "symmetric": figures.symmetric.tolist(),
        "ladder": figures.ladder.tolist(),
        "regional": figures.regional_index,
    }


def test_events_after_the_as_of_date_change_nothing(engine: Engine) -> None:
    rec = synthetic()
    append(engine, rec.drafts())
    before = arrays(TrustService(engine).figures(T))

    later = Record()
    later.add(
        date(2016, 1, 2),
        convened("m5", date(2016, 1, 2), tracks=["environment"], rank="summit"),
        MeetingHeld(meeting="m5", held_on=date(2016, 1, 2)),
        *attended("m5", *ACTORS),
        track("disaster-relief", date(2016, 1, 2)),
        *register("RUS"),
        *joined(date(2016, 1, 2), "RUS", "USA"),
    )
    append(engine, later.drafts())
    service = TrustService(engine)
    assert arrays(service.figures(T)) == before

    after = service.figures(date(2016, 1, 2))
    assert "RUS" in after.actors and "disaster-relief" in after.tracks
    assert set(after.participants) == {"CHN", "JPN", "KOR", "RUS", "USA"}
    i, j = after.index_of("KOR"), after.index_of("USA")
    k = after.tracks.index("environment")
    assert after.r[i, j, k] - before["r"][i][j][k] * 2 ** (-1 / 730) == pytest.approx(
        0.25 * 2.0 * 1.0
    )
    # an as-of date in the middle of the record: the USA still took part
    mid = service.figures(date(2015, 11, 14))
    assert mid.participants == ("CHN", "JPN", "KOR", "USA")
    assert "cyberspace" in mid.tracks
    assert TrustService(engine).figures(date(2015, 5, 31)).tracks == (
        "environment",
        "energy",
    )


def test_a_date_before_the_first_event_is_refused(engine: Engine) -> None:
    rec = synthetic()
    append(engine, rec.drafts())
    service = TrustService(engine)
    with pytest.raises(TrustError, match="no event on or before 2014-12-31"):
        service.figures(date(2014, 12, 31))
    with pytest.raises(TrustError, match="no event on or before 2014-12-31"):
        service.explain("KOR", "CHN", as_of=date(2014, 12, 31))
    # the first day of the record is fine
    assert service.figures(date(2015, 1, 1)).participants == tuple(sorted(ACTORS))


def test_an_empty_record_is_refused(engine: Engine) -> None:
    with pytest.raises(TrustError, match="no event on or before 2015-01-01"):
        TrustService(engine).figures(date(2015, 1, 1))


def test_a_record_with_no_participant_yet_has_figures_of_no_one(
    engine: Engine,
) -> None:
    """Events before anyone has joined (a track added, an attendance of an
    actor not registered): figures with no one in them, today and again
    after one more event, not an error."""
    on = date(2015, 1, 1)
    append(engine, [draft(track("environment", on), occurred_at=on, actor=None)])
    service = TrustService(engine)
    for _ in range(2):
        figures = service.figures()
        assert figures.participants == () and figures.regional_index is None
        assert figures.symmetric.shape == (0, 0)
        append(
            engine,
            [
                draft(
                    AttendanceRecorded(
                        attended=True, code="KOR", meeting="m-1", acknowledged=True
                    ),
                    occurred_at=on,
                    actor=None,
                )
            ],
        )


def test_a_fold_leaves_the_garbage_collector_as_it_found_it(engine: Engine) -> None:
    """The collector is paused while a fold reads and folds (see
    ``_collector_paused``), and is as it was after, even if the read fails."""
    rec = synthetic()
    append(engine, rec.drafts(0, len(rec.events)))
    assert gc.isenabled()
    seen: list[bool] = []
    real_apply = TrustState.apply

    def spy(self: TrustState, *args: Any) -> None:
        seen.append(gc.isenabled())
        real_apply(self, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TrustState, "apply", spy)
        TrustService(engine).figures()
    assert seen == [False]
    assert gc.isenabled()

    def failing(self: TrustState, *args: Any) -> None:
        raise RuntimeError("the fold failed")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TrustState, "apply", failing)
        with pytest.raises(RuntimeError, match="the fold failed"):
            TrustService(engine).figures()
    assert gc.isenabled()
    gc.disable()
    try:
        TrustService(engine).figures()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_unknown_actors_and_tracks_are_refused_naming_the_known(
    engine: Engine,
) -> None:
    rec = synthetic()
    append(engine, rec.drafts())
    service = TrustService(engine)
    with pytest.raises(TrustError) as caught:
        service.explain("KOR", "XYZ", as_of=T)
    assert str(caught.value) == "unknown actor 'XYZ'; known: KOR, CHN, JPN, USA"
    with pytest.raises(TrustError, match=r"unknown actor 'ABC'; known: KOR, CHN"):
        service.explain("ABC", "KOR", as_of=T)
    with pytest.raises(TrustError) as caught:
        service.explain("KOR", "CHN", track="warfare", as_of=T)
    assert str(caught.value) == (
        "unknown track 'warfare'; on the agenda: environment, energy, cyberspace"
    )
    # a track not yet on the agenda on the date is unknown on that date
    with pytest.raises(
        TrustError, match=r"unknown track 'cyberspace'.*environment, energy$"
    ):
        service.explain("KOR", "CHN", track="cyberspace", as_of=date(2015, 5, 31))
    with pytest.raises(TrustError, match="two different actors"):
        service.explain("KOR", "KOR", as_of=T)


def test_a_meeting_among_fewer_than_eight_actors(engine: Engine) -> None:
    """The smallest record with evidence: two states at one meeting."""
    rec = Record()
    day = date(2015, 3, 1)
    rec.add(day, *register("KOR", "CHN"), track("environment", day))
    rec.add(
        day,
        convened("m1", day, tracks=["environment"]),
        MeetingHeld(meeting="m1", held_on=day),
        *attended("m1", "KOR", "CHN"),
    )
    append(engine, rec.drafts())
    figures = TrustService(engine).figures(day)
    assert figures.r[0, 1, 0] == figures.r[1, 0, 0] == pytest.approx(0.25)


def test_participants_follow_joins_and_withdrawals_in_record_order(
    engine: Engine,
) -> None:
    rec = Record()
    d = date
    rec.add(d(2015, 1, 1), *register("KOR", "CHN", "JPN"))
    rec.add(d(2015, 1, 1), *joined(d(2015, 1, 1), "KOR", "CHN", "JPN"))
    rec.add(d(2015, 2, 1), ActorWithdrew(code="CHN", withdrew_on=d(2015, 2, 1)))
    rec.add(d(2015, 3, 1), *joined(d(2015, 3, 1), "CHN"))
    # Japan joins and withdraws again the same day: the withdrawal is the last word
    rec.add(d(2015, 4, 1), *joined(d(2015, 4, 1), "JPN"))
    rec.add(d(2015, 4, 1), ActorWithdrew(code="JPN", withdrew_on=d(2015, 4, 1)))
    append(engine, rec.drafts())
    service = TrustService(engine)
    assert service.figures(d(2015, 1, 31)).participants == ("CHN", "JPN", "KOR")
    assert service.figures(d(2015, 2, 1)).participants == ("JPN", "KOR")
    assert service.figures(d(2015, 3, 1)).participants == ("CHN", "JPN", "KOR")
    assert service.figures(d(2015, 4, 1)).participants == ("CHN", "KOR")


def two_at_meetings(days: Sequence[date], start: date = date(2014, 1, 1)) -> Record:
    """KOR and CHN at a working meeting on environment on each of ``days``."""
    rec = Record()
    rec.add(start, *register("KOR", "CHN", "JPN"), track("environment", start))
    for n, day in enumerate(sorted(days)):
        name = f"m{n}"
        rec.add(
            day,
            convened(name, day, tracks=["environment"]),
            MeetingHeld(meeting=name, held_on=day),
            *attended(name, "KOR", "CHN"),
        )
    return rec


def ladder_on(service: TrustService, as_of: date) -> int:
    figures = service.figures(as_of)
    i, j = figures.index_of("KOR"), figures.index_of("CHN")
    k = figures.tracks.index("environment")
    assert figures.ladder[i, j, k] == figures.ladder[j, i, k]
    return int(figures.ladder[i, j, k])


def test_the_dialogue_step_counts_meetings_within_two_years(engine: Engine) -> None:
    a, b, c = date(2014, 1, 1), date(2014, 1, 11), date(2015, 5, 16)
    append(engine, two_at_meetings([a, b, c]).drafts())
    service = TrustService(engine)
    assert a + timedelta(days=730) == date(2016, 1, 1)
    expected = {
        date(2014, 1, 10): 0,  # a only
        date(2014, 1, 11): 1,  # a and b
        date(2016, 1, 1): 1,  # a is 730 days old: still within two years
        date(2016, 1, 2): 1,  # b and c
        date(2016, 1, 11): 1,  # b is 730 days old
        date(2016, 1, 12): 0,  # c only
        date(2017, 5, 15): 0,
    }
    assert {day: ladder_on(service, day) for day in expected} == expected


def test_the_dialogue_step_for_random_meeting_days(
    db_url: str, fresh_databases: Callable[[], Any]
) -> None:
    base = date(2014, 1, 1)
    offsets = st.lists(st.integers(0, 1500), min_size=1, max_size=6, unique=True)

    @settings(
        max_examples=EXAMPLES[make_url(db_url).get_backend_name()] // 2,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(meetings=offsets, as_of=st.lists(st.integers(0, 2300), max_size=6))
    def step_is_the_count_in_the_window(meetings: list[int], as_of: list[int]) -> None:
        days = [base + timedelta(days=n) for n in meetings]
        with fresh_databases() as made:
            append(made, two_at_meetings(days).drafts())
            service = TrustService(made)
            for n in as_of:
                inside = [m for m in meetings if n - 730 <= m <= n]
                want = 1 if len(inside) >= 2 else 0
                assert ladder_on(service, base + timedelta(days=n)) == want, (n, inside)

    step_is_the_count_in_the_window()


# --- d. rules of procedure amended on a date ---------------------------------


def small_record(amendment: dict[str, Any], effective: date) -> Record:
    rec = Record()
    start = date(2015, 1, 1)
    rec.add(start, *register("KOR", "CHN", "JPN"), track("environment", start))
    rec.add(start, *joined(start, "KOR", "CHN", "JPN"))
    rec.add(
        date(2015, 3, 1),
        convened("m1", date(2015, 3, 1), tracks=["environment"]),
        MeetingHeld(meeting="m1", held_on=date(2015, 3, 1)),
        *attended("m1", "KOR", "CHN", "JPN"),
    )
    rec.add(date(2015, 6, 1), RulesAmended(changes=amendment, effective_on=effective))
    return rec


def test_amended_weights_and_base_rates_apply_from_their_date_on(
    engine: Engine,
) -> None:
    changes = {"trust.co_attendance": 0.5, "trust.base_rate.CHN.JPN": 0.1}
    append(engine, small_record(changes, date(2015, 7, 1)).drafts())
    service = TrustService(engine)
    before = service.figures(date(2015, 6, 30))
    after = service.figures(date(2015, 7, 1))
    i, j, k = before.index_of("CHN"), before.index_of("JPN"), 0

    r_before = 0.25 * 1.0 * 1.0 * 2 ** (-121 / 730)  # 2015-03-01 to 2015-06-30
    r_after = 0.5 * 1.0 * 1.0 * 2 ** (-122 / 730)
    assert before.r[i, j, k] == pytest.approx(r_before)
    assert after.r[i, j, k] == pytest.approx(r_after)
    assert before.base_rate[i, j] == before.base_rate[j, i] == 0.3
    assert after.base_rate[i, j] == after.base_rate[j, i] == 0.1
    assert after.base_rate[before.index_of("KOR"), i] == 0.3
    u = 2 / (r_after + 2)
    assert after.projected[i, j, k] == pytest.approx(r_after / (r_after + 2) + 0.1 * u)
    assert after.projected[j, i, k] == pytest.approx(r_after / (r_after + 2) + 0.1 * u)
    kor = before.index_of("KOR")
    assert after.projected[kor, i, k] == pytest.approx(
        r_after / (r_after + 2) + 0.3 * u
    )
    u0 = 2 / (r_before + 2)
    assert before.projected[i, j, k] == pytest.approx(
        r_before / (r_before + 2) + 0.3 * u0
    )

    # the current snapshot, read on either date, agrees with the replay
    state = service.current_state()
    for day, figures in ((date(2015, 6, 30), before), (date(2015, 7, 1), after)):
        again = evaluate(state, day, state.rules_on(day))
        np.testing.assert_allclose(again.projected, figures.projected, atol=1e-12)
        np.testing.assert_allclose(again.base_rate, figures.base_rate, atol=1e-12)


def test_an_amended_half_life_applies_from_its_date_on(engine: Engine) -> None:
    append(
        engine,
        small_record({"trust.half_life_days": 365}, date(2015, 7, 1)).drafts(),
    )
    service = TrustService(engine)
    before = service.figures(date(2015, 6, 30))
    after = service.figures(date(2015, 7, 1))
    i, j = before.index_of("KOR"), before.index_of("JPN")
    assert before.r[i, j, 0] == pytest.approx(0.25 * 2 ** (-121 / 730))
    assert after.r[i, j, 0] == pytest.approx(0.25 * 2 ** (-122 / 365))
    _, items = service.explain("KOR", "JPN", as_of=date(2015, 7, 1))
    assert items
    for item in items:
        assert item.decay == pytest.approx(2 ** (-122 / 365))


def test_the_shortest_half_life_the_rules_allow_still_gives_figures(
    engine: Engine,
) -> None:
    """``trust.half_life_days`` may be as short as a quarter (rules_of_procedure);
    shorter is refused by the event's schema."""
    with pytest.raises(ValueError, match=r"trust.half_life_days"):
        RulesAmended(changes={"trust.half_life_days": 1}, effective_on=date(2015, 1, 1))
    rec = Record()
    start = date(2015, 1, 1)
    rec.add(start, *register("KOR", "CHN"), track("environment", start))
    rec.add(
        start, RulesAmended(changes={"trust.half_life_days": 90}, effective_on=start)
    )
    rec.add(
        date(2015, 3, 1),
        convened("m1", date(2015, 3, 1), tracks=["environment"]),
        MeetingHeld(meeting="m1", held_on=date(2015, 3, 1)),
        *attended("m1", "KOR", "CHN"),
    )
    append(engine, rec.drafts())
    figures = TrustService(engine).figures(date(2015, 3, 1))
    i, j = figures.index_of("KOR"), figures.index_of("CHN")
    assert figures.r[i, j, 0] == pytest.approx(0.25)  # held that very day
    assert np.isfinite(figures.projected).all()
    later = TrustService(engine).figures(date(2015, 5, 30))
    assert later.r[i, j, 0] == pytest.approx(0.25 * 2**-1)
    far = TrustService(engine).figures(date(2099, 12, 31))
    assert np.isfinite(far.projected).all()


# --- b. incremental folding equals a full replay -----------------------------

POOL = ("KOR", "CHN", "JPN", "USA", "RUS", "MNG", "PRK", "CAN", "ASEAN", "EU")
TRACK_POOL = ("environment", "energy-security", "cyberspace", "disaster-relief")
RANKS = ("working", "senior-official", "ministerial", "summit")
LAYERS = ("track-1", "track-1.5", "track-2")
SOURCES = (Source(title="The NAPCI brochure", locator="p. 1"),)
AMENDMENTS = (
    {"trust.co_attendance": 0.5},
    {"trust.rank.summit": 3.0, "trust.layer.track-2": 0.5},
    {"trust.base_rate.CHN.KOR": 0.1},
    {"trust.no_show": 1.5, "trust.incident": 2.0},
    {"trust.half_life_days": 365},
    {"trust.dialogue_meetings": 1},
    {"trust.vision": 4.0, "trust.recognition": 0.5},
)


@dataclass
class Model:
    """What a random stream has said so far, to keep the next event valid."""

    day: date
    n: int = 0
    registered: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    open_meetings: list[str] = field(default_factory=list)
    meetings: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    tabled: list[str] = field(default_factory=list)
    provisional: list[str] = field(default_factory=list)
    projects: dict[str, list[str]] = field(default_factory=dict)
    commitments: list[str] = field(default_factory=list)

    def ref(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n}"

    @property
    def agenda(self) -> list[str]:
        return [t for t in self.tracks if t not in self.closed]


def _subset(draw: st.DrawFn, pool: Sequence[str], min_size: int = 0) -> tuple[str, ...]:
    return tuple(
        draw(
            st.lists(
                st.sampled_from(list(pool)), min_size=min_size, max_size=4, unique=True
            )
        )
    )


def _step(draw: st.DrawFn, m: Model) -> list[Event]:
    kind = draw(
        st.sampled_from(
            (
                "register",
                "track",
                "close",
                "join",
                "withdraw",
                "convene",
                "confirm",
                "attend",
                "attend",
                "acknowledge",
                "hold",
                "cancel",
                "document",
                "adopt",
                "undo",
                "launch",
                "project-join",
                "project-leave",
                "widen",
                "commit",
                "resolve",
                "complete",
                "incident",
                "amend",
            )
        )
    )
    today = m.day
    if kind == "register" or len(m.registered) < 2:
        free = [c for c in POOL if c not in m.registered]
        if not free:
            return []
        code = draw(st.sampled_from(free))
        m.registered.append(code)
        org = code in ("ASEAN", "EU")
        return [
            ActorRegistered(
                code=code, name=en(code), kind="organisation" if org else "state"
            )
        ]
    if kind == "track" or not m.tracks:
        free = [t for t in TRACK_POOL if t not in m.tracks]
        if not free:
            return []
        code = draw(st.sampled_from(free))
        m.tracks.append(code)
        return [track(code, today)]
    if kind == "close" and len(m.agenda) > 1:
        code = draw(st.sampled_from(m.agenda))
        m.closed.append(code)
        return [TrackClosed(code=code, closed_on=today, decision=m.ref("p-close"))]
    if kind == "join":
        free = [c for c in m.registered if c not in m.joined]
        if free:
            code = draw(st.sampled_from(free))
            m.joined.append(code)
            return [ActorJoined(code=code, joined_on=today)]
    if kind == "withdraw" and m.joined:
        code = draw(st.sampled_from(m.joined))
        m.joined.remove(code)
        return [ActorWithdrew(code=code, withdrew_on=today)]
    if kind == "convene" or not m.meetings:
        meeting = m.ref("m")
        m.meetings.append(meeting)
        m.open_meetings.append(meeting)
        return [
            MeetingConvened(
                meeting=meeting,
                title=en(meeting),
                tracks=_subset(draw, m.agenda),
                rank=draw(st.sampled_from(RANKS)),
                layer=draw(st.sampled_from(LAYERS)),
                starts_on=today + timedelta(days=draw(st.integers(0, 20))),
            )
        ]
    if kind == "confirm":
        return [
            AttendanceConfirmed(
                meeting=draw(st.sampled_from(m.meetings)),
                code=draw(st.sampled_from(m.registered)),
            )
        ]
    if kind == "attend":
        # the delegation's own word, a host's report, or an entry from before
        # acknowledgement existed (counted when it has sources)
        meeting = draw(st.sampled_from(m.meetings))
        return [
            AttendanceRecorded(
                meeting=meeting,
                code=code,
                attended=draw(st.booleans()),
                acknowledged=draw(st.sampled_from((True, False, None))),
                sources=draw(st.sampled_from(((), SOURCES))),
            )
            for code in _subset(draw, m.registered, 1)
        ]
    if kind == "acknowledge":
        return [
            AttendanceAcknowledged(
                meeting=draw(st.sampled_from(m.meetings)),
                code=draw(st.sampled_from(m.registered)),
                attended=draw(st.booleans()),
            )
        ]
    if kind in ("hold", "cancel") and m.open_meetings:
        meeting = draw(st.sampled_from(m.open_meetings))
        m.open_meetings.remove(meeting)
        if kind == "hold":
            return [MeetingHeld(meeting=meeting, held_on=today)]
        return [MeetingCancelled(meeting=meeting, cancelled_on=today)]
    if kind == "document":
        document, proposal = m.ref("doc"), m.ref("p")
        m.tabled.append(proposal)
        return adopt_document(
            proposal,
            document,
            today,
            kind=draw(st.sampled_from(("recognition", "vision", "statement"))),
            tracks=_subset(draw, m.agenda),
        )
    if kind == "adopt" and m.tabled:
        proposal = draw(st.sampled_from(m.tabled))
        m.tabled.remove(proposal)
        joined_ = _subset(draw, m.joined or m.registered)
        absent = [c for c in m.joined if c not in joined_][:1]
        if absent and draw(st.booleans()):
            m.provisional.append(proposal)
        else:
            absent = []
        return [
            DecisionAdopted(
                proposal=proposal,
                adopted_on=today,
                procedure="meeting",
                joined=joined_,
                provisional_for=tuple(absent),
            )
        ]
    if kind == "undo" and m.provisional:
        proposal = draw(st.sampled_from(m.provisional))
        m.provisional.remove(proposal)
        return [
            ProvisionalAdoptionUndone(
                proposal=proposal, undone_on=today, objected_by=(m.registered[0],)
            )
        ]
    if kind == "launch" and m.agenda:
        project = m.ref("proj")
        founders = _subset(draw, m.registered, 2)
        m.projects[project] = list(founders)
        return [
            ProjectLaunched(
                project=project,
                title=en(project),
                tracks=_subset(draw, m.agenda, 1),
                founders=founders,
                launched_on=today,
            )
        ]
    if kind == "project-join" and m.projects:
        project = draw(st.sampled_from(sorted(m.projects)))
        members = m.projects[project]
        free = [c for c in m.registered if c not in members]
        if free and members:
            code = draw(st.sampled_from(free))
            members.append(code)
            return [
                ProjectJoined(
                    project=project,
                    code=code,
                    joined_on=today,
                    consented_by=(members[0],),
                )
            ]
    if kind == "project-leave" and m.projects:
        project = draw(st.sampled_from(sorted(m.projects)))
        members = m.projects[project]
        if members:
            code = draw(st.sampled_from(members))
            members.remove(code)
            return [ProjectLeft(project=project, code=code, left_on=today)]
    if kind == "widen" and m.projects and m.agenda:
        return [
            ProjectScopeWidened(
                project=draw(st.sampled_from(sorted(m.projects))),
                tracks=_subset(draw, m.agenda, 1),
                widened_on=today,
            )
        ]
    if kind == "commit" and m.projects:
        project = draw(st.sampled_from(sorted(m.projects)))
        if m.projects[project]:
            commitment = m.ref("c")
            m.commitments.append(commitment)
            return [
                CommitmentMade(
                    commitment=commitment,
                    project=project,
                    code=draw(st.sampled_from(m.projects[project])),
                    description="deliver",
                    made_on=today,
                    due_on=today + timedelta(days=30),
                )
            ]
    if kind == "resolve" and m.commitments:
        commitment = draw(st.sampled_from(m.commitments))
        m.commitments.remove(commitment)
        if draw(st.booleans()):
            return [CommitmentKept(commitment=commitment, kept_on=today)]
        return [CommitmentBroken(commitment=commitment, assessed_on=today)]
    if kind == "complete" and m.projects:
        project = draw(st.sampled_from(sorted(m.projects)))
        del m.projects[project]
        return [ProjectCompleted(project=project, completed_on=today)]
    if kind == "incident":
        return [
            IncidentRecorded(
                incident=m.ref("inc"),
                parties=_subset(draw, m.registered, 2),
                occurred_on=today,
                severity=draw(st.integers(1, 5)),
                description="an incident",
                tracks=_subset(draw, m.agenda),
            )
        ]
    if kind == "amend":
        return [
            RulesAmended(changes=draw(st.sampled_from(AMENDMENTS)), effective_on=today)
        ]
    return []


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[tuple[date, Event]], list[int]]:
    """A valid event stream with non-decreasing dates, and its chunk sizes."""
    model = Model(day=date(2013, 1, 1))
    events: list[tuple[date, Event]] = []
    start = model.day
    for code in draw(
        st.lists(st.sampled_from(POOL), min_size=2, max_size=9, unique=True)
    ):
        model.registered.append(code)
        events.append((start, *register(code)))
        if draw(st.booleans()):
            model.joined.append(code)
            events.extend((start, e) for e in joined(start, code))
    for code in draw(
        st.lists(st.sampled_from(TRACK_POOL), min_size=1, max_size=3, unique=True)
    ):
        model.tracks.append(code)
        events.append((start, track(code, start)))
    for _ in range(draw(st.integers(4, 50))):
        model.day += timedelta(days=draw(st.sampled_from((0, 0, 1, 7, 30, 90))))
        events.extend((model.day, e) for e in _step(draw, model))
    chunks: list[int] = []
    left = len(events)
    while left > 0:
        size = draw(st.integers(1, max(1, min(left, 15))))
        chunks.append(size)
        left -= size
    return events, chunks


@pytest.fixture
def fresh_databases(db_url: str, tmp_path: Path) -> Iterator[Callable[[], Any]]:
    """``fresh_databases()``: a context manager giving a new migrated engine.

    Hypothesis runs many examples in one test: each gets its own database,
    a file next to ``db_url`` on SQLite, another database on the same server
    on PostgreSQL (dropped after the example).
    """
    url = make_url(db_url)

    @contextmanager
    def fresh() -> Iterator[Engine]:
        name = uuid.uuid4().hex[:12]
        if url.get_backend_name() == "sqlite":
            with migrated(f"sqlite:///{tmp_path / f'{name}.db'}") as made:
                yield made
            return
        database = f"{url.database}_{name}"
        admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
        try:
            with migrated(
                url.set(database=database).render_as_string(hide_password=False)
            ) as made:
                yield made
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )

    yield fresh


def assert_same_figures(got: TrustFigures, want: TrustFigures, context: str) -> None:
    assert got.as_of == want.as_of, context
    assert got.actors == want.actors, context
    assert got.tracks == want.tracks, context
    assert got.participants == want.participants, context
    for name in ("r", "s", "projected", "symmetric_track", "directed", "symmetric"):
        np.testing.assert_allclose(
            getattr(got, name),
            getattr(want, name),
            rtol=0,
            atol=1e-9,
            err_msg=f"{name}: {context}",
        )
    np.testing.assert_array_equal(got.ladder, want.ladder, err_msg=f"ladder: {context}")
    if want.regional_index is None:
        assert got.regional_index is None, context
    else:
        assert got.regional_index is not None, context
        assert math.isclose(got.regional_index, want.regional_index, abs_tol=1e-9), (
            context
        )


def assert_figures_follow_the_operators(figures: TrustFigures, rules: Rules) -> None:
    """Every figure read off the evidence is what the checked operators of
    ``napci.domain.trust.operators`` make of the same evidence (evaluate() computes
    them its own way, for speed)."""
    prior = rules.number("trust.prior_weight")
    r, s = figures.r, figures.s
    base = np.broadcast_to(figures.base_rate[:, :, None], r.shape)

    def back(*arrays: Any) -> list[Any]:
        return [np.swapaxes(x, 0, 1) for x in arrays]

    per_track = opinions_from_evidence_arrays(r, s, base, weight=prior)
    fused = opinions_from_evidence_arrays(
        r.sum(axis=2), s.sum(axis=2), figures.base_rate, weight=prior
    )
    want = dict(zip(("belief", "disbelief", "uncertainty"), per_track, strict=True))
    for (b, d, u), a, directed, symmetric in (
        (per_track, base, "projected", "symmetric_track"),
        (fused, figures.base_rate, "directed", "symmetric"),
    ):
        want[directed] = projected_arrays(b, u, a)
        fb, _fd, fu, fa = averaging_fusion_arrays(b, d, u, a, *back(b, d, u, a))
        want[symmetric] = projected_arrays(fb, fu, fa)
    for name, value in want.items():
        np.testing.assert_allclose(
            getattr(figures, name), value, rtol=0, atol=1e-12, err_msg=name
        )
    picked = [figures.index_of(c) for c in figures.participants]
    if len(picked) < 2:
        assert figures.regional_index is None
        assert figures.standing == {}
        return
    among = figures.symmetric[np.ix_(picked, picked)]
    assert figures.regional_index is not None
    assert math.isclose(
        figures.regional_index,
        float(among[np.triu_indices(len(picked), 1)].mean()),
        abs_tol=1e-12,
    )
    local = figures.directed[np.ix_(picked, picked)].copy()
    np.fill_diagonal(local, 0.0)
    standing = eigentrust(
        local,
        np.ones(len(picked)),
        rules.number("trust.eigentrust_alpha"),
        tol=1e-13,
    )
    np.testing.assert_allclose(
        [figures.standing[c] for c in figures.participants],
        standing,
        rtol=0,
        atol=1e-10,
    )


def check_incremental(
    engine: Engine, events: Sequence[tuple[date, Event]], chunks: Sequence[int]
) -> None:
    """Append ``events`` in ``chunks``; after each, snapshot == full replay."""
    rec = Record(events=list(events))
    service = TrustService(engine)  # keeps its snapshot from chunk to chunk
    today = TrustService(engine)  # asked for today's figures only
    done = 0
    for size in chunks:
        append(engine, rec.drafts(done, done + size))
        done += size
        day = events[done - 1][0]
        state = service.current_state()
        assert state.seq == done
        fresh = TrustService(engine)
        assert_same_figures(today.figures(), fresh.figures(), f"today, {done} events")
        for as_of in (day, day + timedelta(days=400)):
            context = f"after {done} events, as of {as_of}"
            incremental = evaluate(state, as_of, state.rules_on(as_of))
            assert_figures_follow_the_operators(incremental, state.rules_on(as_of))
            if as_of == day:
                assert_same_figures(incremental, fresh.figures(as_of), context)
            replayed = fresh.current_state()
            assert_same_figures(
                incremental,
                evaluate(replayed, as_of, replayed.rules_on(as_of)),
                context,
            )


#: Examples per backend: a PostgreSQL example creates and drops a database.
EXAMPLES = {"sqlite": 25, "postgresql": 12}


def test_incremental_fold_equals_full_replay(
    db_url: str, fresh_databases: Callable[[], Any]
) -> None:
    """Random valid streams, appended in random chunks, on a fresh database each."""

    @settings(
        max_examples=EXAMPLES[make_url(db_url).get_backend_name()],
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(stream=streams())
    def incremental_equals_replay(
        stream: tuple[list[tuple[date, Event]], list[int]],
    ) -> None:
        events, chunks = stream
        with fresh_databases() as made:
            check_incremental(made, events, chunks)

    incremental_equals_replay()


def test_incremental_fold_of_the_synthetic_record_one_event_at_a_time(
    engine: Engine,
) -> None:
    """Every correction arrives in its own fold: attendance changed, undo, cancel."""
    rec = synthetic()
    check_incremental(engine, rec.events, [1] * len(rec.events))


def test_a_track_closed_the_day_a_general_meeting_was_held(engine: Engine) -> None:
    """A general meeting and an incident without tracks spread over the tracks
    in force; a track closed later the same day: the snapshot and a replay agree."""
    day = date(2015, 3, 1)
    events = [
        (day, e)
        for e in (
            *register("KOR", "CHN"),
            track("environment", day),
            track("energy-security", day),
            convened("m1", day),
            MeetingHeld(meeting="m1", held_on=day),
            *attended("m1", "KOR", "CHN"),
            IncidentRecorded(
                incident="inc-1",
                parties=("KOR", "CHN"),
                occurred_on=day,
                severity=2,
                description="an incident",
            ),
            TrackClosed(code="energy-security", closed_on=day, decision="p-close"),
        )
    ]
    check_incremental(engine, events, [len(events) - 1, 1])


class _Recording:
    """A driver connection that notes the statements run on its cursors."""

    def __init__(self, dbapi: Any) -> None:
        self.dbapi = dbapi
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def cursor(self) -> Any:
        return _RecordingCursor(self.dbapi.cursor(), self.statements)


class _RecordingCursor:
    def __init__(self, cursor: Any, statements: list[Any]) -> None:
        self._cursor, self._statements = cursor, statements

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._statements.append((sql, tuple(params)))
        return self._cursor.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def _rows_read(engine: Engine, after: int) -> tuple[int, int]:
    """``read_tail(after)``'s head, and how much its statement reads: events
    on PostgreSQL, virtual machine instructions on SQLite."""
    postgres = engine.dialect.name == "postgresql"
    connection = engine.raw_connection()
    try:
        dbapi = connection.dbapi_connection
        if postgres:
            # the statement read_tail prepares on the connection, run again
            head, _ = read_tail(dbapi, postgres, after)
            cursor = dbapi.cursor()
            # As a large ledger would be read (a small one is read whole).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) "
                f"EXECUTE {TAIL_STATEMENT.decode()} ({after:d}, {after + TINY_TAIL:d})"
            )
            nodes = [cursor.fetchone()[0][0]["Plan"]]
            read = 0
            while nodes:
                node = nodes.pop()
                nodes.extend(node.get("Plans", ()))
                if node.get("Relation Name") == "events":
                    read += node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
            dbapi.rollback()
            return head, read
        recording = _Recording(dbapi)
        head, _ = read_tail(recording, postgres, after)
        [(sql, params)] = recording.statements
        cursor = dbapi.cursor()
        # SQLite: the instructions its virtual machine runs for the statement
        steps = 0

        def step() -> int:
            nonlocal steps
            steps += 1
            return 0

        dbapi.set_progress_handler(step, 1)
        try:
            cursor.execute(sql, params)
            cursor.fetchall()
        finally:
            dbapi.set_progress_handler(None, 1)
        return head, steps
    finally:
        connection.close()


def test_a_long_tail_is_not_read_to_learn_that_it_is_long(engine: Engine) -> None:
    """``read_tail`` reads a tail of up to TINY_TAIL events with the head; a
    longer one it must not read at all (a first fold would read the whole
    ledger, only to drop it)."""
    for _ in range(4):  # well over TINY_TAIL events
        rec = synthetic()
        append(engine, rec.drafts(0, len(rec.events)))
    head, tiny = _rows_read(engine, SqlLedger(engine).head()[0] - TINY_TAIL)
    assert head > 3 * TINY_TAIL
    _, long = _rows_read(engine, 0)
    _, none = _rows_read(engine, head)
    assert long <= tiny, (long, tiny)
    assert none <= tiny


def test_a_short_tail_read_from_payloads_gives_what_the_database_extracts(
    engine: Engine,
) -> None:
    """Figures kept current after a few appends read the new events' payloads
    (``extract_tail``); longer stretches have the database extract the
    fields (``extract_batch``). The fold must not be able to tell them apart:
    every type, every field, with the date and clearance filters; and the
    same rows: the attendance that counts (rule 0)."""
    rec = synthetic()
    on = date(2015, 12, 20)
    rec.add(
        on,
        AttendanceRecorded(meeting="m1", code="CHN", attended=False),
        AttendanceRecorded(meeting="m1", code="JPN", attended=False, sources=SOURCES),
        AttendanceRecorded(
            meeting="m2", code="JPN", attended=True, acknowledged=False, sources=SOURCES
        ),
        AttendanceAcknowledged(meeting="m2", code="JPN", attended=True),
        AttendanceRecorded(
            meeting="m2", code="KOR", attended=False, acknowledged=True, sources=()
        ),
    )
    append(engine, rec.drafts(0, len(rec.events)))
    tail = [
        (e.seq, e.type, e.occurred_at, e.classification, e.payload_json)
        for e in SqlLedger(engine).iter_events()
    ]
    assert {t for _, t, *_ in tail} >= {"AttendanceRecorded", "MeetingConvened"}
    postgres = engine.dialect.name == "postgresql"
    kinds = {t: dict(fields) for t, fields in EXTRACT.items()}

    def normal(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {}
        for type_, found in rows.items():
            paths = [p for p, _ in EXTRACT[type_]]
            out[type_] = [
                (
                    seq,
                    at,
                    *(
                        json.loads(v)
                        if kinds[type_][p] == "json" and v is not None
                        else v
                        for p, v in zip(paths, values, strict=True)
                    ),
                )
                for seq, at, *values in found
            ]
        return out

    middle = tail[len(tail) // 2][2]
    for before, clearance in (
        (None, None),
        (middle, None),
        (None, ("public",)),
        (middle, ("participants",)),
    ):
        connection = engine.raw_connection()
        try:
            database = extract_batch(
                connection.dbapi_connection,
                postgres,
                EXTRACT,
                after=0,
                upto=len(tail),
                before_occurred=before,
                classifications=clearance,
            )
        finally:
            connection.close()
        payloads = extract_tail(
            tail, EXTRACT, before_occurred=before, classifications=clearance
        )
        assert normal(payloads) == normal(database), (before, clearance)


def _backend_pid(service: TrustService) -> int:
    """The server process of the service's own connection."""
    assert service._reader is not None
    pid = service._reader.connection().info.backend_pid
    assert isinstance(pid, int)
    return pid


def test_a_postgresql_service_reads_on_a_connection_of_its_own(
    own_postgres_url: str,
) -> None:
    """On PostgreSQL the service keeps one connection to read the ledger
    on: the same from read to read; replaced when the server drops it
    (the read is retried once, and gives the same figures); closed by
    ``close``, after which a read opens another."""
    with migrated(own_postgres_url) as engine:
        rec = synthetic()
        third = len(rec.events) // 3
        append(engine, rec.drafts(0, third))
        service = TrustService(engine)
        service.figures(T)
        first = _backend_pid(service)
        append(engine, rec.drafts(third, 2 * third))
        current = service.figures(T)
        assert _backend_pid(service) == first
        assert_same_figures(current, TrustService(engine).figures(T), "after")

        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                f"SELECT pg_terminate_backend({first})"
            ).scalar_one()
        append(engine, rec.drafts(2 * third, len(rec.events)))
        again = service.figures(T)  # on a new connection
        second = _backend_pid(service)
        assert second != first
        assert_same_figures(again, TrustService(engine).figures(T), "dropped")

        service.close()
        with engine.connect() as conn:
            gone = conn.exec_driver_sql(
                f"SELECT count(*) FROM pg_stat_activity WHERE pid = {second}"
            ).scalar_one()
        assert gone == 0
        assert_same_figures(service.figures(T), again, "closed")
        assert _backend_pid(service) not in (first, second)
        service.close()


def _seq_when_answered(
    monkeypatch: pytest.MonkeyPatch, service: TrustService
) -> list[int]:
    """The snapshot's seq each time the server's answer to the service's
    tail read is taken (a spy on ``TailRead.result``)."""
    seen: list[int] = []
    result = extract_module.TailRead.result

    def spy(read: Any) -> Any:
        assert service._current is not None and service._reader is not None
        if read._dbapi is service._reader.connection():
            seen.append(service._current.seq)
        return result(read)

    monkeypatch.setattr(extract_module.TailRead, "result", spy)
    return seen


def _announced(engine: Engine, seq: int) -> None:
    """Wait until this process knows event ``seq`` was committed (announced
    by the server, when another process appended it)."""
    known = recent_appends(engine)
    # A bound on a wait, not a timing: on a machine busy with other suites
    # the listener's thread has been seen to wait its turn for over 10 s.
    deadline = time.monotonic() + 60
    while not known.after(seq - 1):
        assert time.monotonic() < deadline, f"seq {seq} was never announced"
        time.sleep(0.002)


def test_a_postgresql_service_folds_what_it_knows_while_the_server_answers(
    own_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Today's figures on PostgreSQL: the events known here to have been
    committed since the snapshot (this process's appends, and others' as
    the server announced them) are folded before the server's answer is
    taken, into the same snapshot; what is not known yet is folded from the
    answer. Every time, the figures are a fresh replay's, for a service
    that sees every event and for one with less clearance."""
    with migrated(own_postgres_url) as engine:
        other = make_engine(own_postgres_url)  # another process, as it were
        try:
            rec = synthetic()
            restricted = [
                draft(event, occurred_at=on, actor=None, classification="restricted")
                for on, event in rec.events
            ]
            half = len(rec.events) // 2
            append(engine, rec.drafts(0, half))
            service = TrustService(engine)
            public = TrustService(engine, clearance=("public",))
            service.figures()
            public.figures()
            snapshot = service._current
            seen = _seq_when_answered(monkeypatch, service)

            def check(context: str) -> None:
                head = TrustService(engine).current_state().seq
                assert_same_figures(
                    service.figures(), TrustService(engine).figures(), context
                )
                assert_same_figures(
                    public.figures(),
                    TrustService(engine, clearance=("public",)).figures(),
                    context,
                )
                assert service._current is snapshot, context  # never replayed
                assert service._current.seq == head, context

            def others(first: int, last: int) -> None:
                assert listen(engine).wait(10)  # heard from the second read on
                SqlLedger(other).append(rec.drafts(first, last), principal="test")

            at = half
            append(engine, rec.drafts(at, at + 1))  # own: known at once
            check("own")
            assert seen[-1] == at + 1

            append(engine, rec.drafts(at + 1, at + 4))  # own, three at once
            check("own, three")
            assert seen[-1] == at + 4

            others(at + 4, at + 5)
            _announced(engine, at + 5)
            check("another's, announced")
            assert seen[-1] == at + 5

            append(engine, rec.drafts(at + 5, at + 6))
            others(at + 6, at + 7)
            append(engine, rec.drafts(at + 7, at + 8))
            _announced(engine, at + 7)
            check("own, another's, own")
            assert seen[-1] == at + 8

            # not announced here: the service started listening after it
            listen(engine).stop()
            SqlLedger(other).append(rec.drafts(at + 8, at + 9), principal="test")
            check("another's, unannounced")
            assert seen[-1] == at + 8  # nothing known to fold first
            assert listen(engine).running  # listening again

            # restricted events, own: folded for the one, not for the other
            SqlLedger(engine).append(restricted[at + 9 : at + 11], principal="test")
            check("restricted")
            assert seen[-1] == at + 11

            # more than the tail read takes in one go, own: the latest kept
            append(engine, rec.drafts(at + 11, len(rec.events)))
            check("a long tail")
        finally:
            other.dispose()


def test_a_postgresql_service_folds_another_processs_append_while_it_reads(
    own_postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    appenders: Any,
) -> None:
    """A child process appends; once the server has announced its events,
    the service folds them before its read's answer, and its figures are a
    fresh replay's."""
    with _reading_today(own_postgres_url) as (engine, _rec, service):
        snapshot = service._current
        assert snapshot is not None
        seen = _seq_when_answered(monkeypatch, service)
        assert listen(engine).wait(10)
        child = appenders.start(own_postgres_url, "--count", "3")
        child.wait_ready()
        child.wait_acks(3)
        last = max(seq for _, seq in child.acked)
        _announced(engine, last)
        assert_same_figures(service.figures(), TrustService(engine).figures(), "child")
        assert seen == [last]
        assert service._current is snapshot and snapshot.seq == last


def test_an_event_committed_after_the_read_began_is_read_to_be_checked(
    own_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process's event is committed, and announced, after the tail
    read was sent and answered: it is folded as known, the answer cannot
    vouch for it, and it is read from the ledger to be checked. The
    snapshot is kept, and the figures are a fresh replay's."""
    with _reading_today(own_postgres_url) as (engine, rec, service):
        other = make_engine(own_postgres_url)
        try:
            snapshot = service._current
            assert snapshot is not None
            take = recent_module.Listener.take
            checked: list[int] = []
            confirmed = TrustService._confirmed

            def late(listener: Any) -> None:
                # the server's answer to the read is on its way: the read ran
                assert service._reader is not None
                socket = service._reader.connection().pgconn.socket
                assert select.select([socket], [], [], 10)[0]
                SqlLedger(other).append(rec.drafts(20, 21), principal="test")
                _announced(engine, 21)
                take(listener)

            def spy(*args: Any) -> bool:
                checked.append(args[2])  # the answer's head
                return confirmed(*args)

            monkeypatch.setattr(recent_module.Listener, "take", late)
            monkeypatch.setattr(TrustService, "_confirmed", staticmethod(spy))
            got = service.figures()
            monkeypatch.setattr(recent_module.Listener, "take", take)
            assert checked == [20]  # the answer knew nothing of 21
            assert_same_figures(got, TrustService(engine).figures(), "late")
            assert service._current is snapshot and snapshot.seq == 21
        finally:
            other.dispose()


def _forge(engine: Engine, row: list[Any]) -> None:
    """Announce ``row`` on the ledger's channel, as anyone who may connect
    to the database can."""
    with engine.connect() as conn:
        conn.exec_driver_sql(
            "SELECT pg_notify(%s, %s)", (recent_module.CHANNEL, json.dumps([row]))
        )
        conn.commit()


@pytest.mark.parametrize("tail", ["short", "long"])
def test_a_forged_announcement_is_caught_by_the_read(
    own_postgres_url: str, tail: str
) -> None:
    """A notification on the ledger's channel that is not the ledger's
    (forged, or naming an event other than the one committed with its seq)
    is folded as a hint, found out by the read, and the snapshot replayed:
    the figures are a fresh replay's. The read's answer holds the event
    after a short tail; after a long one, the event is read for the check."""
    with _reading_today(own_postgres_url) as (engine, rec, service):
        other = make_engine(own_postgres_url)
        try:
            snapshot = service._current
            assert snapshot is not None
            seq = snapshot.seq + 1
            appended = rec.drafts(20, 21)
            if tail == "long":  # more than a notice or the tail read carries
                appended += [
                    draft(
                        DocumentIssued(
                            document=f"speech-{n}",
                            kind="speech",
                            title=en("a speech"),
                            issued_on=date(2015, 1, 1),
                        ),
                        occurred_at=date(2015, 1, 1),
                        actor=None,
                    )
                    for n in range(recent_module.KEPT)
                ]
            listen(engine).stop()  # what the other engine appends is not heard
            SqlLedger(other).append(appended, principal="test")
            true = list(read_events_of(engine, seq))
            # another event's content, with this one's seq
            forged = [seq, *read_events_of(engine, 12)[1:]]
            assert forged != true
            assert listen(engine).wait(10)
            _forge(engine, forged)
            _announced(engine, seq)
            assert recent_appends(engine).after(seq - 1)[0] == tuple(forged)
            got = service.figures()
            assert_same_figures(got, TrustService(engine).figures(), tail)
            assert service._current is not snapshot  # replayed
            assert service._current is not None
            assert service._current.seq == 20 + len(appended)
        finally:
            other.dispose()


def read_events_of(engine: Engine, seq: int) -> tuple[Any, ...]:
    """Event ``seq`` as the tail read gives it."""
    connection = engine.raw_connection()
    try:
        (row,) = extract_module.read_events(connection.dbapi_connection, seq - 1, seq)
    finally:
        connection.close()
    return row


@contextmanager
def _reading_today(url: str) -> Iterator[tuple[Engine, Record, TrustService]]:
    """A ledger holding the synthetic record's first 20 events and a service
    that has read today's figures of it."""
    with migrated(url) as engine:
        rec = synthetic()
        append(engine, rec.drafts(0, 20))
        service = TrustService(engine)
        service.figures()
        yield engine, rec, service


def test_a_failed_fold_leaves_the_postgresql_connection_ready(
    own_postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fold that fails while the server answers the tail read raises its
    error, and the service's connection is left ready: the next read, on the
    same connection, gives a fresh replay's figures."""
    with _reading_today(own_postgres_url) as (engine, rec, service):
        pid = _backend_pid(service)
        fold = TrustService._apply_tail

        def failing(*args: Any) -> None:
            raise RuntimeError("fold failed")

        monkeypatch.setattr(TrustService, "_apply_tail", failing)
        append(engine, rec.drafts(20, 21))
        with pytest.raises(RuntimeError, match="fold failed"):
            service.figures()
        monkeypatch.setattr(TrustService, "_apply_tail", fold)
        assert service._reader is not None
        assert service._reader.connection().pgconn.transaction_status == (
            psycopg.pq.TransactionStatus.IDLE
        )
        append(engine, rec.drafts(21, 22))
        assert_same_figures(service.figures(), TrustService(engine).figures(), "after")
        assert _backend_pid(service) == pid


def test_todays_figures_survive_a_dropped_postgresql_connection(
    own_postgres_url: str,
) -> None:
    """The server drops the service's connection between two reads of
    today's figures: the read is made again on a new connection, with the
    events appended meanwhile folded once."""
    with _reading_today(own_postgres_url) as (engine, rec, service):
        first = _backend_pid(service)
        with engine.connect() as conn:
            assert conn.exec_driver_sql(
                f"SELECT pg_terminate_backend({first})"
            ).scalar_one()
        append(engine, rec.drafts(20, 22))
        got = service.figures()
        assert _backend_pid(service) != first
        assert_same_figures(got, TrustService(engine).figures(), "dropped")
        assert service._current is not None and service._current.seq == 22
        service.close()
