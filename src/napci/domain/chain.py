"""Verification of the ledger: the hash chain, the sequence and the signatures.

Pure: it is fed recorded events in ``seq`` order by whichever store holds
them, and says whether they form an unbroken, correctly signed chain, and if
not, the first ``seq`` at which they do not.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field, replace
from typing import Any

from napci.domain.canonical import GENESIS_HASH
from napci.domain.envelope import (
    CLASSIFICATIONS,
    RecordedEvent,
    envelope_hash,
    signing_bytes,
)

__all__ = [
    "KEY_TYPES",
    "ChainVerifier",
    "KeyRing",
    "RegisteredKey",
    "VerifyReport",
    "bad_signature",
    "first_bad_signature",
]

_KEY_REGISTERED = "KeyRegistered"
_KEY_CONFIRMED = "KeyConfirmed"
_KEY_REVOKED = "KeyRevoked"
#: The event types a key ring folds.
KEY_TYPES = (_KEY_REGISTERED, _KEY_CONFIRMED, _KEY_REVOKED)


@dataclass(frozen=True, slots=True)
class RegisteredKey:
    """A public key as the ledger registered it.

    ``confirmed_seq``: where its delegation confirmed it as its own
    (KeyConfirmed). The ring checks signatures against every registered
    key, confirmed or not (a record written before confirmation existed
    verifies as it always did); whether a key *binds* its delegation is for
    the rules of procedure to say (:mod:`napci.domain.key_requests`).
    """

    key_id: str
    actor: str
    public_key: str
    registered_seq: int
    revoked_seq: int | None = None
    confirmed_seq: int | None = None


@dataclass(slots=True)
class KeyRing:
    """The delegation keys in force, folded from the key events (KEY_TYPES)."""

    keys: dict[str, RegisteredKey] = field(default_factory=dict)

    def observe(self, seq: int, type_: str, payload: dict[str, Any]) -> None:
        """Take in a recorded key event."""
        if type_ == _KEY_REGISTERED:
            key_id = payload["key_id"]
            if key_id not in self.keys:
                self.keys[key_id] = RegisteredKey(
                    key_id, payload["code"], payload["public_key"], seq
                )
        elif type_ == _KEY_CONFIRMED:
            key = self.keys.get(payload["key_id"])
            if (
                key is not None
                and key.actor == payload["code"]
                and key.revoked_seq is None
                and key.confirmed_seq is None
            ):
                self.keys[key.key_id] = replace(key, confirmed_seq=seq)
        elif type_ == _KEY_REVOKED:
            key = self.keys.get(payload["key_id"])
            if key is not None and key.revoked_seq is None:
                self.keys[key.key_id] = replace(key, revoked_seq=seq)

    def key_event_problem(
        self, type_: str, actor: str | None, payload: dict[str, Any], signer: str | None
    ) -> str | None:
        """Why a key event is not acceptable, or ``None``.

        A key is registered by an event its own key signs (proof of
        possession), on behalf of the actor it is for, and confirmed the
        same way, once registered and while not revoked; only a registered
        key can be revoked, on behalf of its owner.
        """
        if type_ == _KEY_REGISTERED:
            if signer != payload.get("key_id") or actor != payload.get("code"):
                return (
                    "a key is registered by an event on behalf of its actor, signed "
                    "with that very key (proof of possession)"
                )
        elif type_ == _KEY_CONFIRMED:
            key = self.keys.get(str(payload.get("key_id")))
            if key is None:
                return f"key {payload.get('key_id')} is not registered"
            if key.actor != payload.get("code") or actor != key.actor:
                return f"key {key.key_id} belongs to {key.actor}"
            if key.revoked_seq is not None:
                return f"key {key.key_id} was revoked at seq {key.revoked_seq}"
            if signer != key.key_id:
                return (
                    "a key is confirmed by an event signed with that very key "
                    "(proof of possession)"
                )
        elif type_ == _KEY_REVOKED:
            key = self.keys.get(str(payload.get("key_id")))
            if key is None:
                return f"key {payload.get('key_id')} is not registered"
            if key.actor != payload.get("code") or (
                actor is not None and actor != key.actor
            ):
                return f"key {key.key_id} belongs to {key.actor}"
        return None

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
        problem, public_key = self.signing_key(
            type_=type_,
            actor=actor,
            payload=payload,
            signer=signer,
            signature=signature,
        )
        if problem is not None or public_key is None:
            return problem
        assert signer is not None and signature is not None  # as signing_key says
        from napci.domain.signing import verify_signature

        if not verify_signature(public_key, message, signature):
            return bad_signature(signer)
        return None

    def signing_key(
        self,
        *,
        type_: str,
        actor: str | None,
        payload: dict[str, Any] | None,
        signer: str | None,
        signature: str | None,
    ) -> tuple[str | None, str | None]:
        """:meth:`problem` up to the cryptography: ``(problem, public key)``.

        ``(None, None)`` for an unsigned event; ``(problem, None)`` when no
        signature could be acceptable; ``(None, key)`` when the signature
        must verify with the (base64) public key ``key``.
        """
        if signer is None and signature is None:
            return None, None
        if signer is None or signature is None:
            return "a signature needs both 'signer' and 'signature'", None
        key = self.keys.get(signer)
        if key is not None:
            if key.revoked_seq is not None:
                return f"key {signer} was revoked at seq {key.revoked_seq}", None
            if key.actor != actor:
                return f"key {signer} belongs to {key.actor}, not to {actor}", None
            return None, key.public_key
        if (
            type_ == _KEY_REGISTERED
            and payload is not None
            and payload.get("key_id") == signer
            and payload.get("code") == actor
        ):
            return None, str(payload["public_key"])
        return f"key {signer} is not registered", None


def bad_signature(signer: str) -> str:
    """The problem of a signature that does not verify."""
    return f"the signature does not verify with key {signer}"


def first_bad_signature(checks: Sequence[tuple[str, bytes, str]]) -> int | None:
    """The index of the first (public key, message, signature) that fails.

    Runs in worker processes when a :class:`ChainVerifier` is given an
    executor: Ed25519 verification is most of a signed ledger's verify.
    """
    from napci.domain.signing import verify_signature

    for index, (public_key, message, signature) in enumerate(checks):
        if not verify_signature(public_key, message, signature):
            return index
    return None


@dataclass(frozen=True, slots=True)
class _Deferred:
    """A signature whose cryptographic check was sent to a worker."""

    seq: int
    signer: str
    signed: int  # the verifier's ``signed`` count with this event
    head: str  # the chain's head before this event


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
    """Feed events in ``seq`` order; stops judging at the first bad one.

    Given an ``executor`` (a process pool), the Ed25519 checks run there, in
    chunks of ``chunk`` signatures, while the chain is checked here. Every
    other check stays in order, here, and :meth:`finish` waits for the
    workers: the report is the same as without an executor. Until then
    :attr:`ok` and the result of :meth:`feed` cannot know about a bad
    signature that a worker has not yet reported.
    """

    #: Chunks in flight per executor before feeding waits for the oldest.
    MAX_IN_FLIGHT = 8

    def __init__(
        self,
        *,
        check_signatures: bool = True,
        executor: Executor | None = None,
        chunk: int = 1_000,
    ) -> None:
        self.check_signatures = check_signatures
        self._executor = executor if check_signatures else None
        self._chunk = chunk
        self._pending: list[tuple[str, bytes, str]] = []
        self._pending_meta: list[_Deferred] = []
        self._in_flight: deque[tuple[list[_Deferred], Future[int | None]]] = deque()
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
        return self.feed_rows((event.row(),))

    def feed_rows(self, rows: Iterable[Sequence[Any]]) -> bool:
        """Check the next events, given as rows in :class:`RecordedEvent` order.

        The same checks as :meth:`feed`, event by event, without building an
        object per event: a store streams its rows straight in. ``False``
        once the chain is broken (the rest of ``rows`` is only counted).
        """
        # the event types' models are read when a chain is verified, not when
        # a ledger is merely opened and read
        from napci.domain.events import EVENT_TYPES

        it = iter(rows)
        seen, count, head, signed = self.seen, self.count, self.head, self.signed
        check_signatures = self.check_signatures
        keys = self.keys
        bad: tuple[int, str] | None = None
        deferred = None if self._executor is None else self._pending
        meta, chunk = self._pending_meta, self._chunk
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
                    if type_ in KEY_TYPES:
                        payload = json.loads(payload_json)
                        assert payload is not None
                        key_problem = keys.key_event_problem(
                            type_, actor, payload, signer
                        )
                        if key_problem is not None:
                            bad = seq, key_problem
                            break
                    if signature is not None or signer is not None:
                        signed += 1
                        if check_signatures:
                            message = signing_bytes(
                                id=id_,
                                type=type_,
                                version=version,
                                occurred_at=occurred_at,
                                actor=actor,
                                classification=classification,
                                payload_json=payload_json,
                                signer=signer,
                            )
                            if deferred is None:
                                problem = keys.problem(
                                    type_=type_,
                                    actor=actor,
                                    payload=payload,
                                    signer=signer,
                                    signature=signature,
                                    message=message,
                                )
                            else:
                                problem, public_key = keys.signing_key(
                                    type_=type_,
                                    actor=actor,
                                    payload=payload,
                                    signer=signer,
                                    signature=signature,
                                )
                                if problem is None and public_key is not None:
                                    deferred.append((public_key, message, signature))
                                    meta.append(_Deferred(seq, signer, signed, head))
                                    if len(deferred) >= chunk:
                                        if self._send():
                                            break  # a worker found a bad one
                                        deferred = self._pending
                                        meta = self._pending_meta
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
            if self.first_bad_seq is None:  # else a worker's report set them
                self.count, self.head, self.signed = count, head, signed
            self.seen = seen
        if bad is not None:
            self._fail(*bad)
        return self.first_bad_seq is None

    def _send(self) -> bool:
        """Send the pending signatures to a worker; ``True`` once one is bad.

        With too many chunks in flight, first waits for the oldest.
        """
        assert self._executor is not None
        if self._pending:
            future = self._executor.submit(first_bad_signature, self._pending)
            self._in_flight.append((self._pending_meta, future))
            self._pending, self._pending_meta = [], []
        while len(self._in_flight) > self.MAX_IN_FLIGHT:
            if self._collect_oldest():
                return True
        return False

    def _collect_oldest(self) -> bool:
        """Wait for the oldest chunk in flight; ``True`` if it held a bad one.

        Chunks are collected in ``seq`` order, and the chain was checked past
        them, so a bad signature found here is the first problem of all: it
        becomes the verdict, with the counts as they were at that event.
        """
        meta, future = self._in_flight.popleft()
        index = future.result()
        if index is None:
            return False
        bad = meta[index]
        self.count, self.head, self.signed = bad.seq - 1, bad.head, bad.signed
        self._fail(bad.seq, bad_signature(bad.signer))
        for _, rest in self._in_flight:
            rest.cancel()
        self._in_flight.clear()
        return True

    def _drain(self) -> None:
        """Wait for every signature sent to workers (see :meth:`_collect_oldest`).

        All of them precede any problem found here, so a bad one overrides it.
        """
        if self._executor is None:
            return
        if self._pending and self._send():
            return
        while self._in_flight:
            if self._collect_oldest():
                return

    def finish(
        self, recorded_head: tuple[int, str] | None, *, head_required: bool = False
    ) -> VerifyReport:
        """Compare with the head the store says it has and report.

        ``recorded_head`` is the (seq, hash) the store keeps beside the events;
        a disagreement means events were removed from or added at the end.
        """
        self._drain()
        if self.first_bad_seq is None and head_required and recorded_head is None:
            self._fail(
                self.count + 1,
                "the ledger_head row is missing: the end of the chain cannot be "
                "vouched for",
            )
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
