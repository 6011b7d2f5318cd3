"""Founders and members of a project: no one added without its own act.

DESIGN §4 rule 0 and §4.4c: a project starts with two or more willing
participants, and the record may say that a state joined one only when that
state's own delegation recorded it, or the facilitator's secretariat recorded
it *as secretariat*, with the capacity visible in the event. A founder who
launches a project is its first member; the other founders it names are
invited, and become members by their own ``JoinProject``. Commitments,
milestones and completion count once two members have acted. Joining records
no consent that no member gave.

Each scenario runs on SQLite and PostgreSQL (``db_url``), through the Python
API, on the NAPCI record 2013-2014; each refusal appends nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from procedure_helpers import Record, opened, payload, types

from napci.domain.events import ProjectJoined, ProjectLaunched
from napci.domain.procedure import (
    CompleteProject,
    JoinProject,
    LaunchProject,
    MakeCommitment,
    ReachMilestone,
)
from napci.services.drafting import draft


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


LAUNCH = date(2015, 4, 1)


def launch(founders: tuple[str, ...], by: str, project: str = "px") -> LaunchProject:
    return LaunchProject(
        project=project,
        title="Cross-border air quality",
        tracks=("environment",),
        founders=founders,
        on=LAUNCH,
        by=by,
    )


def commitment(code: str, on: date = LAUNCH) -> MakeCommitment:
    return MakeCommitment(
        commitment=f"px-{code.lower()}",
        project="px",
        code=code,
        description=f"{code} shares its station data",
        due_on=date(2015, 12, 31),
        on=on,
        by=code,
    )


def test_a_founder_launching_names_the_others_who_join_by_their_own_act(
    record: Record,
) -> None:
    # projects launch px --founders CHN,MNG --actor CHN
    events = record.run(launch(("CHN", "MNG"), "CHN"))

    assert types(events) == ["ProjectLaunched"]
    project = record.registry().projects["px"]
    # MNG did nothing: it is named and invited, not a member.
    assert project.members == ["CHN"]
    assert (project.invited, project.under_way) == (["MNG"], False)
    launched = payload(events[0])
    assert (launched["founders"], launched["invited"], launched["recorded_as"]) == (
        ["CHN", "MNG"],
        ["MNG"],
        "founder",
    )
    assert events[0].actor == "CHN"
    record.refused(
        commitment("MNG"),
        "willing",
        "MNG is not a member of project px and cannot commit in it",
    )
    # One member alone is no project of the willing yet.
    refusal = record.refused(
        commitment("CHN"),
        "willing",
        "project px has one member or none who acted (CHN): commitments count once "
        "two or more willing participants are its members",
    )
    assert refusal.remedy == (
        "MNG, named as founder(s), must join it by their own act first "
        "(projects join px --actor CODE)."
    )
    record.refused(
        ReachMilestone("px", "stations", "Stations online", date(2015, 5, 1), "CHN"),
        "willing",
        "milestones count once",
    )
    record.refused(
        CompleteProject("px", date(2015, 5, 1), "CHN"),
        "willing",
        "a completion count",
    )
    record.refused(
        JoinProject("px", "MNG", date(2015, 5, 1), "CHN"),
        "own-act",
        "CHN cannot join project px for MNG",
    )

    events = record.run(JoinProject("px", "MNG", date(2015, 5, 1), "MNG"))

    # MNG's own act, and no consent recorded that no member gave.
    assert events[0].actor == "MNG"
    assert payload(events[0]) == {
        "project": "px",
        "code": "MNG",
        "joined_on": "2015-05-01",
    }
    project = record.registry().projects["px"]
    assert (project.members, project.invited, project.under_way) == (
        ["CHN", "MNG"],
        [],
        True,
    )
    assert project.founders == ("CHN", "MNG")
    events = record.run(commitment("CHN", date(2015, 5, 2)))
    assert types(events) == ["CommitmentMade"]


def test_the_secretariat_records_the_founders_joint_act_as_secretariat(
    record: Record,
) -> None:
    # The ROK's delegation, not among the founders, cannot.
    record.refused(
        launch(("CHN", "MNG"), "KOR"),
        "willing",
        "KOR is not among the founders: no one is added without their own act; "
        "KOR acts here as its delegation, not as the facilitator's secretariat",
        secretariat=False,
    )

    events = record.run(launch(("CHN", "MNG"), "KOR"))

    launched = payload(events[0])
    assert (launched["invited"], launched["recorded_as"]) == ([], "secretariat")
    project = record.registry().projects["px"]
    assert (project.members, project.recorded_as, project.under_way) == (
        ["CHN", "MNG"],
        "secretariat",
        True,
    )
    assert record.registry().projects["px"].as_dict()["recorded_as"] == "secretariat"


def test_a_named_founder_who_never_joins_gets_no_credit_for_the_project(
    record: Record,
) -> None:
    record.run(launch(("CHN", "JPN", "MNG"), "CHN"))
    record.run(JoinProject("px", "JPN", date(2015, 5, 1), "JPN"))
    day = date(2015, 12, 31)
    before = record.platform.trust.figures(day)

    record.run(CompleteProject("px", date(2015, 10, 1), "CHN", "done"))

    after = record.platform.trust.figures(day)
    chn, jpn, mng = (after.index_of(c) for c in ("CHN", "JPN", "MNG"))
    # Completed by its two members: evidence between them, none with MNG.
    assert after.r[chn, jpn].sum() > before.r[chn, jpn].sum()
    assert after.r[chn, mng].sum() == pytest.approx(before.r[chn, mng].sum())
    assert after.r[mng, jpn].sum() == pytest.approx(before.r[mng, jpn].sum())


def test_projects_recorded_before_invitations_read_as_they_were_written(
    record: Record,
) -> None:
    # What the record holds from before: every founder a member at launch,
    # and a joining with the members' presumed consent.
    old_launch = ProjectLaunched.model_validate(
        {
            "project": "old",
            "title": {"en": "Launched before invitations"},
            "tracks": ["environment"],
            "founders": ["KOR", "CHN"],
            "launched_on": "2015-04-01",
        }
    )
    old_join = ProjectJoined.model_validate(
        {
            "project": "old",
            "code": "MNG",
            "joined_on": "2015-05-01",
            "consented_by": ["KOR", "CHN"],
        }
    )
    record.platform.append(
        [
            draft(old_launch, occurred_at=date(2015, 4, 1), actor="KOR"),
            draft(old_join, occurred_at=date(2015, 5, 1), actor="MNG"),
        ],
        principal="test",
    )

    project = record.registry().projects["old"]

    assert (project.members, project.invited, project.recorded_as) == (
        ["KOR", "CHN", "MNG"],
        [],
        None,
    )
    assert record.platform.verify().ok
