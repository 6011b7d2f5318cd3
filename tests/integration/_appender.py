"""A ledger appender, run as a child process by the crash and concurrency tests.

    python _appender.py DB_URL [--principal P] [--actor CODE] [--sign]
                               [--batch B] [--count N] [--shared N --seed S]
                               [--go FILE]

Protocol, on stdout, one line each, flushed:

* ``ready`` once the database answers;
* then, if ``--go FILE`` is given, it waits until FILE exists (a barrier that
  lets the parent start several children at the same moment);
* ``ack ID SEQ`` for every event an append recorded, printed only after that
  append has returned, i.e. after its transaction committed;
* ``dup ID`` for every event an append reported as already recorded;
* ``done`` when it has finished (never, without ``--count`` or ``--shared``:
  it appends until it is killed).

``--sign`` first registers a fresh key for the actor (signed by itself) and
signs every event with it. ``--shared N`` appends, one event per append, the
same N events (fixed ids and content) that every child given ``--shared N``
appends, in an order shuffled by ``--seed``.

The database must already be migrated: the child only appends.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from napci.adapters.db import AppendResult, SqlLedger, make_engine
from napci.domain.envelope import EventDraft
from napci.domain.events import ActorJoined, KeyRegistered
from napci.domain.signing import KeyPair, generate_key_pair
from napci.domain.values import Source
from napci.services.drafting import draft, stable_id

BARRIER_TIMEOUT_S = 120


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--principal", default="appender")
    parser.add_argument("--actor", default="KOR")
    parser.add_argument("--sign", action="store_true")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--count", type=int, default=None)
    parser.add_argument("--shared", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--go", type=Path, default=None)
    return parser.parse_args(argv)


def _report(result: AppendResult) -> None:
    lines = [f"ack {e.id} {e.seq}" for e in result.recorded]
    lines += [f"dup {event_id}" for event_id in result.already_recorded]
    if lines:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()


def _joined(
    actor: str, n: int, principal: str, key: KeyPair | None, event_id: str | None
) -> EventDraft:
    event = ActorJoined(
        code=actor,
        joined_on=date(2013, 5, 8),
        sources=(Source(title=f"{principal} event {n}"),),
    )
    return draft(
        event,
        occurred_at=datetime(2013, 5, 8, tzinfo=UTC) + timedelta(seconds=n),
        actor=actor,
        event_id=event_id,
        key=key,
    )


def _wait_for(go: Path) -> None:
    deadline = time.monotonic() + BARRIER_TIMEOUT_S
    while not go.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the barrier file {go} never appeared")
        time.sleep(0.002)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    engine = make_engine(args.url)
    try:
        ledger = SqlLedger(engine)
        ledger.head()
        print("ready", flush=True)
        if args.go is not None:
            _wait_for(args.go)

        if args.shared is not None:
            order = list(range(args.shared))
            random.Random(args.seed).shuffle(order)
            for n in order:
                shared = _joined(
                    args.actor, n, "shared", None, stable_id(f"shared-{n}")
                )
                _report(ledger.append([shared], principal=args.principal))
            print("done", flush=True)
            return 0

        key: KeyPair | None = None
        if args.sign:
            key = generate_key_pair()
            registration = draft(
                KeyRegistered(
                    code=args.actor,
                    key_id=key.key_id,
                    public_key=key.public_key_b64,
                    registered_on=date(2013, 5, 8),
                ),
                occurred_at=date(2013, 5, 8),
                actor=args.actor,
                key=key,
            )
            _report(ledger.append([registration], principal=args.principal))

        n = 0
        batches = 0
        while args.count is None or batches < args.count:
            batch = []
            for _ in range(args.batch):
                n += 1
                batch.append(_joined(args.actor, n, args.principal, key, None))
            _report(ledger.append(batch, principal=args.principal))
            batches += 1
        print("done", flush=True)
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
