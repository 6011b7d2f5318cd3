"""A full verification in a process of its own, for a running server.

    NAPCI_DATABASE_URL=URL python -m napci.services.verify_worker \
        [--anchor SEQ:HASH] [--signatures] [--nice N]

Verification is a SHA-256 per event: run in a server's own process it would
hold the interpreter's lock from every request for seconds. The server
(:mod:`napci.services.integrity`) starts this instead; it reads the database
itself, in one snapshot (``SqlLedger.verify``), and prints one line of JSON:
``napci ledger verify``'s report, with the CPU seconds the process used. The
database URL comes from the environment, never from the command line (it may
hold a password).

``--anchor SEQ:HASH``: a seq and hash this server verified before; a chain
that verifies but no longer holds that hash there was rewritten (every hash
recomputed) at or before it, and is reported broken. ``--signatures`` also
checks every Ed25519 signature (the server does not, by default: see
docs/ledger.md). ``--nice``: how much to lower the process's priority.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
from typing import Any

from napci.adapters.db import SqlLedger, make_engine
from napci.settings import ENV_DATABASE_URL

__all__ = ["main", "verify"]


def _anchor(text: str) -> tuple[int, str]:
    seq, _, hash_ = text.partition(":")
    if not seq.isdigit() or len(hash_) != 64:
        raise argparse.ArgumentTypeError(f"not SEQ:HASH: {text!r}")
    return int(seq), hash_


def verify(
    url: str, *, anchor: tuple[int, str] | None = None, signatures: bool = False
) -> dict[str, Any]:
    """The report of a full verification of the record at ``url``."""
    engine = make_engine(url)
    try:
        ledger = SqlLedger(engine)
        report = ledger.verify(check_signatures=signatures).as_dict()
        if report["ok"] and anchor is not None and anchor[0] > 0:
            seq, expected = anchor
            found = ledger.page(after=seq - 1, limit=1)
            if not found or found[0].seq != seq:
                report.update(
                    ok=False,
                    first_bad_seq=min(seq, report["events"] + 1),
                    problem=f"event {seq}, verified before, is gone",
                )
            elif found[0].hash != expected:
                report.update(
                    ok=False,
                    first_bad_seq=seq,
                    problem=f"the chain was rewritten at or before seq {seq}: "
                    f"its hash is no longer the one verified before "
                    f"({expected[:12]}…)",
                )
        return report
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Verify the record named by the environment; print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anchor", type=_anchor, default=None)
    parser.add_argument("--signatures", action="store_true")
    parser.add_argument("--nice", type=int, default=0)
    args = parser.parse_args(argv)
    url = os.environ.get(ENV_DATABASE_URL)
    if not url:
        print(f"{ENV_DATABASE_URL} is not set", file=sys.stderr)
        return 2
    if args.nice > 0:
        with contextlib.suppress(OSError):
            os.nice(args.nice)
    report = verify(url, anchor=args.anchor, signatures=args.signatures)
    used = resource.getrusage(resource.RUSAGE_SELF)
    report["cpu_seconds"] = round(used.ru_utime + used.ru_stime, 3)
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
