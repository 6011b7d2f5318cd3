"""The integrity monitor over a real record, on SQLite and PostgreSQL.

Its full verifications run in a process of their own reading the database;
its tail checks and its refusal of writes run here. Tampering is done with
plain SQL behind the application's back (the ``raw`` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import make_url

from napci.adapters.db import SqlLedger
from napci.domain.envelope import envelope_hash
from napci.domain.integrity import RecordBroken
from napci.services.integrity import IntegrityMonitor


@pytest.fixture
def monitor(ledger: SqlLedger, db_url: str) -> Iterator[IntegrityMonitor]:
    url = make_url(db_url).render_as_string(hide_password=False)
    watching = IntegrityMonitor(ledger, url, interval=None)
    ledger.write_guard = watching.check_writable
    yield watching
    watching.stop()


def _edit_payload(raw: object, seq: int) -> None:
    row = raw.row(seq)  # type: ignore[attr-defined]
    payload = json.loads(row.payload_json)
    payload["code"] = "CHN" if payload.get("code") != "CHN" else "JPN"
    edited = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    raw.execute(  # type: ignore[attr-defined]
        "UPDATE events SET payload = :payload WHERE seq = :seq",
        payload=edited,
        seq=seq,
    )


def test_a_payload_edited_in_place_is_found_and_writes_are_refused(
    ledger: SqlLedger,
    sample: object,
    drafts: object,
    raw: Callable[[SqlLedger], object],
    monitor: IntegrityMonitor,
) -> None:
    assert monitor.status().status == "verifying"
    ok = monitor.verify_now()
    assert (ok.status, ok.verified_up_to, ok.verified_hash) == (
        "ok",
        10,
        ledger.head()[1],
    )
    assert monitor.report()["signed"] == 4
    monitor.check_writable()  # accepted

    _edit_payload(raw(ledger), 8)  # the head is left as it was
    head = ledger.head()
    broken = monitor.verify_now()
    assert (broken.status, broken.first_bad_seq) == ("broken", 8)
    assert broken.problem == "hash does not match the event's content"

    with pytest.raises(RecordBroken, match="seq 8"):
        ledger.append([drafts.joined("CHN")], principal="test")  # type: ignore[attr-defined]
    assert ledger.head() == head  # nothing appended


def test_a_tail_is_checked_against_the_verified_head_before_it_counts(
    ledger: SqlLedger,
    sample: object,
    drafts: object,
    raw: Callable[[SqlLedger], object],
    monitor: IntegrityMonitor,
) -> None:
    monitor.verify_now()
    ledger.append(drafts.series(3, "CHN"), principal="test")  # type: ignore[attr-defined]
    seq, head = ledger.head()
    assert monitor.check_tail(seq, head).verified_up_to == 13

    ledger.append(drafts.series(2, "CHN"), principal="test")  # type: ignore[attr-defined]
    _edit_payload(raw(ledger), 14)  # changed before the server folded it
    seq, head = ledger.head()
    broken = monitor.check_tail(seq, head)
    assert (broken.status, broken.first_bad_seq, broken.verified_up_to) == (
        "broken",
        14,
        13,
    )
    with pytest.raises(RecordBroken, match="seq 14"):
        monitor.check_writable()


def test_a_chain_rewritten_with_every_hash_recomputed_is_found(
    ledger: SqlLedger,
    sample: object,
    raw: Callable[[SqlLedger], object],
    monitor: IntegrityMonitor,
) -> None:
    """Whoever edits an event and recomputes every hash after it leaves a
    chain that verifies by itself; the server remembers the head it verified."""
    monitor.verify_now()
    handle = raw(ledger)
    _edit_payload(handle, 9)
    prev = handle.row(8).hash  # type: ignore[attr-defined]
    for seq in (9, 10):
        row = handle.row(seq)  # type: ignore[attr-defined]
        new_hash = envelope_hash(
            row.seq,
            row.id,
            row.type,
            row.version,
            row.occurred_at,
            row.recorded_at,
            row.actor,
            row.principal,
            row.classification,
            row.payload_json,
            row.signer,
            row.signature,
            prev,
        )
        handle.execute(  # type: ignore[attr-defined]
            "UPDATE events SET prev_hash = :prev, hash = :hash WHERE seq = :seq",
            prev=prev,
            hash=new_hash,
            seq=seq,
        )
        prev = new_hash
    handle.set_head(10, prev)  # type: ignore[attr-defined]
    assert ledger.verify().ok  # the rewritten chain verifies by itself

    broken = monitor.verify_now()
    assert (broken.status, broken.first_bad_seq) == ("broken", 10)
    assert "rewritten" in (broken.problem or "")


def test_a_repaired_record_is_accepted_again(
    ledger: SqlLedger,
    sample: object,
    drafts: object,
    raw: Callable[[SqlLedger], object],
    monitor: IntegrityMonitor,
) -> None:
    handle = raw(ledger)
    original = handle.row(8).payload_json  # type: ignore[attr-defined]
    monitor.verify_now()
    _edit_payload(handle, 8)
    assert monitor.verify_now().status == "broken"
    handle.execute(  # type: ignore[attr-defined]
        "UPDATE events SET payload = :payload WHERE seq = 8", payload=original
    )
    assert monitor.verify_now().status == "ok"
    ledger.append([drafts.joined("CHN")], principal="test")  # type: ignore[attr-defined]
    assert ledger.head()[0] == 11


def test_verifications_asked_for_at_once_share_one_process(
    ledger: SqlLedger, sample: object, monitor: IntegrityMonitor
) -> None:
    import threading

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(monitor.verify_now().status))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["ok"] * 4


def test_stopping_ends_the_verifying_process(
    ledger: SqlLedger, sample: object, monitor: IntegrityMonitor
) -> None:
    import threading
    import time

    thread = threading.Thread(target=monitor.verify_now)
    thread.start()
    deadline = time.monotonic() + 60
    while monitor._child is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child = monitor._child
    monitor.stop()
    thread.join(timeout=30)
    assert not thread.is_alive()
    if child is not None:  # it may have finished before it was stopped
        assert child.poll() is not None
    assert monitor.verify_now().status == "verifying"  # stopped: no new process
