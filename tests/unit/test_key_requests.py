"""Key requests and confirmations, pure: the request file, the chain's checks
of KeyConfirmed, and the registry's view of which keys bind.

A record written before confirmation existed (keys registered, events
signed, nothing confirmed) verifies exactly as it did: the chain checks
signatures against every registered key; binding is the rules' business.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from napci.domain.canonical import GENESIS_HASH
from napci.domain.chain import ChainVerifier
from napci.domain.envelope import EventDraft, RecordedEvent, compute_hash
from napci.domain.events import (
    ActorJoined,
    ActorRegistered,
    KeyConfirmed,
    KeyRegistered,
    KeyRevoked,
)
from napci.domain.key_requests import (
    KeyRequestError,
    make_key_request,
    parse_key_request,
)
from napci.domain.procedure import Refusal
from napci.domain.procedure.keys import binding_key
from napci.domain.registry import fold_registry
from napci.domain.signing import KeyPair, generate_key_pair
from napci.services.drafting import draft

ON = date(2015, 6, 1)


def _record(drafts: list[EventDraft]) -> list[RecordedEvent]:
    chain, prev = [], GENESIS_HASH
    for seq, made in enumerate(drafts, start=1):
        fields: dict[str, Any] = {
            "seq": seq,
            "id": made.id,
            "type": made.type,
            "version": made.version,
            "occurred_at": made.occurred_at,
            "recorded_at": "2020-01-01T00:00:00.000000Z",
            "actor": made.actor,
            "principal": "test",
            "classification": made.classification,
            "payload_json": made.payload_json,
            "signer": made.signer,
            "signature": made.signature,
            "prev_hash": prev,
        }
        prev = compute_hash(**fields)
        chain.append(RecordedEvent(hash=prev, **fields))
    return chain


def _verify(events: list[RecordedEvent]) -> Any:
    verifier = ChainVerifier()
    for event in events:
        verifier.feed(event)
    return verifier.finish((events[-1].seq, events[-1].hash))


def _actor(code: str) -> EventDraft:
    return draft(
        ActorRegistered(code=code, name={"en": code}, kind="state"),
        occurred_at=date(2013, 2, 25),
        actor=None,
    )


def _registered(code: str, pair: KeyPair) -> EventDraft:
    event = KeyRegistered(
        code=code, key_id=pair.key_id, public_key=pair.public_key_b64, registered_on=ON
    )
    return draft(event, occurred_at=ON, actor=code, key=pair)


def _confirmed(
    code: str, pair: KeyPair, *, actor: str | None = None, key: KeyPair | None = None
) -> EventDraft:
    event = KeyConfirmed(code=code, key_id=pair.key_id, confirmed_on=ON)
    return draft(event, occurred_at=ON, actor=actor or code, key=key)


def _revoked(code: str, pair: KeyPair) -> EventDraft:
    event = KeyRevoked(code=code, key_id=pair.key_id, revoked_on=ON)
    return draft(event, occurred_at=ON, actor=code)


def _joined(code: str, key: KeyPair | None) -> EventDraft:
    event = ActorJoined(code=code, joined_on=ON)
    return draft(event, occurred_at=ON, actor=code, key=key)


# -- the request file ------------------------------------------------------------


def test_a_request_round_trips_and_describes_itself() -> None:
    pair = generate_key_pair()
    request = make_key_request(pair, "CHN", ON)
    data = request.as_json()
    assert data["format"] == "napci-key-request"
    assert (data["code"], data["key_id"], data["on"]) == (
        "CHN",
        pair.key_id,
        "2015-06-01",
    )
    assert [e["type"] for e in data["events"]] == ["KeyRegistered", "KeyConfirmed"]
    assert all(e["signer"] == pair.key_id for e in data["events"])
    assert parse_key_request(data) == request


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d.update(format="other"), "not a key request"),
        (lambda d: d.update(extra=1), "unknown: extra"),
        (lambda d: d.update(code="chn"), "'code' is missing or malformed"),
        (lambda d: d.update(key_id="ed25519:0000000000000000"), "is not the id of"),
        (lambda d: d.update(on="2015-6-1"), "is not a day"),
        (lambda d: d["events"].pop(), "holds two events"),
        (lambda d: d["events"].reverse(), "not the one its fields describe"),
        (lambda d: d["events"][0].update(classification="restricted"), "not the one"),
        (lambda d: d["events"][1].update(signature="AAAA"), "not signed by key"),
        (lambda d: d["events"][0].update(id="not-a-uuid"), "UUID"),
    ],
)
def test_a_request_that_is_not_what_it_says_is_refused(change: Any, words: str) -> None:
    data = make_key_request(generate_key_pair(), "CHN", ON).as_json()
    change(data)
    with pytest.raises(KeyRequestError, match=words):
        parse_key_request(data)


# -- the chain -------------------------------------------------------------------


def test_a_record_without_confirmations_verifies_as_it_did() -> None:
    pair = generate_key_pair()
    chain = _record([_actor("CHN"), _registered("CHN", pair), _joined("CHN", pair)])
    report = _verify(chain)
    assert report.ok and report.signed == 2
    key = fold_registry(chain).keys[pair.key_id]
    assert (key.confirmed, key.binds) == (False, False)


def test_a_confirmation_signed_by_its_key_binds_it() -> None:
    pair = generate_key_pair()
    request = make_key_request(pair, "CHN", ON)
    chain = _record([_actor("CHN"), *request.drafts, _joined("CHN", pair)])
    report = _verify(chain)
    assert report.ok and report.signed == 3
    registry = fold_registry(chain)
    assert registry.keys[pair.key_id].binds
    assert binding_key(registry, pair.key_id, "CHN").confirmed_seq == 3


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (lambda p, o: [_confirmed("CHN", p, key=p)], "is not registered"),
        (
            lambda p, o: [_registered("CHN", p), _confirmed("CHN", p)],
            "signed with that very key",
        ),
        (
            lambda p, o: [
                _registered("CHN", p),
                _registered("CHN", o),
                _confirmed("CHN", p, key=o),
            ],
            "signed with that very key",
        ),
        (
            lambda p, o: [
                _registered("CHN", p),
                _confirmed("CHN", p, actor="JPN", key=p),
            ],
            "belongs to CHN",
        ),
        (
            lambda p, o: [
                _registered("CHN", p),
                _revoked("CHN", p),
                _confirmed("CHN", p, key=p),
            ],
            "was revoked",
        ),
    ],
    ids=["unregistered", "unsigned", "another-key", "another-actor", "revoked"],
)
def test_the_chain_refuses_a_confirmation_without_proof(build: Any, words: str) -> None:
    pair, other = generate_key_pair(), generate_key_pair()
    drafts = [_actor("CHN"), _actor("JPN"), *build(pair, other)]
    report = _verify(_record(drafts))
    assert report.first_bad_seq == len(drafts)
    assert words in (report.problem or "")


# -- which keys bind ----------------------------------------------------------------


def test_only_a_confirmed_unrevoked_key_of_the_delegation_binds() -> None:
    own, entered, gone = generate_key_pair(), generate_key_pair(), generate_key_pair()
    chain = _record(
        [
            _actor("CHN"),
            _actor("JPN"),
            *make_key_request(own, "CHN", ON).drafts,
            _registered("CHN", entered),
            *make_key_request(gone, "CHN", ON).drafts,
            _revoked("CHN", gone),
        ]
    )
    registry = fold_registry(chain)
    assert binding_key(registry, own.key_id, "CHN").binds
    cases = [
        (entered.key_id, "CHN", "is unconfirmed"),
        (gone.key_id, "CHN", "was revoked"),
        (own.key_id, "JPN", "belongs to CHN, not to JPN"),
        ("ed25519:0000000000000000", "CHN", "is not registered"),
    ]
    for key_id, code, words in cases:
        with pytest.raises(Refusal) as info:
            binding_key(registry, key_id, code)
        assert info.value.rule == "signature"
        assert words in str(info.value) and info.value.remedy


def test_a_confirmation_after_a_revocation_is_ignored_by_the_fold() -> None:
    """(The chain refuses such a record; the fold, fed it anyway, never
    confirms a revoked key.)"""
    pair = generate_key_pair()
    request = make_key_request(pair, "CHN", ON)
    chain = _record(
        [
            _actor("CHN"),
            request.registration,
            _revoked("CHN", pair),
            request.confirmation,
        ]
    )
    key = fold_registry(chain).keys[pair.key_id]
    assert (key.revoked, key.confirmed, key.binds) == (True, False, False)
