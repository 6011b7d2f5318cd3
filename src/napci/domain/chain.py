"""Verification of the ledger: the hash chain, the sequence and the signatures.

Pure: it is fed recorded events in ``seq`` order by whichever store holds
them, and says whether they form an unbroken, correctly signed chain, and if
not, the first ``seq`` at which they do not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from napci.domain.canonical import GENESIS_HASH
from napci.domain.envelope import CLASSIFICATIONS, RecordedEvent, compute_hash
from napci.domain.events import EVENT_TYPES
from napci.domain.signing import verify_signature

__all__ = ["ChainVerifier", "KeyRing", "RegisteredKey", "VerifyReport"]

_KEY_REGISTERED = "KeyRegistered"
_KEY_REVOKED = "KeyRevoked"


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
        self.seen += 1
        if self.first_bad_seq is not None:
            return False
        expected = self.count + 1
        if event.seq != expected:
            if event.seq > expected:
                return self._fail(expected, f"event {expected} is missing")
            return self._fail(event.seq, f"seq {event.seq} appears out of order")
        if event.prev_hash != self.head:
            return self._fail(
                event.seq, "prev_hash does not match the previous event's hash"
            )
        if compute_hash(**event.envelope_fields()) != event.hash:
            return self._fail(event.seq, "hash does not match the event's content")
        if event.classification not in CLASSIFICATIONS:
            return self._fail(
                event.seq, f"unknown classification {event.classification!r}"
            )
        if (event.type, event.version) not in EVENT_TYPES:
            return self._fail(
                event.seq, f"unknown event type {event.type} v{event.version}"
            )
        payload: dict[str, Any] | None = None
        if event.type in (_KEY_REGISTERED, _KEY_REVOKED):
            payload = json.loads(event.payload_json)
        if event.signature is not None or event.signer is not None:
            self.signed += 1
            if self.check_signatures:
                problem = self.keys.problem(
                    type_=event.type,
                    actor=event.actor,
                    payload=payload,
                    signer=event.signer,
                    signature=event.signature,
                    message=event.signing_bytes(),
                )
                if problem is not None:
                    return self._fail(event.seq, problem)
        if payload is not None:
            self.keys.observe(event.seq, event.type, payload)
        self.count = event.seq
        self.head = event.hash
        return True

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
