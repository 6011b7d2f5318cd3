"""What a server knows of its record's integrity (napci.domain.integrity), and
which database errors are outages (napci.adapters.db.outage)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from napci.adapters.db.outage import is_outage
from napci.domain.canonical import GENESIS_HASH
from napci.domain.envelope import RecordedEvent, envelope_hash
from napci.domain.integrity import (
    FullReport,
    RecordBroken,
    RecordStatus,
    after_full,
    after_tail,
    check_tail,
)


def chain(
    count: int, *, after: int = 0, head: str = GENESIS_HASH
) -> list[RecordedEvent]:
    """``count`` events continuing the chain at (``after``, ``head``)."""
    events = []
    for seq in range(after + 1, after + count + 1):
        fields = (
            seq,
            f"00000000-0000-4000-8000-{seq:012d}",
            "ActorJoined",
            1,
            "2013-05-08T09:30:00.000000Z",
            "2026-01-01T00:00:00.000000Z",
            "KOR",
            None,
            "public",
            '{"code":"KOR"}',
            None,
            None,
            head,
        )
        head = envelope_hash(*fields)
        events.append(RecordedEvent(*fields, head))
    return events


def test_a_sound_tail_continues_the_verified_chain() -> None:
    verified = chain(3)
    tail = chain(2, after=3, head=verified[-1].hash)
    check = check_tail(tail, 3, verified[-1].hash, upto=5, upto_hash=tail[-1].hash)
    assert check.ok and (check.seq, check.hash) == (5, tail[-1].hash)


def test_a_tail_edited_in_place_is_broken_at_the_edit() -> None:
    verified = chain(3)
    tail = chain(3, after=3, head=verified[-1].hash)
    tail[1] = replace(tail[1], payload_json='{"code":"JPN"}')  # hash untouched
    check = check_tail(tail, 3, verified[-1].hash, upto=6)
    assert (check.first_bad_seq, check.seq) == (5, 4)
    assert check.problem == "hash does not match the event's content"


def test_a_tail_that_does_not_follow_the_verified_head_is_broken() -> None:
    events = chain(4)
    forged = replace(events[3], prev_hash="f" * 64)
    check = check_tail([forged], 3, events[2].hash, upto=4)
    assert check.first_bad_seq == 4
    assert check.problem == "prev_hash does not continue the verified chain"


def test_a_tail_missing_an_event_or_its_head_is_broken() -> None:
    events = chain(5)
    assert check_tail([events[3]], 2, events[1].hash, upto=4).first_bad_seq == 3
    assert check_tail(events[2:4], 2, events[1].hash, upto=5).first_bad_seq == 5
    wrong_head = check_tail(events[2:], 2, events[1].hash, upto=5, upto_hash="0" * 64)
    assert wrong_head.first_bad_seq == 5


def test_a_full_verification_sets_the_status() -> None:
    start = RecordStatus()
    assert start.status == "verifying" and start.refusal() is None
    ok = after_full(start, FullReport(True, 10, "a" * 64), "t1")
    assert (ok.status, ok.verified_up_to, ok.verified_hash) == ("ok", 10, "a" * 64)
    broken = after_full(ok, FullReport(False, 10, "a" * 64, 4, "bad hash"), "t2")
    assert (broken.status, broken.first_bad_seq, broken.verified_up_to) == (
        "broken",
        4,
        3,
    )
    assert broken.as_json() == {
        "status": "broken",
        "first_bad_seq": 4,
        "verified_up_to": 3,
    }
    repaired = after_full(broken, FullReport(True, 12, "b" * 64), "t3")
    assert repaired.status == "ok" and repaired.verified_up_to == 12


def test_a_full_verification_keeps_what_it_did_not_cover() -> None:
    # A break a tail check found beyond a full verification's snapshot stays.
    broken = RecordStatus("broken", 15, "bad", 14)
    assert after_full(broken, FullReport(True, 12, "b" * 64), "t").status == "broken"
    # A tail checked beyond its snapshot stays verified.
    ahead = RecordStatus("ok", None, None, 20, "c" * 64, 0, "t0")
    kept = after_full(ahead, FullReport(True, 12, "b" * 64), "t1")
    assert (kept.verified_up_to, kept.verified_hash, kept.verified_at) == (
        20,
        "c" * 64,
        "t1",
    )


def test_a_checked_tail_moves_the_status_only_from_where_it_began() -> None:
    events = chain(4)
    ok = RecordStatus("ok", None, None, 2, events[1].hash)
    tail = check_tail(events[2:], 2, events[1].hash, upto=4)
    assert after_tail(ok, tail).verified_up_to == 4
    moved = replace(ok, verified_up_to=3, verified_hash=events[2].hash)
    assert after_tail(moved, tail) == moved  # checked from an older head
    bad = check_tail(
        [replace(events[2], actor="JPN"), events[3]], 2, events[1].hash, upto=4
    )
    broken = after_tail(ok, bad)
    assert (broken.status, broken.first_bad_seq, broken.verified_up_to) == (
        "broken",
        3,
        2,
    )


def test_the_token_changes_with_what_the_figures_say() -> None:
    tokens = {
        RecordStatus().token,
        RecordStatus("ok", None, None, 5).token,
        RecordStatus("ok", None, None, 6).token,
        RecordStatus("broken", 3, "x", 2).token,
        RecordStatus("broken", 4, "x", 2).token,
    }
    assert len(tokens) == 5


def test_the_refusal_names_the_first_bad_seq_its_rule_and_a_remedy() -> None:
    refusal = RecordStatus("broken", 42, "hash does not match", 41).refusal()
    assert isinstance(refusal, RecordBroken)
    text = str(refusal)
    assert "seq 42" in text and "(rule integrity)" in text
    assert "napci ledger verify" in refusal.remedy
    assert refusal.first_bad_seq == 42


# -- outages ------------------------------------------------------------------------


def test_a_sqlite_database_that_cannot_be_opened_is_an_outage(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'gone' / 'napci.db'}")
    with pytest.raises(OperationalError) as raised:
        engine.connect()
    assert is_outage(raised.value)
    assert is_outage(raised.value.orig)


def test_a_statement_error_is_not_an_outage(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "napci.db")
    with pytest.raises(sqlite3.OperationalError) as raised:
        connection.execute("SELECT * FROM no_such_table")
    connection.close()
    assert not is_outage(raised.value)
    assert not is_outage(ValueError("no"))
