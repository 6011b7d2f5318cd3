"""Only acknowledged attendance counts for trust (DESIGN §4 rule 0, §5.1).

On SQLite and PostgreSQL, through every path the figures are kept by: a
full replay, one appended event, a batch, another process's append (on
PostgreSQL announced by the server), a past date's fold kept current.

* a host's report of another delegation's attendance moves no figure, and a
  reported absence gives no no-show, until that delegation acknowledges it;
  the acknowledgement then moves the figures exactly as the secretariat's
  record of the same attendance would;
* a report that does not count overrides nothing;
* the shipped NAPCI record 2013-2014 gives the figures it gave before
  acknowledgement existed (pinned below, as computed before the change).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pytest
from db_helpers import migrated
from sqlalchemy import Engine

from napci.adapters.db import SqlLedger, make_engine
from napci.adapters.db.recent import listen, recent_appends
from napci.domain.events import (
    ActorJoined,
    ActorRegistered,
    AttendanceAcknowledged,
    AttendanceConfirmed,
    AttendanceRecorded,
    Event,
    MeetingConvened,
    MeetingHeld,
    TrackAdded,
)
from napci.domain.trust.figures import TrustFigures
from napci.domain.values import Source
from napci.services.drafting import draft
from napci.services.seed import record_drafts
from napci.services.trust import TrustService

DAY = date(2015, 3, 2)
LATER = date(2015, 9, 1)  # a past date whose fold is kept current too
STATES = ("KOR", "JPN", "CHN", "MNG")
BROCHURE = (Source(title="The NAPCI brochure", locator="p. 2"),)


def own(meeting: str, code: str, attended: bool = True) -> Event:
    """Attendance a delegation recorded itself."""
    return AttendanceRecorded(
        meeting=meeting,
        code=code,
        attended=attended,
        recorded_as="delegation",
        acknowledged=True,
    )


def secretariat(meeting: str, code: str, attended: bool = True) -> Event:
    """Attendance the secretariat recorded as secretariat."""
    return AttendanceRecorded(
        meeting=meeting,
        code=code,
        attended=attended,
        recorded_as="secretariat",
        acknowledged=True,
    )


def reported(meeting: str, code: str, attended: bool = True) -> Event:
    """Attendance the meeting's host reported for another delegation."""
    return AttendanceRecorded(
        meeting=meeting,
        code=code,
        attended=attended,
        recorded_as="host",
        acknowledged=False,
    )


def acknowledged(meeting: str, code: str, attended: bool = True) -> Event:
    """A delegation's word on the attendance reported for it."""
    return AttendanceAcknowledged(meeting=meeting, code=code, attended=attended)


def before_acknowledgement(
    meeting: str, code: str, attended: bool, sources: tuple[Source, ...] = ()
) -> Event:
    """An entry written before acknowledgement existed (no such field)."""
    return AttendanceRecorded(
        meeting=meeting, code=code, attended=attended, sources=sources
    )


def base() -> list[Event]:
    """Four states on one track; two meetings hosted by JPN, at which KOR
    and JPN recorded their own attendance; CHN and MNG confirmed theirs."""
    events: list[Event] = [
        *(ActorRegistered(code=c, name={"en": c}, kind="state") for c in STATES),
        *(ActorJoined(code=c, joined_on=DAY) for c in STATES),
        TrackAdded(
            code="environment",
            name={"en": "environment"},
            category="soft",
            added_on=DAY,
        ),
    ]
    for meeting, rank in (("m1", "working"), ("m2", "ministerial")):
        events += [
            MeetingConvened(
                meeting=meeting,
                title={"en": meeting},
                tracks=("environment",),
                rank=rank,  # type: ignore[arg-type]
                layer="track-1",
                starts_on=DAY,
                host="JPN",
            ),
            AttendanceConfirmed(meeting=meeting, code="CHN"),
            AttendanceConfirmed(meeting=meeting, code="MNG"),
            MeetingHeld(meeting=meeting, held_on=DAY),
            own(meeting, "KOR"),
            own(meeting, "JPN"),
        ]
    return events


@dataclass(frozen=True)
class Step:
    """Events appended to the record under test, and what the secretariat
    would have recorded instead (the reference record) to the same effect."""

    label: str
    events: tuple[Event, ...]
    reference: tuple[Event, ...] = ()

    @property
    def counts(self) -> bool:
        """Whether the step moves anything (its reference does)."""
        return bool(self.reference)


STEPS = (
    Step("the host reports CHN present", (reported("m1", "CHN"),)),
    Step("the host reports MNG absent", (reported("m1", "MNG", False),)),
    Step(
        "CHN acknowledges its presence",
        (acknowledged("m1", "CHN"),),
        (secretariat("m1", "CHN"),),
    ),
    Step("the host reports CHN absent after all", (reported("m1", "CHN", False),)),
    Step(
        "MNG acknowledges its absence: a confirmed no-show",
        (acknowledged("m1", "MNG", False),),
        (secretariat("m1", "MNG", False),),
    ),
    Step(
        "a report and its acknowledgement in one append",
        (reported("m2", "CHN"), acknowledged("m2", "CHN")),
        (secretariat("m2", "CHN"),),
    ),
    Step(
        "CHN acknowledges a changed report",
        (reported("m1", "CHN", False), acknowledged("m1", "CHN", False)),
        (secretariat("m1", "CHN", False),),
    ),
    Step(
        "an entry from before acknowledgement, without sources",
        (before_acknowledgement("m1", "CHN", True),),
    ),
    Step(
        "an entry from before acknowledgement, with sources",
        (before_acknowledgement("m2", "MNG", True, BROCHURE),),
        (secretariat("m2", "MNG"),),
    ),
    Step("MNG's own record", (own("m1", "MNG"),), (secretariat("m1", "MNG"),)),
    Step("the host reports MNG absent again", (reported("m1", "MNG", False),)),
)


def _drafts(events: Sequence[Event]) -> list[Any]:
    return [draft(e, occurred_at=DAY, actor=None) for e in events]


def figures_equal(got: TrustFigures, want: TrustFigures, context: str) -> None:
    """The same figures, to rounding."""
    assert (got.as_of, got.actors, got.tracks, got.participants) == (
        want.as_of,
        want.actors,
        want.tracks,
        want.participants,
    ), context
    for name in ("r", "s", "projected", "symmetric", "directed", "ladder"):
        np.testing.assert_allclose(
            getattr(got, name),
            getattr(want, name),
            rtol=0,
            atol=1e-12,
            err_msg=f"{name}: {context}",
        )
    assert got.regional_index == pytest.approx(want.regional_index, abs=1e-12)
    assert got.standing == pytest.approx(want.standing, abs=1e-12)


def figures_identical(got: TrustFigures, want: TrustFigures, context: str) -> None:
    """The very same figures: nothing moved."""
    for name in ("r", "s", "projected", "symmetric", "directed", "ladder"):
        assert np.array_equal(getattr(got, name), getattr(want, name)), (name, context)
    assert got.regional_index == want.regional_index, context
    assert got.standing == want.standing, context


def _explained(service: TrustService, a: str, b: str, as_of: date) -> list[Any]:
    """The explanation's items without the seqs (which differ between records)."""
    _, items = service.explain(a, b, as_of=as_of)
    return sorted(
        (i.kind, i.direction, i.track, i.day, round(i.effective, 12)) for i in items
    )


def _announced(engine: Engine, seq: int) -> None:
    """Wait until this process knows event ``seq`` was committed."""
    known = recent_appends(engine)
    deadline = time.monotonic() + 10
    while not known.after(seq - 1):
        assert time.monotonic() < deadline, f"seq {seq} was never announced"
        time.sleep(0.002)


@pytest.fixture
def engines(db_url: str, second_db_url: str) -> Iterator[tuple[Engine, Engine]]:
    """The record under test, and the reference record (both backends)."""
    with migrated(db_url) as subject, migrated(second_db_url) as reference:
        yield subject, reference


@pytest.mark.parametrize("through", ["own", "another"])
def test_a_report_counts_once_acknowledged_as_the_secretariats_record_would(
    engines: tuple[Engine, Engine], through: str
) -> None:
    """Each step appended alone, through the service's own engine or
    another (another process, as it were: on PostgreSQL the service learns
    of it from the server's announcement): after each, the figures kept
    current, today's and a past date's, are a fresh replay's; they are the
    reference record's; and a step that does not count moved nothing."""
    subject, reference = engines
    for engine in engines:
        SqlLedger(engine).append(_drafts(base()), principal="test")
    other = make_engine(subject.url.render_as_string(hide_password=False))
    try:
        kept = TrustService(subject)
        kept.figures()  # warm: today's snapshot, and a past date's
        kept.figures(LATER)
        postgres = subject.dialect.name == "postgresql"
        if postgres:
            kept.figures()  # listening from the second read on
            assert listen(subject).wait(10)
        appender = SqlLedger(other if through == "another" else subject)
        before = kept.figures()
        for step in STEPS:
            result = appender.append(_drafts(step.events), principal="test")
            SqlLedger(reference).append(_drafts(step.reference), principal="test")
            if postgres and through == "another":
                _announced(subject, result.recorded[-1].seq)
            now, past = kept.figures(), kept.figures(LATER)
            fresh, want = TrustService(subject), TrustService(reference)
            figures_equal(now, fresh.figures(), f"{step.label}: kept vs replay")
            figures_equal(past, fresh.figures(LATER), f"{step.label}: kept, past")
            figures_equal(now, want.figures(), f"{step.label}: vs the reference")
            figures_equal(past, want.figures(LATER), f"{step.label}: past, reference")
            for a, b in (("KOR", "CHN"), ("JPN", "MNG"), ("CHN", "MNG")):
                assert _explained(fresh, a, b, LATER) == _explained(want, a, b, LATER)
            if not step.counts:
                figures_identical(now, before, step.label)
            before = now
    finally:
        other.dispose()


def test_a_reported_absence_gives_no_no_show_until_acknowledged(
    engines: tuple[Engine, Engine],
) -> None:
    """CHN confirmed and the host reports it absent: no negative evidence,
    no co-attendance; its acknowledgement gives the no-show of DESIGN §5.1,
    0.5 on the meeting's day, of each attendee about CHN."""
    engine, _ = engines
    SqlLedger(engine).append(_drafts(base()), principal="test")
    service = TrustService(engine)
    empty = service.figures(DAY)
    SqlLedger(engine).append(_drafts([reported("m1", "CHN", False)]), principal="t")
    reported_only = service.figures(DAY)
    figures_identical(reported_only, empty, "reported absent")
    assert not reported_only.s.any()
    assert not service.explain("KOR", "CHN", as_of=DAY)[1]
    SqlLedger(engine).append(_drafts([acknowledged("m1", "CHN", False)]), principal="t")
    for figures in (service.figures(DAY), TrustService(engine).figures(DAY)):
        ix = figures.index_of
        for attendee in ("KOR", "JPN"):
            assert figures.s[ix(attendee), ix("CHN"), 0] == pytest.approx(0.5)
            assert figures.s[ix("CHN"), ix(attendee), 0] == 0.0
        assert figures.s[ix("MNG"), ix("CHN"), 0] == 0.0  # MNG did not attend
    _, items = service.explain("KOR", "CHN", as_of=DAY)
    assert [(i.kind, i.direction) for i in items] == [("no_show", "KOR->CHN")]


# --- the shipped record -----------------------------------------------------------

#: The figures of the NAPCI record 2013-2014 as of 2014-12-31, computed on the
#: code before acknowledgement existed: the regional trust index, and every
#: pair's symmetric trust where it is not the base rate, 0.3.
SHIPPED_AS_OF = date(2014, 12, 31)
SHIPPED_INDEX = 0.3125663055450089
SHIPPED_PAIRS = {
    ("KOR", "CHN"): 0.3883298545226117,
    ("KOR", "RUS"): 0.40016472865252267,
    ("KOR", "ASEAN"): 0.39766470954450933,
    ("KOR", "EU"): 0.40016472865252267,
    ("KOR", "SEJONG"): 0.3265328959534979,
    ("KOR", "IFANS"): 0.32805166911909234,
    ("KOR", "CAN"): 0.41034768151888956,
}
SHIPPED_ACTORS = (
    "KOR",
    "USA",
    "CHN",
    "JPN",
    "RUS",
    "PRK",
    "MNG",
    "ASEAN",
    "EU",
    "SEJONG",
    "IFANS",
    "CAN",
)
SHIPPED_STANDING = {
    "CHN": 0.16900419614344417,
    "JPN": 0.16086163348040639,
    "KOR": 0.1783172708604517,
    "MNG": 0.1608616334804064,
    "RUS": 0.1700936325548849,
    "USA": 0.16086163348040636,
}


def _assert_shipped(figures: TrustFigures, context: str) -> None:
    assert figures.actors == SHIPPED_ACTORS, context
    assert figures.participants == ("CHN", "JPN", "KOR", "MNG", "RUS", "USA"), context
    assert figures.regional_index == pytest.approx(SHIPPED_INDEX, rel=1e-12), context
    for a, b in itertools.combinations(SHIPPED_ACTORS, 2):
        want = SHIPPED_PAIRS.get((a, b), 0.3)
        got = figures.symmetric[figures.index_of(a), figures.index_of(b)]
        assert got == pytest.approx(want, rel=1e-12), (context, a, b)
    assert figures.standing == pytest.approx(SHIPPED_STANDING, rel=1e-12), context
    assert not figures.s.any(), context


def test_the_shipped_records_figures_do_not_change(db_url: str) -> None:
    """Its attendance carries sources and no acknowledgement: it counts. The
    same figures by a full replay and by a service kept current as the
    record is appended in chunks."""
    drafts = record_drafts()
    attendance = [d for d in drafts if d.type == "AttendanceRecorded"]
    assert attendance and all('"sources":[{' in d.payload_json for d in attendance)
    assert not any('"acknowledged"' in d.payload_json for d in attendance)
    with migrated(db_url) as engine:
        kept = TrustService(engine)
        ledger = SqlLedger(engine)
        for start in range(0, len(drafts), 9):
            ledger.append(drafts[start : start + 9], principal="test")
            kept.figures(SHIPPED_AS_OF)
            kept.figures()
        _assert_shipped(TrustService(engine).figures(SHIPPED_AS_OF), "replay")
        _assert_shipped(kept.figures(SHIPPED_AS_OF), "kept current")
        figures_equal(kept.figures(), TrustService(engine).figures(), "today")
