"""The road-map phase assessed from the NAPCI record (DESIGN §6.1).

The record 2013-2014 as ``napci init`` loads it, then synthetic continuations
appended to it: soft-track practice in 2015 (phase 2), and a framework in
2015-2016 (phase 3, with the trust threshold lowered by a rules amendment).
Runs on SQLite and PostgreSQL (the ``db_url`` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import pytest

from napci.domain.events import (
    AdoptDocument,
    AttendanceRecorded,
    DecisionAdopted,
    DocumentIssued,
    Event,
    IncidentRecorded,
    MeetingCancelled,
    MeetingConvened,
    MeetingHeld,
    ProposalTabled,
    RulesAmended,
)
from napci.domain.roadmap import Criterion, Roadmap
from napci.services.drafting import draft
from napci.services.platform import Platform, open_platform
from napci.settings import Settings

PARTICIPANTS = ("KOR", "USA", "CHN", "JPN", "RUS", "MNG")  # joined 2013-05-08
SOFT = (
    "cyberspace",
    "disaster-relief",
    "energy-security",
    "environment",
    "nuclear-safety",
)


@pytest.fixture
def napci(db_url: str) -> Iterator[Platform]:
    """The NAPCI record 2013-2014 in a fresh database."""
    platform = open_platform(Settings(db_url), migrate=True)
    try:
        platform.init(principal="test")
        yield platform
    finally:
        platform.close()


def meeting(
    name: str,
    on: date,
    tracks: Sequence[str],
    present: Sequence[str],
    *,
    held: bool = True,
    rank: str = "working",
    layer: str = "track-1",
) -> list[Event]:
    events: list[Event] = [
        MeetingConvened(
            meeting=name,
            title={"en": name},
            tracks=tuple(tracks),
            rank=rank,  # type: ignore[arg-type]
            layer=layer,  # type: ignore[arg-type]
            starts_on=on,
        ),
        # recorded by the secretariat as secretariat: acknowledged attendance
        *(
            AttendanceRecorded(
                meeting=name,
                code=c,
                attended=True,
                recorded_as="secretariat",
                acknowledged=True,
            )
            for c in present
        ),
    ]
    if held:
        events.append(MeetingHeld(meeting=name, held_on=on))
    else:
        events.append(MeetingCancelled(meeting=name, cancelled_on=on))
    return events


def vision(proposal: str, on: date, joined: Sequence[str]) -> list[Event]:
    document = f"{proposal}-text"
    return [
        DocumentIssued(
            document=document, kind="vision", title={"en": document}, issued_on=on
        ),
        ProposalTabled(
            proposal=proposal,
            title={"en": proposal},
            subject=AdoptDocument(document=document),
            tabled_by="KOR",
            tabled_on=on,
        ),
        DecisionAdopted(
            proposal=proposal, adopted_on=on, procedure="meeting", joined=tuple(joined)
        ),
    ]


def append(platform: Platform, *dated: tuple[date, Sequence[Event]]) -> None:
    drafts = [
        draft(event, occurred_at=on, actor=None)
        for on, events in dated
        for event in events
    ]
    platform.append(drafts, principal="test")


def criterion(roadmap: Roadmap, phase: int, index: int = 0) -> Criterion:
    check = roadmap.checks[phase - 1]
    assert check.phase == phase
    return check.criteria[index]


# --- the record as it stands ------------------------------------------------------


def test_phase_one_by_the_end_of_2014(napci: Platform) -> None:
    roadmap = napci.status(date(2014, 12, 31))
    assert roadmap.as_of == date(2014, 12, 31)
    assert roadmap.phase == 1
    assert [c.met for c in roadmap.checks] == [True, False, False, False]

    states = criterion(roadmap, 1, 0)
    assert states.met
    assert states.observed == "4: CHN, JPN, RUS, USA"
    assert states.required == ">= 4 of the 6 partner states"
    assert [line.split(":")[0] for line in states.evidence] == [
        "CHN",
        "JPN",
        "RUS",
        "USA",
    ]
    evidence = "\n".join(states.evidence)
    for expected in (
        "CHN: support expressed 2013-06-01",
        "at summit-kor-chn-2013-06",
        "JPN: support expressed 2014-01-01",
        "RUS: support expressed 2013-11-01",
        "USA: support expressed 2013-05-01",
    ):
        assert expected in evidence
    assert states.missing is None
    organisations = criterion(roadmap, 1, 1)
    assert organisations.met
    assert organisations.observed == "2: ASEAN, EU"
    assert [line.split(":")[0] for line in organisations.evidence] == ["ASEAN", "EU"]
    assert "at summit-kor-asean-2013-10" in organisations.evidence[0]

    practice = criterion(roadmap, 2)
    assert not practice.met
    assert practice.observed == "0: none"
    assert practice.missing == (
        "3 more soft track(s) meeting with >= 4 participants since 2013-12-31 "
        "(cyberspace: none; disaster-relief: none; energy-security: best 1 "
        "participant(s); environment: none; nuclear-safety: none)"
    )
    assert practice.evidence == (
        "energy-security: ne-asia-gas-pricing-gathering-2014-03 on 2014-03-01 "
        "with 1 participants",
    )

    tracks, common_vision, trust = roadmap.checks[2].criteria
    assert not tracks.met and tracks.observed == "1 in 2013-2014"
    assert tracks.evidence == ("energy-security",)
    assert not common_vision.met and common_vision.observed == "0 adopted"
    figures = napci.trust.figures(date(2014, 12, 31))
    assert figures.regional_index is not None
    assert not trust.met
    assert trust.observed == f"{figures.regional_index:.3f}"
    assert trust.missing == f"regional trust 0.7 (now {figures.regional_index:.3f})"
    hard = criterion(roadmap, 4)
    assert not hard.met and hard.observed == "none"

    data = roadmap.as_dict()
    assert data["phase"] == 1 and data["phase_name"] == "gain support"
    foundation = data["objectives"]["foundation_for_peace"]
    assert foundation["phase"] == 1
    assert foundation["regional_trust_index"] == round(figures.regional_index, 6)
    assert data["objectives"]["dprk_engagement"]["status"] == "invited"


def test_phase_zero_at_the_end_of_may_2013(napci: Platform) -> None:
    roadmap = napci.status(date(2013, 5, 31))
    assert roadmap.phase == 0
    assert roadmap.as_dict()["phase_name"] == "not yet at phase 1"
    states, organisations = roadmap.checks[0].criteria
    assert not states.met
    assert states.observed == "1: USA"
    assert states.missing == "3 more of CHN, JPN, MNG, PRK, RUS"
    assert not organisations.met
    assert organisations.observed == "0: none"
    assert organisations.missing == "support from ASEAN or the EU"
    # a year before the record began there are no figures: no trend
    assert roadmap.objectives.foundation["trend_12_months"] is None


# --- practice in 2015: phase 2 ------------------------------------------------------


def practice_2015(napci: Platform) -> None:
    four = ("KOR", "CHN", "JPN", "MNG")
    append(
        napci,
        (
            date(2015, 4, 1),
            meeting("env-2015", date(2015, 4, 1), ["environment"], four),
        ),
        (
            date(2015, 6, 1),
            meeting(
                "nuclear-2015",
                date(2015, 6, 1),
                ["nuclear-safety"],
                ("KOR", "CHN", "JPN", "USA", "RUS"),
            ),
        ),
        # three participants, two observers and an invitee: not four participants
        (
            date(2015, 7, 1),
            meeting(
                "disaster-2015",
                date(2015, 7, 1),
                ["disaster-relief"],
                ("KOR", "CHN", "JPN", "ASEAN", "EU", "PRK"),
            ),
        ),
        # cancelled: its attendance list does not count
        (
            date(2015, 8, 1),
            meeting("cyber-2015", date(2015, 8, 1), ["cyberspace"], four, held=False),
        ),
        (
            date(2015, 9, 1),
            meeting(
                "energy-2015",
                date(2015, 9, 1),
                ["energy-security"],
                ("KOR", "USA", "RUS", "MNG"),
            ),
        ),
    )


def test_practice_in_2015_reaches_phase_two(napci: Platform) -> None:
    practice_2015(napci)
    roadmap = napci.status(date(2015, 12, 31))
    assert roadmap.phase == 2
    practice = criterion(roadmap, 2)
    assert practice.met
    assert practice.observed == "3: energy-security, environment, nuclear-safety"
    assert practice.missing is None
    assert practice.evidence == (
        "disaster-relief: disaster-2015 on 2015-07-01 with 3 participants",
        "energy-security: energy-2015 on 2015-09-01 with 4 participants",
        "environment: env-2015 on 2015-04-01 with 4 participants",
        "nuclear-safety: nuclear-2015 on 2015-06-01 with 5 participants",
    )
    assert not roadmap.checks[2].met
    assert roadmap.objectives.foundation["phase"] == 2

    # mid-2015 only two soft tracks had met
    mid = napci.status(date(2015, 6, 30))
    assert mid.phase == 1
    assert criterion(mid, 2).missing == (
        "1 more soft track(s) meeting with >= 4 participants since 2014-06-30 "
        "(cyberspace: none; disaster-relief: none; energy-security: none)"
    )
    # practice must be kept up: by October 2016 the 2015 meetings are too old
    late = napci.status(date(2016, 10, 1))
    assert late.phase == 1
    assert criterion(late, 2).observed == "0: none"


# --- a framework in 2015-2016: phase 3 ------------------------------------------------


FOUR_TRACKS = ("environment", "nuclear-safety", "energy-security", "cyberspace")


def framework_2015_2016(napci: Platform) -> None:
    dated: list[tuple[date, Sequence[Event]]] = []
    for year in (2015, 2016):
        for n, track in enumerate(FOUR_TRACKS):
            on = date(year, 3 + 2 * n, 1)
            # four participants a meeting, in turn; Track 2 working meetings
            present = [PARTICIPANTS[(n + k) % 6] for k in range(4)]
            dated.append(
                (
                    on,
                    meeting(f"{track}-{year}", on, [track], present, layer="track-2"),
                )
            )
    # a vision without Mongolia is not the consensus of all participants
    dated.append(
        (date(2015, 12, 1), vision("p-vision-1", date(2015, 12, 1), PARTICIPANTS[:5]))
    )
    dated.append(
        (date(2016, 6, 15), vision("p-vision-2", date(2016, 6, 15), PARTICIPANTS))
    )
    dated.append(
        (
            date(2016, 7, 1),
            [
                IncidentRecorded(
                    incident="inc-2016",
                    parties=("CHN", "JPN"),
                    occurred_on=date(2016, 7, 1),
                    severity=5,
                    description="an incident at sea",
                )
            ],
        )
    )
    dated.append(
        (
            date(2016, 11, 15),
            [
                RulesAmended(
                    changes={"roadmap.framework_trust": 0.5},
                    effective_on=date(2016, 12, 1),
                    decision="p-amend-framework-trust",
                )
            ],
        )
    )
    append(napci, *dated)


def test_a_framework_reaches_phase_three_once_the_trust_threshold_is_met(
    napci: Platform,
) -> None:
    framework_2015_2016(napci)

    before = napci.status(date(2016, 11, 30))
    tracks, common_vision, trust = before.checks[2].criteria
    assert tracks.met
    assert tracks.observed == "4 in 2015-2016"
    assert tracks.evidence == tuple(sorted(FOUR_TRACKS))
    assert common_vision.met
    assert common_vision.observed == "1 adopted"
    assert len(common_vision.evidence) == 1
    assert common_vision.evidence[0].startswith("p-vision-2: p-vision-2-text adopted")
    index = napci.trust.figures(date(2016, 11, 30)).regional_index
    assert index is not None
    assert 0.5 <= index < 0.7, "the record's trust lies between the two thresholds"
    assert not trust.met
    assert trust.required == "regional trust index >= 0.7"
    assert trust.observed == f"{index:.3f}"
    assert trust.missing == f"regional trust 0.7 (now {index:.3f})"
    assert before.phase == 2

    after = napci.status(date(2016, 12, 31))
    index = napci.trust.figures(date(2016, 12, 31)).regional_index
    assert index is not None
    trust = after.checks[2].criteria[2]
    assert trust.met
    assert trust.required == "regional trust index >= 0.5"
    assert trust.observed == f"{index:.3f}"
    assert trust.missing is None
    assert after.phase == 3
    assert not after.checks[3].met
    assert after.objectives.foundation["regional_trust_index"] == round(index, 6)


def test_phase_three_needs_two_consecutive_years(napci: Platform) -> None:
    framework_2015_2016(napci)
    # at the end of 2015 the vision of all participants is not adopted yet and
    # 2016 has not happened: 2014-2015 has only energy-security in common
    roadmap = napci.status(date(2015, 12, 31))
    tracks, common_vision, _trust = roadmap.checks[2].criteria
    assert not tracks.met
    assert tracks.observed == "1 in 2014-2015"
    assert tracks.missing == "3 more track(s) meeting in each of two consecutive years"
    assert not common_vision.met
    assert common_vision.missing == "a vision document adopted by all participants"
    assert roadmap.phase == 2
