"""Every command endpoint, through the API only: what it records, what refuses it.

The process runs end to end over HTTP, each caller acting with its own
token: meetings convened, attended and held; a recognition adopted by
consensus; a proposal adopted under silence; a project from launch to
completion; commitments kept and broken; actors registered, invited, joining
and withdrawing; an incident recorded. Refusals are 409 problems naming the
rule and the remedy, invalid requests 422 problems, and neither appends
anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from api_scenario import DAY, held_meeting, iso, later, project, table
from webapp import WebRecord

from napci.web.problems import PROBLEM

ON = {"on": iso(DAY)}


def ok(response: Any, *types: str) -> dict[str, Any]:
    """A 201 that recorded events of ``types``, in order."""
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    assert [e["type"] for e in data["recorded"]] == list(types)
    for event in data["recorded"]:
        assert set(event) == {
            "seq",
            "id",
            "type",
            "occurred_at",
            "actor",
            "classification",
            "hash",
            "signer",
            "signed",
        }
        assert len(event["hash"]) == 64
    assert data["head_seq"] == data["recorded"][-1]["seq"]
    assert data["head"] == data["recorded"][-1]["hash"]
    return data


def refused(
    record: WebRecord, user: str | None, path: str, body: Any, rule: str
) -> dict[str, Any]:
    """A 409 naming ``rule``; nothing appended."""
    before = record.head()
    response = record.post(path, user, json=body)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["rule"] == rule, problem
    assert problem["type"] == f"/problems/rules/{rule}"
    assert problem["title"] == "Refused by the rules of procedure"
    assert problem["status"] == 409
    assert f"(rule {rule})" in problem["detail"]
    assert "remedy" in problem
    assert problem["instance"] == f"/api/v1{path}"
    assert record.head() == before, "a refusal appended something"
    return problem


def invalid(
    record: WebRecord, user: str | None, path: str, body: Any, fragment: str
) -> None:
    """A 422 problem mentioning ``fragment``; nothing appended."""
    before = record.head()
    response = record.post(path, user, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == 422
    assert fragment in problem["detail"], problem
    assert record.head() == before, "an invalid command appended something"


def test_a_meeting_adopts_a_common_recognition_by_consensus(
    web_record: WebRecord,
) -> None:
    r = web_record
    ok(
        r.post(
            "/meetings",
            "facilitator",
            json={
                "meeting": "env-2015",
                "title": "Working meeting on environment",
                "tracks": ["environment"],
                "rank": "working",
                "layer": "track-1",
                "starts_on": iso(later(10)),
                "host": "JPN",
                "chair": "JPN",
                "venue": "Tokyo",
                "invitees": ["ASEAN"],
                **ON,
            },
        ),
        "MeetingConvened",
    )
    ok(r.post("/meetings/env-2015/confirm", "delegate", json=ON), "AttendanceConfirmed")
    ok(
        r.post(
            "/documents",
            "delegate",
            json={
                "document": "recognition-env",
                "kind": "recognition",
                "title": "Common recognition on environment",
                "tracks": ["environment"],
                "meeting": "env-2015",
                "text": "We recognise the need to cooperate.",
                **ON,
            },
        ),
        "DocumentIssued",
    )
    ok(
        r.post(
            "/proposals",
            "delegate",
            json={
                "proposal": "adopt-recognition-env",
                "title": "Adopt the common recognition",
                "subject": {"kind": "adopt-document", "document": "recognition-env"},
                "meeting": "env-2015",
                "tracks": ["environment"],
                **ON,
            },
        ),
        "ProposalTabled",
    )
    day = {"on": iso(later(10))}
    ok(
        r.post(
            "/proposals/adopt-recognition-env/positions",
            "other-delegate",
            json={"position": "support", "reservation": "on data sharing", **day},
        ),
        "PositionRecorded",
    )
    ok(
        r.post(
            "/proposals/adopt-recognition-env/positions",
            "observer",
            json={"position": "objection", **day},
        ),
        "PositionRecorded",
    )
    participants = ["CHN", "JPN", "KOR", "MNG", "RUS", "USA"]
    ok(
        r.post(
            "/meetings/env-2015/attendance",
            "delegate",
            json={"attended": [*participants, "ASEAN"], **day},
        ),
        *["AttendanceRecorded"] * 7,
    )
    # The host's report counts for itself; each other delegation acknowledges
    # its own (rule 0), with its own token.
    reported = r.get("/meetings/env-2015").json()
    assert reported["attended"] == ["JPN"]
    assert reported["to_acknowledge"] == ["ASEAN", "CHN", "KOR", "MNG", "RUS", "USA"]
    for code in ("MNG", "RUS", "USA"):
        r.tokens[code] = r.platform.users.add(code.lower(), "delegate", code)
    for user in ("other-delegate", "facilitator-delegate", "observer", "MNG", "RUS"):
        ok(
            r.post("/meetings/env-2015/attendance/acknowledge", user, json=day),
            "AttendanceAcknowledged",
        )
    ok(
        r.post("/meetings/env-2015/held", "delegate", json={"held_on": day["on"]}),
        "MeetingHeld",
    )
    ok(
        r.post("/meetings/env-2015/attendance/acknowledge", "USA", json=day),
        "AttendanceAcknowledged",
    )
    ok(
        r.post(
            "/proposals/adopt-recognition-env/decide",
            "delegate",
            json={"at": day["on"]},
        ),
        "DecisionAdopted",
    )
    decision = r.get("/proposals/adopt-recognition-env").json()
    assert decision["outcome"] == "adopted"
    assert decision["joined"] == participants
    assert decision["statements"] == [
        {"code": "CHN", "kind": "reservation", "text": "on data sharing"}
    ]
    meeting = r.get("/meetings/env-2015").json()
    assert meeting["status"] == "held"
    assert meeting["confirmed"] == ["JPN"]
    trust = r.get(f"/trust?as_of={day['on']}&track=environment").json()
    pair = next(p for p in trust["pairs"] if set(p["pair"]) == {"JPN", "CHN"})
    assert pair["tracks"]["environment"]["ladder_step"] == "common recognition"


def test_a_proposal_adopted_under_silence(sqlite_web_record: WebRecord) -> None:
    r = sqlite_web_record
    ok(
        r.post(
            "/proposals",
            "facilitator",
            json={
                "proposal": "add-oceans",
                "title": "Add ocean governance",
                "subject": {
                    "kind": "add-track",
                    "track": "oceans",
                    "name": {"en": "Ocean governance", "ko": "해양 거버넌스"},
                    "category": "soft",
                },
                **ON,
            },
        ),
        "ProposalTabled",
    )
    ok(
        r.post(
            "/proposals/add-oceans/silence",
            "facilitator",
            json={"deadline": iso(later(14)), **ON},
        ),
        "SilenceProcedureStarted",
    )
    early = refused(
        r,
        "facilitator",
        "/proposals/add-oceans/decide",
        {"at": iso(later(13))},
        "silence",
    )
    assert "Decide after the deadline day" in early["remedy"]
    # The deadline day belongs to the participants.
    refused(
        r,
        "facilitator",
        "/proposals/add-oceans/decide",
        {"at": iso(later(14))},
        "silence",
    )
    ok(
        r.post(
            "/proposals/add-oceans/decide", "facilitator", json={"at": iso(later(15))}
        ),
        "DecisionAdopted",
        "TrackAdded",
    )
    assert r.get("/tracks").json()["total"] == 6


def test_a_proposal_is_withdrawn_by_its_proposer(sqlite_web_record: WebRecord) -> None:
    r = sqlite_web_record
    table(r.platform, "p", by="JPN")
    refused(r, "facilitator", "/proposals/p/withdraw", ON, "own-act")
    ok(r.post("/proposals/p/withdraw", "delegate", json=ON), "ProposalWithdrawn")
    assert r.get("/proposals/p").json()["outcome"] == "withdrawn"
    refused(
        r, "delegate", "/proposals/p/positions", {"position": "support"}, "consensus"
    )


def test_a_project_from_launch_to_completion(web_record: WebRecord) -> None:
    r = web_record
    ok(
        r.post(
            "/projects",
            "delegate",
            json={
                "project": "haze",
                "title": "Haze monitoring",
                "tracks": ["environment"],
                "founders": ["JPN", "MNG"],
                "partners": ["ASEAN"],
                "description": "Shared monitoring stations.",
                **ON,
            },
        ),
        "ProjectLaunched",
    )
    # JPN launched it: MNG, named as a founder, is invited until it acts.
    launched = r.get("/projects/haze").json()
    assert (launched["members"], launched["invited"]) == (["JPN"], ["MNG"])
    assert launched["recorded_as"] == "founder"
    r.tokens["mongolia"] = r.platform.users.add("mongolia", "delegate", "MNG")
    ok(r.post("/projects/haze/join", "mongolia", json=ON), "ProjectJoined")
    ok(r.post("/projects/haze/join", "other-delegate", json=ON), "ProjectJoined")
    ok(
        r.post(
            "/projects/haze/commitments",
            "other-delegate",
            json={
                "commitment": "haze-chn",
                "description": "two stations",
                "due_on": iso(later(90)),
                "grace_days": 10,
                **ON,
            },
        ),
        "CommitmentMade",
    )
    ok(
        r.post(
            "/projects/haze/commitments",
            "delegate",
            json={
                "commitment": "haze-jpn",
                "description": "the data portal",
                "due_on": iso(later(30)),
                **ON,
            },
        ),
        "CommitmentMade",
    )
    refused(r, "delegate", "/projects/haze/complete", ON, "commitments")
    ok(
        r.post(
            "/commitments/haze-chn/fulfil",
            "other-delegate",
            json={"on": iso(later(60))},
        ),
        "CommitmentKept",
    )
    ok(
        r.post("/commitments/assess", "facilitator", json={"on": iso(later(200))}),
        "CommitmentBroken",
    )
    ok(
        r.post(
            "/projects/haze/milestones",
            "other-delegate",
            json={"milestone": "stations", "title": "Stations online", **ON},
        ),
        "MilestoneReached",
    )
    ok(r.post("/projects/haze/leave", "other-delegate", json=ON), "ProjectLeft")
    ok(
        r.post(
            "/projects/haze/complete",
            "delegate",
            json={"summary": "done", "on": iso(later(300))},
        ),
        "ProjectCompleted",
    )
    data = r.get("/projects/haze").json()
    assert data["status"] == "completed"
    assert data["members"] == ["JPN", "MNG"]
    assert data["milestones"] == [
        {"milestone": "stations", "title": "Stations online", "reached_on": iso(DAY)}
    ]
    statuses = {
        c["commitment"]: c["status"] for c in r.get("/commitments").json()["items"]
    }
    assert statuses == {"haze-chn": "kept", "haze-jpn": "broken"}


def test_actors_are_registered_invited_and_join_by_their_own_act(
    sqlite_web_record: WebRecord,
) -> None:
    r = sqlite_web_record
    ok(
        r.post(
            "/actors",
            "facilitator",
            json={
                "code": "NEAEF",
                "name": "Northeast Asia Energy Forum",
                "kind": "institute",
                "layer": "track-2",
                **ON,
            },
        ),
        "ActorRegistered",
    )
    ok(
        r.post("/actors/CAN/invite", "facilitator", json={"note": "welcome", **ON}),
        "ActorInvited",
    )
    # Open participation by notification is for the seven Northeast Asian
    # states: Canada, invited, takes part as an observer or a partner.
    r.tokens["canada"] = r.platform.users.add("canada", "delegate", "CAN")
    problem = refused(
        r, "canada", "/actors/CAN/join", {"on": iso(later(1))}, "open-participation"
    )
    assert "admit-observer" in problem["remedy"]
    assert r.get("/actors/CAN").json()["status"] == "invited"
    r.tokens["dprk"] = r.platform.users.add("dprk", "delegate", "PRK")
    ok(r.post("/actors/PRK/join", "dprk", json={"on": iso(later(1))}), "ActorJoined")
    assert r.get("/actors/PRK").json()["status"] == "participant"
    assert r.get("/actors/neaef").json()["layer"] == "track-2"
    ok(
        r.post(
            "/actors/PRK/withdraw",
            "dprk",
            json={"reason": "elections", "on": iso(later(2))},
        ),
        "ActorWithdrew",
    )
    assert r.get("/actors/PRK").json()["status"] == "withdrawn"
    refused(r, "canada", "/actors/PRK/join", ON, "own-act")


def test_a_meeting_is_cancelled(sqlite_web_record: WebRecord) -> None:
    r = sqlite_web_record
    held_meeting(r.platform, "held", chair="JPN")
    refused(r, "facilitator", "/meetings/held/cancel", ON, "meetings")
    ok(
        r.post(
            "/meetings",
            "facilitator",
            json={
                "meeting": "later",
                "title": "A later meeting",
                "tracks": ["cyberspace"],
                "starts_on": iso(later(30)),
                **ON,
            },
        ),
        "MeetingConvened",
    )
    ok(
        r.post("/meetings/later/cancel", "facilitator", json={"reason": "a typhoon"}),
        "MeetingCancelled",
    )
    assert r.get("/meetings/later").json()["status"] == "cancelled"


def test_an_incident_is_recorded_for_participants_only(
    web_record: WebRecord,
) -> None:
    r = web_record
    data = ok(
        r.post(
            "/incidents",
            "facilitator",
            json={
                "incident": "collision",
                "parties": ["JPN", "CHN"],
                "occurred_on": iso(DAY),
                "severity": 3,
                "description": "a collision at sea",
                "source_title": "A news report",
                "source_url": "https://example.org/report",
                "tracks": ["disaster-relief"],
            },
        ),
        "IncidentRecorded",
    )
    assert data["recorded"][0]["classification"] == "participants"
    assert r.get("/incidents").json()["total"] == 0
    assert r.get("/incidents", "delegate").json()["items"][0]["sources"] == [
        {"title": "A news report", "url": "https://example.org/report"}
    ]


def test_the_gradual_pace_refuses_with_its_evidence(
    sqlite_web_record: WebRecord,
) -> None:
    r = sqlite_web_record
    problem = refused(
        r,
        "facilitator",
        "/meetings",
        {
            "meeting": "env-ministerial",
            "title": "Ministerial meeting on environment",
            "tracks": ["environment"],
            "rank": "ministerial",
            "starts_on": iso(DAY),
            **ON,
        },
        "gradual-rank",
    )
    assert "senior-official" in problem["remedy"]
    problem = refused(
        r,
        "facilitator",
        "/proposals",
        {
            "proposal": "add-military",
            "title": "Military confidence building",
            "subject": {
                "kind": "add-track",
                "track": "military-cbm",
                "name": {"en": "Military CBMs"},
                "category": "hard",
            },
            **ON,
        },
        "gradual-agenda",
    )
    assert "phase 3" in problem["detail"]
    assert problem["remedy"].startswith("Missing: ")


def test_the_same_fact_twice_is_refused(sqlite_web_record: WebRecord) -> None:
    r = sqlite_web_record
    project(r.platform, "haze")
    refused(
        r,
        "delegate",
        "/projects",
        {
            "project": "haze",
            "title": "Haze again",
            "tracks": ["environment"],
            "founders": ["JPN", "MNG"],
            **ON,
        },
        "registry",
    )
    refused(r, "delegate", "/projects/nope/join", ON, "registry")
    refused(r, "facilitator", "/commitments/assess", ON, "procedure")


def test_a_fact_in_the_future_is_refused(sqlite_web_record: WebRecord) -> None:
    r = sqlite_web_record
    problem = refused(
        r,
        "facilitator",
        "/documents",
        {"document": "d", "kind": "statement", "title": "T", "on": "2999-01-01"},
        "no-future",
    )
    assert problem["remedy"] == "Record it once it has happened."


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/meetings", {"meeting": "m", "title": "T"}, "starts_on"),
        (
            "/meetings",
            {"meeting": "m", "title": "T", "starts_on": iso(DAY), "rank": "grand"},
            "rank",
        ),
        (
            "/meetings",
            {"meeting": "M!", "title": "T", "starts_on": iso(DAY)},
            "meeting",
        ),
        ("/meetings", {"meeting": "m", "title": "", "starts_on": iso(DAY)}, "title"),
        (
            "/meetings",
            {"meeting": "m", "title": "T", "starts_on": "9999-12-31"},
            "starts_on",
        ),
        ("/meetings/m/attendance", {}, "who attended"),
        ("/meetings/M!/held", {}, "meeting"),
        (
            "/proposals",
            {"proposal": "p", "title": "T", "subject": {"kind": "dance"}},
            "subject",
        ),
        (
            "/proposals",
            {
                "proposal": "p",
                "title": "T",
                "subject": {
                    "kind": "add-track",
                    "track": "oceans",
                    "name": {"fr": "Océans"},
                    "category": "soft",
                },
            },
            "English",
        ),
        (
            "/proposals",
            {
                "proposal": "p",
                "title": "T",
                "subject": {"kind": "declare-phase", "phase": 9},
            },
            "phase",
        ),
        ("/proposals/p/positions", {"position": "abstain"}, "position"),
        (
            "/incidents",
            {
                "incident": "i",
                "parties": ["JPN"],
                "occurred_on": iso(DAY),
                "severity": 9,
                "description": "d",
                "source_title": "s",
            },
            "severity",
        ),
        (
            "/projects/pr/commitments",
            {
                "commitment": "c",
                "description": "d",
                "due_on": iso(DAY),
                "grace_days": 1_000_000,
            },
            "grace_days",
        ),
        ("/actors/jpn/join", {}, "code"),
        ("/actors", {"code": "X", "name": "N", "kind": "club"}, "kind"),
        ("/proposals/p/positions", [1, 2], "body"),
    ],
)
def test_invalid_commands_are_422_problems(
    sqlite_web_record: WebRecord, path: str, body: Any, fragment: str
) -> None:
    invalid(sqlite_web_record, "facilitator", path, body, fragment)


def test_a_body_that_is_not_json_is_a_422_problem(
    sqlite_web_record: WebRecord,
) -> None:
    r = sqlite_web_record
    before = r.head()
    response = r.client.post(
        "/api/v1/proposals/p/positions",
        content=b"{position: support",
        headers={**r.auth("delegate"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert r.head() == before


def test_commands_default_to_today_and_to_the_callers_own_actor(
    sqlite_web_record: WebRecord,
) -> None:
    r = sqlite_web_record
    table(r.platform, "p")
    before = datetime.now(UTC).date()
    data = ok(
        r.post("/proposals/p/positions", "delegate", json={"position": "support"}),
        "PositionRecorded",
    )
    position = r.get("/proposals/p").json()["positions"][0]
    assert position["code"] == "JPN"
    assert data["recorded"][0]["actor"] == "JPN"
    assert before <= date.fromisoformat(position["recorded_on"])
    assert date.fromisoformat(position["recorded_on"]) <= datetime.now(UTC).date()


def test_unknown_routes_and_methods_are_problems(sqlite_web_record: WebRecord) -> None:
    r = sqlite_web_record
    missing = r.get("/nowhere")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    wrong = r.client.delete("/api/v1/actors")
    assert wrong.status_code == 405
    assert wrong.headers["content-type"] == PROBLEM
