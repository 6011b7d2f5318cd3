"""Decisions by consensus, under silence, provisional, and consensus minus one.

Scenarios written from the OSCE Rules of Procedure (2006): consensus is the
absence of any objection expressed by a participating State; the silence
procedure adopts a decision when its deadline passes unbroken; a decision on
a clear, gross and uncorrected violation of commitments may be taken without
the consent of the State concerned (consensus minus one). Observers (ASEAN,
the EU) speak but never block, as at ASEAN-led meetings with dialogue
partners. Each scenario runs on SQLite and PostgreSQL (``db_url``), through
the Python API, on the NAPCI record 2013-2014.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from procedure_helpers import (
    OBSERVERS,
    PARTICIPANTS,
    Record,
    opened,
    payload,
    types,
)

from napci.domain.procedure import (
    Decide,
    RecordPosition,
    Refusal,
    RegisterActor,
    StartSilence,
    TableProposal,
    WithdrawProposal,
)


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


MEETING_DAY = date(2015, 4, 14)
RECOGNITION = {"kind": "adopt-document", "document": "recognition-environment"}


def environment_meeting(
    record: Record,
    *,
    attended: tuple[str, ...] = (*PARTICIPANTS, *OBSERVERS),
    absent: tuple[str, ...] = (),
    proposal: str = "adopt-recognition-environment",
    subject: dict[str, object] | None = None,
) -> None:
    """A working meeting on environment, chaired by MNG, with a proposal on it.

    The proposal is tabled at the meeting; the meeting is held; attendance is
    recorded. What the delegations say, and the decision, is up to the test.
    """
    record.convene(
        "environment-2015", ("environment",), MEETING_DAY, host="MNG", chair="MNG"
    )
    if subject is None:
        record.issue(
            "recognition-environment",
            "recognition",
            MEETING_DAY,
            tracks=("environment",),
            by="MNG",
        )
        subject = RECOGNITION
    record.table(proposal, subject, MEETING_DAY, by="MNG", meeting="environment-2015")
    record.attend("environment-2015", MEETING_DAY, attended, absent)
    record.hold("environment-2015", MEETING_DAY)


# -- consensus at a meeting ----------------------------------------------------


def test_an_observer_objection_never_blocks_and_the_decision_records_who_joined(
    record: Record,
) -> None:
    environment_meeting(record)
    record.position("adopt-recognition-environment", "ASEAN", "objection", MEETING_DAY)
    record.position(
        "adopt-recognition-environment",
        "EU",
        "support",
        MEETING_DAY,
        statement="The EU reads 'cooperation' to include its own programmes.",
    )
    record.position(
        "adopt-recognition-environment",
        "CHN",
        "no-objection",
        MEETING_DAY,
        statement="China understands the recognition as non-binding.",
    )
    record.position(
        "adopt-recognition-environment",
        "USA",
        "support",
        MEETING_DAY,
        reservation="Without prejudice to existing bilateral arrangements.",
    )
    # JPN, KOR, MNG, RUS say nothing: abstention is silence, not objection.

    events = record.decide("adopt-recognition-environment", MEETING_DAY)

    assert types(events) == ["DecisionAdopted"]
    adopted = payload(events[0])
    assert adopted["procedure"] == "meeting"
    assert adopted["adopted_on"] == MEETING_DAY.isoformat()
    # Everyone who attended joined the consensus, observers apart.
    assert adopted["joined"] == list(PARTICIPANTS)
    assert adopted.get("provisional_for", []) == []
    assert adopted["observers"] == ["ASEAN", "EU"]
    assert "disregarded_objection_of" not in adopted
    assert adopted["statements"] == [
        {
            "code": "CHN",
            "kind": "interpretative-statement",
            "text": "China understands the recognition as non-binding.",
        },
        {
            "code": "USA",
            "kind": "reservation",
            "text": "Without prejudice to existing bilateral arrangements.",
        },
    ]
    decision = record.decision("adopt-recognition-environment")
    assert decision.outcome == "adopted"
    assert decision.joined == PARTICIPANTS
    assert decision.decided_on == MEETING_DAY
    # The EU's statement is on the record with its position, not attached.
    assert len(decision.statements) == 2
    # The meeting's chair could have closed it too; once closed it stays closed.
    record.refused(
        Decide("adopt-recognition-environment", MEETING_DAY, "MNG"),
        "consensus",
        "is closed (adopted)",
    )


def test_one_participants_objection_is_enough_to_block(record: Record) -> None:
    environment_meeting(record)
    for code in PARTICIPANTS:
        if code != "CHN":
            record.position(
                "adopt-recognition-environment", code, "support", MEETING_DAY
            )
    record.position("adopt-recognition-environment", "CHN", "objection", MEETING_DAY)

    events = record.decide("adopt-recognition-environment", MEETING_DAY)

    assert types(events) == ["ProposalNotAdopted"]
    closed = payload(events[0])
    assert closed["reason"] == "objection"
    assert closed["by"] == ["CHN"]
    assert closed["closed_on"] == MEETING_DAY.isoformat()
    decision = record.decision("adopt-recognition-environment")
    assert (decision.outcome, decision.reason, decision.by) == (
        "not-adopted",
        "objection",
        ("CHN",),
    )
    # No one joined a consensus that did not happen.
    assert decision.joined == ()
    record.refused(
        RecordPosition(
            "adopt-recognition-environment", "CHN", "support", MEETING_DAY, "CHN"
        ),
        "consensus",
        "closed (not-adopted)",
        "A position can change only until the decision closes.",
    )


def test_an_amendment_blocks_a_meeting_decision_as_well(record: Record) -> None:
    environment_meeting(record)
    record.position(
        "adopt-recognition-environment",
        "RUS",
        "amendment",
        MEETING_DAY,
        amendment="Add the Arctic to the region concerned.",
    )
    events = record.decide("adopt-recognition-environment", MEETING_DAY)
    assert payload(events[0])["reason"] == "amendment"
    assert payload(events[0])["by"] == ["RUS"]


def test_a_position_can_change_until_the_decision_closes(record: Record) -> None:
    environment_meeting(record)
    record.position("adopt-recognition-environment", "JPN", "objection", MEETING_DAY)
    record.position(
        "adopt-recognition-environment",
        "JPN",
        "no-objection",
        MEETING_DAY,
        statement="Japan joins after the chair's clarification.",
    )

    events = record.decide("adopt-recognition-environment", MEETING_DAY)

    assert types(events) == ["DecisionAdopted"]
    assert "JPN" in payload(events[0])["joined"]
    decision = record.decision("adopt-recognition-environment")
    assert [p.position for p in decision.history] == ["objection", "no-objection"]
    assert decision.positions["JPN"].position == "no-objection"
    # After the decision, no position changes.
    record.refused(
        RecordPosition(
            "adopt-recognition-environment", "JPN", "objection", MEETING_DAY, "JPN"
        ),
        "consensus",
        "A position can change only until the decision closes.",
    )


def test_a_meeting_decision_waits_for_the_meeting_and_its_chair(
    record: Record,
) -> None:
    record.convene("environment-2015", ("environment",), MEETING_DAY, chair="MNG")
    record.issue(
        "recognition-environment", "recognition", MEETING_DAY, tracks=("environment",)
    )
    record.table(
        "adopt-recognition-environment",
        RECOGNITION,
        MEETING_DAY,
        meeting="environment-2015",
    )
    record.refused(
        Decide("adopt-recognition-environment", MEETING_DAY, "KOR"),
        "consensus",
        "meeting environment-2015 has not been held",
    )
    record.attend("environment-2015", MEETING_DAY)
    record.hold("environment-2015", MEETING_DAY)
    record.refused(
        Decide("adopt-recognition-environment", MEETING_DAY, "JPN"),
        "facilitator",
        "JPN cannot close adopt-recognition-environment",
    )
    # Not at a meeting and not under silence: nothing to decide it by.
    record.table("adopt-elsewhere", RECOGNITION, MEETING_DAY)
    record.refused(
        Decide("adopt-elsewhere", MEETING_DAY, "KOR"),
        "consensus",
        "neither tabled at a meeting nor under silence",
    )
    events = record.decide("adopt-recognition-environment", MEETING_DAY, by="MNG")
    assert types(events) == ["DecisionAdopted"]


def test_only_recognitions_and_visions_are_adopted_by_consensus(
    record: Record,
) -> None:
    record.convene("environment-2015", ("environment",), MEETING_DAY, chair="MNG")
    record.issue(
        "chair-summary-2015",
        "chair-statement",
        MEETING_DAY,
        by="MNG",
        meeting="environment-2015",
    )
    record.refused(
        TableProposal(
            "adopt-chair-summary",
            "Adopt the chair's summary",
            {"kind": "adopt-document", "document": "chair-summary-2015"},
            MEETING_DAY,
            "KOR",
        ),
        "chair-statement",
        "a chair-statement is issued by its author alone",
        "Only recognition and vision documents are adopted by consensus.",
    )
    record.refused(
        TableProposal(
            "adopt-nothing",
            "Adopt a document never issued",
            {"kind": "adopt-document", "document": "no-such-document"},
            MEETING_DAY,
            "KOR",
        ),
        "registry",
        "document no-such-document has not been issued",
    )


def test_the_proposer_alone_withdraws_an_open_proposal(record: Record) -> None:
    environment_meeting(record)
    record.refused(
        WithdrawProposal("adopt-recognition-environment", MEETING_DAY, "KOR"),
        "own-act",
        "only MNG, who tabled adopt-recognition-environment, can withdraw it",
    )
    events = record.run(
        WithdrawProposal("adopt-recognition-environment", MEETING_DAY, "MNG")
    )
    assert types(events) == ["ProposalWithdrawn"]
    assert record.decision("adopt-recognition-environment").outcome == "withdrawn"
    record.refused(
        Decide("adopt-recognition-environment", MEETING_DAY, "KOR"),
        "consensus",
        "is closed (withdrawn)",
    )


# -- the silence procedure -----------------------------------------------------

SILENCE_START = date(2015, 6, 1)
DEADLINE = date(2015, 6, 15)


def observer_proposal_under_silence(record: Record) -> None:
    """The OSCE is registered; KOR proposes it as an observer, under silence."""
    record.run(
        RegisterActor(
            "OSCE",
            "Organization for Security and Co-operation in Europe",
            "organisation",
            "track-1",
            SILENCE_START,
            "KOR",
        )
    )
    record.table(
        "admit-osce", {"kind": "admit-observer", "code": "OSCE"}, SILENCE_START
    )
    events = record.run(StartSilence("admit-osce", DEADLINE, SILENCE_START, "KOR"))
    assert types(events) == ["SilenceProcedureStarted"]


def test_silence_broken_by_an_amendment_closes_the_proposal(record: Record) -> None:
    observer_proposal_under_silence(record)
    record.refused(
        RecordPosition("admit-osce", "USA", "amendment", date(2015, 6, 10), "USA"),
        "consensus",
        "a position 'amendment' needs the amended text",
    )

    events = record.position(
        "admit-osce",
        "USA",
        "amendment",
        date(2015, 6, 10),
        amendment="Admit the OSCE as a partner for cooperation instead.",
    )

    assert types(events) == ["PositionRecorded", "ProposalNotAdopted"]
    broken = payload(events[1])
    assert broken == {
        "proposal": "admit-osce",
        "closed_on": "2015-06-10",
        "reason": "silence-broken",
        "by": ["USA"],
    }
    decision = record.decision("admit-osce")
    assert (decision.outcome, decision.reason) == ("not-adopted", "silence-broken")
    assert "observer" not in record.registry().actors["OSCE"].roles
    record.refused(
        Decide("admit-osce", DEADLINE, "KOR"), "consensus", "closed (not-adopted)"
    )


def test_silence_that_expires_unbroken_adopts_on_the_deadline(record: Record) -> None:
    observer_proposal_under_silence(record)
    # An observer's objection does not break the silence.
    events = record.position("admit-osce", "EU", "objection", date(2015, 6, 5))
    assert types(events) == ["PositionRecorded"]
    record.position("admit-osce", "JPN", "support", date(2015, 6, 6))
    record.refused(
        Decide("admit-osce", date(2015, 6, 14), "KOR"),
        "silence",
        "admit-osce is under silence until 2015-06-15",
        "Decide after the deadline day, from 2015-06-16",
    )
    record.refused(
        StartSilence("admit-osce", date(2015, 7, 1), date(2015, 6, 2), "KOR"),
        "silence",
        "under silence until 2015-06-15",
    )

    events = record.decide("admit-osce", date(2015, 6, 20))

    assert types(events) == ["DecisionAdopted", "ObserverAdmitted"]
    adopted = payload(events[0])
    assert adopted["procedure"] == "silence"
    assert adopted["adopted_on"] == DEADLINE.isoformat()
    assert events[0].occurred_at.startswith("2015-06-15")
    assert adopted["joined"] == list(PARTICIPANTS)
    assert adopted["observers"] == ["EU"]
    assert payload(events[1]) == {
        "code": "OSCE",
        "admitted_on": "2015-06-15",
        "decision": "admit-osce",
    }
    assert "observer" in record.registry().actors["OSCE"].roles


def test_who_may_start_the_silence_procedure(record: Record) -> None:
    record.table(
        "admit-later",
        {"kind": "admit-observer", "code": "SEJONG"},
        SILENCE_START,
        by="JPN",
    )
    record.refused(
        StartSilence("admit-later", DEADLINE, SILENCE_START, "CHN"),
        "silence",
        "CHN cannot start the silence procedure",
    )
    record.refused(
        StartSilence("admit-later", SILENCE_START, SILENCE_START, "JPN"),
        "silence",
        "the silence deadline must come after the day it starts",
    )
    # The proposer may, as the facilitator may.
    events = record.run(StartSilence("admit-later", DEADLINE, SILENCE_START, "JPN"))
    assert types(events) == ["SilenceProcedureStarted"]


# -- provisional adoption ------------------------------------------------------

ADD_MARITIME = {
    "kind": "add-track",
    "track": "maritime-safety",
    "name": {"en": "Maritime safety and search and rescue"},
    "category": "soft",
}


def provisional_adoption(record: Record) -> list[object]:
    """MNG is absent when the meeting adopts a new soft track."""
    environment_meeting(
        record,
        attended=("CHN", "JPN", "KOR", "RUS", "USA"),
        absent=("MNG",),
        proposal="add-maritime-safety",
        subject=ADD_MARITIME,
    )
    events = record.decide("add-maritime-safety", MEETING_DAY)
    # The facts so far: adopted for those present, provisional for MNG, and
    # no consequence yet: the track is not on the agenda.
    assert types(events) == ["DecisionAdopted"]
    adopted = payload(events[0])
    assert adopted["joined"] == ["CHN", "JPN", "KOR", "RUS", "USA"]
    assert adopted["provisional_for"] == ["MNG"]
    assert adopted["provisional_until"] == "2015-04-28"  # 14 days, the default
    decision = record.decision("add-maritime-safety")
    assert decision.outcome == "provisional"
    assert "maritime-safety" not in record.registry().tracks
    return list(events)


def test_an_absent_participants_objection_undoes_a_provisional_adoption(
    record: Record,
) -> None:
    provisional_adoption(record)
    # Only the absent participant may still object.
    record.refused(
        RecordPosition(
            "add-maritime-safety", "CHN", "objection", date(2015, 4, 20), "CHN"
        ),
        "provisional-adoption",
        "only MNG, absent when it was, may still object",
    )

    events = record.position(
        "add-maritime-safety", "MNG", "objection", date(2015, 4, 27)
    )

    assert types(events) == ["PositionRecorded", "ProvisionalAdoptionUndone"]
    assert payload(events[1]) == {
        "proposal": "add-maritime-safety",
        "undone_on": "2015-04-27",
        "objected_by": ["MNG"],
        "reason": "objection",
    }
    decision = record.decision("add-maritime-safety")
    assert decision.outcome == "not-adopted"
    assert decision.by == ("MNG",)
    assert "maritime-safety" not in record.registry().tracks
    record.refused(
        Decide("add-maritime-safety", date(2015, 5, 1), "KOR"),
        "consensus",
        "closed (not-adopted)",
    )


def test_a_provisional_adoption_is_confirmed_after_the_silence_period(
    record: Record,
) -> None:
    provisional_adoption(record)
    record.refused(
        Decide("add-maritime-safety", date(2015, 4, 28), "KOR"),
        "provisional-adoption",
        "stays provisional for MNG until 2015-04-28",
        "Decide again after that day to confirm it.",
    )
    # MNG's support within the period does not undo anything.
    events = record.position("add-maritime-safety", "MNG", "support", date(2015, 4, 20))
    assert types(events) == ["PositionRecorded"]

    events = record.decide("add-maritime-safety", date(2015, 4, 29))

    assert types(events) == ["DecisionConfirmed", "TrackAdded"]
    assert payload(events[0]) == {
        "proposal": "add-maritime-safety",
        "confirmed_on": "2015-04-29",
    }
    added = payload(events[1])
    assert (added["code"], added["category"], added["decision"]) == (
        "maritime-safety",
        "soft",
        "add-maritime-safety",
    )
    assert record.decision("add-maritime-safety").outcome == "adopted"
    track = record.registry().tracks["maritime-safety"]
    assert (track.category, track.added_on) == ("soft", date(2015, 4, 29))
    # Too late to object now.
    record.refused(
        RecordPosition(
            "add-maritime-safety", "MNG", "objection", date(2015, 5, 2), "MNG"
        ),
        "consensus",
        "closed (adopted)",
    )


def test_an_objection_after_the_silence_period_is_refused(record: Record) -> None:
    provisional_adoption(record)
    record.refused(
        RecordPosition(
            "add-maritime-safety", "MNG", "objection", date(2015, 4, 29), "MNG"
        ),
        "provisional-adoption",
        "the silence period for add-maritime-safety ended on 2015-04-28",
    )


def test_an_amended_silence_period_applies_to_later_adoptions(record: Record) -> None:
    """procedure.silence_days is itself amended by consensus (under silence)."""
    record.table(
        "shorter-silence",
        {"kind": "amend-rules", "changes": {"procedure.silence_days": 7}},
        date(2015, 1, 5),
    )
    record.run(
        StartSilence("shorter-silence", date(2015, 1, 20), date(2015, 1, 5), "KOR")
    )
    events = record.decide("shorter-silence", date(2015, 1, 21))
    assert types(events) == ["DecisionAdopted", "RulesAmended"]
    assert payload(events[1])["changes"] == {"procedure.silence_days": 7}

    environment_meeting(
        record,
        attended=("CHN", "JPN", "KOR", "RUS", "USA"),
        absent=("MNG",),
        proposal="add-maritime-safety",
        subject=ADD_MARITIME,
    )
    events = record.decide("add-maritime-safety", MEETING_DAY)
    assert (
        payload(events[0])["provisional_until"]
        == (MEETING_DAY + timedelta(days=7)).isoformat()
    )


# -- consensus minus one -------------------------------------------------------


def violation(concerned: str) -> dict[str, object]:
    return {
        "kind": "violation",
        "concerned": concerned,
        "commitment": "disaster-drill-rus",
        "finding": f"{concerned} has not shared the drill data it committed to, "
        "after three reminders: a clear, gross and uncorrected violation.",
    }


def test_consensus_minus_one_disregards_the_concerned_participants_objection(
    record: Record,
) -> None:
    environment_meeting(record, proposal="finding-rus", subject=violation("RUS"))
    record.position("finding-rus", "RUS", "objection", MEETING_DAY)

    events = record.decide("finding-rus", MEETING_DAY)

    assert types(events) == ["DecisionAdopted"]
    adopted = payload(events[0])
    assert adopted["disregarded_objection_of"] == "RUS"
    assert adopted["joined"] == ["CHN", "JPN", "KOR", "MNG", "USA"]
    assert adopted.get("provisional_for", []) == []
    decision = record.decision("finding-rus")
    assert (decision.outcome, decision.disregarded) == ("adopted", "RUS")


def test_consensus_minus_one_is_not_consensus_minus_two(record: Record) -> None:
    environment_meeting(record, proposal="finding-rus", subject=violation("RUS"))
    record.position("finding-rus", "RUS", "objection", MEETING_DAY)
    record.position("finding-rus", "CHN", "objection", MEETING_DAY)

    events = record.decide("finding-rus", MEETING_DAY)

    assert types(events) == ["ProposalNotAdopted"]
    assert payload(events[0])["reason"] == "objection"
    assert payload(events[0])["by"] == ["CHN"]


def test_consensus_minus_one_under_silence(record: Record) -> None:
    record.table("finding-rus", violation("RUS"), SILENCE_START)
    record.run(StartSilence("finding-rus", DEADLINE, SILENCE_START, "KOR"))
    # The concerned participant's objection does not break the silence.
    events = record.position("finding-rus", "RUS", "objection", date(2015, 6, 3))
    assert types(events) == ["PositionRecorded"]

    events = record.decide("finding-rus", DEADLINE + timedelta(days=1))

    adopted = payload(events[0])
    assert (adopted["procedure"], adopted["disregarded_objection_of"]) == (
        "silence",
        "RUS",
    )
    assert "RUS" not in adopted["joined"]


def test_a_violation_concerns_a_participant(record: Record) -> None:
    record.refused(
        TableProposal("finding-prk", "Finding", violation("PRK"), SILENCE_START, "KOR"),
        "consensus-minus-one",
        "PRK is not a participant",
    )


# -- chronology: known bugs, kept as strict expected failures ------------------


def test_no_decision_predates_its_proposal(record: Record) -> None:
    record.meeting("environment-2015", ("environment",), date(2015, 3, 1))
    record.issue(
        "recognition-environment",
        "recognition",
        date(2015, 3, 1),
        tracks=("environment",),
    )
    record.table(
        "adopt-recognition-environment",
        RECOGNITION,
        date(2015, 5, 1),
        meeting="environment-2015",
    )
    record.refused(
        Decide("adopt-recognition-environment", date(2015, 3, 1), "KOR"), "consensus"
    )


def test_no_position_predates_its_proposal(record: Record) -> None:
    record.table("admit-sejong", {"kind": "admit-observer", "code": "SEJONG"}, DEADLINE)
    record.refused(
        RecordPosition("admit-sejong", "JPN", "support", SILENCE_START, "JPN"),
        "consensus",
    )


def test_no_silence_adoption_predates_its_proposal(record: Record) -> None:
    tabled = date(2015, 7, 1)
    record.table("admit-sejong", {"kind": "admit-observer", "code": "SEJONG"}, tabled)
    try:
        record.run(StartSilence("admit-sejong", DEADLINE, SILENCE_START, "KOR"))
        events = record.decide("admit-sejong", date(2015, 7, 2))
    except Refusal:
        return
    assert date.fromisoformat(payload(events[0])["adopted_on"]) >= tabled


def test_an_objector_is_never_listed_as_joining_the_consensus(record: Record) -> None:
    observer_proposal_under_silence(record)
    try:
        record.position("admit-osce", "CHN", "objection", date(2015, 6, 20))
    except Refusal:
        return  # refusing a position once the silence has ended is a fix too
    events = record.decide("admit-osce", date(2015, 6, 21))
    assert "CHN" not in payload(events[0]).get("joined", [])


def test_a_confirmed_provisional_vision_is_adopted_by_all(record: Record) -> None:
    day = date(2016, 3, 1)
    record.convene("vision-2016", ("environment",), day)
    record.issue("vision-2016", "vision", day)
    record.table(
        "adopt-vision-2016",
        {"kind": "adopt-document", "document": "vision-2016"},
        day,
        meeting="vision-2016",
    )
    record.attend("vision-2016", day, ("CHN", "JPN", "KOR", "RUS", "USA"), ("MNG",))
    record.hold("vision-2016", day)
    record.decide("adopt-vision-2016", day)
    assert types(record.decide("adopt-vision-2016", date(2016, 3, 16))) == [
        "DecisionConfirmed"
    ]
    status = record.platform.status(date(2016, 3, 31))
    vision = {c.name: c for c in status.checks[2].criteria}[
        "a common vision adopted by all participants"
    ]
    assert vision.met
