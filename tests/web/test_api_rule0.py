"""Rule 0 through the API: no delegation can bend the record alone.

A hostile delegation (only JPN's delegate token) hosts and chairs a meeting,
reports all six participants present and decides an amendment of the rules
there: only its own attendance counts, so the other five are absent and get
the provisional period. It cannot date a meeting before it took part, nor act
for another; the secretariat cannot act for the ROK's delegation; and a
refusal about a restricted meeting reads exactly as for an unknown one. Every
refusal appends nothing, and the public figures of 2014 do not move. On
SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from api_scenario import DAY, act, convene, iso, project, table
from webapp import WebRecord

from napci.domain.events import MeetingConvened
from napci.domain.procedure import RecordAttendance
from napci.services.drafting import draft
from napci.web.problems import PROBLEM

TODAY = datetime.now(UTC).date().isoformat()
PARTICIPANTS = ["CHN", "JPN", "KOR", "MNG", "RUS", "USA"]
OTHERS = ["CHN", "KOR", "MNG", "RUS", "USA"]


def created(response: Any, *types: str) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    assert [e["type"] for e in data["recorded"]] == list(types)
    return data


def refused(
    record: WebRecord, user: str, path: str, body: Any, rule: str
) -> dict[str, Any]:
    """A 409 naming ``rule``; the head unchanged."""
    before = record.head()
    response = record.post(path, user, json=body)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["rule"] == rule, problem
    assert record.head() == before, "a refusal appended something"
    return problem


def public_2014(record: WebRecord) -> tuple[Any, Any]:
    """What an anonymous reader sees of 2014: the regional index, the road-map."""
    trust = record.get("/trust?as_of=2014-12-31").json()["regional_trust_index"]
    status = record.get("/status?as_of=2014-12-31").json()
    return trust, status


def test_a_hostile_delegation_cannot_adopt_alone(web_record: WebRecord) -> None:
    r = web_record
    before_2014 = public_2014(r)
    jpn = "delegate"
    created(
        r.post(
            "/meetings",
            jpn,
            json={
                "meeting": "jpn-m",
                "title": "A meeting of JPN's own",
                "tracks": ["environment"],
                "starts_on": TODAY,
                "host": "JPN",
                "chair": "JPN",
            },
        ),
        "MeetingConvened",
    )
    created(
        r.post(
            "/proposals",
            jpn,
            json={
                "proposal": "faster",
                "title": "One day of silence",
                "subject": {
                    "kind": "amend-rules",
                    "changes": {"procedure.silence_days": 1},
                },
                "meeting": "jpn-m",
            },
        ),
        "ProposalTabled",
    )
    created(
        r.post("/meetings/jpn-m/attendance", jpn, json={"attended": PARTICIPANTS}),
        *["AttendanceRecorded"] * 6,
    )
    meeting = r.get("/meetings/jpn-m", jpn).json()
    assert meeting["attended"] == ["JPN"]
    assert meeting["to_acknowledge"] == OTHERS
    assert {row["code"]: row["acknowledged"] for row in meeting["attendance"]} == {
        "CHN": None,
        "JPN": True,
        "KOR": None,
        "MNG": None,
        "RUS": None,
        "USA": None,
    }
    created(r.post("/meetings/jpn-m/held", jpn), "MeetingHeld")
    created(r.post("/proposals/faster/decide", jpn), "DecisionAdopted")
    decision = r.get("/proposals/faster", jpn).json()
    assert decision["outcome"] == "provisional"
    assert decision["joined"] == ["JPN"]
    assert decision["provisional_for"] == OTHERS

    # Nothing dated before JPN took part, whatever day it names.
    early = {
        "meeting": "jpn-early",
        "title": "Before JPN joined",
        "tracks": ["environment"],
        "starts_on": "2013-02-01",
        "host": "JPN",
        "chair": "JPN",
    }
    problem = refused(r, jpn, "/meetings", early, "no-backdating")
    assert "it took part from 2013-05-08" in problem["detail"]
    refused(r, jpn, "/meetings", {**early, "on": "2013-02-01"}, "no-backdating")

    # No act for another delegation is recorded.
    on_behalf = [
        ("/actors/CHN/withdraw", {}),
        ("/meetings/jpn-m/confirm", {"code": "CHN"}),
        ("/proposals/faster/positions", {"position": "support", "code": "CHN"}),
        ("/projects/pr/join", {"code": "CHN"}),
    ]
    project(r.platform, "pr", founders=("JPN", "MNG"))
    for path, body in on_behalf:
        refused(r, jpn, path, body, "own-act")

    assert public_2014(r) == before_2014


def test_the_secretariat_is_not_the_roks_delegation(web_record: WebRecord) -> None:
    r = web_record
    table(r.platform, "p", by="JPN")
    convene(r.platform, "m", host="JPN")
    act(r.platform, RecordAttendance("m", "KOR", True, DAY, "JPN"))
    project(r.platform, "pr", founders=("JPN", "MNG"))
    on = {"on": iso(DAY)}
    acts = [
        ("/actors/KOR/join", on),
        ("/actors/KOR/withdraw", on),
        ("/proposals/p/positions", {"position": "objection", **on}),
        ("/proposals/p/positions/draft", {"position": "objection", **on}),
        ("/meetings/m/confirm", on),
        ("/meetings/m/attendance/acknowledge", on),
        ("/projects/pr/join", on),
    ]
    for path, body in acts:
        problem = refused(r, "facilitator", path, body, "own-act")
        assert (
            "the secretariat and KOR's delegation are two parties"
            in (problem["detail"])
        ), path
        assert problem["remedy"].startswith(
            "KOR's delegation acts with its own token"
        ), path
    # The ROK's delegation, with its own token, does them.
    for path, body in acts[2:]:
        if path.endswith("/draft"):
            continue  # a draft is for a delegation with a key
        response = r.post(path, "facilitator-delegate", json=body)
        assert response.status_code == 201, (path, response.text)
    commitment = {
        "commitment": "c-kor",
        "description": "station data",
        "due_on": "2015-12-31",
        **on,
    }
    refused(r, "facilitator", "/projects/pr/commitments", commitment, "own-act")
    refused(r, "facilitator", "/projects/pr/leave", on, "own-act")
    created(
        r.post("/projects/pr/commitments", "facilitator-delegate", json=commitment),
        "CommitmentMade",
    )


def test_a_refusal_about_a_restricted_meeting_reads_as_for_an_unknown_one(
    web_record: WebRecord,
) -> None:
    r = web_record
    r.platform.append(
        [
            draft(
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
                occurred_at=DAY,
                actor="KOR",
                classification="restricted",
            )
        ],
        principal="test",
    )
    assert r.get("/meetings/closed-door", "delegate").status_code == 404
    on = {"on": iso(DAY)}
    for path, body in (
        ("/meetings/{}/confirm", on),
        ("/meetings/{}/attendance", {"attended": ["JPN"], **on}),
        ("/meetings/{}/held", {"held_on": iso(DAY)}),
        ("/meetings/{}/cancel", on),
        ("/meetings/{}/attendance/acknowledge", on),
    ):
        hidden = refused(r, "delegate", path.format("closed-door"), body, "registry")
        unknown = refused(r, "delegate", path.format("no-such-m"), body, "registry")
        for field in ("detail", "remedy", "type", "title"):
            assert str(hidden[field]).replace("closed-door", "X") == str(
                unknown[field]
            ).replace("no-such-m", "X"), path
    # A public proposal cannot name it.
    tabled = {
        "proposal": "p",
        "title": "Admit Sejong",
        "subject": {"kind": "admit-observer", "code": "SEJONG"},
        **on,
    }
    hidden = refused(
        r, "delegate", "/proposals", {**tabled, "meeting": "closed-door"}, "registry"
    )
    unknown = refused(
        r, "delegate", "/proposals", {**tabled, "meeting": "no-such-m"}, "registry"
    )
    assert hidden["detail"].replace("closed-door", "X") == unknown["detail"].replace(
        "no-such-m", "X"
    )
    # The secretariat reads it: what it tables there is restricted too.
    data = created(
        r.post("/proposals", "facilitator", json={**tabled, "meeting": "closed-door"}),
        "ProposalTabled",
    )
    assert data["recorded"][0]["classification"] == "restricted"
    assert r.get("/proposals/p", "delegate").status_code == 404
