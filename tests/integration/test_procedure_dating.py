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
    LaunchProject,
    LeaveProject,
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


# -- a decision counts what the record showed on its day -------------------------

MEETING_DAY = date(2015, 4, 14)
LATER = date(2015, 4, 20)
PROPOSAL = "adopt-recognition-environment"


def environment_meeting(
    record: Record,
    attended: tuple[str, ...] = (*PARTICIPANTS, *OBSERVERS),
    absent: tuple[str, ...] = (),
    *,
    attendance_on: date = MEETING_DAY,
) -> None:
    """A working meeting on environment chaired by MNG, which tables a
    recognition; its attendance is recorded on ``attendance_on``."""
    record.convene(
        "environment-2015", ("environment",), MEETING_DAY, host="MNG", chair="MNG"
    )
    record.issue(
        "recognition-environment",
        "recognition",
        MEETING_DAY,
        tracks=("environment",),
        by="MNG",
    )
    record.table(
        PROPOSAL,
        {"kind": "adopt-document", "document": "recognition-environment"},
        MEETING_DAY,
        by="MNG",
        meeting="environment-2015",
    )
    record.attend("environment-2015", attendance_on, attended, absent)
    record.hold("environment-2015", MEETING_DAY)


def test_an_objection_dated_after_the_decision_does_not_cause_it(
    record: Record,
) -> None:
    environment_meeting(record)
    record.position(PROPOSAL, "CHN", "support", MEETING_DAY)
    record.position(
        PROPOSAL, "CHN", "objection", LATER, statement="China has second thoughts."
    )

    events = record.decide(PROPOSAL, MEETING_DAY)

    assert types(events) == ["DecisionAdopted"]
    adopted = payload(events[0])
    assert adopted["adopted_on"] == MEETING_DAY.isoformat()
    assert adopted["joined"] == list(PARTICIPANTS)
    # The statement made with the later objection is not attached either.
    assert adopted.get("statements", []) == []


def test_an_objection_withdrawn_after_the_decision_still_stood_on_its_day(
    record: Record,
) -> None:
    environment_meeting(record)
    record.position(PROPOSAL, "CHN", "objection", MEETING_DAY)
    record.position(PROPOSAL, "CHN", "no-objection", LATER)
    assert record.decision(PROPOSAL).positions["CHN"].position == "no-objection"

    events = record.decide(PROPOSAL, MEETING_DAY)

    assert types(events) == ["ProposalNotAdopted"]
    assert payload(events[0])["by"] == ["CHN"]
    assert payload(events[0])["closed_on"] == MEETING_DAY.isoformat()


def test_a_position_is_the_latest_dated_on_or_before_the_decision(
    record: Record,
) -> None:
    environment_meeting(record)
    # Recorded in this order, dated the other way round: the dates decide.
    record.position(PROPOSAL, "RUS", "objection", date(2015, 4, 16))
    record.position(PROPOSAL, "RUS", "support", date(2015, 4, 15))

    events = record.decide(PROPOSAL, date(2015, 4, 16))

    assert payload(events[0])["by"] == ["RUS"]
    decision = record.decision(PROPOSAL)
    assert decision.positions_on(date(2015, 4, 15))["RUS"].position == "support"
    assert decision.positions_on(date(2015, 4, 16))["RUS"].position == "objection"
    assert "RUS" not in decision.positions_on(MEETING_DAY)


def test_attendance_recorded_after_the_decision_does_not_count_in_it(
    record: Record,
) -> None:
    # Attendance written up a week after the meeting: on the meeting's day the
    # record showed no one present, so no one is counted as having joined.
    environment_meeting(record, attendance_on=LATER)

    events = record.decide(PROPOSAL, MEETING_DAY)

    adopted = payload(events[0])
    assert adopted["joined"] == []
    assert adopted["provisional_for"] == list(PARTICIPANTS)
    # Decided once the attendance is on record, the participants join.
    record.refused(Decide(PROPOSAL, LATER, "KOR"), "provisional-adoption")


def test_a_participant_counts_as_it_stood_on_the_decision_day(
    record: Record,
) -> None:
    environment_meeting(record)
    # MNG withdraws after the meeting and comes back: on the meeting's day it
    # took part, and its objection then blocks.
    record.position(PROPOSAL, "MNG", "objection", MEETING_DAY)
    record.run(WithdrawActor("MNG", date(2015, 5, 1), "MNG"))
    record.run(JoinActor("MNG", date(2015, 6, 1), "MNG"))

    events = record.decide(PROPOSAL, MEETING_DAY)

    assert payload(events[0])["by"] == ["MNG"]
    mng = record.registry().actors["MNG"]
    assert mng.participant_on(MEETING_DAY)
    assert not mng.participant_on(date(2015, 5, 15))
    assert mng.participant_on(date(2015, 6, 1))


def test_a_project_member_who_left_after_the_decision_still_counts_in_it(
    record: Record,
) -> None:
    record.run(
        LaunchProject(
            "dust",
            "Yellow dust",
            ("environment",),
            ("KOR", "CHN", "MNG"),
            date(2015, 4, 1),
            "KOR",
        )
    )
    record.table(
        "widen-dust",
        {"kind": "widen-project", "project": "dust", "tracks": ["disaster-relief"]},
        date(2015, 5, 1),
        by="CHN",
    )
    record.run(StartSilence("widen-dust", date(2015, 5, 15), date(2015, 5, 1), "CHN"))
    record.run(LeaveProject("dust", "MNG", date(2015, 5, 20), "MNG"))

    events = record.decide("widen-dust", date(2015, 5, 21))

    # MNG was a member on the deadline: it joined the members' consensus.
    assert payload(events[0])["joined"] == ["CHN", "KOR", "MNG"]


# -- the silence deadline day belongs to the participants ---------------------

SILENCE_START = date(2015, 6, 1)
DEADLINE = date(2015, 6, 15)


def sejong_under_silence(record: Record) -> None:
    record.table(
        "admit-sejong", {"kind": "admit-observer", "code": "SEJONG"}, SILENCE_START
    )
    record.run(StartSilence("admit-sejong", DEADLINE, SILENCE_START, "KOR"))


def test_the_silence_is_not_closed_on_its_deadline_day(record: Record) -> None:
    sejong_under_silence(record)
    refusal = record.refused(
        Decide("admit-sejong", DEADLINE, "KOR"),
        "silence",
        "admit-sejong is under silence until 2015-06-15, the deadline day included",
    )
    assert refusal.remedy == (
        "Decide after the deadline day, from 2015-06-16; an adoption is dated the "
        "deadline."
    )

    # So an objection on the deadline day still breaks the silence.
    events = record.position("admit-sejong", "CHN", "objection", DEADLINE)

    assert types(events) == ["PositionRecorded", "ProposalNotAdopted"]
    assert payload(events[1])["closed_on"] == DEADLINE.isoformat()
    assert payload(events[1])["reason"] == "silence-broken"


def test_an_unbroken_silence_is_adopted_the_day_after_dated_the_deadline(
    record: Record,
) -> None:
    sejong_under_silence(record)
    record.position("admit-sejong", "JPN", "support", DEADLINE)

    events = record.decide("admit-sejong", date(2015, 6, 16))

    assert types(events) == ["DecisionAdopted", "ObserverAdmitted"]
    assert payload(events[0])["adopted_on"] == DEADLINE.isoformat()
    assert events[0].occurred_at.startswith(DEADLINE.isoformat())
    # Silence was consent: a position after the deadline day is refused.
    record.refused(
        RecordPosition("admit-sejong", "CHN", "objection", date(2015, 6, 16), "CHN"),
        "consensus",
        "admit-sejong is closed (adopted)",
    )


# -- a state that joined after the meeting -------------------------------------


@pytest.mark.parametrize("as_guest", [False, True], ids=["away", "as-guest"])
def test_a_state_that_joined_after_the_meeting_gets_no_provisional_veto(
    record: Record, as_guest: bool
) -> None:
    # The DPRK joins the day after the meeting (which it may attend as a guest).
    environment_meeting(record, attended=(*PARTICIPANTS, *(("PRK",) * as_guest)))
    record.run(JoinActor("PRK", date(2015, 4, 15), "PRK"))

    events = record.decide(PROPOSAL, date(2015, 4, 16))

    # Adopted, final at once: the DPRK could not have attended as a
    # participant, so the adoption is provisional for no one, and it is not
    # counted as having joined a consensus it was not part of.
    assert types(events) == ["DecisionAdopted"]
    adopted = payload(events[0])
    assert adopted["joined"] == list(PARTICIPANTS)
    assert adopted.get("provisional_for", []) == []
    assert record.decision(PROPOSAL).outcome == "adopted"
    record.refused(
        RecordPosition(PROPOSAL, "PRK", "objection", date(2015, 4, 17), "PRK"),
        "consensus",
        "is closed (adopted)",
    )


def test_a_state_that_joined_after_the_meeting_blocks_as_a_participant(
    record: Record,
) -> None:
    environment_meeting(record)
    record.run(JoinActor("PRK", date(2015, 4, 15), "PRK"))
    record.position(PROPOSAL, "PRK", "objection", date(2015, 4, 15))

    events = record.decide(PROPOSAL, date(2015, 4, 16))

    assert types(events) == ["ProposalNotAdopted"]
    assert payload(events[0])["by"] == ["PRK"]
