"""Signed positions: a delegation signs its own position with its key.

The delegation fetches the draft of the event the rule would record (POST
.../positions/draft), signs its bytes with its Ed25519 key (which never
leaves it), and posts the position with the signature. The server checks the
signature against the registered key before appending, the ledger checks it
again, and ``ledger verify`` checks it whenever asked. A delegation with a
registered key must sign (rule signature); a tampered signature, a signature
over other content, or another delegation's key are refused, and nothing is
appended.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from api_scenario import DAY, held_meeting, iso, register_key, revoke_key, table
from webapp import WebRecord

from napci.domain.canonical import canonical_json
from napci.domain.envelope import SIGNATURE_DOMAIN, signing_bytes
from napci.domain.signing import KeyPair, sign, verify_signature
from napci.web.problems import PROBLEM

POSITION = {"position": "objection", "statement": "not yet", "on": iso(DAY)}


@pytest.fixture
def signed_record(web_record: WebRecord) -> tuple[WebRecord, KeyPair]:
    """A proposal under discussion; JPN's delegation has a registered key."""
    table(web_record.platform, "p")
    pair = register_key(web_record.platform, "JPN")
    return web_record, pair


def draft_of(record: WebRecord, body: dict[str, Any]) -> dict[str, Any]:
    response = record.post("/proposals/p/positions/draft", "delegate", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def signed_body(pair: KeyPair, draft: dict[str, Any]) -> dict[str, Any]:
    """The draft's body with the signature of its bytes."""
    message = base64.b64decode(draft["signing_bytes_b64"])
    return {**draft["body"], "signature": sign(pair, message)}


def assert_refused(
    record: WebRecord,
    before: tuple[int, str],
    response: Any,
    status: int,
    rule: str | None = None,
) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if rule is not None:
        assert response.json()["rule"] == rule
    assert record.head() == before, "a refused position appended something"


def test_the_draft_is_the_event_the_rule_records(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, pair = signed_record
    before = record.head()
    draft = draft_of(record, POSITION)
    assert record.head() == before, "a draft appends nothing"
    assert draft["type"] == "PositionRecorded"
    assert draft["actor"] == "JPN"
    assert draft["signer"] == pair.key_id
    assert draft["occurred_at"] == "2015-06-01T00:00:00.000000Z"
    assert draft["payload"] == {
        "code": "JPN",
        "position": "objection",
        "proposal": "p",
        "recorded_on": "2015-06-01",
        "sources": [],
        "statement": "not yet",
    }
    message = base64.b64decode(draft["signing_bytes_b64"])
    assert message.startswith(SIGNATURE_DOMAIN)
    stored = record.platform.ledger.get(draft["event_id"])
    assert stored is None
    assert draft["body"] == {
        **POSITION,
        "code": "JPN",
        "event_id": draft["event_id"],
        "signer": pair.key_id,
    }


def test_a_correctly_signed_position_is_recorded_and_verifies(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, pair = signed_record
    draft = draft_of(record, POSITION)
    response = record.post(
        "/proposals/p/positions", "delegate", json=signed_body(pair, draft)
    )
    assert response.status_code == 201, response.text
    recorded = response.json()["recorded"]
    assert [e["type"] for e in recorded] == ["PositionRecorded"]
    assert recorded[0]["id"] == draft["event_id"]
    assert recorded[0]["signed"] is True
    assert recorded[0]["signer"] == pair.key_id

    stored = record.platform.ledger.get(draft["event_id"])
    assert stored is not None and stored.signature is not None
    assert stored.principal == "user:delegate"
    assert stored.signing_bytes() == base64.b64decode(draft["signing_bytes_b64"])
    assert verify_signature(
        pair.public_key_b64, stored.signing_bytes(), stored.signature
    )

    report = record.platform.ledger.verify()  # what 'napci ledger verify' runs
    assert report.ok, report
    # the key's registration and confirmation (each signed by the key), the position
    assert report.signed == 3
    # The server's own verification, asked for by the secretariat.
    api_report = record.post("/ledger/verify", "facilitator").json()
    assert api_report["ok"] is True
    assert api_report["signed"] == 3

    proposal = record.get("/proposals/p", "analyst").json()
    assert proposal["positions"][0]["position"] == "objection"


def test_the_same_signed_position_again_records_nothing_new(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, pair = signed_record
    body = signed_body(pair, draft_of(record, POSITION))
    first = record.post("/proposals/p/positions", "delegate", json=body)
    assert first.status_code == 201, first.text
    head = record.head()
    again = record.post("/proposals/p/positions", "delegate", json=body)
    assert again.status_code == 200, again.text
    assert again.json()["recorded"] == []
    assert again.json()["already_recorded"] == [body["event_id"]]
    assert record.head() == head


def test_an_unsigned_position_of_a_delegation_with_a_key_is_refused(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, _ = signed_record
    before = record.head()
    response = record.post("/proposals/p/positions", "delegate", json=POSITION)
    assert_refused(record, before, response, 409, "signature")
    problem = response.json()
    assert "must be signed" in problem["detail"]
    assert "/positions/draft" in problem["remedy"]


def test_a_tampered_signature_is_refused(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, pair = signed_record
    body = signed_body(pair, draft_of(record, POSITION))
    raw = bytearray(base64.b64decode(body["signature"]))
    raw[10] ^= 0x01
    body["signature"] = base64.b64encode(bytes(raw)).decode("ascii")
    before = record.head()
    response = record.post("/proposals/p/positions", "delegate", json=body)
    assert_refused(record, before, response, 409, "signature")
    assert record.platform.ledger.get(body["event_id"]) is None


def test_a_signature_over_another_position_is_refused(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    """The payload is the server's, built from the body: a signature over a
    'support' does not carry an 'objection'."""
    record, pair = signed_record
    body = signed_body(pair, draft_of(record, {**POSITION, "position": "support"}))
    body["position"] = "objection"
    before = record.head()
    response = record.post("/proposals/p/positions", "delegate", json=body)
    assert_refused(record, before, response, 409, "signature")


def test_a_signature_for_another_day_is_refused(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, pair = signed_record
    body = signed_body(pair, draft_of(record, POSITION))
    body["on"] = "2015-06-02"
    before = record.head()
    response = record.post("/proposals/p/positions", "delegate", json=body)
    assert_refused(record, before, response, 409, "signature")


def test_a_signature_that_is_not_base64_is_refused(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, pair = signed_record
    body = signed_body(pair, draft_of(record, POSITION))
    body["signature"] = "not base64!"
    before = record.head()
    response = record.post("/proposals/p/positions", "delegate", json=body)
    # The description says what a signature is (base64), so the body is invalid.
    assert_refused(record, before, response, 422)
    assert response.json()["detail"].startswith("body.signature: ")


def test_another_delegations_key_does_not_sign_for_jpn(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, _ = signed_record
    chinese = register_key(record.platform, "CHN")
    draft = draft_of(record, POSITION)
    body = {**draft["body"], "signer": chinese.key_id}
    message = signing_bytes(
        id=draft["event_id"],
        type=draft["type"],
        version=draft["version"],
        occurred_at=draft["occurred_at"],
        actor="JPN",
        classification=draft["classification"],
        payload_json=canonical_json(draft["payload"]),
        signer=chinese.key_id,
    )
    body["signature"] = sign(chinese, message)
    before = record.head()
    response = record.post("/proposals/p/positions", "delegate", json=body)
    assert_refused(record, before, response, 409, "signature")
    assert "belongs to CHN" in response.json()["detail"]


def test_a_signed_position_needs_its_event_id_and_signer(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, pair = signed_record
    body = signed_body(pair, draft_of(record, POSITION))
    before = record.head()
    without_id = {k: v for k, v in body.items() if k != "event_id"}
    response = record.post("/proposals/p/positions", "delegate", json=without_id)
    assert_refused(record, before, response, 422)
    without_signer = {k: v for k, v in body.items() if k != "signer"}
    response = record.post("/proposals/p/positions", "delegate", json=without_signer)
    assert_refused(record, before, response, 422)


def test_an_unregistered_key_cannot_be_named_signer(
    signed_record: tuple[WebRecord, KeyPair],
) -> None:
    record, _ = signed_record
    before = record.head()
    response = record.post(
        "/proposals/p/positions/draft",
        "delegate",
        json={**POSITION, "signer": "ed25519:0000000000000000"},
    )
    assert_refused(record, before, response, 409, "signature")
    assert "not registered" in response.json()["detail"]


def test_without_a_key_a_delegation_posts_unsigned_and_gets_no_draft(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record
    table(record.platform, "p")
    before = record.head()
    response = record.post("/proposals/p/positions/draft", "delegate", json=POSITION)
    assert_refused(record, before, response, 409, "signature")
    assert "napci keys new JPN" in response.json()["remedy"]
    response = record.post("/proposals/p/positions", "delegate", json=POSITION)
    assert response.status_code == 201, response.text
    assert response.json()["recorded"][0]["signed"] is False


def test_once_its_key_is_revoked_a_delegation_may_post_unsigned(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record
    table(record.platform, "p")
    pair = register_key(record.platform, "JPN")
    revoke_key(record.platform, pair, "JPN", DAY)
    response = record.post("/proposals/p/positions", "delegate", json=POSITION)
    assert response.status_code == 201, response.text
    before = record.head()
    response = record.post(
        "/proposals/p/positions/draft",
        "delegate",
        json={**POSITION, "signer": pair.key_id},
    )
    assert_refused(record, before, response, 409, "signature")
    assert "revoked" in response.json()["detail"]


def test_a_signed_objection_under_silence_breaks_it(
    sqlite_web_record: WebRecord,
) -> None:
    """The rule's consequences are appended with the signed position, at once."""
    record = sqlite_web_record
    held_meeting(record.platform, "chaired", chair="JPN")
    table(record.platform, "p")
    started = record.post(
        "/proposals/p/silence",
        "facilitator",
        json={"deadline": "2015-07-01", "on": iso(DAY)},
    )
    assert started.status_code == 201, started.text
    pair = register_key(record.platform, "JPN")
    body = signed_body(pair, draft_of(record, POSITION))
    response = record.post("/proposals/p/positions", "delegate", json=body)
    assert response.status_code == 201, response.text
    recorded = response.json()["recorded"]
    assert [(e["type"], e["signed"]) for e in recorded] == [
        ("PositionRecorded", True),
        ("ProposalNotAdopted", False),
    ]
    assert record.get("/proposals/p").json()["outcome"] == "not-adopted"
    assert record.platform.ledger.verify().ok
