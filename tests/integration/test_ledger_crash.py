"""Crash safety: an acknowledged append survives the appender's SIGKILL.

A child process (``_appender.py``) appends one event per transaction and
prints each event's id only after ``append`` has returned. The parent kills it
with SIGKILL at a random moment, three times over on the same database, and
then every acknowledged event must be there, the chain must verify, and the
database must still take appends.
"""

from __future__ import annotations

import random
import signal
import time

import pytest

ROUNDS = 3


@pytest.mark.slow
def test_acknowledged_appends_survive_sigkill(
    db_url, ledger, appenders, assert_sound_chain
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    acked: list[tuple[str, int]] = []
    for round_ in range(1, ROUNDS + 1):
        child = appenders.start(
            db_url, "--sign", "--principal", f"round-{round_}", name=f"round-{round_}"
        )
        child.wait_ready()
        child.wait_acks(rng.randint(150, 400))
        time.sleep(rng.uniform(0, 0.005))  # land anywhere inside an append
        code = child.kill()
        assert code == -signal.SIGKILL, (
            f"round {round_} (seed {seed}): the child was not killed but exited "
            f"with {code}; stderr:\n{child.stderr()}"
        )
        assert child.acked, f"round {round_} (seed {seed}) acknowledged nothing"
        acked += child.acked

        # Between rounds too: whatever the kill interrupted was rolled back
        # whole, and the next appender (the next round) can take the lock.
        report = ledger.verify()
        assert report.ok, (seed, round_, report)

    # Acknowledgements came in seq order, and each names its event's seq.
    seqs = [seq for _, seq in acked]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for event_id, seq in acked:
        stored = ledger.get(event_id)
        assert stored is not None, f"acknowledged event {event_id} lost (seed {seed})"
        assert stored.seq == seq

    rows = ledger.iter_events()
    events = list(rows)
    assert_sound_chain(events)
    # At most one event per round committed without its acknowledgement
    # reaching us (killed between COMMIT and print).
    assert len(acked) <= len(events) <= len(acked) + ROUNDS
    report = ledger.verify()
    assert report.ok, report
    assert report.events == len(events)
    assert report.signed == len(events)  # every event, key registrations too
    assert ledger.head() == (events[-1].seq, events[-1].hash)

    # The killed appenders left no lock behind: the ledger takes appends.
    survivor = appenders.start(
        db_url, "--count", "3", "--principal", "after", name="after"
    )
    survivor.wait_ready()
    survivor.join()
    assert [seq for _, seq in survivor.acked] == [
        len(events) + 1,
        len(events) + 2,
        len(events) + 3,
    ]
    assert ledger.verify().ok
