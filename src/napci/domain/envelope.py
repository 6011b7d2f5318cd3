"""The ledger's envelope: what every event carries besides its payload.

An event is drafted (:class:`EventDraft`) by a rule or an importer, optionally
signed by the acting delegation's Ed25519 key, and recorded
(:class:`RecordedEvent`) by the ledger, which assigns its gapless ``seq``, its
``recorded_at`` time, the authenticated ``principal`` and its place in the
SHA-256 chain.

Two byte strings matter:

* the **signed content** (:func:`signing_bytes`): what the delegation signs,
  everything the delegation decides (id, type, version, occurred_at, actor,
  classification, payload, signer) and nothing the ledger assigns later, so a
  delegation can sign before it knows where its event will land;
* the **envelope** (:func:`envelope_text`): every field but ``hash``, the
  signature included, so that stripping or altering a signature breaks the
  chain just as altering a payload does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from hashlib import sha256 as _sha256
from json.encoder import encode_basestring
from typing import Any, Final, Literal

from napci.domain.canonical import sha256_hex
from napci.domain.ids import new_event_id

__all__ = [
    "CLASSIFICATIONS",
    "SIGNATURE_DOMAIN",
    "Classification",
    "EventDraft",
    "RecordedEvent",
    "compute_hash",
    "envelope_hash",
    "envelope_text",
    "format_timestamp",
    "parse_timestamp",
    "signing_bytes",
]

Classification = Literal["public", "participants", "restricted"]
CLASSIFICATIONS: Final[tuple[str, ...]] = ("public", "participants", "restricted")

#: Prefix of every signed message, so a napci signature can never be replayed
#: as a signature over anything else.
SIGNATURE_DOMAIN: Final[bytes] = b"napci-event-v1\n"

_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\Z")


def format_timestamp(moment: datetime | date) -> str:
    """The canonical text of a moment: UTC, microseconds, a trailing ``Z``.

    A bare date means midnight UTC of that day. Naive datetimes are refused:
    a ledger cannot guess a time zone.
    """
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment.isoformat()} has no time zone")
    utc = moment.astimezone(UTC)
    # strftime's %Y does not pad years before 1000 on every platform.
    return f"{utc.year:04d}-" + utc.strftime(_TIMESTAMP_FORMAT[3:])


def parse_timestamp(text: str) -> datetime:
    """Parse a canonical timestamp; anything else is a :class:`ValueError`."""
    try:
        if not _TIMESTAMP_RE.match(text):
            raise ValueError(text)
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(
            f"timestamp {text!r} is not canonical (YYYY-MM-DDTHH:MM:SS.ffffffZ)"
        ) from None


def _s(value: str | None) -> str:
    return "null" if value is None else str(encode_basestring(value))


@dataclass(frozen=True, slots=True)
class EventDraft:
    """An event as its author drafts it, before the ledger records it."""

    id: str
    type: str
    version: int
    occurred_at: str
    actor: str | None
    classification: str
    payload_json: str
    signer: str | None = None
    signature: str | None = None

    @staticmethod
    def new_id() -> str:
        """A fresh event id: a time-ordered UUID (see :mod:`napci.domain.ids`)."""
        return new_event_id()

    def signing_bytes(self) -> bytes:
        """The bytes a signature over this draft covers."""
        return signing_bytes(
            id=self.id,
            type=self.type,
            version=self.version,
            occurred_at=self.occurred_at,
            actor=self.actor,
            classification=self.classification,
            payload_json=self.payload_json,
            signer=self.signer,
        )


def signing_bytes(
    *,
    id: str,
    type: str,
    version: int,
    occurred_at: str,
    actor: str | None,
    classification: str,
    payload_json: str,
    signer: str | None,
) -> bytes:
    """The exact bytes an Ed25519 signature covers."""
    text = (
        '{"actor":'
        + _s(actor)
        + ',"classification":'
        + _s(classification)
        + ',"id":'
        + _s(id)
        + ',"occurred_at":'
        + _s(occurred_at)
        + ',"payload":'
        + payload_json
        + ',"signer":'
        + _s(signer)
        + ',"type":'
        + _s(type)
        + ',"version":'
        + str(int(version))
        + "}"
    )
    return SIGNATURE_DOMAIN + text.encode("utf-8")


def envelope_text(
    *,
    seq: int,
    id: str,
    type: str,
    version: int,
    occurred_at: str,
    recorded_at: str,
    actor: str | None,
    principal: str | None,
    classification: str,
    payload_json: str,
    signer: str | None,
    signature: str | None,
    prev_hash: str,
) -> str:
    """Canonical JSON of the envelope without ``hash``.

    Built by hand in sorted-key order because it runs once per event in
    ``ledger verify``; a test checks it equals :func:`canonical_json` of the
    same mapping.
    """
    return _envelope(
        seq,
        id,
        type,
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


def _envelope(
    seq: int,
    id: str,
    type: str,
    version: int,
    occurred_at: str,
    recorded_at: str,
    actor: str | None,
    principal: str | None,
    classification: str,
    payload_json: str,
    signer: str | None,
    signature: str | None,
    prev_hash: str,
) -> str:
    # The text of envelope_text, positionally (RecordedEvent field order) and
    # in one f-string with _s inlined: the ledger's hot loops call it per event.
    q = encode_basestring
    return (
        f'{{"actor":{"null" if actor is None else q(actor)}'
        f',"classification":{"null" if classification is None else q(classification)}'
        f',"id":{"null" if id is None else q(id)}'
        f',"occurred_at":{"null" if occurred_at is None else q(occurred_at)}'
        f',"payload":{payload_json}'
        f',"prev_hash":{"null" if prev_hash is None else q(prev_hash)}'
        f',"principal":{"null" if principal is None else q(principal)}'
        f',"recorded_at":{"null" if recorded_at is None else q(recorded_at)}'
        f',"seq":{int(seq)}'
        f',"signature":{"null" if signature is None else q(signature)}'
        f',"signer":{"null" if signer is None else q(signer)}'
        f',"type":{"null" if type is None else q(type)}'
        f',"version":{int(version)}}}'
    )


def envelope_hash(
    seq: int,
    id: str,
    type: str,
    version: int,
    occurred_at: str,
    recorded_at: str,
    actor: str | None,
    principal: str | None,
    classification: str,
    payload_json: str,
    signer: str | None,
    signature: str | None,
    prev_hash: str,
) -> str:
    """:func:`compute_hash`, positionally, in :class:`RecordedEvent` field order."""
    return _sha256(
        _envelope(
            seq,
            id,
            type,
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
        ).encode("utf-8")
    ).hexdigest()


def compute_hash(**fields: Any) -> str:
    """SHA-256 (hex) of :func:`envelope_text` of ``fields``."""
    return sha256_hex(envelope_text(**fields).encode("utf-8"))


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as the ledger holds it: immutable, numbered and chained."""

    seq: int
    id: str
    type: str
    version: int
    occurred_at: str
    recorded_at: str
    actor: str | None
    principal: str | None
    classification: str
    payload_json: str
    signer: str | None
    signature: str | None
    prev_hash: str
    hash: str

    def row(self) -> tuple[Any, ...]:
        """Every field, in order: the ledger's row of this event."""
        return (
            self.seq,
            self.id,
            self.type,
            self.version,
            self.occurred_at,
            self.recorded_at,
            self.actor,
            self.principal,
            self.classification,
            self.payload_json,
            self.signer,
            self.signature,
            self.prev_hash,
            self.hash,
        )

    def computed_hash(self) -> str:
        """The hash its other fields give (equal to ``hash`` when intact)."""
        return envelope_hash(*self.row()[:-1])

    def envelope_fields(self) -> dict[str, Any]:
        """Every field but ``hash``, as keyword arguments for hashing."""
        return {
            "seq": self.seq,
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "principal": self.principal,
            "classification": self.classification,
            "payload_json": self.payload_json,
            "signer": self.signer,
            "signature": self.signature,
            "prev_hash": self.prev_hash,
        }

    def signing_bytes(self) -> bytes:
        """The bytes this event's signature covers."""
        return signing_bytes(
            id=self.id,
            type=self.type,
            version=self.version,
            occurred_at=self.occurred_at,
            actor=self.actor,
            classification=self.classification,
            payload_json=self.payload_json,
            signer=self.signer,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The event as exported: the envelope with its payload as JSON."""
        return {
            "seq": self.seq,
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "actor": self.actor,
            "principal": self.principal,
            "classification": self.classification,
            "payload": json.loads(self.payload_json),
            "signer": self.signer,
            "signature": self.signature,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
