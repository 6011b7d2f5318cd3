"""The NAPCI record 2013-2014 appended to a real ledger and folded into the registry.

Runs on SQLite and PostgreSQL (the ``db_url`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from db_helpers import migrated

from napci.adapters.db import SqlLedger
from napci.domain.registry import Registry, fold_registry
from napci.services.seed import record_drafts

SEVEN_STATES = {"KOR", "JPN", "CHN", "RUS", "PRK", "MNG", "USA"}
PARTNER_STATES = SEVEN_STATES - {"KOR"}
SOFT_TRACKS = {
    "nuclear-safety",
    "energy-security",
    "environment",
    "disaster-relief",
    "cyberspace",
}
TABLE_MEMBER_COUNTS = {
    "arf": 27,
    "tcs": 3,
    "asean-plus-3": 13,
    "eas": 18,
    "apec": 21,
}
SUMMITS = {
    "summit-kor-usa-2013-05": ("USA", date(2013, 5, 1)),
    "summit-kor-chn-2013-06": ("CHN", date(2013, 6, 1)),
    "summit-kor-asean-2013-10": ("ASEAN", date(2013, 10, 1)),
    "summit-kor-rus-2013-11": ("RUS", date(2013, 11, 1)),
    "summit-kor-eu-2013-11": ("EU", date(2013, 11, 1)),
    "summit-kor-can-2014-03": ("CAN", date(2014, 3, 1)),
}
TRACK_1_5_FORUMS = {
    "sejong-conference-napci-2013-09": date(2013, 9, 1),
    "eurasia-conference-2013-10": date(2013, 10, 1),
    "ifans-conference-napci-2013-11": date(2013, 11, 1),
}
SOFT_TRACK_MEETINGS = {
    "consultation-nuclear-safety-iaea-2013-07": ("nuclear-safety", date(2013, 7, 1)),
    "consultation-cyberspace-seoul-2013-10": ("cyberspace", date(2013, 10, 1)),
    "ne-asia-energy-cooperation-forum-2013-10": ("energy-security", date(2013, 10, 1)),
    "ne-asia-gas-pricing-gathering-2014-03": ("energy-security", date(2014, 3, 1)),
    "neaspec-som-18": ("environment", date(2013, 11, 5)),
    "trm-plus-1": ("nuclear-safety", date(2014, 1, 1)),
}


@dataclass
class Loaded:
    ledger: SqlLedger
    registry: Registry
    appended: int


@pytest.fixture
def loaded(db_url: str) -> Iterator[Loaded]:
    with migrated(db_url) as engine:
        ledger = SqlLedger(engine)
        result = ledger.append(record_drafts(), principal="test")
        registry = fold_registry(ledger.iter_events())
        yield Loaded(ledger, registry, len(result.recorded))


def _payloads(ledger: SqlLedger, type_: str) -> list[dict[str, object]]:
    return [json.loads(e.payload_json) for e in ledger.iter_events(types=[type_])]


def test_the_whole_record_is_appended_and_verifies(loaded: Loaded) -> None:
    assert loaded.appended == len(record_drafts())
    assert loaded.ledger.count() == loaded.appended
    report = loaded.ledger.verify()
    assert report.ok, report.problem
    assert report.events == loaded.appended


def test_appending_the_record_again_appends_nothing(loaded: Loaded) -> None:
    head = loaded.ledger.head()
    again = loaded.ledger.append(record_drafts(), principal="someone-else")
    assert again.recorded == ()
    assert len(again.already_recorded) == loaded.appended
    assert loaded.ledger.head() == head
    assert (again.head_seq, again.head_hash) == head
    assert loaded.ledger.count() == loaded.appended
    assert loaded.ledger.verify().ok


def test_the_seven_states_are_registered(loaded: Loaded) -> None:
    actors = loaded.registry.actors
    assert set(actors) >= SEVEN_STATES
    for code in SEVEN_STATES:
        assert actors[code].kind == "state"
        assert actors[code].prospective_participant
    canada = actors["CAN"]
    assert canada.kind == "state"
    assert not canada.prospective_participant
    assert canada.status == "registered"
    assert actors["SEJONG"].kind == actors["IFANS"].kind == "institute"
    assert actors["SEJONG"].layer == actors["IFANS"].layer == "track-1.5"


def test_six_states_participate_the_dprk_is_invited(loaded: Loaded) -> None:
    actors = loaded.registry.actors
    assert loaded.registry.participants() == sorted(
        ["KOR", *(c for c in PARTNER_STATES if c != "PRK")]
    )
    assert actors["KOR"].joined_on == date(2013, 5, 8)
    for code in PARTNER_STATES:
        assert actors[code].invited_on == date(2013, 5, 8)
        if code == "PRK":
            assert actors[code].status == "invited"
            assert actors[code].joined_on is None
        else:
            assert actors[code].status == "participant", code
            assert actors[code].joined_on == date(2013, 5, 8)
    invitations = _payloads(loaded.ledger, "ActorInvited")
    assert {p["invited_by"] for p in invitations} == {"KOR"}


def test_the_dprk_is_invited_not_a_participant(loaded: Loaded) -> None:
    dprk = loaded.registry.actors["PRK"]
    assert dprk.status == "invited"
    assert dprk.status != "participant"
    assert "PRK" not in loaded.registry.participants()


def test_observers_and_facilitator(loaded: Loaded) -> None:
    actors = loaded.registry.actors
    assert loaded.registry.observers() == ["ASEAN", "EU"]
    assert actors["ASEAN"].roles == {"observer"}
    assert actors["EU"].roles == {"observer"}
    assert actors["ASEAN"].kind == actors["EU"].kind == "organisation"
    assert actors["KOR"].roles == {"facilitator"}
    admitted = _payloads(loaded.ledger, "ObserverAdmitted")
    assert all("decision" not in p for p in admitted)  # founding observers


def test_the_five_soft_tracks(loaded: Loaded) -> None:
    tracks = loaded.registry.tracks
    assert set(tracks) == SOFT_TRACKS
    for track in tracks.values():
        assert track.category == "soft"
        assert track.open
        assert track.added_on == date(2013, 5, 8)


def test_existing_mechanisms_from_the_table(loaded: Loaded) -> None:
    mechanisms = loaded.registry.mechanisms
    assert set(mechanisms) == {
        "arf",
        "tcs",
        "asean-plus-3",
        "eas",
        "apec",
        "trm",
        "trm-plus",
        "neaspec",
        "six-party-talks",
    }
    for ref, count in TABLE_MEMBER_COUNTS.items():
        assert mechanisms[ref].member_count == count, ref
    assert mechanisms["arf"].members == {"KOR", "USA", "CHN", "JPN", "RUS", "PRK"}
    assert mechanisms["tcs"].members == {"KOR", "JPN", "CHN"}
    assert mechanisms["asean-plus-3"].members == {"KOR", "JPN", "CHN"}
    assert mechanisms["eas"].members == {"KOR", "USA", "CHN", "JPN", "RUS"}
    assert mechanisms["apec"].members == {"KOR", "USA", "CHN", "JPN", "RUS"}
    assert mechanisms["arf"].kind == "security"
    assert mechanisms["apec"].kind == "economic"
    assert mechanisms["tcs"].kind == "comprehensive"
    # tracks mapped conservatively from the agenda text
    assert mechanisms["tcs"].tracks == {"environment"}
    assert mechanisms["asean-plus-3"].tracks == {"environment"}
    for ref in ("arf", "eas", "apec", "six-party-talks"):
        assert mechanisms[ref].tracks == set(), ref
    # no existing mechanism covers cyberspace (brochure, Question II)
    assert all("cyberspace" not in m.tracks for m in mechanisms.values())
    for mechanism in mechanisms.values():
        assert mechanism.relation


def test_trm_plus_widens_trm_with_the_us_and_russia(loaded: Loaded) -> None:
    mechanisms = loaded.registry.mechanisms
    trm, plus = mechanisms["trm"], mechanisms["trm-plus"]
    assert trm.members == {"KOR", "JPN", "CHN"}
    assert trm.member_count == 3
    assert trm.tracks == {"nuclear-safety"}
    assert plus.widens == "trm"
    assert {"USA", "RUS"} <= plus.members
    assert plus.members == trm.members | {"USA", "RUS"}
    assert plus.tracks == {"nuclear-safety"}


def test_neaspec_members_and_revitalisation(loaded: Loaded) -> None:
    neaspec = loaded.registry.mechanisms["neaspec"]
    assert neaspec.members == {"CHN", "PRK", "JPN", "MNG", "KOR", "RUS"}
    assert neaspec.member_count == 6
    assert neaspec.tracks == {"environment"}
    widened = _payloads(loaded.ledger, "MechanismWidened")
    assert widened == [
        {
            **widened[0],
            "mechanism": "neaspec",
            "action": "revitalise",
            "widened_on": "2013-11-01",
            "date_precision": "month",
        }
    ]
    six = loaded.registry.mechanisms["six-party-talks"]
    assert six.members == SEVEN_STATES - {"MNG"}


def test_the_summits(loaded: Loaded) -> None:
    meetings = loaded.registry.meetings
    for ref, (partner, day) in SUMMITS.items():
        meeting = meetings[ref]
        assert meeting.status == "held", ref
        assert meeting.rank == "summit"
        assert meeting.layer == "track-1"
        assert meeting.format == "bilateral"
        assert meeting.starts_on == day
        assert meeting.date_precision == "month"
        assert meeting.attended == {"KOR", partner}
        assert meeting.attendance_complete


def test_the_track_1_5_forums(loaded: Loaded) -> None:
    meetings = loaded.registry.meetings
    for ref, day in TRACK_1_5_FORUMS.items():
        meeting = meetings[ref]
        assert meeting.status == "held", ref
        assert meeting.layer == "track-1.5"
        assert meeting.format == "forum"
        assert meeting.starts_on == day
        assert meeting.date_precision == "month"
        assert "KOR" in meeting.attended
        assert not meeting.attendance_complete
    assert meetings["sejong-conference-napci-2013-09"].host == "SEJONG"
    assert meetings["ifans-conference-napci-2013-11"].host == "IFANS"
    assert meetings["eurasia-conference-2013-10"].host is None


def test_the_meetings_on_soft_tracks(loaded: Loaded) -> None:
    meetings = loaded.registry.meetings
    for ref, (track, day) in SOFT_TRACK_MEETINGS.items():
        meeting = meetings[ref]
        assert meeting.tracks == (track,), ref
        assert meeting.starts_on == day, ref
        assert meeting.layer == "track-1"
    hosted = {
        ref for ref, m in meetings.items() if m.host == "KOR" and m.status == "held"
    }
    assert hosted == {
        "ne-asia-energy-cooperation-forum-2013-10",
        "ne-asia-gas-pricing-gathering-2014-03",
    }
    neaspec = meetings["neaspec-som-18"]
    assert neaspec.occasion == "neaspec"
    assert neaspec.rank == "senior-official"
    assert neaspec.date_precision == "day"
    assert neaspec.attended == {"KOR"}
    assert not neaspec.attendance_complete


def test_the_first_trm_plus_is_convened_in_japan_not_recorded_as_held(
    loaded: Loaded,
) -> None:
    meeting = loaded.registry.meetings["trm-plus-1"]
    assert meeting.status == "convened"
    assert meeting.host == "JPN"
    assert meeting.occasion == "trm-plus"
    assert meeting.date_precision == "year"
    assert meeting.attended == set()


def test_every_meeting_of_the_record_is_present(loaded: Loaded) -> None:
    expected = set(SUMMITS) | set(TRACK_1_5_FORUMS) | set(SOFT_TRACK_MEETINGS)
    assert set(loaded.registry.meetings) == expected
    held = {r for r, m in loaded.registry.meetings.items() if m.status == "held"}
    assert held == expected - {"trm-plus-1"}


def test_support_for_the_initiative(loaded: Loaded) -> None:
    actors = loaded.registry.actors
    supporters = {c for c, a in actors.items() if a.support_expressed_on is not None}
    assert supporters == {"USA", "CHN", "JPN", "RUS", "ASEAN", "EU"}
    assert actors["USA"].support_expressed_on == date(2013, 5, 1)
    assert actors["CHN"].support_expressed_on == date(2013, 6, 1)
    assert actors["ASEAN"].support_expressed_on == date(2013, 10, 1)
    assert actors["RUS"].support_expressed_on == date(2013, 11, 1)
    assert actors["EU"].support_expressed_on == date(2013, 11, 1)
    assert actors["JPN"].support_expressed_on == date(2014, 1, 1)
    occasions = {
        p["code"]: (p.get("occasion"), p["date_precision"])
        for p in _payloads(loaded.ledger, "SupportExpressed")
    }
    assert occasions == {
        "USA": ("summit-kor-usa-2013-05", "month"),
        "CHN": ("summit-kor-chn-2013-06", "month"),
        "ASEAN": ("summit-kor-asean-2013-10", "month"),
        "RUS": ("summit-kor-rus-2013-11", "month"),
        "EU": ("summit-kor-eu-2013-11", "month"),
        "JPN": (None, "year"),  # the brochure names no occasion with Japan
    }


def test_the_record_meets_road_map_phase_one_by_the_end_of_2014(
    loaded: Loaded,
) -> None:
    """Phase 1 (DESIGN §6.1): support from at least four of the six partner
    states and one regional organisation."""
    end = date(2014, 12, 31)
    actors = loaded.registry.actors

    def supported(code: str) -> bool:
        on = actors[code].support_expressed_on
        return on is not None and on <= end

    states = {c for c in PARTNER_STATES if supported(c)}
    organisations = {
        c for c, a in actors.items() if a.kind == "organisation" and supported(c)
    }
    assert len(states) >= 4
    assert organisations
    assert not supported("PRK")
    assert not supported("MNG")


def test_every_event_carries_its_sources(loaded: Loaded) -> None:
    for event in loaded.ledger.iter_events():
        payload = json.loads(event.payload_json)
        assert payload["sources"], event.seq
        assert all(s["quote"] for s in payload["sources"]), event.seq
        assert all(s["title"] for s in payload["sources"]), event.seq
        assert event.principal == "test"
        assert event.classification == "public"
