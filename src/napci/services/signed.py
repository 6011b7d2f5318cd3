"""Positions signed by the delegation that takes them.

A delegation whose own key binds it (registered and confirmed by the
delegation itself, not revoked: :mod:`napci.domain.key_requests`) signs its
own positions:
it asks for the draft of the event the rule of procedure would record
(:func:`draft_position`: the same payload, ``occurred_at`` the position's day,
an event id fixed in advance, the key as ``signer``), signs the draft's
:meth:`~napci.domain.envelope.EventDraft.signing_bytes` with its private key
(which never leaves it), and sends the signature back
(:func:`record_position`). The signature is checked here against the key the
record registered, and again by the ledger when it appends.

Policy ``signature-required``: once a key binds a delegation, its unsigned
positions are refused. A key entered in its name by anyone else
(unconfirmed) makes nothing required, and a position signed with it is
refused. A signature that does not verify (tampered, over other content, or
by another delegation's key) is refused. A refusal appends nothing.
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
from napci.domain.procedure.keys import binding_key, binding_keys
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
    keys: tuple[str, ...]  # the keys that bind the delegation, newest last


def delegation_keys(registry: Registry, code: str) -> tuple[str, ...]:
    """The ids of the keys that bind ``code`` (confirmed by it, not revoked),
    in the order it confirmed them: the newest last."""
    return binding_keys(registry, code)


def draft_position(
    platform: Platform,
    command: RecordPosition,
    *,
    event_id: str | None = None,
    signer: str | None = None,
    today: date | None = None,
    secretariat: bool = False,
    visible: Registry | None = None,
) -> PositionDrafts:
    """Judge ``command`` and draft its events, the position for ``signer``.

    Raises :class:`Refusal` when the rules refuse the position, or when
    ``signer`` is not one of the keys that bind the delegation.
    ``secretariat`` and ``visible``: the caller's capacity and what it may
    read (:func:`napci.services.procedure.context_for`).
    """
    context = context_for(platform, today, secretariat=secretariat, visible=visible)
    emits = judge(context, command)
    if not emits or not isinstance(emits[0].event, PositionRecorded):
        raise Refusal(
            "procedure",
            "the command records no position",
            "Send one position (support, no-objection, objection or amendment) "
            "on an open proposal.",
        )
    keys = delegation_keys(context.registry, command.code)
    if signer is not None:
        binding_key(context.registry, signer, command.code)
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
    secretariat: bool = False,
    visible: Registry | None = None,
) -> AppendResult:
    """Record a position, signed when ``signer`` and ``signature`` are given.

    Unsigned positions of a delegation that a key binds are refused
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
        platform,
        command,
        event_id=event_id,
        signer=signer,
        today=today,
        secretariat=secretariat,
        visible=visible,
    )
    position = drafts.position
    if signature is None:
        if drafts.keys:
            raise Refusal(
                RULE,
                f"{command.code} registered its own signing key "
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
