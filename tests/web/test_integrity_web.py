"""A record tampered with behind the server's back, as the API and pages show it.

The app runs in-process (the test client); its full verifications run in a
process of their own, here on the secretariat's request (``POST
/api/v1/ledger/verify``). The tampering is an edit in place with plain SQL,
the ledger's head left as it was, on SQLite and PostgreSQL. The same over a
real ``napci serve`` process, found by the background verification and again
after a restart, is in ``test_integrity_server.py``.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from integrity_helpers import TAMPERED, document, tamper
from pages_helpers import sign_in, submit
from webapp import WebRecord


def verified(record: WebRecord) -> dict[str, Any]:
    response = record.post("/ledger/verify", "facilitator")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_tampered_record_is_reported_everywhere_and_refuses_writes(
    web_record: WebRecord,
) -> None:
    record = web_record
    assert verified(record)["status"] == "ok"
    trust = record.get("/trust")
    assert trust.json()["record_status"] == {
        "status": "ok",
        "first_bad_seq": None,
        "verified_up_to": record.head()[0],
    }
    etag = trust.headers["etag"]
    assert record.client.get("/healthz").json()["status"] == "ok"

    tamper(record.platform, TAMPERED)
    head = record.head()
    report = verified(record)
    assert (report["ok"], report["status"], report["first_bad_seq"]) == (
        False,
        "broken",
        TAMPERED,
    )
    assert report["problem"] == "hash does not match the event's content"

    health = record.client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["status"] == "broken"
    assert health.json()["first_bad_seq"] == TAMPERED
    assert health.json()["verified_up_to"] == TAMPERED - 1
    assert health.json()["database"] == "reachable"

    broken = {"status": "broken", "first_bad_seq": TAMPERED}
    for path in ("/trust", "/status", "/trust/explain?a=KOR&b=JPN", "/ledger/head"):
        body = record.get(path).json()
        assert body["record_status"].items() >= broken.items(), path
    # The head is the same, the ETag is not: a cached "ok" is never served.
    again = record.get("/trust", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["etag"] != etag
    assert record.get("/ledger/verify").json()["status"] == "broken"

    refused = record.post("/documents", "delegate", json=document(1))
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"] == "/problems/record-broken"
    assert problem["first_bad_seq"] == TAMPERED
    assert problem["rule"] == "integrity"
    assert f"seq {TAMPERED}" in problem["detail"]
    assert problem["remedy"]
    assert record.head() == head  # nothing appended


def test_the_pages_show_a_broken_record_and_refuse_their_forms(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record
    client = TestClient(record.app)
    verified(record)
    quiet = client.get("/")
    assert 'id="record-status"' not in quiet.text  # no banner while it verifies
    assert "Verified up to seq" in quiet.text

    tamper(record.platform, TAMPERED)
    verified(record)
    for path in ("/", "/trust", "/ledger"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'id="record-status"' in page.text, path
        assert f"broken at seq {TAMPERED}" in page.text, path
    twin = client.get("/trust.json").json()
    assert twin["record_status"]["status"] == "broken"

    head = record.head()
    sign_in(client, record.tokens["facilitator"])
    form = {"proposal": "p-1", "title": "A proposal", "kind": "add-track"}
    refused = submit(client, "/proposals", {**form, "track": "maritime-safety"})
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("text/html")
    assert f"seq {TAMPERED}" in refused.text
    assert record.head() == head


def test_a_tail_that_does_not_continue_the_verified_chain_is_not_folded_unnoticed(
    web_record: WebRecord,
) -> None:
    """Events appended after the last full verification are checked against
    the head it verified before any figure is folded from them."""
    record = web_record
    verified(record)
    created = record.post("/documents", "delegate", json=document(2))
    assert created.status_code == 201, created.text
    seq = created.json()["head_seq"]
    tamper(record.platform, seq)  # before the server read it back

    status = record.get("/trust").json()["record_status"]
    assert status == {
        "status": "broken",
        "first_bad_seq": seq,
        "verified_up_to": seq - 1,
    }
    head = record.head()
    assert record.post("/documents", "delegate", json=document(3)).status_code == 503
    assert record.head() == head


def test_only_the_secretariat_has_the_record_verified_on_request(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record
    assert record.post("/ledger/verify").status_code == 401
    for user in ("delegate", "facilitator-delegate", "analyst", "observer"):
        response = record.post("/ledger/verify", user)
        assert response.status_code == 403, user
        assert response.headers["content-type"] == "application/problem+json"


def test_anyone_reads_the_last_verification_without_waiting_for_one(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record
    report = record.get("/ledger/verify").json()
    assert (report["ok"], report["status"], report["verified_at"]) == (
        False,
        "verifying",
        None,
    )
    report = verified(record)
    assert report["status"] == "ok"
    assert record.get("/ledger/verify").json() == report
    assert report["signatures_checked"] is False
    assert report["verified_at"] is not None
    tamper(record.platform, TAMPERED)
    # Until the server verifies again, it reports what it verified …
    assert record.get("/ledger/verify").json()["status"] == "ok"
    verified(record)
    # … and from then on, the break.
    assert record.get("/ledger/verify").json()["first_bad_seq"] == TAMPERED


def test_healthz_answers_from_what_the_server_knows(
    sqlite_web_record: WebRecord,
) -> None:
    health = sqlite_web_record.client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {
        "status": "verifying",
        "first_bad_seq": None,
        "verified_up_to": 0,
        "problem": None,
        "database": "reachable",
    }
