"""Turning an event payload into a ledger draft, signed when a key is given."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime

from napci.domain.envelope import EventDraft, format_timestamp
from napci.domain.events import Event
from napci.domain.signing import KeyPair, sign

__all__ = ["NAPCI_NAMESPACE", "draft", "stable_id"]

#: Namespace of the name-based (UUID v5) ids of facts in shipped data sets.
NAPCI_NAMESPACE = uuid.UUID("6f1c7c1e-4e0b-5a57-9b1e-4e41504349aa")


def stable_id(name: str) -> str:
    """A deterministic event id for a named fact (UUID v5)."""
    return str(uuid.uuid5(NAPCI_NAMESPACE, name))


def draft(
    event: Event,
    *,
    occurred_at: datetime | date,
    actor: str | None,
    classification: str = "public",
    event_id: str | None = None,
    key: KeyPair | None = None,
) -> EventDraft:
    """A draft of ``event``; signed by ``key`` (for ``actor``) when given."""
    unsigned = EventDraft(
        id=event_id or EventDraft.new_id(),
        type=event.type_name,
        version=event.version,
        occurred_at=format_timestamp(occurred_at),
        actor=actor,
        classification=classification,
        payload_json=event.payload_json(),
        signer=None if key is None else key.key_id,
    )
    if key is None:
        return unsigned
    return replace(unsigned, signature=sign(key, unsigned.signing_bytes()))
