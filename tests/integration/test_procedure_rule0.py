"""Rule 0: no one acts for another (DESIGN §4, first paragraph).

Attendance a host or chair reports for another delegation is *reported*
until that delegation acknowledges it, and only acknowledged attendance
counts; the secretariat and the ROK's delegation are two parties; nothing is
dated before the acting party is in the record; a refusal never reveals what
the caller may not read. Each scenario runs on SQLite and PostgreSQL through
the Python API; every refusal appends nothing (``Record.refused``).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from procedure_helpers import PARTICIPANTS, Record, opened, payload, types

from napci.domain.events import (
    AttendanceAcknowledged,
    AttendanceRecorded,
    CommitmentMade,
    DocumentIssued,
    MeetingConvened,
    ProjectLaunched,
    ProposalTabled,
)
from napci.domain.procedure import (
    AcknowledgeAttendance,
    ConfirmAttendance,
    ConveneMeeting,
    Decide,
    FulfilCommitment,
    HoldMeeting,
    IssueDocument,
    JoinActor,
    JoinProject,
    LaunchProject,
    LeaveProject,
    MakeCommitment,
    RecordAttendance,
    RecordIncident,
    RecordPosition,
    Refusal,
    RegisterActor,
    TableProposal,
    WithdrawActor,
)
from napci.domain.registry import Registry
from napci.services.drafting import draft
from napci.services.platform import status_of

DAY = date(2015, 3, 10)
TODAY = datetime.now(UTC).date()
#: What a delegate may read.
DELEGATE = ("public", "participants")
#: What a refusal of the secretariat acting for the ROK's delegation says.
OWN_TOKEN = "KOR's delegation acts with its own token (a user with the role delegate"


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


def convene(meeting: str, by: str = "KOR", host: str = "JPN", **fields: Any) -> Any:
    return ConveneMeeting(
        meeting=meeting,
        title=f"Meeting {meeting}",
        tracks=("environment",),
        rank="working",
        layer="track-1",
        starts_on=fields.pop("starts_on", DAY),
        on=fields.pop("on", DAY),
        by=by,
        host=host,
        chair=host,
        **fields,
    )


def ack(meeting: str, code: str, on: date = DAY) -> AcknowledgeAttendance:
    return AcknowledgeAttendance(meeting, code, on, code)


# -- attendance: reported, acknowledged ----------------------------------------


def test_a_hosts_report_of_others_counts_once_each_acknowledges(
    record: Record,
) -> None:
    record.run(convene("m"))
    events = record.run(
        RecordAttendance("m", "JPN", True, DAY, "JPN"),
        RecordAttendance("m", "CHN", True, DAY, "JPN"),
        RecordAttendance("m", "MNG", False, DAY, "JPN"),
    )
    # The event says in which capacity it was recorded, and whether it counts.
    assert [
        (payload(e)["code"], payload(e)["recorded_as"], payload(e)["acknowledged"])
        for e in events
    ] == [("JPN", "delegation", True), ("CHN", "host", False), ("MNG", "host", False)]
    m = record.registry().meetings["m"]
    # Only JPN's own word counts; a reported absence is no evidence yet.
    assert (m.attended, m.absent, m.pending()) == ({"JPN"}, set(), ["CHN", "MNG"])
    assert m.as_dict()["attendance"] == [
        {"code": "CHN", "reported": True, "acknowledged": None},
        {"code": "JPN", "reported": True, "acknowledged": True},
        {"code": "MNG", "reported": False, "acknowledged": None},
    ]
    assert record.registry().to_acknowledge("CHN") == ["m"]
    assert record.registry().to_acknowledge("JPN") == []

    # Each delegation acknowledges its own, and no one else's.
    record.refused(
        AcknowledgeAttendance("m", "CHN", DAY, "JPN"),
        "own-act",
        "JPN cannot acknowledge attendance for CHN",
    )
    record.refused(
        ack("m", "CHN", date(2015, 3, 9)),
        "no-backdating",
        "the acknowledgement is dated 2015-03-09, before the report it "
        "acknowledges (2015-03-10)",
    )
    (acknowledged,) = record.run(ack("m", "CHN", date(2015, 3, 11)))
    assert acknowledged.type == "AttendanceAcknowledged"
    assert acknowledged.actor == "CHN"
    assert payload(acknowledged) == {"meeting": "m", "code": "CHN", "attended": True}
    refusal = record.refused(
        ack("m", "CHN"), "attendance", "CHN's attendance at m (attended) is"
    )
    assert refusal.remedy == (
        "Nothing is left to acknowledge: CHN acknowledges again only once the "
        "host or the chair reports it absent."
    )
    refusal = record.refused(
        ack("m", "RUS"), "attendance", "no attendance of RUS at m has been reported"
    )
    assert refusal.remedy == (
        "Ask the facilitator's secretariat (a user with the role facilitator), "
        "the host (JPN) or the chair (JPN) to report it."
    )
    record.run(ack("m", "MNG"))
    m = record.registry().meetings["m"]
    assert (m.attended, m.absent, m.pending()) == ({"JPN", "CHN"}, {"MNG"}, [])

    # A later report no one acknowledged never overrides what counts: pending.
    record.run(RecordAttendance("m", "CHN", False, DAY, "JPN"))
    m = record.registry().meetings["m"]
    assert (m.attended, m.pending(), m.reported["CHN"]) == (
        {"JPN", "CHN"},
        ["CHN"],
        False,
    )
    # The secretariat's record, as secretariat, counts at once.
    (recorded,) = record.run(RecordAttendance("m", "CHN", False, DAY, "KOR"))
    assert (payload(recorded)["recorded_as"], payload(recorded)["acknowledged"]) == (
        "secretariat",
        True,
    )
    m = record.registry().meetings["m"]
    assert (m.attended, m.absent, m.pending()) == ({"JPN"}, {"CHN", "MNG"}, [])


def test_a_host_cannot_make_a_consensus_of_the_absent(record: Record) -> None:
    """The hostile delegation: JPN hosts and chairs, reports all six present and
    decides an amendment of the rules. Only JPN's own attendance counts: the
    five others are absent, the adoption stays provisional for them, and the
    rules are not amended."""
    record.run(convene("m-jpn", by="JPN", on=TODAY, starts_on=TODAY), secretariat=False)
    record.run(
        TableProposal(
            proposal="faster",
            title="One day of silence",
            subject={"kind": "amend-rules", "changes": {"procedure.silence_days": 1}},
            on=TODAY,
            by="JPN",
            meeting="m-jpn",
        ),
        secretariat=False,
    )
    record.run(
        *(RecordAttendance("m-jpn", c, True, TODAY, "JPN") for c in PARTICIPANTS),
        secretariat=False,
    )
    record.run(HoldMeeting("m-jpn", TODAY, "JPN"), secretariat=False)
    events = record.run(Decide("faster", TODAY, "JPN"), secretariat=False)
    assert types(events) == ["DecisionAdopted"]  # no RulesAmended: provisional
    adopted = payload(events[0])
    assert adopted["joined"] == ["JPN"]
    assert adopted["provisional_for"] == ["CHN", "KOR", "MNG", "RUS", "USA"]
    assert record.registry().rules_on(TODAY).whole("procedure.silence_days") == 14


def test_the_sourced_record_counts_as_acknowledged(record: Record) -> None:
    """The NAPCI record 2013-2014 reports attendance from public sources,
    before acknowledgement existed: it counts, so its figures and road-map are
    what they were when every report counted."""
    platform = record.platform
    registry = record.registry()
    every_report = fold_counting_every_report(record)
    assert set(registry.meetings) == set(every_report.meetings)
    for name, meeting in registry.meetings.items():
        before = every_report.meetings[name]
        assert (meeting.attended, meeting.absent) == (before.attended, before.absent)
        assert meeting.pending() == [], name
    end_2014 = date(2014, 12, 31)
    figures = platform.trust.figures(end_2014)
    roadmap = platform.status(end_2014).as_dict()
    assert roadmap == status_of(every_report, platform.trust, end_2014).as_dict()

    # Acknowledging every sourced report changes nothing: it counted already.
    reports = [
        e
        for e in platform.ledger.iter_events(types=["AttendanceRecorded"])
        if json.loads(e.payload_json).get("sources")
    ]
    assert len(reports) == 22
    platform.append(
        [
            draft(
                AttendanceAcknowledged(
                    meeting=json.loads(e.payload_json)["meeting"],
                    code=json.loads(e.payload_json)["code"],
                    attended=json.loads(e.payload_json)["attended"],
                ),
                occurred_at=datetime.fromisoformat(e.occurred_at),
                actor=json.loads(e.payload_json)["code"],
            )
            for e in reports
        ],
        principal="test",
    )
    after = platform.trust.figures(end_2014)
    assert after.regional_index == figures.regional_index
    assert (after.s == figures.s).all() and (after.r == figures.r).all()
    assert platform.status(end_2014).as_dict() == roadmap


def fold_counting_every_report(record: Record) -> Registry:
    """The registry as it was folded before acknowledgement: every report of
    attendance counted."""
    registry = Registry()
    for event in record.platform.ledger.iter_events():
        if event.type == "AttendanceRecorded":
            data = json.loads(event.payload_json)
            data["acknowledged"] = True
            event = dataclasses.replace(event, payload_json=json.dumps(data))
        registry.apply(event)
    return registry


def test_a_legacy_report_without_sources_is_only_reported(record: Record) -> None:
    """An entry written before acknowledgement existed, without a source (as a
    host's report through the old rules), is reported and does not count."""
    record.run(convene("m"))
    record.platform.append(
        [
            draft(
                AttendanceRecorded(meeting="m", code="CHN", attended=True),
                occurred_at=DAY,
                actor="JPN",
            ),
            draft(
                AttendanceRecorded(meeting="m", code="MNG", attended=False),
                occurred_at=DAY,
                actor="JPN",
            ),
        ],
        principal="test",
    )
    m = record.registry().meetings["m"]
    assert (m.attended, m.absent, m.pending()) == (set(), set(), ["CHN", "MNG"])
    record.run(ack("m", "CHN"), ack("m", "MNG"))
    m = record.registry().meetings["m"]
    assert (m.attended, m.absent, m.pending()) == ({"CHN"}, {"MNG"}, [])


# -- the secretariat is not the ROK's delegation ------------------------------------


def test_the_secretariat_never_acts_for_the_roks_delegation(record: Record) -> None:
    record.run(convene("m"))
    record.run(RecordAttendance("m", "KOR", True, DAY, "JPN"))  # reported by the host
    record.run(
        TableProposal(
            "p",
            "Admit Sejong",
            {"kind": "admit-observer", "code": "SEJONG"},
            DAY,
            "JPN",
        )
    )
    record.run(
        LaunchProject("pr", "Dust", ("environment",), ("JPN", "MNG"), DAY, "KOR")
    )
    acts = [
        JoinActor("KOR", DAY, "KOR"),
        WithdrawActor("KOR", DAY, "KOR"),
        RecordPosition("p", "KOR", "objection", DAY, "KOR"),
        ConfirmAttendance("m", "KOR", DAY, "KOR"),
        ack("m", "KOR"),
        JoinProject("pr", "KOR", DAY, "KOR"),
    ]
    for command in acts:
        refusal = record.refused(
            command,
            "own-act",
            "the facilitator's secretariat cannot",
            "for KOR: the secretariat and KOR's delegation are two parties",
        )
        assert refusal.remedy is not None and refusal.remedy.startswith(OWN_TOKEN)
    # The ROK's delegation does each of these itself.
    for command in acts[2:]:
        record.run(command, secretariat=False)
    commitment = MakeCommitment(
        "pr-kor", "pr", "KOR", "station data", date(2015, 9, 30), DAY, "KOR"
    )
    for command in (commitment, LeaveProject("pr", "KOR", DAY, "KOR")):
        refusal = record.refused(command, "own-act", "the facilitator's secretariat")
        assert refusal.remedy is not None and refusal.remedy.startswith(OWN_TOKEN)
        record.run(command, secretariat=False)
    # What the secretariat records as secretariat stays its to record.
    record.run(FulfilCommitment("pr-kor", date(2015, 4, 1), "KOR"))


# -- nothing is dated before the acting party is in the record ---------------------


def test_nothing_is_dated_before_the_acting_party_is_in_the_record(
    record: Record,
) -> None:
    early = date(2013, 2, 1)  # JPN was registered on 2013-02-25, joined 2013-05-08
    record.refused(
        convene("m-early", by="JPN", on=TODAY, starts_on=early),
        "no-backdating",
        "JPN acts as host of meeting m-early, dated 2013-02-01, when it did not "
        "yet take part in the process (it took part from 2013-05-08)",
        secretariat=False,
    )
    refusal = record.refused(
        convene("m-early", by="JPN", on=early, starts_on=early),
        "no-backdating",
        "JPN entered the record on 2013-02-25; nothing it does can be dated "
        "2013-02-01, before that",
        secretariat=False,
    )
    assert refusal.remedy == "Date it on or after 2013-02-25."
    record.refused(
        JoinActor("CAN", date(2014, 1, 1), "CAN"),
        "no-backdating",
        "CAN entered the record on 2014-03-01",
    )
    # The secretariat acts from the day KOR took the facilitator role.
    refusal = record.refused(
        RegisterActor(
            "KINU", "KINU", "institute", "track-1.5", date(2013, 4, 1), "KOR"
        ),
        "no-backdating",
        "the facilitator's secretariat acts since KOR took the facilitator role on "
        "2013-05-08",
    )
    assert refusal.remedy == "Date it on or after 2013-05-08."
    statement = IssueDocument(
        "rok-2013", "statement", "A statement", date(2013, 4, 1), "KOR"
    )
    record.refused(statement, "no-backdating", "the facilitator's secretariat")
    record.run(statement, secretariat=False)  # the ROK's delegation existed
    # A host acts for a meeting only if it took part on the meeting's date.
    record.run(convene("m-2013", starts_on=date(2013, 5, 1), on=date(2013, 5, 8)))
    record.refused(
        RecordAttendance("m-2013", "JPN", True, date(2013, 5, 8), "JPN"),
        "no-backdating",
        "JPN acts as host of meeting m-2013, dated 2013-05-01",
    )
    record.run(RecordAttendance("m-2013", "JPN", True, date(2013, 5, 8), "KOR"))
    # A sourced incident is dated by the fact; its recording, the
    # secretariat's act, by the day it is recorded.
    (incident,) = record.run(
        RecordIncident(
            incident="cheonan",
            parties=("KOR", "PRK"),
            occurred_on=date(2010, 3, 26),
            severity=5,
            description="The sinking of the Cheonan",
            source_title="Joint Civilian-Military Investigation Group, 2010",
            on=TODAY,
            by="KOR",
        )
    )
    assert incident.occurred_at.startswith("2010-03-26")


# -- refusals reveal nothing the caller may not read ------------------------------


def restricted(record: Record) -> None:
    """A restricted meeting, proposal, document, project and commitment,
    appended as drafts (as a secretariat's closed-door work would be)."""
    events = [
        MeetingConvened(
            meeting="closed-door",
            title={"en": "Closed door"},
            tracks=("environment",),
            rank="working",
            layer="track-1",
            starts_on=DAY,
            host="JPN",
            chair="JPN",
        ),
        ProposalTabled(
            proposal="secret-p",
            title={"en": "Secret"},
            subject={"kind": "admit-observer", "code": "SEJONG"},
            tabled_by="KOR",
            tabled_on=DAY,
        ),
        DocumentIssued(
            document="secret-d", kind="recognition", title={"en": "S"}, issued_on=DAY
        ),
        ProjectLaunched(
            project="secret-pr",
            title={"en": "S"},
            tracks=("environment",),
            founders=("KOR", "JPN"),
            launched_on=DAY,
        ),
        CommitmentMade(
            commitment="secret-c",
            project="secret-pr",
            code="JPN",
            description="S",
            made_on=DAY,
            due_on=date(2015, 12, 31),
        ),
    ]
    record.platform.append(
        [
            draft(e, occurred_at=DAY, actor="KOR", classification="restricted")
            for e in events
        ],
        principal="test",
    )


def same_refusal(record: Record, hidden: Any, absent: Any, hid: str, nid: str) -> None:
    """``hidden`` (naming ``hid``) is refused to a delegate exactly as
    ``absent`` (naming ``nid``, which does not exist) is."""
    refusals: list[Refusal] = []
    for command in (hidden, absent):
        before = record.head()
        with pytest.raises(Refusal) as info:
            record.run(command, secretariat=False, clearance=DELEGATE)
        assert record.head() == before
        refusals.append(info.value)
    seen, unknown = refusals
    assert seen.rule == unknown.rule
    assert str(seen).replace(hid, "X") == str(unknown).replace(nid, "X")
    assert hid not in str(unknown)


def test_a_refusal_about_a_hidden_record_reads_as_for_an_absent_one(
    record: Record,
) -> None:
    restricted(record)
    for make in (
        lambda m: ConfirmAttendance(m, "JPN", DAY, "JPN"),
        lambda m: RecordAttendance(m, "CHN", True, DAY, "JPN"),
        lambda m: HoldMeeting(m, DAY, "JPN"),
        lambda m: ack(m, "JPN"),
        lambda m: IssueDocument("d", "statement", "S", DAY, "JPN", meeting=m),
        lambda m: TableProposal(
            "p", "S", {"kind": "admit-observer", "code": "SEJONG"}, DAY, "JPN", m
        ),
    ):
        same_refusal(
            record, make("closed-door"), make("no-such-m"), "closed-door", "no-such-m"
        )
    same_refusal(
        record,
        RecordPosition("secret-p", "JPN", "objection", DAY, "JPN"),
        RecordPosition("no-such-p", "JPN", "objection", DAY, "JPN"),
        "secret-p",
        "no-such-p",
    )
    same_refusal(
        record,
        TableProposal(
            "a", "A", {"kind": "adopt-document", "document": "secret-d"}, DAY, "JPN"
        ),
        TableProposal(
            "a", "A", {"kind": "adopt-document", "document": "no-such-d"}, DAY, "JPN"
        ),
        "secret-d",
        "no-such-d",
    )
    same_refusal(
        record,
        JoinProject("secret-pr", "JPN", DAY, "JPN"),
        JoinProject("no-such-pr", "JPN", DAY, "JPN"),
        "secret-pr",
        "no-such-pr",
    )
    same_refusal(
        record,
        FulfilCommitment("secret-c", DAY, "JPN"),
        FulfilCommitment("no-such-c", DAY, "JPN"),
        "secret-c",
        "no-such-c",
    )
    # An id is taken whoever may read it: the same words for both.
    record.run(convene("open-door"))
    hidden = record.refused(
        convene("closed-door", by="JPN"),
        "registry",
        secretariat=False,
        clearance=DELEGATE,
    )
    seen = record.refused(
        convene("open-door", by="JPN"),
        "registry",
        secretariat=False,
        clearance=DELEGATE,
    )
    assert str(hidden).replace("closed-door", "X") == str(seen).replace(
        "open-door", "X"
    )
    assert str(seen) == (
        "Refused: the meeting id open-door is taken (rule registry). Choose another "
        "id: ids are unique across the whole record."
    )


def test_what_names_a_restricted_record_is_restricted(record: Record) -> None:
    """The secretariat reads everything: what it records about a restricted
    meeting is restricted too, so no public event names it."""
    restricted(record)
    events = record.run(
        RecordAttendance("closed-door", "JPN", True, DAY, "KOR"),
        TableProposal(
            "at-closed-door",
            "S",
            {"kind": "admit-observer", "code": "SEJONG"},
            DAY,
            "KOR",
            "closed-door",
        ),
        IssueDocument("public-note", "statement", "S", DAY, "KOR"),
    )
    assert [e.classification for e in events] == ["restricted", "restricted", "public"]
    (position,) = record.run(
        RecordPosition("at-closed-door", "JPN", "support", DAY, "JPN"),
        secretariat=False,
    )
    assert position.classification == "restricted"
    public = record.platform.registry(clearance=("public",))
    assert "at-closed-door" not in public.decisions
    assert "closed-door" not in public.meetings
