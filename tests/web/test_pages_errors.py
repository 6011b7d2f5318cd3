"""Careless and hostile requests get napci's own answers, never a bare 500.

Pages answered ``500 text/plain Internal Server Error`` for a day beyond the
calendar's reach (``/trust?as_of=9999-12-31``: an ``OverflowError``) and a
seq beyond a database integer (``/ledger?after=9223372036854775808``). Pages
now bound their inputs as the API does (422, the styled error page, or
problem+json for a JSON twin), and whatever else fails is a 500 in napci's
own form, which says nothing of the failure's insides.

And the NUL that stopped every figure on PostgreSQL: refused with a 422
naming the field, and every figure still answers after.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from webapp import WebRecord

from napci.web.problems import PROBLEM

BEYOND = [
    "/trust?as_of=9999-12-31",
    "/trust?as_of=1066-10-14",
    "/trust/explain?a=KOR&b=JPN&as_of=9999-12-31",
    "/ledger?after=9223372036854775808",
    "/ledger?before=9223372036854775808",
    "/ledger?after=-1",
]


@pytest.mark.parametrize("path", BEYOND)
def test_a_page_bounds_its_inputs(shared_web_record: WebRecord, path: str) -> None:
    client = TestClient(shared_web_record.app, raise_server_exceptions=False)
    page = client.get(path)
    assert page.status_code == 422, page.text[:300]
    assert page.headers["content-type"].startswith("text/html")
    assert "<!doctype html>" in page.text.lower()
    assert "Invalid request" in page.text

    base, _, query = path.partition("?")
    twin = client.get(f"{base}.json?{query}")
    assert twin.status_code == 422
    assert twin.headers["content-type"] == PROBLEM
    assert twin.json()["status"] == 422


def test_a_failure_is_answered_in_napcis_own_form(
    shared_web_record: WebRecord,
) -> None:
    app = shared_web_record.app

    @app.get("/failing")
    @app.get("/api/v1/failing")
    def failing() -> None:
        raise RuntimeError("the insides of the failure")

    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/failing")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "<!doctype html>" in page.text.lower()
    assert "Internal error" in page.text
    assert "insides" not in page.text

    problem = client.get("/api/v1/failing")
    assert problem.status_code == 500
    assert problem.headers["content-type"] == PROBLEM
    body = problem.json()
    assert (body["status"], body["title"]) == (500, "Internal error")
    assert "insides" not in problem.text


def test_a_nul_in_a_title_is_refused_and_every_figure_still_answers(
    web_record: WebRecord,
) -> None:
    before = web_record.head()
    body = {"document": "d1", "kind": "statement", "title": "a\x00b"}
    answer = web_record.post("/documents", "delegate", json=body)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert detail.startswith("body.title: ")
    assert "NUL character (U+0000)" in detail
    assert web_record.head() == before

    # The same through the raw JSON escape, and a lone surrogate.
    for text in ('"a\\u0000b"', '"a\\ud800b"'):
        raw = json.dumps({"document": "d2", "kind": "statement"})[:-1]
        answer = web_record.client.post(
            "/api/v1/documents",
            content=f'{raw}, "title": {text}}}',
            headers={
                **web_record.auth("delegate"),
                "content-type": "application/json",
            },
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"].startswith("body.title: ")
    assert web_record.head() == before

    for path in (
        "/api/v1/trust",
        "/api/v1/status",
        "/api/v1/trust/explain?a=KOR&b=JPN",
    ):
        assert web_record.client.get(path).status_code == 200, path
    assert web_record.client.get("/").status_code == 200
