"""A delegation's own keys through the API: POST /api/v1/keys and revocation.

A key binds a delegation only when that delegation registered it itself
(DESIGN §4 rule 0). The issue's attack: anyone with the command line entered
a key in China's name; from then on China's unsigned objections were refused
(the key's holder silenced China) and the holder could sign as China. Here
the attack and every hostile variant is tried through the API on both
backends: a refusal appends nothing (the head is checked), a key entered by
anyone but its delegation is recorded unconfirmed, binds no one, and is
flagged on the delegation's page.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from api_scenario import DAY, enter_key, iso, register_key, table
from webapp import WebRecord

from napci.domain.key_requests import make_key_request
from napci.domain.signing import KeyPair, generate_key_pair, sign
from napci.web.problems import PROBLEM

TODAY = datetime.now(UTC).date()
OBJECTION = {"position": "objection", "statement": "not yet", "on": iso(DAY)}


def request_of(pair: KeyPair, code: str, on: date = DAY) -> dict[str, Any]:
    """The key request ``napci keys new`` would write, as JSON data."""
    return make_key_request(pair, code, on).as_json()


def submit(record: WebRecord, user: str | None, body: Any) -> Any:
    return record.post("/keys", user, json=body)


def refused(
    record: WebRecord, before: tuple[int, str], response: Any, status: int
) -> dict[str, Any]:
    """The problem of a refusal that appended nothing."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert record.head() == before, "a refused request appended something"
    problem: dict[str, Any] = response.json()
    return problem


def signed_position(
    record: WebRecord, user: str, pair: KeyPair, body: dict[str, Any]
) -> Any:
    """Draft the position for ``pair``, sign it, post it."""
    draft = record.post(
        "/proposals/p/positions/draft", user, json={**body, "signer": pair.key_id}
    )
    assert draft.status_code == 200, draft.text
    data = draft.json()
    signature = sign(pair, base64.b64decode(data["signing_bytes_b64"]))
    return record.post(
        "/proposals/p/positions", user, json={**data["body"], "signature": signature}
    )


def participant(record: WebRecord, code: str) -> dict[str, Any]:
    response = record.client.get(f"/participants/{code}.json")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


# -- the attack of the issue ----------------------------------------------------


def test_a_key_anyone_entered_in_chinas_name_neither_silences_nor_signs_for_it(
    web_record: WebRecord,
) -> None:
    record = web_record
    table(record.platform, "p")
    stolen = enter_key(record.platform, "CHN")  # 'napci keys register' locally

    # China's unsigned objection is still China's to make.
    response = record.post("/proposals/p/positions", "other-delegate", json=OBJECTION)
    assert response.status_code == 201, response.text
    assert response.json()["recorded"][0]["signed"] is False

    # The key's holder cannot sign as China, through the draft or directly.
    before = record.head()
    draft = record.post(
        "/proposals/p/positions/draft",
        "other-delegate",
        json={**OBJECTION, "signer": stolen.key_id},
    )
    problem = refused(record, before, draft, 409)
    assert problem["rule"] == "signature"
    assert "unconfirmed" in problem["detail"]
    assert "POST /api/v1/keys" in problem["remedy"]

    # The key is flagged on China's page: it binds no one.
    page = participant(record, "CHN")
    [key] = page["signing_keys"]
    assert key["key_id"] == stolen.key_id
    assert (key["confirmed"], key["binds"], key["flagged"]) == (False, False, True)
    assert key["status"] == "unconfirmed"
    assert page["signatures_required"] is False
    html = record.client.get("/participants/CHN").text
    assert "entered by someone other than the delegation: binds no one" in html
    assert record.platform.verify().ok


# -- the delegation's own registration ------------------------------------------


def test_a_delegation_registers_its_own_key_and_must_then_sign(
    web_record: WebRecord,
) -> None:
    record = web_record
    table(record.platform, "p")
    pair = generate_key_pair()
    body = request_of(pair, "CHN")
    response = submit(record, "other-delegate", body)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["code"], answer["key_id"], answer["confirmed"]) == (
        "CHN",
        pair.key_id,
        True,
    )
    assert [
        (e["type"], e["actor"], e["signer"], e["signed"]) for e in answer["recorded"]
    ] == [
        ("KeyRegistered", "CHN", pair.key_id, True),
        ("KeyConfirmed", "CHN", pair.key_id, True),
    ]
    for event in answer["recorded"]:
        stored = record.platform.ledger.get(event["id"])
        assert stored is not None and stored.principal == "user:other-delegate"
    assert participant(record, "CHN")["signing_keys"][0]["status"] == "binds"

    # The same request again records nothing new.
    head = record.head()
    again = submit(record, "other-delegate", body)
    assert again.status_code == 200, again.text
    assert again.json()["recorded"] == []
    assert sorted(again.json()["already_recorded"]) == sorted(
        e["id"] for e in body["events"]
    )
    assert record.head() == head

    # China's key binds China: unsigned positions refused, signed ones taken.
    before = record.head()
    unsigned = record.post("/proposals/p/positions", "other-delegate", json=OBJECTION)
    assert refused(record, before, unsigned, 409)["rule"] == "signature"
    response = signed_position(record, "other-delegate", pair, OBJECTION)
    assert response.status_code == 201, response.text
    report = record.platform.verify()
    assert report.ok and report.signed == 3


def test_two_keys_of_one_delegation_both_sign(web_record: WebRecord) -> None:
    record = web_record
    table(record.platform, "p")
    first = register_key(record.platform, "CHN")
    second = register_key(record.platform, "CHN")
    # Either key signs; with none named, the draft is for the newest.
    for pair, position in ((first, "objection"), (second, "no-objection")):
        body = {**OBJECTION, "position": position}
        response = signed_position(record, "other-delegate", pair, body)
        assert response.status_code == 201, response.text
        assert response.json()["recorded"][0]["signer"] == pair.key_id
    draft = record.post(
        "/proposals/p/positions/draft", "other-delegate", json=OBJECTION
    )
    assert draft.status_code == 200, draft.text
    assert draft.json()["signer"] == second.key_id
    before = record.head()
    unsigned = record.post("/proposals/p/positions", "other-delegate", json=OBJECTION)
    assert refused(record, before, unsigned, 409)["rule"] == "signature"
    assert record.platform.registry().decisions["p"].positions["CHN"].position == (
        "no-objection"
    )


# -- anyone else: recorded unconfirmed -------------------------------------------


@pytest.mark.parametrize(
    ("user", "code"),
    [
        ("delegate", "CHN"),  # another delegation
        ("facilitator", "CHN"),  # the secretariat
        ("facilitator", "KOR"),  # the secretariat is not the ROK's delegation
        ("observer", "JPN"),  # an observer's user for a participant
        ("delegate", "ASEAN"),  # a delegation for an observer
    ],
)
def test_a_request_submitted_by_anyone_but_the_delegation_binds_no_one(
    sqlite_web_record: WebRecord, user: str, code: str
) -> None:
    record = sqlite_web_record
    pair = generate_key_pair()
    response = submit(record, user, request_of(pair, code))
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["confirmed"] is False
    assert [e["type"] for e in answer["recorded"]] == ["KeyRegistered"]
    assert "Recorded unconfirmed" in answer["note"]
    assert f"{code}'s delegation submits its key request" in answer["note"]
    key = record.platform.registry().keys[pair.key_id]
    assert (key.code, key.confirmed, key.binds) == (code, False, False)
    assert participant(record, code)["flagged"] == 1


@pytest.mark.parametrize(
    ("user", "code"),
    [("facilitator-delegate", "KOR"), ("observer", "ASEAN"), ("delegate", "JPN")],
)
def test_the_delegations_own_user_confirms_participant_or_observer(
    sqlite_web_record: WebRecord, user: str, code: str
) -> None:
    record = sqlite_web_record
    response = submit(record, user, request_of(generate_key_pair(), code))
    assert response.status_code == 201, response.text
    assert response.json()["confirmed"] is True
    assert [e["type"] for e in response.json()["recorded"]] == [
        "KeyRegistered",
        "KeyConfirmed",
    ]


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("analyst", 403)])
def test_who_may_not_act_submits_nothing(
    sqlite_web_record: WebRecord, user: str | None, status: int
) -> None:
    record = sqlite_web_record
    before = record.head()
    response = submit(record, user, request_of(generate_key_pair(), "CHN"))
    refused(record, before, response, status)


# -- hostile requests --------------------------------------------------------------


def test_a_replayed_request_stays_unconfirmed_until_its_delegation_submits_it(
    web_record: WebRecord,
) -> None:
    record = web_record
    pair = generate_key_pair()
    body = request_of(pair, "CHN")
    replay = submit(record, "delegate", body)  # Japan replays China's request
    assert replay.status_code == 201, replay.text
    assert replay.json()["confirmed"] is False
    # Replayed again by Japan: nothing new, still unconfirmed.
    head = record.head()
    again = submit(record, "delegate", body)
    assert again.status_code == 200, again.text
    assert (again.json()["recorded"], again.json()["confirmed"]) == ([], False)
    assert record.head() == head
    # China submits its own request: only the confirmation is new.
    own = submit(record, "other-delegate", body)
    assert own.status_code == 201, own.text
    assert [e["type"] for e in own.json()["recorded"]] == ["KeyConfirmed"]
    assert own.json()["already_recorded"] == [body["events"][0]["id"]]
    assert record.platform.registry().keys[pair.key_id].binds


def test_a_key_registered_to_another_delegation_is_refused(
    web_record: WebRecord,
) -> None:
    record = web_record
    pair = register_key(record.platform, "JPN")
    before = record.head()
    response = submit(record, "other-delegate", request_of(pair, "CHN"))
    problem = refused(record, before, response, 409)
    assert problem["rule"] == "own-key"
    assert f"key {pair.key_id} is registered to JPN, not to CHN" in problem["detail"]
    assert "napci keys new CHN" in problem["remedy"]


def test_a_revoked_key_is_never_confirmed(web_record: WebRecord) -> None:
    record = web_record
    pair = generate_key_pair()
    body = request_of(pair, "CHN")
    assert submit(record, "delegate", body).status_code == 201  # unconfirmed
    revoked = record.post(f"/keys/{pair.key_id}/revoke", "other-delegate", json={})
    assert revoked.status_code == 201, revoked.text
    before = record.head()
    problem = refused(record, before, submit(record, "other-delegate", body), 409)
    assert problem["rule"] == "own-key"
    assert "was revoked" in problem["detail"]
    assert "napci keys new CHN" in problem["remedy"]
    assert participant(record, "CHN")["signing_keys"][0]["status"] == "revoked"


@pytest.mark.parametrize(
    ("on", "rule", "words"),
    [
        (TODAY + timedelta(days=2), "no-future", "after today"),
        (
            date(2013, 2, 24),
            "no-backdating",
            "before CHN entered the record (2013-02-25)",
        ),
    ],
    ids=["future", "before-entering"],
)
def test_a_request_dated_outside_the_delegations_time_is_refused(
    web_record: WebRecord, on: date, rule: str, words: str
) -> None:
    record = web_record
    before = record.head()
    response = submit(
        record, "other-delegate", request_of(generate_key_pair(), "CHN", on)
    )
    problem = refused(record, before, response, 409)
    assert problem["rule"] == rule
    assert words in problem["detail"]
    assert problem["remedy"]


def _tampered_signature(body: dict[str, Any]) -> None:
    raw = bytearray(base64.b64decode(body["events"][1]["signature"]))
    raw[3] ^= 1
    body["events"][1]["signature"] = base64.b64encode(bytes(raw)).decode()


def _other_code_in_payload(body: dict[str, Any]) -> None:
    body["events"][1]["payload"]["code"] = "JPN"


def _other_day(body: dict[str, Any]) -> None:
    body["on"] = "2015-06-02"


def _signed_by_another_key(body: dict[str, Any]) -> None:
    other = generate_key_pair()
    forged = request_of(other, body["code"])
    body["events"] = forged["events"]


def _same_ids(body: dict[str, Any]) -> None:
    body["events"][1]["id"] = body["events"][0]["id"]


@pytest.mark.parametrize(
    "forge",
    [
        _tampered_signature,
        _other_code_in_payload,
        _other_day,
        _signed_by_another_key,
        _same_ids,
    ],
)
def test_a_forged_request_is_refused(sqlite_web_record: WebRecord, forge: Any) -> None:
    record = sqlite_web_record
    body = request_of(generate_key_pair(), "CHN")
    forge(body)
    before = record.head()
    problem = refused(record, before, submit(record, "other-delegate", body), 422)
    assert "invalid key request" in problem["detail"]
    assert "exactly as 'napci keys new' wrote it" in problem["detail"]


@pytest.mark.parametrize(
    "signature",
    ["not base64!", "x" * 1_000, "a\u202eb" * 30],
    ids=["not-base64", "a-kilobyte", "right-to-left"],
)
def test_a_signature_that_is_no_ed25519_signature_is_an_invalid_body(
    sqlite_web_record: WebRecord, signature: str
) -> None:
    """A key request's signatures are 64 bytes in base64, as the description
    says; anything else is refused as the body, never judged as text."""
    record = sqlite_web_record
    body = request_of(generate_key_pair(), "CHN")
    body["events"][0]["signature"] = signature
    before = record.head()
    problem = refused(record, before, submit(record, "other-delegate", body), 422)
    # The first event is a KeyRegistered (the union's tag names its variant).
    assert problem["detail"].startswith("body.events.0.KeyRegistered.signature: ")


# -- revocation ------------------------------------------------------------------


@pytest.mark.parametrize("user", ["delegate", "facilitator", "facilitator-delegate"])
def test_only_its_own_delegation_revokes_a_key(
    web_record: WebRecord, user: str
) -> None:
    record = web_record
    pair = register_key(record.platform, "CHN")
    before = record.head()
    response = record.post(f"/keys/{pair.key_id}/revoke", user, json={})
    problem = refused(record, before, response, 409)
    assert problem["rule"] == "own-key"
    assert "cannot revoke it" in problem["detail"]
    assert f"POST /api/v1/keys/{pair.key_id}/revoke" in problem["remedy"]
    own = record.post(
        f"/keys/{pair.key_id}/revoke", "other-delegate", json={"reason": "rotated"}
    )
    assert own.status_code == 201, own.text
    assert [e["type"] for e in own.json()["recorded"]] == ["KeyRevoked"]
    before = record.head()
    again = record.post(f"/keys/{pair.key_id}/revoke", "other-delegate", json={})
    assert "already" in refused(record, before, again, 409)["detail"]
    # With its only key revoked, China posts unsigned again.
    table(record.platform, "p")
    response = record.post("/proposals/p/positions", "other-delegate", json=OBJECTION)
    assert response.status_code == 201, response.text
