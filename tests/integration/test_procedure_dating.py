"""Scenarios about dates: what a rule counts is what the record shows *on the
day* the act is dated, never what came after.

- the rank ladder counts the meetings held, at the rank below, in the same
  layer, before the new meeting starts (DESIGN §4.4b);
- a decision dated D counts each position, each participant and each
  attendance as it stood on D (nothing dated after a decision may cause it);
- the silence deadline day belongs to the participants (DESIGN §4.2);
- a provisional period is for participants absent from a meeting they could
  have attended, not for a state that joined after it.

Each scenario runs on SQLite and PostgreSQL (``db_url``), through the Python
API, on the NAPCI record 2013-2014; each refusal appends nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from procedure_helpers import OBSERVERS, PARTICIPANTS, Record, opened, payload, types

from napci.domain.procedure import (
    ConveneMeeting,
    Decide,
    JoinActor,
    RecordPosition,
    StartSilence,
    WithdrawActor,
)


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


# -- the rank ladder ------------------------------------------------------------

RELIEF = ("disaster-relief",)  # no meeting on it in the record of 2013-2014


def senior(meeting: str, starts_on: date, *, layer: str = "track-1") -> ConveneMeeting:
    return ConveneMeeting(
        meeting,
        f"Disaster relief, senior officials ({meeting})",
        RELIEF,
        "senior-official",
        layer,
        starts_on,
        date(2015, 7, 1),
        "KOR",
    )


def test_the_rank_ladder_counts_meetings_held_before_the_new_one_starts(
    record: Record,
) -> None:
    record.meeting("relief-w1", RELIEF, date(2015, 5, 5))
    record.meeting("relief-w2", RELIEF, date(2015, 6, 2))

    # Convened in July for April, before either working meeting was held.
    refusal = record.refused(
        senior("relief-som-april", date(2015, 4, 1)),
        "gradual-rank",
        "a track-1 senior-official meeting on disaster-relief needs 2 track-1 "
        "working meetings held before it starts (2015-04-01); the record shows 0",
    )
    assert refusal.remedy == (
        "Convene it at working rank, or hold 2 more track-1 working meeting(s) "
        "on disaster-relief and have it start after them."
    )
    # Between the two: one qualifies it, and a meeting held on its first day
    # is not held before it.
    record.refused(
        senior("relief-som-may", date(2015, 6, 2)),
        "gradual-rank",
        "the record shows 1",
    )

    events = record.run(senior("relief-som", date(2015, 6, 3)))

    assert types(events) == ["MeetingConvened"]


def test_track_2_seminars_do_not_climb_the_track_1_ladder(record: Record) -> None:
    record.meeting("relief-seminar-1", RELIEF, date(2015, 3, 3), layer="track-2")
    record.meeting("relief-seminar-2", RELIEF, date(2015, 4, 7), layer="track-2")

    record.refused(
        senior("relief-som", date(2015, 6, 1)),
        "gradual-rank",
        "needs 2 track-1 working meetings held before it starts (2015-06-01); "
        "the record shows 0",
    )
    # The seminars do qualify a Track-2 meeting one rank up.
    events = record.run(senior("relief-seminar-som", date(2015, 6, 1), layer="track-2"))
    assert types(events) == ["MeetingConvened"]
    registry = record.registry()
    assert registry.held_before("disaster-relief", "track-2", "working", date.max) == 2
    assert registry.held_before("disaster-relief", "track-1", "working", date.max) == 0
