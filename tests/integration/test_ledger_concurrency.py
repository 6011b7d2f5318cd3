"""Concurrency: appenders in separate processes never fork or gap the chain.

Four child processes (``_appender.py``) wait at a barrier (a file the parent
creates once all of them are ready) and then append at the same time against
one database. Afterwards the seqs are exactly 1..N, no id is stored twice,
every ``prev_hash`` is the hash before it, and the ledger verifies.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from pathlib import Path

import pytest

PROCESSES = 4


def _start_together(appenders, db_url: str, tmp_path: Path, *args_per_child):
    go = tmp_path / "go"
    children = [
        appenders.start(db_url, "--go", str(go), *args, name=f"appender-{i}")
        for i, args in enumerate(args_per_child)
    ]
    for child in children:
        child.wait_ready()
    go.touch()
    return children


def _runs(principals: list[str | None]) -> int:
    """How many maximal runs of one principal the seq order holds."""
    return sum(1 for _ in itertools.groupby(principals))


@pytest.mark.slow
def test_single_event_appends_from_four_processes(
    db_url, tmp_path, ledger, raw, appenders, assert_sound_chain
) -> None:
    per_child = 500
    children = _start_together(
        appenders,
        db_url,
        tmp_path,
        *(("--count", str(per_child), "--principal", f"p{i}") for i in range(4)),
    )

    # Verify while they append: each verify reads one consistent snapshot,
    # so it must never see a half-appended event or a head out of step.
    snapshots = 0
    while any(child.process.poll() is None for child in children):
        report = ledger.verify()
        assert report.ok, report
        assert report.events <= ledger.count()
        snapshots += 1
        time.sleep(0.25)
    for child in children:
        child.join()

    total = PROCESSES * per_child
    assert raw(ledger).seqs() == list(range(1, total + 1))
    rows = raw(ledger).rows()
    assert_sound_chain(rows)
    assert Counter(e.principal for e in rows) == {
        f"p{i}": per_child for i in range(PROCESSES)
    }
    acked = {event_id: seq for child in children for event_id, seq in child.acked}
    assert len(acked) == total
    assert acked == {e.id: e.seq for e in rows}
    for child in children:  # each process saw its own appends in seq order
        seqs = [seq for _, seq in child.acked]
        assert seqs == sorted(seqs)
    # The appenders really ran side by side (not one after the other).
    assert _runs([e.principal for e in rows]) > 2 * PROCESSES
    report = ledger.verify()
    assert report.ok, report
    assert (report.events, report.head) == (total, rows[-1].hash)
    assert ledger.head() == (total, rows[-1].hash)
    assert snapshots > 0


@pytest.mark.slow
def test_batches_from_four_processes_land_whole(
    db_url, tmp_path, ledger, raw, appenders, assert_sound_chain
) -> None:
    batches, batch = 5, 100
    children = _start_together(
        appenders,
        db_url,
        tmp_path,
        *(
            ("--count", str(batches), "--batch", str(batch), "--principal", f"p{i}")
            for i in range(PROCESSES)
        ),
    )
    for child in children:
        child.join()

    total = PROCESSES * batches * batch
    assert raw(ledger).seqs() == list(range(1, total + 1))
    rows = raw(ledger).rows()
    assert_sound_chain(rows)
    # Every batch occupies one contiguous block of seqs with one recorded_at:
    # no other appender's event lands inside a batch.
    by_seq = {e.seq: e for e in rows}
    for i, child in enumerate(children):
        seqs = [seq for _, seq in child.acked]
        assert len(seqs) == batches * batch
        for start in range(0, len(seqs), batch):
            block = seqs[start : start + batch]
            assert block == list(range(block[0], block[0] + batch))
            assert len({by_seq[s].recorded_at for s in block}) == 1
            assert {by_seq[s].principal for s in block} == {f"p{i}"}
    report = ledger.verify()
    assert report.ok, report
    assert report.events == total


@pytest.mark.slow
def test_the_same_events_from_four_processes_are_stored_once(
    db_url, tmp_path, ledger, raw, appenders, assert_sound_chain
) -> None:
    shared = 150
    children = _start_together(
        appenders,
        db_url,
        tmp_path,
        *(
            ("--shared", str(shared), "--seed", str(i), "--principal", f"p{i}")
            for i in range(PROCESSES)
        ),
    )
    for child in children:
        child.join()

    rows = raw(ledger).rows()
    assert_sound_chain(rows)
    assert len(rows) == shared
    # Each event was recorded by exactly one process; the others were told
    # it was already recorded.
    recorded = Counter(event_id for c in children for event_id, _ in c.acked)
    assert set(recorded.values()) == {1}
    assert set(recorded) == {e.id for e in rows}
    for child in children:
        assert len(child.acked) + len(child.duplicates) == shared
        assert {i for i, _ in child.acked}.isdisjoint(child.duplicates)
    assert ledger.verify().ok
