"""Whether the record verifies, as a running server knows it.

Pure. A server verifies the whole chain in the background (at start, every
few minutes, on demand) and checks every tail it folds against the last head
it verified. What it knows is a :class:`RecordStatus`: ``verifying`` until
the first full verification ends, then ``ok`` (with the seq and hash the
chain is verified up to) or ``broken`` (with the first bad seq and the
problem). :func:`after_full` and :func:`after_tail` say how a full report
and a checked tail change it; :func:`check_tail` checks a tail;
:class:`RecordBroken` is the refusal of every write once broken.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from napci.domain.canonical import GENESIS_HASH
from napci.domain.envelope import RecordedEvent

__all__ = [
    "RULE",
    "FullReport",
    "RecordBroken",
    "RecordStatus",
    "Status",
    "TailCheck",
    "after_full",
    "after_tail",
    "check_tail",
]

Status = Literal["verifying", "ok", "broken"]

#: The name refusals of writes on a broken record quote.
RULE: Final = "integrity"

_REMEDY: Final = (
    "Restore the database from a copy that verifies ('napci ledger verify' "
    "names the first bad event; 'napci ledger export' a good copy and "
    "'napci ledger import' it into an empty database), then restart the server."
)


class RecordBroken(Exception):
    """A write refused because the record does not verify; nothing appended."""

    rule: Final = RULE

    def __init__(self, first_bad_seq: int | None, problem: str | None) -> None:
        self.first_bad_seq = first_bad_seq
        self.problem = problem
        self.remedy = _REMEDY
        where = "" if first_bad_seq is None else f" from seq {first_bad_seq} on"
        why = "" if not problem else f" ({problem})"
        self.reason = (
            f"the record does not verify{where}{why}: no write is accepted "
            "until it is repaired"
        )
        super().__init__(f"Refused: {self.reason} (rule {RULE}). {_REMEDY}")


@dataclass(frozen=True, slots=True)
class RecordStatus:
    """What a server knows of its record's integrity."""

    status: Status = "verifying"
    first_bad_seq: int | None = None
    problem: str | None = None
    #: The last seq whose chain is verified (by a full verification and the
    #: tails checked since), and its hash.
    verified_up_to: int = 0
    verified_hash: str = GENESIS_HASH
    #: Signed events among those verified (their signatures were checked
    #: when they were appended; see docs/ledger.md).
    signed: int = 0
    #: When the last full verification ended (UTC, ISO 8601), if one has.
    verified_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``record_status`` of every figure's JSON (and of ``/healthz``)."""
        return {
            "status": self.status,
            "first_bad_seq": self.first_bad_seq,
            "verified_up_to": self.verified_up_to,
        }

    @property
    def token(self) -> str:
        """A short text that changes whenever :meth:`as_json` does (for ETags).

        >>> RecordStatus("broken", 7, "x", 6).token
        'b7.6'
        """
        bad = "" if self.first_bad_seq is None else str(self.first_bad_seq)
        return f"{self.status[0]}{bad}.{self.verified_up_to}"

    def refusal(self) -> RecordBroken | None:
        """The refusal of a write on this record, if it is broken."""
        if self.status != "broken":
            return None
        return RecordBroken(self.first_bad_seq, self.problem)


@dataclass(frozen=True, slots=True)
class FullReport:
    """A full verification's outcome (``napci ledger verify``'s report)."""

    ok: bool
    events: int
    head: str
    first_bad_seq: int | None = None
    problem: str | None = None
    signed: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FullReport:
        """From ``VerifyReport.as_dict()``."""
        return cls(
            ok=bool(data["ok"]),
            events=int(data["events"]),
            head=str(data["head"]),
            first_bad_seq=data.get("first_bad_seq"),
            problem=data.get("problem"),
            signed=int(data.get("signed") or 0),
        )


@dataclass(frozen=True, slots=True)
class TailCheck:
    """A tail checked against a verified head: how far it verifies."""

    after: int  # the verified seq the tail continues
    seq: int  # the last seq that continues the chain
    hash: str  # its hash
    signed: int  # signed events among those that verify
    first_bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the whole tail continues the chain."""
        return self.first_bad_seq is None


def check_tail(
    events: Iterable[RecordedEvent],
    after: int,
    head: str,
    *,
    upto: int,
    upto_hash: str | None = None,
) -> TailCheck:
    """Check that ``events`` (seq ``after + 1`` to ``upto``, in order)
    continue the chain verified up to ``after`` (whose hash is ``head``):
    each follows the one before, links to its hash and hashes to what it
    says. ``upto_hash``: the head hash the store records for ``upto``.
    """
    seq, prev, signed = after, head, 0

    def bad(at: int, problem: str) -> TailCheck:
        return TailCheck(after, seq, prev, signed, at, problem)

    for event in events:
        expected = seq + 1
        if event.seq != expected:
            if event.seq > expected:
                return bad(expected, f"event {expected} is missing")
            return bad(event.seq, f"seq {event.seq} appears out of order")
        if event.prev_hash != prev:
            return bad(event.seq, "prev_hash does not continue the verified chain")
        if event.computed_hash() != event.hash:
            return bad(event.seq, "hash does not match the event's content")
        seq, prev = event.seq, event.hash
        if event.signer is not None or event.signature is not None:
            signed += 1
    if seq < upto:
        return bad(seq + 1, f"event {seq + 1} is missing")
    if upto_hash is not None and seq == upto and upto > after and prev != upto_hash:
        return bad(upto, "the recorded head hash differs from the chain")
    return TailCheck(after, seq, prev, signed)


def after_full(current: RecordStatus, report: FullReport, at: str) -> RecordStatus:
    """The status once a full verification (ended at ``at``) reports.

    A sound chain is ``ok`` up to its last event, or up to a later tail
    already checked; it does not clear a break found beyond what it covered.
    A broken one is ``broken`` at its first bad seq.
    """
    if not report.ok:
        bad = report.first_bad_seq
        return RecordStatus(
            "broken",
            bad,
            report.problem,
            0 if bad is None else max(0, bad - 1),
            GENESIS_HASH,
            report.signed,
            at,
        )
    if (
        current.status == "broken"
        and current.first_bad_seq is not None
        and current.first_bad_seq > report.events
    ):
        return replace(current, verified_at=at)
    if current.status == "ok" and current.verified_up_to > report.events:
        return replace(current, verified_at=at)
    return RecordStatus("ok", None, None, report.events, report.head, report.signed, at)


def after_tail(current: RecordStatus, tail: TailCheck) -> RecordStatus:
    """The status once ``tail`` is checked; unchanged if the status moved
    since the tail's check began (it no longer continues what is verified)."""
    if current.status != "ok" or current.verified_up_to != tail.after:
        return current
    signed = current.signed + tail.signed
    if not tail.ok:
        return RecordStatus(
            "broken",
            tail.first_bad_seq,
            tail.problem,
            tail.seq,
            tail.hash,
            signed,
            current.verified_at,
        )
    return replace(
        current, verified_up_to=tail.seq, verified_hash=tail.hash, signed=signed
    )
