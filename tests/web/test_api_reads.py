"""Every read endpoint: status, shape, pagination, ETags, problems, clearance.

Most tests only read, from one record per module (``shared_web_record``),
seeded once with a little of everything: a meeting held, a proposal with
positions, a project with a commitment, a document and an incident (the
incident is ``participants``-classified). Tests that write, or that must run
on PostgreSQL too, take a fresh record of their own.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_scenario import (
    DAY,
    act,
    commitment,
    held_meeting,
    incident,
    iso,
    project,
    table,
)
from pydantic import BaseModel, TypeAdapter
from webapp import WebRecord

from napci.domain.procedure import IssueDocument, RecordPosition
from napci.web.api import models
from napci.web.problems import PROBLEM

ROLES = (None, "analyst", "observer", "delegate", "facilitator")


@pytest.fixture(scope="module")
def seeded(shared_web_record: WebRecord) -> WebRecord:
    """The NAPCI record and, in 2015: a meeting on environment chaired by JPN,
    a proposal tabled at it with JPN's and ASEAN's positions, a project of
    JPN and MNG with a commitment, a statement, an incident JPN-CHN."""
    platform = shared_web_record.platform
    held_meeting(platform, "env-2015", chair="JPN")
    table(platform, "admit-sejong", meeting="env-2015")
    act(
        platform,
        RecordPosition("admit-sejong", "JPN", "support", DAY, "JPN"),
        RecordPosition("admit-sejong", "ASEAN", "no-objection", DAY, "ASEAN"),
        IssueDocument("statement-jpn", "statement", "On haze", DAY, "JPN"),
    )
    project(platform, "haze")
    commitment(platform, "haze-jpn", project="haze")
    incident(platform, "collision")
    return shared_web_record


#: Every read, with the model of its body (lists are pages of the model).
READS: dict[str, Any] = {
    "/me": models.Me,
    "/actors": models.Page[models.Actor],
    "/actors/JPN": models.Actor,
    "/tracks": models.Page[models.Track],
    "/meetings": models.Page[models.Meeting],
    "/meetings?track=environment&status=held": models.Page[models.Meeting],
    "/meetings/env-2015": models.Meeting,
    "/meetings/next-host": models.NextHost,
    "/meetings/next-host?willing=CHN,JPN&as_of=2015-12-31": models.NextHost,
    "/mechanisms": models.Page[models.Mechanism],
    "/mechanisms/neaspec": models.Mechanism,
    "/mechanisms/advice?track=environment": models.Advice,
    "/mechanisms/advice?track=environment&members=CHN,JPN,KOR,USA": models.Advice,
    "/ownership": models.Ownership,
    "/ownership?as_of=2015-12-31": models.Ownership,
    "/documents": models.Page[models.Document],
    "/documents?kind=statement": models.Page[models.Document],
    "/documents/statement-jpn": models.Document,
    "/proposals": models.Page[models.Proposal],
    "/proposals?outcome=open": models.Page[models.Proposal],
    "/proposals/admit-sejong": models.Proposal,
    "/projects": models.Page[models.Project],
    "/projects?status=active": models.Page[models.Project],
    "/projects/haze": models.Project,
    "/commitments": models.Page[models.Commitment],
    "/commitments?project=haze&status=open": models.Page[models.Commitment],
    "/commitments/haze-jpn": models.Commitment,
    "/incidents": models.Page[models.Incident],
    "/incidents/collision": models.Incident,
    "/ledger": models.LedgerPage,
    "/ledger?after=100&limit=5": models.LedgerPage,
    "/ledger/verify": models.VerifyReport,
    "/ledger/head": models.Head,
    "/trust": models.Trust,
    "/trust?as_of=2015-12-31&track=environment": models.Trust,
    "/trust/explain?a=JPN&b=CHN": models.Explanation,
    "/trust/explain?a=jpn&b=chn&track=environment&as_of=2015-12-31": (
        models.Explanation
    ),
    "/status": models.Status,
    "/status?as_of=2014-12-31": models.Status,
}


def validate(model: Any, data: Any) -> None:
    if isinstance(model, type) and issubclass(model, BaseModel):
        model.model_validate(data)
    else:
        TypeAdapter(model).validate_python(data)


@pytest.mark.parametrize("path", READS)
def test_every_read_has_its_documented_shape_and_an_etag(
    seeded: WebRecord, path: str
) -> None:
    response = seeded.get(path, "analyst")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    validate(READS[path], response.json())
    if path == "/me":
        return  # who is asking: not the record, no ETag
    etag = response.headers["etag"]
    again = seeded.get(path, "analyst", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag


def test_the_openapi_description_documents_every_read_and_its_problems(
    seeded: WebRecord,
) -> None:
    spec = seeded.client.get("/openapi.json").json()
    reads = {
        path: operations["get"]
        for path, operations in spec["paths"].items()
        if "get" in operations
    }
    documented = {p.removeprefix("/api/v1") for p in reads}
    asked = {path.split("?")[0] for path in READS}
    templates = {
        "/actors/JPN": "/actors/{code}",
        "/meetings/env-2015": "/meetings/{meeting}",
        "/mechanisms/neaspec": "/mechanisms/{mechanism}",
        "/documents/statement-jpn": "/documents/{document}",
        "/proposals/admit-sejong": "/proposals/{proposal}",
        "/projects/haze": "/projects/{project}",
        "/commitments/haze-jpn": "/commitments/{commitment}",
        "/incidents/collision": "/incidents/{incident}",
    }
    assert {templates.get(p, p) for p in asked} == documented
    for path, operation in reads.items():
        responses = operation["responses"]
        assert "application/json" in responses["200"]["content"], path
        assert "$ref" in str(responses["200"]["content"]["application/json"]), path
        for status in ("401",) if path.endswith("/me") else ("401", "422"):
            assert PROBLEM in responses[status]["content"], (path, status)
        if path.endswith("}"):
            assert PROBLEM in responses["404"]["content"], path
    assert spec["components"]["securitySchemes"]["token"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    "path",
    [
        "/actors",
        "/tracks",
        "/meetings",
        "/mechanisms",
        "/documents",
        "/proposals",
        "/projects",
        "/commitments",
        "/incidents",
    ],
)
def test_lists_are_paginated(seeded: WebRecord, path: str) -> None:
    whole = seeded.get(path, "analyst").json()
    assert whole["offset"] == 0 and whole["limit"] == 100
    assert whole["total"] == len(whole["items"]) >= 1
    walked: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        page = seeded.get(f"{path}?offset={offset}&limit=2", "analyst").json()
        assert len(page["items"]) <= 2
        assert page["total"] == whole["total"]
        walked.extend(page["items"])
        offset = page["next_offset"]
    assert walked == whole["items"]
    beyond = seeded.get(f"{path}?offset={whole['total']}", "analyst").json()
    assert beyond["items"] == [] and beyond["next_offset"] is None


def test_the_ledger_pages_follow_next_after(seeded: WebRecord) -> None:
    head_seq = seeded.head()[0]
    seqs: list[int] = []
    after: int | None = 0
    while after is not None:
        page = seeded.get(f"/ledger?after={after}&limit=40", "analyst").json()
        assert page["head_seq"] == head_seq
        assert len(page["items"]) <= 40
        seqs.extend(e["seq"] for e in page["items"])
        after = page["next_after"]
    assert seqs == list(range(1, head_seq + 1))
    last = seeded.get(f"/ledger?after={head_seq}", "analyst").json()
    assert last["items"] == [] and last["next_after"] is None


@pytest.mark.parametrize(
    ("path", "what"),
    [
        ("/actors/XYZ", "actor"),
        ("/meetings/nope", "meeting"),
        ("/mechanisms/nope", "mechanism"),
        ("/documents/nope", "document"),
        ("/proposals/nope", "proposal"),
        ("/projects/nope", "project"),
        ("/commitments/nope", "commitment"),
        ("/incidents/nope", "incident"),
    ],
)
def test_unknown_ids_are_404_problems(seeded: WebRecord, path: str, what: str) -> None:
    response = seeded.get(path, "analyst")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "about:blank"
    assert problem["title"] == "Not found"
    assert problem["status"] == 404
    assert what in problem["detail"]
    assert problem["instance"] == f"/api/v1{path}"


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/actors?limit=0", "limit"),
        ("/actors?offset=-1", "offset"),
        ("/ledger?limit=1001", "limit"),
        ("/trust?as_of=yesterday", "as_of"),
        ("/trust?as_of=0", "YYYY-MM-DD"),  # not a count of seconds since 1970
        ("/status?as_of=9999-12-31", "as_of"),
        ("/trust/explain?a=JPN", "b"),
        ("/mechanisms/advice", "track"),
    ],
)
def test_invalid_queries_are_422_problems(
    seeded: WebRecord, path: str, fragment: str
) -> None:
    response = seeded.get(path, "analyst")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert set(problem) >= {"type", "title", "status", "detail"}
    assert problem["status"] == 422
    assert fragment in problem["detail"]


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("/trust?track=military", "unknown track"),
        ("/trust?as_of=1990-01-01", "no event"),
        ("/status?as_of=1990-01-01", "no event"),
        ("/trust/explain?a=JPN&b=JPN", "two different actors"),
        ("/trust/explain?a=JPN&b=ATLANTIS", "unknown actor"),
        ("/meetings/next-host?willing=ASEAN", "no willing participant"),
    ],
)
def test_a_well_formed_query_naming_nothing_in_the_record_is_a_404(
    seeded: WebRecord, path: str, fragment: str
) -> None:
    response = seeded.get(path, "analyst")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == PROBLEM
    assert fragment in response.json()["detail"]
    operation = seeded.app.openapi()["paths"]["/api/v1" + path.split("?")[0]]["get"]
    assert PROBLEM in operation["responses"]["404"]["content"]


def test_a_rule_that_cannot_answer_a_read_is_named(seeded: WebRecord) -> None:
    response = seeded.get("/mechanisms/advice?track=military", "analyst")
    assert response.status_code == 404
    problem = response.json()
    assert problem["rule"] == "known-track"
    assert "environment" in problem["remedy"]


# -- who reads what ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "role", "actor", "clearance"),
    [
        (None, None, None, ["public"]),
        ("analyst", "analyst", None, ["public", "participants", "restricted"]),
        ("observer", "observer", "ASEAN", ["public", "participants"]),
        ("delegate", "delegate", "JPN", ["public", "participants"]),
        ("facilitator", "facilitator", "KOR", ["public", "participants", "restricted"]),
    ],
)
def test_me_is_the_caller(
    seeded: WebRecord,
    user: str | None,
    role: str | None,
    actor: str | None,
    clearance: list[str],
) -> None:
    me = seeded.get("/me", user).json()
    assert me == {
        "name": user,
        "role": role,
        "actor": actor,
        "clearance": clearance,
        "can_act": user not in (None, "analyst"),
    }


@pytest.mark.parametrize(
    "header", ["Bearer napci_unknown", "Basic dXNlcjpwYXNz", "Bearer ", "token"]
)
def test_a_bad_token_is_a_401_problem(seeded: WebRecord, header: str) -> None:
    response = seeded.client.get("/api/v1/actors", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["title"] == "Unauthorized"


def test_anonymous_readers_see_no_incident(seeded: WebRecord) -> None:
    assert seeded.get("/incidents").json()["items"] == []
    assert seeded.get("/incidents/collision").status_code == 404
    for user in ("observer", "delegate", "analyst", "facilitator"):
        listed = seeded.get("/incidents", user).json()["items"]
        assert [i["incident"] for i in listed] == ["collision"], user
        one = seeded.get("/incidents/collision", user).json()
        assert one["parties"] == ["JPN", "CHN"]
        assert one["severity"] == 2


def visible_seqs(record: WebRecord, user: str | None) -> list[int]:
    seqs: list[int] = []
    after: int | None = 0
    while after is not None:
        page = record.get(f"/ledger?after={after}&limit=1000", user).json()
        seqs.extend(e["seq"] for e in page["items"])
        assert all(
            e["classification"] in record.get("/me", user).json()["clearance"]
            for e in page["items"]
        )
        after = page["next_after"]
    return seqs


def test_anonymous_readers_see_only_public_events(seeded: WebRecord) -> None:
    everything = visible_seqs(seeded, "analyst")
    assert everything == list(range(1, seeded.head()[0] + 1))
    classified = [
        e.seq
        for e in seeded.platform.ledger.iter_events()
        if e.classification != "public"
    ]
    assert classified, "the seeded incident is classified"
    public = visible_seqs(seeded, None)
    assert public == [s for s in everything if s not in classified]
    assert visible_seqs(seeded, "delegate") == everything
    # A page of anonymous events skips the classified ones, not the page size.
    after = classified[0] - 2
    page = seeded.get(f"/ledger?after={after}&limit=3").json()
    assert [e["seq"] for e in page["items"]] == [s for s in public if s > after][:3]


def test_anyone_may_verify_the_whole_chain(seeded: WebRecord) -> None:
    # The server verifies in the background; here, on the secretariat's request.
    assert seeded.post("/ledger/verify", "facilitator").status_code == 200
    for user in ROLES:
        report = seeded.get("/ledger/verify", user).json()
        assert report["ok"] is True, user
        assert report["events"] == seeded.head()[0], user
        assert report["head"] == seeded.head()[1], user
        assert report["first_bad_seq"] is None


def test_an_etag_belongs_to_one_clearance(seeded: WebRecord) -> None:
    anonymous = seeded.get("/incidents")
    analyst = seeded.get("/incidents", "analyst")
    assert anonymous.headers["etag"] != analyst.headers["etag"]
    crossed = seeded.get(
        "/incidents", headers={"If-None-Match": analyst.headers["etag"]}
    )
    assert crossed.status_code == 200
    assert crossed.json()["items"] == []


# -- what the figures say ----------------------------------------------------------


def test_the_trust_figures_and_their_explanation(seeded: WebRecord) -> None:
    figures = seeded.get("/trust?as_of=2015-12-31", "analyst").json()
    assert figures["as_of"] == "2015-12-31"
    assert "environment" in figures["tracks"]
    pair = next(p for p in figures["pairs"] if set(p["pair"]) == {"JPN", "CHN"})
    one_track = seeded.get(
        "/trust?as_of=2015-12-31&track=environment", "analyst"
    ).json()
    assert one_track["tracks"] == ["environment"]
    narrowed = next(p for p in one_track["pairs"] if set(p["pair"]) == {"JPN", "CHN"})
    assert narrowed["tracks"] == {"environment": pair["tracks"]["environment"]}

    explained = seeded.get(
        "/trust/explain?a=JPN&b=CHN&as_of=2015-12-31&limit=1", "analyst"
    ).json()
    assert explained["a"] == "JPN" and explained["b"] == "CHN"
    assert explained["pair"]["trust"] == pair["trust"]
    assert explained["total"] >= 2  # co-attendance, and the incident
    assert len(explained["items"]) == 1
    kinds = {
        item["kind"]
        for item in seeded.get(
            "/trust/explain?a=JPN&b=CHN&as_of=2015-12-31", "analyst"
        ).json()["items"]
    }
    assert "incident" in kinds
    anonymous = seeded.get("/trust/explain?a=JPN&b=CHN&as_of=2015-12-31").json()
    assert "incident" not in {item["kind"] for item in anonymous["items"]}


def test_the_status_the_ownership_and_the_next_host(seeded: WebRecord) -> None:
    status = seeded.get("/status?as_of=2014-12-31").json()
    assert status["as_of"] == "2014-12-31"
    assert status["phase"] >= 1
    assert [p["phase"] for p in status["phases"]] == [1, 2, 3, 4]
    ownership = seeded.get("/ownership?as_of=2015-12-31").json()
    assert ownership["shares"]["JPN"]["hosted"] == 1
    assert ownership["shares"]["JPN"]["chaired"] == 1
    host = seeded.get("/meetings/next-host?willing=JPN,CHN&as_of=2015-12-31").json()
    assert host["suggested"] == "CHN"  # JPN hosted in 2015, CHN never


def test_the_overlap_adviser(seeded: WebRecord) -> None:
    advice = seeded.get(
        "/mechanisms/advice?track=environment&members=CHN,JPN,KOR,MNG,RUS,PRK"
    ).json()
    assert advice["recommendation"] == "revitalise"
    assert advice["mechanism"] == "neaspec"
    widen = seeded.get(
        "/mechanisms/advice?track=environment&members=CHN,JPN,KOR,USA"
    ).json()
    assert widen["recommendation"] == "widen"
    assert widen["reasoning"]


# -- reads of a record that changes ------------------------------------------------


def test_a_write_changes_the_etag(sqlite_web_record: WebRecord) -> None:
    record = sqlite_web_record
    first = record.get("/meetings", "delegate")
    etag = first.headers["etag"]
    assert record.get("/meetings", headers={"If-None-Match": etag}).status_code == 200
    response = record.post(
        "/meetings",
        "facilitator",
        json={
            "meeting": "m",
            "title": "A working meeting",
            "tracks": ["environment"],
            "starts_on": iso(DAY),
            "on": iso(DAY),
        },
    )
    assert response.status_code == 201, response.text
    after = record.get("/meetings", "delegate", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert after.json()["total"] == first.json()["total"] + 1
    assert record.get("/meetings/m").json()["status"] == "convened"


def test_every_read_answers_on_both_backends(web_record: WebRecord) -> None:
    incident(web_record.platform, "collision")
    for path in READS:
        if any(ref in path for ref in ("env-2015", "haze", "statement-jpn", "admit")):
            continue  # the seeded record's ids
        for user in (None, "analyst"):
            response = web_record.get(path, user)
            if path == "/incidents/collision" and user is None:
                assert response.status_code == 404
                continue
            assert response.status_code == 200, (path, user, response.text)
            validate(READS[path], response.json())
