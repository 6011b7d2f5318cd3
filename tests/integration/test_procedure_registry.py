"""Open participation, meetings, incidents, refusals, the adviser, ownership.

"The DPRK can participate at any stage": states take part by their own
notification and no one can veto it; organisations are observers, by
consensus (DESIGN §2, §4.6). Every refusal names its rule and appends
nothing; invalid values fail validation and append nothing either. The
overlap adviser recommends revitalising, widening (TRM to TRM+) or creating
(cyberspace) from the brochure's table of mechanisms (§4.5). Each scenario
runs on SQLite and PostgreSQL through the Python API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from procedure_helpers import PARTICIPANTS, Record, opened, payload, types

from napci.domain.key_requests import make_key_request
from napci.domain.procedure import (
    AcknowledgeAttendance,
    AssessCommitments,
    CancelMeeting,
    ConfirmAttendance,
    ConveneMeeting,
    Decide,
    FulfilCommitment,
    HoldMeeting,
    InviteActor,
    JoinActor,
    JoinProject,
    LaunchProject,
    MakeCommitment,
    RecordAttendance,
    RecordIncident,
    RecordPosition,
    Refusal,
    RegisterActor,
    StartSilence,
    TableProposal,
    WithdrawActor,
    WithdrawProposal,
    advise,
    next_host,
    ownership,
)
from napci.domain.signing import generate_key_pair
from napci.services.keys import submit_key_request
from napci.services.procedure import context_for, execute, judge


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


# -- open participation --------------------------------------------------------


def test_the_dprk_joins_by_its_own_notification_at_any_stage(record: Record) -> None:
    on = date(2016, 3, 1)
    registry = record.registry()
    assert registry.actors["PRK"].status == "invited"
    refusal = record.refused(
        JoinActor("PRK", on, "KOR"),
        "own-act",
        "KOR cannot notify participation for PRK: no one acts for another",
    )
    assert refusal.remedy == "PRK's delegation must do it itself."
    record.refused(JoinActor("PRK", on, "CHN"), "own-act")

    events = record.run(JoinActor("PRK", on, "PRK"))

    assert types(events) == ["ActorJoined"]
    assert events[0].actor == "PRK"
    assert payload(events[0]) == {"code": "PRK", "joined_on": "2016-03-01"}
    prk = record.registry().actors["PRK"]
    assert (prk.status, prk.joined_on) == ("participant", on)
    assert record.registry().participants() == sorted((*PARTICIPANTS, "PRK"))
    record.refused(
        JoinActor("PRK", date(2016, 3, 2), "PRK"),
        "open-participation",
        "PRK already takes part (since 2016-03-01)",
    )
    # A participant now: its objection blocks like anyone's.
    record.table("admit-sejong", {"kind": "admit-observer", "code": "SEJONG"}, on)
    record.run(StartSilence("admit-sejong", date(2016, 3, 15), on, "KOR"))
    events = record.position("admit-sejong", "PRK", "objection", date(2016, 3, 5))
    assert types(events) == ["PositionRecorded", "ProposalNotAdopted"]


def test_an_organisation_takes_part_as_an_observer_not_a_participant(
    record: Record,
) -> None:
    refusal = record.refused(
        JoinActor("ASEAN", date(2015, 1, 5), "ASEAN"),
        "open-participation",
        "ASEAN is an organisation; organisations and institutes take part as observers",
    )
    assert refusal.remedy is not None
    assert "admit-observer" in refusal.remedy
    record.refused(
        JoinActor("NATO", date(2015, 1, 5), "NATO"),
        "registry",
        "NATO is not in the registry",
    )


def test_observer_status_is_granted_by_consensus(record: Record) -> None:
    on = date(2015, 2, 2)
    osce = RegisterActor(
        "OSCE",
        "Organization for Security and Co-operation in Europe",
        "organisation",
        "track-1",
        on,
        "KOR",
    )
    record.refused(
        RegisterActor("OSCE", "OSCE", "organisation", "track-1", on, "JPN"),
        "facilitator",
        "registering an actor is the facilitator's (KOR) to record, not JPN's",
    )
    events = record.run(osce)
    assert types(events) == ["ActorRegistered"]
    record.refused(osce, "registry", "OSCE is already registered")
    refusal = record.refused(JoinActor("OSCE", on, "OSCE"), "open-participation")
    assert refusal.remedy == "Table an admit-observer proposal for OSCE."
    record.refused(
        TableProposal(
            "admit-osce",
            "Admit",
            {"kind": "admit-observer", "code": "OSCE"},
            on,
            "OSCE",
        ),
        "observer",
        "OSCE is not a participant: only participants table proposals",
    )

    record.convene("osce-2015", ("disaster-relief",), on, host="KOR")
    record.table(
        "admit-osce",
        {"kind": "admit-observer", "code": "OSCE"},
        on,
        by="JPN",
        meeting="osce-2015",
    )
    record.attend("osce-2015", on)
    record.hold("osce-2015", on)
    events = record.decide("admit-osce", on)

    assert types(events) == ["DecisionAdopted", "ObserverAdmitted"]
    assert payload(events[1])["decision"] == "admit-osce"
    assert "OSCE" in record.registry().observers()
    record.refused(
        TableProposal(
            "admit-osce-again",
            "Again",
            {"kind": "admit-observer", "code": "OSCE"},
            on,
            "KOR",
        ),
        "observer",
        "OSCE is an observer",
    )
    record.refused(
        TableProposal(
            "admit-china", "China", {"kind": "admit-observer", "code": "CHN"}, on, "KOR"
        ),
        "observer",
        "CHN is a participant",
    )


def test_a_participant_withdraws_by_its_own_notification(record: Record) -> None:
    on = date(2015, 9, 1)
    record.refused(
        WithdrawActor("MNG", on, "KOR"),
        "own-act",
        "KOR cannot withdraw for MNG",
    )
    events = record.run(WithdrawActor("MNG", on, "MNG", "domestic review"))
    assert types(events) == ["ActorWithdrew"]
    assert payload(events[0])["reason"] == "domestic review"
    mng = record.registry().actors["MNG"]
    assert (mng.status, mng.withdrew_on) == ("withdrawn", on)
    assert "MNG" not in record.registry().participants()
    record.refused(
        WithdrawActor("MNG", on, "MNG"),
        "open-participation",
        "MNG is not a participant",
    )
    record.refused(
        TableProposal(
            "admit-ifans",
            "IFANS",
            {"kind": "admit-observer", "code": "IFANS"},
            date(2015, 9, 2),
            "MNG",
        ),
        "observer",
        "MNG is not a participant",
    )
    # Open participation: it may come back at any time, by its own act.
    events = record.run(JoinActor("MNG", date(2016, 1, 4), "MNG"))
    assert types(events) == ["ActorJoined"]
    assert "MNG" in record.registry().participants()


def test_invitations_come_from_the_facilitator(record: Record) -> None:
    on = date(2015, 1, 12)
    record.refused(
        InviteActor("PRK", on, "CHN"),
        "facilitator",
        "an invitation is the facilitator's (KOR) to record, not CHN's",
        "Act as KOR.",
    )
    record.refused(
        InviteActor("JPN", on, "KOR"), "open-participation", "JPN already takes part"
    )
    events = record.run(InviteActor("PRK", on, "KOR", "at any stage"))
    assert payload(events[0])["invited_by"] == "KOR"
    assert record.registry().actors["PRK"].invited_on == on


# -- meetings ------------------------------------------------------------------


def test_a_meeting_from_convening_to_holding(record: Record) -> None:
    day = date(2015, 3, 10)

    def convene(by: str, meeting: str = "energy-2015") -> ConveneMeeting:
        return ConveneMeeting(
            meeting,
            "Energy",
            ("energy-security",),
            "working",
            "track-1",
            day,
            day,
            by,
            "JPN",
        )

    record.refused(
        convene("CHN"),
        "facilitator",
        "CHN cannot convene energy-2015: the facilitator or the host convenes",
    )
    events = record.run(convene("JPN"))  # the host
    assert types(events) == ["MeetingConvened"]
    record.refused(convene("KOR"), "registry", "the meeting id energy-2015 is taken")
    record.refused(
        ConfirmAttendance("energy-2015", "CHN", day, "KOR"),
        "own-act",
        "KOR cannot confirm attendance for CHN",
    )
    record.run(
        ConfirmAttendance("energy-2015", "CHN", day, "CHN"),
        ConfirmAttendance("energy-2015", "RUS", day, "RUS"),
    )
    record.refused(
        RecordAttendance("energy-2015", "CHN", True, day, "CHN"),
        "facilitator",
        "attendance of energy-2015 is recorded by the facilitator, the host or the "
        "chair, not CHN",
    )
    # RUS confirmed and did not come: a no-show. The host reports; its report
    # counts for itself, and for each other delegation once it acknowledges.
    record.attend("energy-2015", day, ("KOR", "JPN", "CHN"), ("RUS",), by="JPN")
    reported = record.registry().meetings["energy-2015"]
    assert (reported.attended, reported.absent) == ({"JPN"}, set())
    assert reported.pending() == ["CHN", "KOR", "RUS"]
    for code in ("KOR", "CHN", "RUS"):
        record.run(
            AcknowledgeAttendance("energy-2015", code, day, code), secretariat=False
        )
    events = record.run(HoldMeeting("energy-2015", day, "JPN"))
    assert types(events) == ["MeetingHeld"]
    record.refused(
        HoldMeeting("energy-2015", day, "KOR"), "meetings", "is already held"
    )
    record.refused(
        CancelMeeting("energy-2015", day, "KOR"),
        "meetings",
        "meeting energy-2015 is held",
    )
    meeting = record.registry().meetings["energy-2015"]
    assert (meeting.status, meeting.attended, meeting.absent, meeting.confirmed) == (
        "held",
        {"KOR", "JPN", "CHN"},
        {"RUS"},
        {"CHN", "RUS"},
    )
    figures = record.platform.trust.figures(date(2015, 3, 31))
    kor, rus = figures.index_of("KOR"), figures.index_of("RUS")
    assert figures.s[kor, rus].sum() > 0  # the no-show counts against RUS
    assert figures.s[rus, kor].sum() == 0


def test_a_cancelled_meeting_records_no_attendance(record: Record) -> None:
    day = date(2015, 3, 10)
    record.convene("energy-2015", ("energy-security",), day)
    events = record.run(CancelMeeting("energy-2015", day, "KOR", "typhoon"))
    assert types(events) == ["MeetingCancelled"]
    record.refused(
        RecordAttendance("energy-2015", "CHN", True, day, "KOR"),
        "meetings",
        "meeting energy-2015 was cancelled",
    )
    record.refused(
        ConfirmAttendance("energy-2015", "CHN", day, "CHN"),
        "meetings",
        "meeting energy-2015 is cancelled",
    )
    record.refused(
        TableProposal(
            "admit-sejong",
            "Sejong",
            {"kind": "admit-observer", "code": "SEJONG"},
            day,
            "KOR",
            "energy-2015",
        ),
        "registry",
        "meeting energy-2015 is not convened",
    )


# -- incidents -----------------------------------------------------------------


def incident(**changes: Any) -> RecordIncident:
    fields: dict[str, Any] = {
        "incident": "fishing-2015-1",
        "parties": ("CHN", "JPN"),
        "occurred_on": date(2015, 5, 2),
        "severity": 2,
        "description": "Coast guard vessels collide near disputed waters.",
        "source_title": "Kyodo News, 2 May 2015",
        "on": date(2015, 5, 2),
        "by": "KOR",
        "source_url": "https://example.org/kyodo/2015-05-02",
        "tracks": ("disaster-relief",),
    }
    fields.update(changes)
    return RecordIncident(**fields)


def test_incidents_are_recorded_by_the_facilitator_with_a_source(
    record: Record,
) -> None:
    record.refused(incident(severity=6), "incidents", "severity runs from 1 to 5")
    record.refused(
        incident(parties=("CHN", "CHN")),
        "incidents",
        "an incident is between two actors or more",
    )
    events = record.run(incident())
    assert types(events) == ["IncidentRecorded"]
    assert events[0].classification == "participants"
    assert payload(events[0])["sources"] == [
        {
            "title": "Kyodo News, 2 May 2015",
            "url": "https://example.org/kyodo/2015-05-02",
        }
    ]
    record.refused(incident(), "registry", "the incident id fishing-2015-1 is taken")
    figures = record.platform.trust.figures(date(2015, 5, 31))
    chn, jpn = figures.index_of("CHN"), figures.index_of("JPN")
    assert figures.s[chn, jpn].sum() == pytest.approx(figures.s[jpn, chn].sum())
    assert figures.s[chn, jpn].sum() > 0


# -- refusals and invalid commands append nothing ------------------------------


def test_invalid_and_unauthorised_commands_append_nothing(record: Record) -> None:
    on = date(2015, 6, 1)
    record.table("admit-sejong", {"kind": "admit-observer", "code": "SEJONG"}, on)
    future = datetime.now(UTC).date() + timedelta(days=400)
    refusals: list[tuple[str, Any, str, str]] = [
        (
            "unknown proposal",
            RecordPosition("no-such-proposal", "JPN", "objection", on, "JPN"),
            "registry",
            "proposal no-such-proposal has not been tabled",
        ),
        (
            "unknown track",
            ConveneMeeting(
                "space-2015",
                "Space",
                ("space-weather",),
                "working",
                "track-1",
                on,
                on,
                "KOR",
            ),
            "known-track",
            "space-weather is not a track on the agenda",
        ),
        (
            "an incident recorded by a non-facilitator",
            incident(by="JPN"),
            "facilitator",
            "recording an incident is the facilitator's (KOR) to record, not JPN's",
        ),
        (
            "an observer tabling a proposal",
            TableProposal(
                "admit-ifans",
                "IFANS",
                {"kind": "admit-observer", "code": "IFANS"},
                on,
                "EU",
            ),
            "observer",
            "EU is not a participant: only participants table proposals",
        ),
        (
            "a position recorded by someone else",
            RecordPosition("admit-sejong", "CHN", "objection", on, "KOR"),
            "own-act",
            "KOR cannot record a position for CHN",
        ),
        (
            "an incident without a source",
            incident(source_title="  ", source_url=None),
            "incidents",
            "an incident needs its source",
        ),
        (
            "a future date",
            RecordPosition("admit-sejong", "JPN", "objection", future, "JPN"),
            "no-future",
            f"the position is dated {future.isoformat()}, after today",
        ),
        (
            "an institute's position",
            RecordPosition("admit-sejong", "IFANS", "support", on, "IFANS"),
            "consensus",
            "IFANS is neither a participant nor an observer",
        ),
    ]
    for label, command, rule, message in refusals:
        before = record.head()
        record.refused(command, rule, message)
        assert record.head() == before, label

    # Values that make no valid event fail validation, and append nothing.
    record.invalid(
        RegisterActor(
            "NEAT",
            "Network of East Asian Think-tanks",
            "alliance",
            "track-2",
            on,
            "KOR",
        ),
        "kind: Input should be 'state', 'organisation' or 'institute'",
    )
    record.invalid(
        RecordPosition("admit-sejong", "JPN", "veto", on, "JPN"),
        "position: Input should be",
    )
    record.invalid(
        TableProposal(
            "p-bogus", "Bogus", {"kind": "expel-member", "code": "JPN"}, on, "KOR"
        ),
        "subject",
    )
    record.invalid(
        TableProposal(
            "p-rules",
            "Rules",
            {"kind": "amend-rules", "changes": {"procedure.silence_days": 1000}},
            on,
            "KOR",
        ),
        "procedure.silence_days",
    )
    record.invalid(
        ConveneMeeting(
            "m-layer", "Layer", ("environment",), "working", "track-9", on, on, "KOR"
        ),
        "layer",
    )


# -- the facilitator's secretariat and the ROK's delegation ----------------------


def _working(meeting: str, title: str, on: date, *, host: str) -> ConveneMeeting:
    """A working-level environment meeting convened by the facilitator."""
    return ConveneMeeting(
        meeting, title, ("environment",), "working", "track-1", on, on, "KOR", host=host
    )


def test_the_facilitators_delegation_has_a_participants_powers_only(
    record: Record,
) -> None:
    """The ROK is the facilitator and a participant. Acting as its delegation,
    not as the secretariat (``secretariat=False``, as a delegate of KOR does
    through the API and the pages), it has a participant's powers: every act
    the rules reserve to the facilitator is refused, naming the rule, the
    capacity and who can do it, and nothing is appended. What it does as a
    participant, host, proposer or founder, it still does."""
    on = date(2015, 6, 1)
    later = on + timedelta(days=30)
    sejong = {"kind": "admit-observer", "code": "SEJONG"}
    record.meeting("chaired", ["environment"], on, host="JPN", chair="JPN")
    record.convene("hosted", ["environment"], on, host="JPN")
    record.table("p-jpn", sejong, on, by="JPN", meeting="chaired")
    record.run(LaunchProject("pr", "Haze", ("environment",), ("JPN", "MNG"), on, "JPN"))
    record.run(JoinProject("pr", "MNG", on, "MNG"))  # the founder JPN named
    record.run(MakeCommitment("c-jpn", "pr", "JPN", "station data", on, on, "JPN", 0))
    secretariat_acts: list[tuple[Any, str]] = [
        (
            RegisterActor("OSCE", "OSCE", "organisation", "track-1", on, "KOR"),
            "facilitator",
        ),
        (InviteActor("PRK", on, "KOR"), "facilitator"),
        (
            _working("m-new", "New", on, host="JPN"),
            "facilitator",
        ),
        (RecordAttendance("hosted", "JPN", True, on, "KOR"), "facilitator"),
        (HoldMeeting("hosted", on, "KOR"), "facilitator"),
        (CancelMeeting("hosted", on, "KOR"), "facilitator"),
        (StartSilence("p-jpn", later, on, "KOR"), "silence"),
        (Decide("p-jpn", on, "KOR"), "facilitator"),
        (
            LaunchProject("pr-2", "Dust", ("environment",), ("JPN", "MNG"), on, "KOR"),
            "willing",
        ),
        (FulfilCommitment("c-jpn", on, "KOR"), "own-act"),
        (AssessCommitments(later, "KOR"), "facilitator"),
        (incident(), "facilitator"),
    ]
    for command, rule in secretariat_acts:
        refusal = record.refused(
            command,
            rule,
            "KOR acts here as its delegation, not as the facilitator's secretariat",
            secretariat=False,
        )
        assert refusal.remedy is not None, refusal
        assert (
            "the facilitator's secretariat (a user with the role facilitator)"
            in refusal.remedy
        ), refusal
        # As the secretariat, the same act is the facilitator's to record.
        context = context_for(record.platform, secretariat=True)
        assert judge(context, command), command

    # As its delegation, KOR does what any participant does for itself...
    as_delegation = [
        RecordPosition("p-jpn", "KOR", "support", on, "KOR"),
        JoinProject("pr", "KOR", on, "KOR"),
        MakeCommitment("c-kor", "pr", "KOR", "a report", later, on, "KOR"),
        FulfilCommitment("c-kor", later, "KOR"),
        TableProposal("p-kor", "Sejong", sejong, on, "KOR"),
        # ... as the proposer,
        StartSilence("p-kor", later, on, "KOR"),
        WithdrawProposal("p-kor", on, "KOR"),
        # ... as the host or the chair of a meeting,
        _working("m-kor", "Seoul", on, host="KOR"),
        RecordAttendance("m-kor", "JPN", True, on, "KOR"),
        HoldMeeting("m-kor", on, "KOR"),
        # ... and as a founder.
        LaunchProject("pr-kor", "Dust", ("environment",), ("KOR", "MNG"), on, "KOR"),
    ]
    for command in as_delegation:
        (event, *_) = record.run(command, secretariat=False)
        assert event.actor == "KOR", command
    # But not the facilitator's acts on a meeting it neither hosts nor chairs.
    record.refused(
        RecordAttendance("chaired", "KOR", False, on, "KOR"),
        "facilitator",
        "attendance of chaired is recorded by the facilitator, the host or the "
        "chair, not KOR; KOR acts here as its delegation",
        secretariat=False,
    )
    assert record.platform.verify().ok


def test_an_unknown_rank_is_an_invalid_command(record: Record) -> None:
    on = date(2015, 6, 1)
    record.invalid(
        ConveneMeeting(
            "m-rank", "Rank", ("environment",), "grand", "track-1", on, on, "KOR"
        ),
        "rank",
    )


def test_a_phase_that_is_not_a_number_is_an_invalid_command(record: Record) -> None:
    record.invalid(
        TableProposal(
            "declare",
            "Declare",
            {"kind": "declare-phase", "phase": "three"},
            date(2015, 6, 1),
            "KOR",
        ),
        "phase",
    )


# -- signed positions ----------------------------------------------------------


def test_a_delegation_signs_its_own_position(record: Record) -> None:
    on = date(2015, 6, 1)
    record.table("admit-sejong", {"kind": "admit-observer", "code": "SEJONG"}, on)
    stranger = generate_key_pair()
    before = record.head()
    with pytest.raises(Refusal) as info:
        execute(
            record.platform,
            RecordPosition("admit-sejong", "JPN", "support", on, "JPN"),
            principal="test",
            secretariat=True,
            key=stranger,
        )
    assert info.value.rule == "signature"
    assert "is not registered" in str(info.value)
    assert record.head() == before

    # A key entered by anyone but JPN's delegation signs nothing for JPN.
    entered = generate_key_pair()
    submit_key_request(
        record.platform,
        make_key_request(entered, "JPN", on),
        principal="test",
        by=None,
        secretariat=False,
    )
    before = record.head()
    with pytest.raises(Refusal) as info:
        execute(
            record.platform,
            RecordPosition("admit-sejong", "JPN", "support", on, "JPN"),
            principal="test",
            secretariat=True,
            key=entered,
        )
    assert info.value.rule == "signature"
    assert "is unconfirmed" in str(info.value)
    assert record.head() == before

    key = generate_key_pair()
    submit_key_request(
        record.platform,
        make_key_request(key, "JPN", on),
        principal="test",
        by="JPN",
        secretariat=False,
    )
    result = execute(
        record.platform,
        RecordPosition("admit-sejong", "JPN", "support", on, "JPN"),
        principal="test",
        secretariat=True,
        key=key,
    )
    (event,) = result.recorded
    assert (event.signer, event.actor) == (key.key_id, "JPN")
    assert event.signature
    # The key signs only what is recorded on its delegation's behalf.
    result = execute(
        record.platform,
        RecordPosition("admit-sejong", "CHN", "support", on, "CHN"),
        principal="test",
        secretariat=True,
        key=key,
    )
    assert result.recorded[0].signature is None
    assert record.platform.verify().ok


# -- the overlap adviser (principle 3) -----------------------------------------


def test_the_adviser_widens_the_trm_into_trm_plus(record: Record) -> None:
    advice = advise(
        record.registry(), "nuclear-safety", ("KOR", "JPN", "CHN", "USA", "RUS")
    )
    assert (advice.action, advice.mechanism) == ("widen", "trm")
    assert any("TRM+" in line for line in advice.reasoning)
    assert "widen it with RUS, USA (the TRM to TRM+ pattern)" in advice.reasoning[-1]
    by_mechanism = {c["mechanism"]: c for c in advice.candidates}
    assert by_mechanism["trm"]["missing"] == ["RUS", "USA"]
    assert by_mechanism["trm-plus"]["widens"] == "trm"
    assert by_mechanism["trm-plus"]["overlap"] == 1.0


def test_the_adviser_revitalises_neaspec(record: Record) -> None:
    advice = advise(
        record.registry(), "environment", ("CHN", "PRK", "JPN", "MNG", "KOR", "RUS")
    )
    assert (advice.action, advice.mechanism) == ("revitalise", "neaspec")
    assert "NEASPEC already has every member" in advice.reasoning[-1]
    assert {c["mechanism"] for c in advice.candidates} == {
        "neaspec",
        "tcs",
        "asean-plus-3",
    }


def test_the_adviser_creates_new_on_cyberspace(record: Record) -> None:
    advice = advise(record.registry(), "cyberspace", ("KOR", "JPN", "CHN", "USA"))
    assert (advice.action, advice.mechanism, advice.candidates) == (
        "create-new",
        None,
        (),
    )
    assert "the cyberspace pattern" in advice.reasoning[-1]
    with pytest.raises(Refusal) as info:
        advise(record.registry(), "space-weather", ("KOR", "JPN"))
    assert info.value.rule == "known-track"


# -- ownership and rotation (principle 6) --------------------------------------


def gini_by_hand(values: list[float]) -> float:
    """Gini as the mean absolute difference over twice the mean."""
    n = len(values)
    mean = sum(values) / n
    return sum(abs(x - y) for x in values for y in values) / (2 * n * n * mean)


def test_ownership_index_and_next_host(record: Record) -> None:
    # The record: KOR hosted the energy forum (Oct 2013) and the gas pricing
    # gathering (Mar 2014).
    record.meeting(
        "energy-2015", ("energy-security",), date(2015, 3, 10), host="JPN", chair="JPN"
    )
    record.meeting(
        "nuclear-2015", ("nuclear-safety",), date(2015, 5, 12), host="JPN", chair="CHN"
    )
    record.meeting("environment-2015", ("environment",), date(2015, 7, 14), host="CHN")
    record.meeting(
        "relief-2015", ("disaster-relief",), date(2015, 9, 15), host="KOR", chair="MNG"
    )
    # Convened but never held: it does not count.
    record.convene("cyber-2015", ("cyberspace",), date(2015, 10, 1), host="USA")
    record.table(
        "admit-sejong",
        {"kind": "admit-observer", "code": "SEJONG"},
        date(2015, 10, 2),
        by="USA",
    )

    data = ownership(record.registry(), date(2015, 12, 31))

    assert data["shares"] == {
        "CHN": {"hosted": 1, "chaired": 1, "initiatives": 0},
        "JPN": {"hosted": 2, "chaired": 1, "initiatives": 0},
        "KOR": {"hosted": 3, "chaired": 0, "initiatives": 0},
        "MNG": {"hosted": 0, "chaired": 1, "initiatives": 0},
        "RUS": {"hosted": 0, "chaired": 0, "initiatives": 0},
        "USA": {"hosted": 0, "chaired": 0, "initiatives": 1},
    }
    totals = [2.0, 3.0, 3.0, 1.0, 0.0, 1.0]
    assert gini_by_hand(totals) == pytest.approx(44 / 120)
    assert data["index"] == pytest.approx(1 - gini_by_hand(totals), abs=1e-6)
    assert data["index"] == pytest.approx(0.633333, abs=1e-6)

    registry = record.registry()
    on = date(2016, 1, 1)
    # Never hosted first (MNG, RUS, USA: the cancelled-or-convened don't count).
    suggestion = next_host(registry, on)
    assert suggestion["suggested"] == "MNG"
    assert list(suggestion["last_hosted"])[:3] == ["MNG", "RUS", "USA"]
    assert suggestion["last_hosted"]["KOR"] == "2015-09-15"
    # Among the willing who all hosted: the least recent.
    assert next_host(registry, on, ("KOR", "CHN", "JPN"))["suggested"] == "JPN"
    assert next_host(registry, on, ("KOR", "USA"))["suggested"] == "USA"
    with pytest.raises(Refusal) as info:
        next_host(registry, on, ("PRK",))
    assert info.value.rule == "ownership"


def test_a_meeting_is_not_held_before_the_day_it_was_convened_for(
    record: Record,
) -> None:
    record.convene("energy-2015", ("energy-security",), date(2015, 5, 1))
    record.refused(HoldMeeting("energy-2015", date(2015, 4, 1), "KOR"), "meetings")


def test_the_dprk_engagement_objective_counts_projects_joined(record: Record) -> None:
    record.run(
        LaunchProject(
            "dust", "Dust", ("environment",), ("KOR", "CHN"), date(2015, 4, 1), "KOR"
        )
    )
    record.run(JoinActor("PRK", date(2016, 3, 1), "PRK"))
    record.run(JoinProject("dust", "PRK", date(2016, 3, 2), "PRK"))
    dprk = record.platform.status(date(2016, 3, 31)).objectives.dprk
    assert dprk["status"] == "participant"
    assert dprk["projects_joined"] == ["dust"]


def test_a_later_withdrawal_does_not_rewrite_the_past(record: Record) -> None:
    record.run(WithdrawActor("MNG", date(2016, 9, 1), "MNG"))
    shares = ownership(record.registry(), date(2015, 12, 31))["shares"]
    assert "MNG" in shares
