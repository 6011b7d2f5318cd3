"""Verification of the ledger: the hash chain, the sequence and the signatures.

Pure: it is fed recorded events in ``seq`` order by whichever store holds
them, and says whether they form an unbroken, correctly signed chain, and if
not, the first ``seq`` at which they do not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from napci.domain.canonical import GENESIS_HASH
from napci.domain.envelope import (
    CLASSIFICATIONS,
    RecordedEvent,
    envelope_hash,
    signing_bytes,
)
from napci.domain.events import EVENT_TYPES
from napci.domain.signing import verify_signature

__all__ = ["ChainVerifier", "KeyRing", "RegisteredKey", "VerifyReport"]

_KEY_REGISTERED = "KeyRegistered"
_KEY_REVOKED = "KeyRevoked"
_KEY_TYPES = (_KEY_REGISTERED, _KEY_REVOKED)


@dataclass(frozen=True, slots=True)
class RegisteredKey:
    """A public key as the ledger registered it."""

    key_id: str
    actor: str
    public_key: str
    registered_seq: int
    revoked_seq: int | None = None


@dataclass(slots=True)
class KeyRing:
    """The delegation keys in force, folded from KeyRegistered/KeyRevoked events."""

    keys: dict[str, RegisteredKey] = field(default_factory=dict)

    def observe(self, seq: int, type_: str, payload: dict[str, Any]) -> None:
        """Take in a recorded key event."""
        if type_ == _KEY_REGISTERED:
            key_id = payload["key_id"]
            if key_id not in self.keys:
                self.keys[key_id] = RegisteredKey(
                    key_id, payload["code"], payload["public_key"], seq
                )
        elif type_ == _KEY_REVOKED:
            key = self.keys.get(payload["key_id"])
            if key is not None and key.revoked_seq is None:
                self.keys[key.key_id] = RegisteredKey(
                    key.key_id, key.actor, key.public_key, key.registered_seq, seq
                )

    def problem(
        self,
        *,
        type_: str,
        actor: str | None,
        payload: dict[str, Any] | None,
        signer: str | None,
        signature: str | None,
        message: bytes,
    ) -> str | None:
        """Why a signature is not acceptable, or ``None`` if it is (or is absent).

        A key must have been registered by an earlier event for the same actor
        and not revoked; a KeyRegistered event may be signed by the key it
        registers (proof of possession).
        """
        if signer is None and signature is None:
            return None
        if signer is None or signature is None:
            return "a signature needs both 'signer' and 'signature'"
        key = self.keys.get(signer)
        public_key: str
        if key is not None:
            if key.revoked_seq is not None:
                return f"key {signer} was revoked at seq {key.revoked_seq}"
            if key.actor != actor:
                return f"key {signer} belongs to {key.actor}, not to {actor}"
            public_key = key.public_key
        elif (
            type_ == _KEY_REGISTERED
            and payload is not None
            and payload.get("key_id") == signer
            and payload.get("code") == actor
        ):
            public_key = str(payload["public_key"])
        else:
            return f"key {signer} is not registered"
        if not verify_signature(public_key, message, signature):
            return f"the signature does not verify with key {signer}"
        return None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """The outcome of verifying a ledger."""

    ok: bool
    events: int  # events examined: every row the store holds
    head: str  # the head hash the store records
    first_bad_seq: int | None = None
    problem: str | None = None
    signed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON data."""
        return {
            "ok": self.ok,
            "events": self.events,
            "head": self.head,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "signed": self.signed,
        }


class ChainVerifier:
    """Feed events in ``seq`` order; stops judging at the first bad one."""

    def __init__(self, *, check_signatures: bool = True) -> None:
        self.check_signatures = check_signatures
        self.keys = KeyRing()
        self.seen = 0
        self.count = 0
        self.signed = 0
        self.head = GENESIS_HASH
        self.first_bad_seq: int | None = None
        self.problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every event fed so far is sound."""
        return self.first_bad_seq is None

    def _fail(self, seq: int, problem: str) -> bool:
        self.first_bad_seq = seq
        self.problem = problem
        return False

    def feed(self, event: RecordedEvent) -> bool:
        """Check the next event; ``False`` once the chain is broken."""
        return self.feed_rows(
            (
                (
                    event.seq,
                    event.id,
                    event.type,
                    event.version,
                    event.occurred_at,
                    event.recorded_at,
                    event.actor,
                    event.principal,
                    event.classification,
                    event.payload_json,
                    event.signer,
                    event.signature,
                    event.prev_hash,
                    event.hash,
                ),
            )
        )

    def feed_rows(self, rows: Iterable[Sequence[Any]]) -> bool:
        """Check the next events, given as rows in :class:`RecordedEvent` order.

        The same checks as :meth:`feed`, event by event, without building an
        object per event: a store streams its rows straight in. ``False``
        once the chain is broken (the rest of ``rows`` is only counted).
        """
        it = iter(rows)
        seen, count, head, signed = self.seen, self.count, self.head, self.signed
        check_signatures = self.check_signatures
        keys = self.keys
        bad: tuple[int, str] | None = None
        try:
            if self.first_bad_seq is None:
                for row in it:
                    seen += 1
                    (
                        seq,
                        id_,
                        type_,
                        version,
                        occurred_at,
                        recorded_at,
                        actor,
                        principal,
                        classification,
                        payload_json,
                        signer,
                        signature,
                        prev_hash,
                        hash_,
                    ) = row
                    expected = count + 1
                    if seq != expected:
                        if seq > expected:
                            bad = expected, f"event {expected} is missing"
                        else:
                            bad = seq, f"seq {seq} appears out of order"
                        break
                    if prev_hash != head:
                        bad = seq, "prev_hash does not match the previous event's hash"
                        break
                    computed = envelope_hash(
                        seq,
                        id_,
                        type_,
                        version,
                        occurred_at,
                        recorded_at,
                        actor,
                        principal,
                        classification,
                        payload_json,
                        signer,
                        signature,
                        prev_hash,
                    )
                    if computed != hash_:
                        bad = seq, "hash does not match the event's content"
                        break
                    if classification not in CLASSIFICATIONS:
                        bad = seq, f"unknown classification {classification!r}"
                        break
                    if (type_, version) not in EVENT_TYPES:
                        bad = seq, f"unknown event type {type_} v{version}"
                        break
                    payload: dict[str, Any] | None = None
                    if type_ in _KEY_TYPES:
                        payload = json.loads(payload_json)
                    if signature is not None or signer is not None:
                        signed += 1
                        if check_signatures:
                            problem = keys.problem(
                                type_=type_,
                                actor=actor,
                                payload=payload,
                                signer=signer,
                                signature=signature,
                                message=signing_bytes(
                                    id=id_,
                                    type=type_,
                                    version=version,
                                    occurred_at=occurred_at,
                                    actor=actor,
                                    classification=classification,
                                    payload_json=payload_json,
                                    signer=signer,
                                ),
                            )
                            if problem is not None:
                                bad = seq, problem
                                break
                    if payload is not None:
                        keys.observe(seq, type_, payload)
                    count = seq
                    head = hash_
            for _ in it:  # after a failure: only count what the store holds
                seen += 1
        finally:
            self.seen, self.count, self.head = seen, count, head
            self.signed = signed
        if bad is not None:
            self._fail(*bad)
        return self.first_bad_seq is None

    def finish(self, recorded_head: tuple[int, str] | None) -> VerifyReport:
        """Compare with the head the store says it has and report.

        ``recorded_head`` is the (seq, hash) the store keeps beside the events;
        a disagreement means events were removed from or added at the end.
        """
        if self.first_bad_seq is None and recorded_head is not None:
            seq, hash_ = recorded_head
            if seq > self.count:
                self._fail(self.count + 1, f"event {self.count + 1} is missing")
            elif seq < self.count:
                self._fail(seq + 1, f"event {seq + 1} lies beyond the recorded head")
            elif seq and hash_ != self.head:
                self._fail(seq, "the recorded head hash differs from the chain")
        return VerifyReport(
            ok=self.first_bad_seq is None,
            events=self.seen,
            head=recorded_head[1] if recorded_head is not None else self.head,
            first_bad_seq=self.first_bad_seq,
            problem=self.problem,
            signed=self.signed,
        )
