"""The OpenAPI description says what the API does, case by case.

Each of these was found by schemathesis with ``--checks all`` (see
``test_schemathesis.py``, which runs every check over the whole API); here
each is pinned down on its own: every status an operation answers is in its
responses with a problem+json body, a 405 says ``Allow``, dates are bounded
in the schema and refused when written otherwise, a proposal's subject
needs its ``kind``, and reads declare the bearer token optional while
commands require it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine
from webapp import WebRecord

from napci.services.platform import Platform
from napci.settings import Settings
from napci.web.app import create_app
from napci.web.problems import PROBLEM

Spec = dict[str, Any]


@pytest.fixture(scope="module")
def spec() -> Spec:
    app: FastAPI = create_app(
        Settings("sqlite://"), platform=Platform(create_engine("sqlite://"))
    )
    return app.openapi()


def operations(spec: Spec) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_reads_may_be_anonymous_and_commands_need_a_token(spec: Spec) -> None:
    for path, method, operation in operations(spec):
        if method == "get":
            assert operation["security"] == [{}, {"token": []}], path
        else:
            assert operation["security"] == [{"token": []}], (method, path)


def test_every_status_an_operation_answers_is_described(spec: Spec) -> None:
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        expected = {"401"}
        if "requestBody" in operation:
            expected |= {"400", "422"}
        if "{" in path:
            expected |= {"404", "422"}
        if operation.get("parameters"):
            expected.add("422")
        for status in expected:
            assert status in responses, (method, path, status)
            assert PROBLEM in responses[status]["content"], (method, path, status)


def test_a_body_that_cannot_be_read_is_a_described_400(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record
    before = record.head()
    response = record.client.post(
        "/api/v1/actors",
        content=b"\xff\x13",
        headers={**record.auth("facilitator"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert record.head() == before
    described = record.app.openapi()["paths"]["/api/v1/actors"]["post"]
    assert PROBLEM in described["responses"]["400"]["content"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/api/v1/actors", "GET, POST"),
        ("DELETE", "/api/v1/meetings/env-2015", "GET"),
        # A concrete path answers what the description gives it, not what a
        # templated neighbour (/commitments/{commitment}) would.
        ("OPTIONS", "/api/v1/commitments/assess", "POST"),
        ("PUT", "/trust", "GET"),
        ("PATCH", "/login", "GET, POST"),
    ],
)
def test_a_405_says_which_methods_the_path_has(
    sqlite_web_record: WebRecord, method: str, path: str, allow: str
) -> None:
    response = sqlite_web_record.client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_dates_are_bounded_in_the_description(spec: Spec) -> None:
    cancel = spec["components"]["schemas"]["CancelBody"]["properties"]["on"]
    day = next(s for s in cancel["anyOf"] if s.get("type") == "string")
    assert day["format"] == "date"
    pattern = day["pattern"]
    for text, ok in [
        ("1900-01-01", True),
        ("2999-12-31", True),
        ("1899-12-31", False),
        ("3000-01-01", False),
        ("0674-08-14", False),
    ]:
        assert bool(re.search(pattern, text)) is ok, text


@pytest.mark.parametrize("day", [0, "0", 1_400_000_000, "0674-08-14", "3000-01-01"])
def test_a_day_is_refused_unless_written_yyyy_mm_dd_in_bounds(
    sqlite_web_record: WebRecord, day: Any
) -> None:
    record = sqlite_web_record
    before = record.head()
    response = record.post(
        "/actors",
        "facilitator",
        json={"code": "ATL", "name": "Atlantis", "kind": "state", "on": day},
    )
    assert response.status_code == 422, response.text
    assert record.head() == before
    read = record.get(f"/trust?as_of={day}", "analyst")
    assert read.status_code == 422, read.text
    body = {"code": "ATL", "name": "Atlantis", "kind": "state", "on": "2015-01-01"}
    assert record.post("/actors", "facilitator", json=body).status_code == 201


def test_a_subject_needs_its_kind(spec: Spec, sqlite_web_record: WebRecord) -> None:
    schemas = spec["components"]["schemas"]
    subject = schemas["TableBody"]["properties"]["subject"]
    for ref in subject["discriminator"]["mapping"].values():
        member = schemas[ref.rsplit("/", 1)[1]]
        assert "kind" in member["required"], ref
    record = sqlite_web_record
    before = record.head()
    response = record.post(
        "/proposals",
        "delegate",
        json={
            "proposal": "p",
            "title": "A track",
            "subject": {"track": "maritime", "name": {"en": "M"}, "category": "soft"},
        },
    )
    assert response.status_code == 422
    assert record.head() == before


def test_what_a_body_needs_beyond_its_fields_is_described(spec: Spec) -> None:
    schemas = spec["components"]["schemas"]
    attendance = schemas["AttendanceBody"]["anyOf"]
    assert {tuple(branch["required"]) for branch in attendance} == {
        ("attended",),
        ("absent",),
    }
    signed = schemas["PositionBody"]["anyOf"][1]
    assert set(signed["required"]) == {"event_id", "signer", "signature"}
    name = schemas["AddTrack"]["properties"]["name"]
    assert name["required"] == ["en"] and name["additionalProperties"] is False
    changes = schemas["AmendRules"]["properties"]["changes"]
    assert changes["properties"]["procedure.silence_days"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 365,
    }


@pytest.mark.parametrize(
    "path", ["/trust?as_of=1990-01-01", "/trust/explain?a=JPN&b=JPN"]
)
def test_a_page_naming_nothing_in_the_record_is_a_404_as_its_twin(
    sqlite_web_record: WebRecord, path: str
) -> None:
    client = sqlite_web_record.client
    base, _, query = path.partition("?")
    page = client.get(path)
    twin = client.get(f"{base}.json?{query}")
    assert (page.status_code, twin.status_code) == (404, 404)
    assert twin.headers["content-type"] == PROBLEM
