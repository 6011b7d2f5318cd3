"""Positions signed by the delegation that takes them.

A delegation that holds a registered signing key signs its own positions:
it asks for the draft of the event the rule of procedure would record
(:func:`draft_position`: the same payload, ``occurred_at`` the position's day,
an event id fixed in advance, the key as ``signer``), signs the draft's
:meth:`~napci.domain.envelope.EventDraft.signing_bytes` with its private key
(which never leaves it), and sends the signature back
(:func:`record_position`). The signature is checked here against the key the
record registered, and again by the ledger when it appends.

Policy ``signature-required``: once a delegation has a registered, unrevoked
key, its unsigned positions are refused. A signature that does not verify
(tampered, over other content, or by another delegation's key) is refused.
A refusal appends nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from napci.adapters.db.ledger import AppendResult
from napci.domain.envelope import EventDraft
from napci.domain.events import PositionRecorded
from napci.domain.procedure import RecordPosition, Refusal
from napci.domain.registry import Registry
from napci.domain.signing import verify_signature
from napci.services.drafting import draft
from napci.services.procedure import InvalidCommand, context_for, judge

if TYPE_CHECKING:
    from napci.services.platform import Platform

__all__ = [
    "PositionDrafts",
    "delegation_keys",
    "draft_position",
    "record_position",
]

RULE = "signature"


@dataclass(frozen=True, slots=True)
class PositionDrafts:
    """What recording a position would append.

    ``position`` is the event the delegation signs (``signer`` set, no
    signature yet); ``consequences`` are what the rule brings about with it
    (a silence broken, a provisional adoption undone), recorded unsigned.
    """

    position: EventDraft
    consequences: tuple[EventDraft, ...]
    keys: tuple[str, ...]  # the delegation's registered, unrevoked keys


def delegation_keys(registry: Registry, code: str) -> tuple[str, ...]:
    """The ids of ``code``'s registered, unrevoked signing keys."""
    return tuple(
        sorted(
            k.key_id for k in registry.keys.values() if k.code == code and not k.revoked
        )
    )


def draft_position(
    platform: Platform,
    command: RecordPosition,
    *,
    event_id: str | None = None,
    signer: str | None = None,
    today: date | None = None,
) -> PositionDrafts:
    """Judge ``command`` and draft its events, the position for ``signer``.

    Raises :class:`Refusal` when the rules refuse the position, or when
    ``signer`` is not one of the delegation's registered, unrevoked keys.
    """
    context = context_for(platform, today)
    emits = judge(context, command)
    if not emits or not isinstance(emits[0].event, PositionRecorded):
        raise Refusal(
            "procedure",
            "the command records no position",
            "Send one position (support, no-objection, objection or amendment) "
            "on an open proposal.",
        )
    keys = delegation_keys(context.registry, command.code)
    if signer is not None and signer not in keys:
        owner = context.registry.keys.get(signer)
        whose = "is not registered"
        if owner is not None:
            whose = "was revoked" if owner.revoked else f"belongs to {owner.code}"
        raise Refusal(
            RULE,
            f"key {signer} {whose}: {command.code}'s positions are signed with "
            f"its own registered key",
            f"Registered keys of {command.code}: {', '.join(keys)}."
            if keys
            else f"Register a key for {command.code} with 'napci keys new "
            f"{command.code}'.",
        )
    first, *rest = emits
    unsigned = draft(
        first.event,
        occurred_at=first.on,
        actor=first.actor,
        classification=first.classification,
        event_id=event_id,
    )
    position = replace(unsigned, signer=signer)
    consequences = tuple(
        draft(
            e.event,
            occurred_at=e.on,
            actor=e.actor,
            classification=e.classification,
        )
        for e in rest
    )
    return PositionDrafts(position, consequences, keys)


def _public_key(platform: Platform, key_id: str) -> str | None:
    found = None
    # Read to the end: leaving the stream early would leave its cursor open.
    for event in platform.ledger.iter_events(types=["KeyRegistered"]):
        payload = json.loads(event.payload_json)
        if found is None and payload.get("key_id") == key_id:
            found = str(payload["public_key"])
    return found


def record_position(
    platform: Platform,
    command: RecordPosition,
    *,
    principal: str | None,
    event_id: str | None = None,
    signer: str | None = None,
    signature: str | None = None,
    today: date | None = None,
) -> AppendResult:
    """Record a position, signed when ``signer`` and ``signature`` are given.

    Unsigned positions of a delegation with a registered key are refused
    (rule ``signature``), as are signatures that do not verify over the
    position the rule records. Appends the position and its consequences
    atomically, or nothing.
    """
    if (signer is None) != (signature is None):
        raise InvalidCommand("a signed position needs both 'signer' and 'signature'")
    if signature is not None and event_id is None:
        raise InvalidCommand(
            "a signed position needs the 'event_id' of the draft that was signed"
        )
    drafts = draft_position(
        platform, command, event_id=event_id, signer=signer, today=today
    )
    position = drafts.position
    if signature is None:
        if drafts.keys:
            raise Refusal(
                RULE,
                f"{command.code} has a registered signing key "
                f"({', '.join(drafts.keys)}): its positions must be signed",
                "Get the draft from POST /api/v1/proposals/"
                f"{command.proposal}/positions/draft, sign its bytes with the "
                "key, and post the position with event_id, signer and signature.",
            )
    else:
        assert signer is not None
        public_key = _public_key(platform, signer)
        if public_key is None or not verify_signature(
            public_key, position.signing_bytes(), signature
        ):
            raise Refusal(
                RULE,
                f"the signature does not verify with key {signer} over the "
                f"position {command.code} takes on {command.proposal}",
                "Sign exactly the bytes of the draft (signing_bytes_b64) and post "
                "the same position, day and event_id.",
            )
        position = replace(position, signature=signature)
    result: AppendResult = platform.append(
        [position, *drafts.consequences], principal=principal
    )
    return result
