"""Projects of the willing, their commitments, and incidents.

"Start with the willing, expand with members' consent" (DESIGN §4.4c): a
project starts with two or more participants, gains no member that did not
act itself, and its commitments are kept, or count as broken once past due
beyond the grace period (30 days by default). Each scenario runs on SQLite
and PostgreSQL through the Python API on the NAPCI record 2013-2014.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from procedure_helpers import Record, opened, payload, types

from napci.domain.procedure import (
    AssessCommitments,
    CompleteProject,
    FulfilCommitment,
    JoinProject,
    LaunchProject,
    LeaveProject,
    MakeCommitment,
    ReachMilestone,
    RecordPosition,
    StartSilence,
)


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


LAUNCH = date(2015, 4, 1)


def launch(
    founders: tuple[str, ...] = ("KOR", "CHN"), by: str = "KOR", project: str = "dust"
) -> LaunchProject:
    return LaunchProject(
        project=project,
        title="Yellow dust monitoring network",
        tracks=("environment",),
        founders=founders,
        on=LAUNCH,
        by=by,
        partners=("SEJONG",),
        description="Share air-quality station data across the region.",
    )


def commit(
    commitment: str, code: str, due_on: date, on: date = LAUNCH, by: str | None = None
) -> MakeCommitment:
    return MakeCommitment(
        commitment=commitment,
        project="dust",
        code=code,
        description=f"{code} shares its station data",
        due_on=due_on,
        on=on,
        by=by or code,
    )


def test_projects_start_with_the_willing(record: Record) -> None:
    record.refused(
        launch(founders=("KOR",)),
        "willing",
        "a project starts with two or more willing participants",
        "Name at least two founders.",
    )
    record.refused(
        launch(founders=("KOR", "KOR")),
        "willing",
        "two or more willing participants",
    )
    record.refused(
        launch(founders=("KOR", "PRK")), "willing", "PRK is not a participant"
    )
    record.refused(
        launch(founders=("KOR", "CHN"), by="JPN"),
        "willing",
        "JPN is not among the founders: no one is added without their own act",
    )

    events = record.run(launch())

    assert types(events) == ["ProjectLaunched"]
    assert payload(events[0])["founders"] == ["KOR", "CHN"]
    project = record.registry().projects["dust"]
    assert (project.members, project.partners, project.status) == (
        ["KOR", "CHN"],
        ("SEJONG",),
        "active",
    )
    record.refused(launch(), "registry", "the project id dust is taken")


def test_a_project_gains_no_member_that_did_not_act_itself(record: Record) -> None:
    record.run(launch())
    refusal = record.refused(
        JoinProject("dust", "MNG", date(2015, 5, 1), "KOR"),
        "own-act",
        "KOR cannot join project dust for MNG: no one acts for another",
    )
    assert refusal.remedy == "MNG's delegation must do it itself."
    record.refused(
        JoinProject("dust", "PRK", date(2015, 5, 1), "PRK"),
        "willing",
        "PRK is not a participant",
    )

    events = record.run(JoinProject("dust", "MNG", date(2015, 5, 1), "MNG"))

    assert types(events) == ["ProjectJoined"]
    assert events[0].actor == "MNG"
    # Its own act: no consent is recorded that no member gave.
    assert "consented_by" not in payload(events[0])
    assert record.registry().projects["dust"].members == ["KOR", "CHN", "MNG"]
    record.refused(
        JoinProject("dust", "MNG", date(2015, 5, 2), "MNG"),
        "willing",
        "MNG is a member of dust already",
    )
    # Leaving is the member's own act too.
    record.refused(
        LeaveProject("dust", "MNG", date(2015, 6, 1), "KOR"),
        "own-act",
        "KOR cannot leave project dust for MNG",
    )
    events = record.run(LeaveProject("dust", "MNG", date(2015, 6, 1), "MNG"))
    assert types(events) == ["ProjectLeft"]
    assert record.registry().projects["dust"].members == ["KOR", "CHN"]
    record.refused(
        LeaveProject("dust", "MNG", date(2015, 6, 2), "MNG"),
        "willing",
        "MNG is not a member of project dust",
    )


def test_commitments_kept_and_broken(record: Record) -> None:
    record.run(launch(founders=("KOR", "CHN", "JPN")))
    due = date(2015, 6, 30)
    record.refused(
        commit("dust-mng", "MNG", due),
        "willing",
        "MNG is not a member of project dust and cannot commit in it",
    )
    record.refused(
        commit("dust-chn", "CHN", due, by="KOR"),
        "own-act",
        "KOR cannot make a commitment for CHN",
    )
    record.refused(
        commit("dust-chn", "CHN", date(2015, 3, 1)),
        "commitments",
        "a commitment is due on or after the day it is made",
    )
    record.run(commit("dust-chn", "CHN", due), commit("dust-jpn", "JPN", due))

    # CHN keeps its commitment within the grace period (30 days by default).
    events = record.run(FulfilCommitment("dust-chn", date(2015, 7, 20), "CHN"))
    assert types(events) == ["CommitmentKept"]
    assert events[0].actor == "CHN"
    record.refused(
        FulfilCommitment("dust-chn", date(2015, 7, 21), "CHN"),
        "commitments",
        "commitment dust-chn is kept",
    )

    # JPN's is due 2015-06-30; on 2015-07-30 the grace period still runs.
    record.refused(
        AssessCommitments(date(2015, 7, 30), "KOR"),
        "procedure",
        "the command brings nothing about",
    )
    record.refused(
        AssessCommitments(date(2015, 7, 31), "JPN"),
        "facilitator",
        "assessing commitments is the facilitator's (KOR) to record, not JPN's",
    )
    # From 2015-07-31 it counts as broken, kept or not kept on paper.
    record.refused(
        FulfilCommitment("dust-jpn", date(2015, 7, 31), "JPN"),
        "commitments",
        "commitment dust-jpn was due on 2015-06-30 and its grace period has "
        "passed: it counts as broken",
        "Record its assessment with 'projects assess'.",
    )
    events = record.run(AssessCommitments(date(2015, 7, 31), "KOR"))
    assert types(events) == ["CommitmentBroken"]
    assert payload(events[0]) == {"commitment": "dust-jpn", "assessed_on": "2015-07-31"}
    commitments = record.registry().commitments
    assert (commitments["dust-chn"].status, commitments["dust-jpn"].status) == (
        "kept",
        "broken",
    )
    record.refused(
        FulfilCommitment("dust-jpn", date(2015, 8, 5), "JPN"),
        "commitments",
        "commitment dust-jpn is broken",
    )

    # The trust the record shows: a kept commitment is positive evidence about
    # its maker, a broken one negative (DESIGN §5.1).
    figures = record.platform.trust.figures(date(2015, 8, 31))
    kor, chn, jpn = (figures.index_of(c) for c in ("KOR", "CHN", "JPN"))
    assert figures.s[kor, jpn].sum() > 0
    assert figures.s[jpn, kor].sum() == 0
    assert figures.r[kor, chn].sum() > figures.r[kor, jpn].sum()


def test_a_commitment_with_its_own_grace_period(record: Record) -> None:
    record.run(launch())
    record.run(
        MakeCommitment(
            "dust-kor",
            "dust",
            "KOR",
            "host the data portal",
            date(2015, 6, 30),
            LAUNCH,
            "KOR",
            0,
        ),
        secretariat=False,  # the ROK's delegation commits, not the secretariat
    )
    events = record.run(AssessCommitments(date(2015, 7, 1), "KOR"))
    assert payload(events[0])["commitment"] == "dust-kor"


def test_a_project_completes_once_its_commitments_are_settled(record: Record) -> None:
    record.run(launch())
    record.run(commit("dust-chn", "CHN", date(2015, 9, 30)))
    events = record.run(
        ReachMilestone(
            "dust", "network-online", "Twelve stations online", date(2015, 8, 1), "CHN"
        )
    )
    assert types(events) == ["MilestoneReached"]
    record.refused(
        ReachMilestone("dust", "network-online", "Again", date(2015, 8, 2), "KOR"),
        "projects",
        "milestone network-online is recorded already",
    )
    record.refused(
        ReachMilestone("dust", "portal", "Portal", date(2015, 8, 2), "JPN"),
        "willing",
        "JPN is not a member of project dust and cannot record its milestones",
    )
    record.refused(
        CompleteProject("dust", date(2015, 9, 1), "KOR"),
        "commitments",
        "project dust still has open commitments: dust-chn",
        "Record them kept, or assess them, first.",
    )
    record.refused(
        CompleteProject("dust", date(2015, 9, 1), "JPN"),
        "willing",
        "JPN is not a member of project dust and cannot complete it",
    )
    record.run(
        FulfilCommitment("dust-chn", date(2015, 9, 15), "KOR")
    )  # the facilitator

    events = record.run(CompleteProject("dust", date(2015, 10, 1), "KOR", "online"))

    assert types(events) == ["ProjectCompleted"]
    project = record.registry().projects["dust"]
    assert (project.status, project.completed_on) == ("completed", date(2015, 10, 1))
    record.refused(
        JoinProject("dust", "MNG", date(2015, 10, 2), "MNG"),
        "projects",
        "project dust was completed on 2015-10-01",
    )


def test_widening_a_project_is_for_its_members_to_decide(record: Record) -> None:
    record.run(launch())
    record.table(
        "widen-dust",
        {"kind": "widen-project", "project": "dust", "tracks": ["disaster-relief"]},
        date(2015, 5, 1),
        by="CHN",
    )
    record.run(StartSilence("widen-dust", date(2015, 5, 15), date(2015, 5, 1), "CHN"))
    # JPN is a participant but not a member: it has no say on the project.
    record.refused(
        RecordPosition("widen-dust", "JPN", "objection", date(2015, 5, 2), "JPN"),
        "members-consent",
    )

    events = record.decide("widen-dust", date(2015, 5, 16))

    assert types(events) == ["DecisionAdopted", "ProjectScopeWidened"]
    assert payload(events[0])["joined"] == ["CHN", "KOR"]
    assert record.registry().projects["dust"].tracks == [
        "environment",
        "disaster-relief",
    ]


def test_a_non_member_is_told_it_is_not_a_member(record: Record) -> None:
    record.run(launch())
    record.table(
        "widen-dust",
        {"kind": "widen-project", "project": "dust", "tracks": ["disaster-relief"]},
        date(2015, 5, 1),
        by="CHN",
    )
    record.run(StartSilence("widen-dust", date(2015, 5, 15), date(2015, 5, 1), "CHN"))
    refusal = record.refused(
        RecordPosition("widen-dust", "JPN", "objection", date(2015, 5, 2), "JPN"),
        "members-consent",
    )
    assert "not a member" in refusal.reason


def test_a_member_breaks_the_silence_on_widening(record: Record) -> None:
    record.run(launch())
    record.table(
        "widen-dust",
        {"kind": "widen-project", "project": "dust", "tracks": ["disaster-relief"]},
        date(2015, 5, 1),
        by="CHN",
    )
    record.run(StartSilence("widen-dust", date(2015, 5, 15), date(2015, 5, 1), "CHN"))
    events = record.position("widen-dust", "KOR", "objection", date(2015, 5, 3))
    assert types(events) == ["PositionRecorded", "ProposalNotAdopted"]
    assert record.registry().projects["dust"].tracks == ["environment"]


def test_a_commitment_is_not_kept_before_it_is_made(record: Record) -> None:
    record.run(launch())
    record.run(commit("dust-chn", "CHN", date(2015, 9, 30), on=date(2015, 5, 1)))
    record.refused(
        FulfilCommitment("dust-chn", date(2015, 4, 15), "CHN"), "commitments"
    )
