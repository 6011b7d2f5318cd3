"""Tampering: whatever is changed behind the application's back, verify names it.

Each test alters the sample record (``sample`` fixture: ten events, seqs 4-7
signed) with plain SQL, as someone with write access to the database could,
and checks that ``verify`` fails at exactly the first altered seq. Signatures
that the ledger refuses on append are also smuggled in by SQL, with a
correctly recomputed hash chain, to show that verify catches them as well.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from napci.adapters.db import LedgerError, SqlLedger
from napci.cli import app
from napci.domain.signing import generate_key_pair


def _assert_broken_at(ledger: SqlLedger, seq: int, problem: str) -> None:
    report = ledger.verify()
    assert not report.ok
    assert report.first_bad_seq == seq, report
    assert report.problem is not None and problem in report.problem, report


def _assert_unchanged(ledger: SqlLedger, head: tuple[int, str]) -> None:
    assert ledger.head() == head
    assert ledger.count() == head[0]
    assert ledger.verify().ok


def test_the_untouched_sample_verifies(ledger, sample) -> None:
    report = ledger.verify()
    assert report.ok, report
    assert report.first_bad_seq is None and report.problem is None
    assert (report.events, report.signed) == (sample.events, sample.signed)
    assert report.head == ledger.head()[1]


# --- rows edited, deleted, inserted, swapped -------------------------------------


def _edited_payload(payload: str) -> str:
    data = json.loads(payload)
    data["sources"][0]["title"] = data["sources"][0]["title"].replace("Seoul", "Busan")
    edited = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert edited != payload
    return edited


_HASH = "hash does not match"


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        pytest.param("payload", _edited_payload, _HASH, id="payload"),
        pytest.param(
            "payload",
            lambda p: p.replace('{"code"', '{ "code"'),
            _HASH,
            id="payload-whitespace",
        ),
        pytest.param("id", lambda _: str(uuid.uuid4()), _HASH, id="id"),
        pytest.param("type", "ActorWithdrew", _HASH, id="type"),
        pytest.param("version", 2, _HASH, id="version"),
        pytest.param(
            "occurred_at", "2013-05-09T09:30:00.000000Z", _HASH, id="occurred_at"
        ),
        pytest.param(
            "recorded_at", "2030-01-01T00:00:00.000000Z", _HASH, id="recorded_at"
        ),
        pytest.param("actor", "JPN", _HASH, id="actor"),
        pytest.param("principal", "someone-else", _HASH, id="principal"),
        pytest.param("principal", None, _HASH, id="principal-null"),
        pytest.param("classification", "public", _HASH, id="classification"),
        pytest.param("signer", "ed25519:0000000000000000", _HASH, id="signer"),
        pytest.param("signature", None, _HASH, id="signature-stripped"),
        pytest.param("prev_hash", "f" * 64, "prev_hash does not match", id="prev_hash"),
        pytest.param("hash", "0" * 64, _HASH, id="hash"),
    ],
)
def test_an_edited_column_breaks_the_chain_at_its_seq(
    ledger, sample, raw, column, value, problem
) -> None:
    seq = 6  # a signed event in the middle
    before = getattr(
        raw(ledger).row(seq), "payload_json" if column == "payload" else column
    )
    new = value(before) if callable(value) else value
    assert new != before
    raw(ledger).update(seq, **{column: new})
    _assert_broken_at(ledger, seq, problem)
    assert ledger.verify().events == sample.events  # every row is examined


def test_a_deleted_middle_row_is_named(ledger, sample, raw) -> None:
    raw(ledger).delete(5)
    _assert_broken_at(ledger, 5, "event 5 is missing")


def test_a_deleted_last_row_disagrees_with_the_head(ledger, sample, raw) -> None:
    raw(ledger).delete(sample.events)
    _assert_broken_at(ledger, sample.events, f"event {sample.events} is missing")
    assert ledger.verify().events == sample.events - 1


def test_a_moved_head_hash_is_named(ledger, sample, raw) -> None:
    raw(ledger).set_head(sample.events, "f" * 64)
    _assert_broken_at(ledger, sample.events, "recorded head hash differs")


def test_a_forged_event_appended_without_moving_the_head(
    ledger, sample, raw, drafts
) -> None:
    forged = raw(ledger).smuggle(drafts.joined("CHN"), move_head=False)
    assert forged.seq == sample.events + 1
    _assert_broken_at(ledger, forged.seq, "beyond the recorded head")


def test_an_event_appended_off_the_chain(ledger, sample, raw, drafts) -> None:
    forged = raw(ledger).chained(
        drafts.joined("CHN"), after=raw(ledger).row(sample.events), principal=None
    )
    forged = replace(forged, prev_hash="a" * 64)  # hash left as computed
    raw(ledger).insert(forged)
    raw(ledger).set_head(forged.seq, forged.hash)
    _assert_broken_at(ledger, forged.seq, "prev_hash does not match")


def test_an_event_inserted_in_the_middle(ledger, sample, raw, drafts) -> None:
    tamper = raw(ledger)
    old_head = ledger.head()
    # Make room at seq 4 (in two steps, so no seq is ever taken twice).
    tamper.execute("UPDATE events SET seq = seq + 1000 WHERE seq >= 4")
    tamper.execute("UPDATE events SET seq = seq - 999 WHERE seq >= 1000")
    forged = tamper.chained(drafts.joined("CHN"), after=tamper.row(3), principal=None)
    tamper.insert(forged)
    tamper.set_head(old_head[0] + 1, old_head[1])
    # The forged event itself chains correctly; its successor no longer does.
    _assert_broken_at(ledger, 5, "prev_hash does not match")


def test_two_swapped_rows_are_named_at_the_lower_seq(ledger, sample, raw) -> None:
    tamper = raw(ledger)
    low, high = tamper.row(3), tamper.row(8)
    tamper.delete(3)
    tamper.delete(8)
    tamper.insert(replace(high, seq=3))
    tamper.insert(replace(low, seq=8))
    _assert_broken_at(ledger, 3, "prev_hash does not match")


def test_a_rechained_ledger_still_fails_on_the_altered_registration(
    ledger, sample, raw
) -> None:
    """Swap KOR's public key for a forger's and recompute every hash after it."""
    tamper = raw(ledger)
    forger = generate_key_pair()
    registration = tamper.row(4)
    payload = json.loads(registration.payload_json)
    assert payload["key_id"] == sample.kor.key_id
    payload["public_key"] = forger.public_key_b64
    tamper.update(
        4,
        payload=json.dumps(
            payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ),
    )
    tamper.rechain(4)
    _assert_broken_at(ledger, 4, "does not verify")


# --- signatures -------------------------------------------------------------------


def _flip_a_character(signature: str) -> str:
    index = 10
    replacement = "A" if signature[index] != "A" else "B"
    return signature[:index] + replacement + signature[index + 1 :]


def test_a_changed_signature_byte(ledger, sample, raw) -> None:
    tamper = raw(ledger)
    signature = tamper.row(6).signature
    assert signature is not None
    tamper.update(6, signature=_flip_a_character(signature))
    _assert_broken_at(ledger, 6, "hash does not match")
    # With the hash chain recomputed, the signature itself is what fails.
    tamper.rechain(6)
    _assert_broken_at(ledger, 6, "the signature does not verify")


def _refused_then_smuggled(ledger, raw, bad, message: str) -> None:
    """``bad`` is refused on append, and caught by verify when smuggled in."""
    head = ledger.head()
    with pytest.raises(LedgerError, match=message):
        ledger.append([bad], principal="cli:attacker")
    _assert_unchanged(ledger, head)
    smuggled = raw(ledger).smuggle(bad)
    assert smuggled.seq == head[0] + 1
    _assert_broken_at(ledger, smuggled.seq, message)


def test_a_signature_with_another_actors_key(ledger, sample, raw, drafts) -> None:
    bad = drafts.joined("JPN", key=sample.kor)
    assert bad.signer == sample.kor.key_id
    _refused_then_smuggled(ledger, raw, bad, "belongs to KOR, not to JPN")


def test_a_forged_signature(ledger, sample, raw, drafts) -> None:
    genuine = drafts.joined("JPN", key=sample.jpn)
    forged = base64.b64encode(os.urandom(64)).decode("ascii")
    bad = replace(genuine, signature=forged)
    _refused_then_smuggled(ledger, raw, bad, "the signature does not verify")


def test_a_signature_over_other_content(ledger, sample, raw, drafts) -> None:
    """A genuine signature, lifted from one event onto another."""
    donor = drafts.joined("JPN", key=sample.jpn)
    bad = replace(drafts.joined("JPN"), signer=donor.signer, signature=donor.signature)
    _refused_then_smuggled(ledger, raw, bad, "the signature does not verify")


def test_a_signature_by_an_unregistered_key(ledger, sample, raw, drafts) -> None:
    stranger = generate_key_pair()
    bad = drafts.joined("JPN", key=stranger)
    _refused_then_smuggled(ledger, raw, bad, f"key {stranger.key_id} is not registered")


@pytest.mark.parametrize("missing", ["signer", "signature"])
def test_half_a_signature(ledger, sample, raw, drafts, missing) -> None:
    bad = replace(drafts.joined("JPN", key=sample.jpn), **{missing: None})
    _refused_then_smuggled(ledger, raw, bad, "needs both 'signer' and 'signature'")


def test_a_key_registration_signed_by_another_key(ledger, sample, raw, drafts) -> None:
    """Registering a key for JPN needs the new key itself (proof of possession)."""
    new = generate_key_pair()
    bad = drafts.key_registered("JPN", new, signed_by=generate_key_pair())
    _refused_then_smuggled(ledger, raw, bad, "proof of possession")


def test_a_revoked_key(ledger, sample, raw, drafts, open_ledger, db_url) -> None:
    # Another process's ledger object, whose key cache predates the revocation.
    other = open_ledger(db_url, migrate=False)
    other.append([drafts.joined("KOR", key=sample.kor)], principal="cli:kor")

    revocation = drafts.key_revoked("KOR", sample.kor, signed_by=sample.kor)
    revoked_at = ledger.append([revocation], principal="cli:kor").head_seq
    # Events signed before the revocation stay valid.
    report = ledger.verify()
    assert report.ok, report
    assert report.signed == sample.signed + 2

    message = f"key {sample.kor.key_id} was revoked at seq {revoked_at}"
    head = ledger.head()
    with pytest.raises(LedgerError, match=message):
        other.append([drafts.joined("KOR", key=sample.kor)], principal="cli:kor")
    _assert_unchanged(ledger, head)
    _refused_then_smuggled(ledger, raw, drafts.joined("KOR", key=sample.kor), message)


# --- the command line -------------------------------------------------------------


def _cli_verify(db_url: str):
    result = CliRunner().invoke(app, ["ledger", "verify", "--json", "--db", db_url])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result.exit_code, json.loads(result.stdout)


def test_cli_verify_json(ledger, sample, raw, db_url) -> None:
    code, report = _cli_verify(db_url)
    assert code == 0
    assert {"ok", "events", "head", "first_bad_seq"} <= set(report)
    assert report["ok"] is True
    assert report["events"] == sample.events
    assert report["head"] == ledger.head()[1]
    assert report["first_bad_seq"] is None

    raw(ledger).update(6, payload=_edited_payload(raw(ledger).row(6).payload_json))
    code, report = _cli_verify(db_url)
    assert code != 0
    assert report["ok"] is False
    assert report["events"] == sample.events
    assert report["head"] == ledger.head()[1]
    assert report["first_bad_seq"] == 6
