"""Positions signed by the delegation that takes them.

A delegation that holds a registered signing key signs its own positions:
it asks for the draft of the event the rule of procedure would record
(:func:`draft_position`: the same payload, ``occurred_at`` the position's day,
an event id fixed in advance, the key as ``signer``), signs the draft's
:meth:`~napci.domain.envelope.EventDraft.signing_bytes` with its private key
(which never leaves it), and sends the signature back
(:func:`record_position`). The position is then judged again, under the
ledger's write lock, in the transaction that appends it: the signature must
verify, with the key the record registered, over the position the rules
record at that moment (and the ledger checks it once more as it appends).

Policy ``signature-required``: once a delegation has a registered, unrevoked
key, its unsigned positions are refused. A signature that does not verify
(tampered, over other content, or by another delegation's key) is refused.
A refusal appends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from napci.adapters.db.ledger import AppendResult
from napci.domain.envelope import EventDraft
from napci.domain.events import PositionRecorded
from napci.domain.procedure import Context, RecordPosition, Refusal
from napci.domain.registry import Registry
from napci.domain.signing import verify_signature
from napci.services.drafting import draft
from napci.services.procedure import (
    InvalidCommand,
    append_judged,
    context_for,
    judge,
)
from napci.services.record_state import FULL, Clearance

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
    clearance: Clearance = FULL,
) -> PositionDrafts:
    """Judge ``command`` and draft its events, the position for ``signer``
    (a preview: :func:`record_position` judges it again when it records).

    Raises :class:`Refusal` when the rules refuse the position, or when
    ``signer`` is not one of the delegation's registered, unrevoked keys.
    ``clearance``: what the caller may read.
    """

    def drafted(_registry: Registry) -> PositionDrafts:
        context = context_for(platform, today, clearance=clearance)
        return _drafts(context, command, event_id, signer)

    return platform.record.read(clearance, drafted, also=(FULL,))


def _drafts(
    context: Context,
    command: RecordPosition,
    event_id: str | None,
    signer: str | None,
) -> PositionDrafts:
    """:func:`draft_position` in ``context``."""
    emits = judge(context, command)
    if not emits or not isinstance(emits[0].event, PositionRecorded):
        raise Refusal("procedure", "the command records no position")
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


def record_position(
    platform: Platform,
    command: RecordPosition,
    *,
    principal: str | None,
    event_id: str | None = None,
    signer: str | None = None,
    signature: str | None = None,
    today: date | None = None,
    clearance: Clearance = FULL,
) -> AppendResult:
    """Record a position, signed when ``signer`` and ``signature`` are given.

    Unsigned positions of a delegation with a registered key are refused
    (rule ``signature``), as are signatures that do not verify over the
    position the rule records. Judges the position and appends it with its
    consequences as one step, under the ledger's write lock, or appends
    nothing. ``clearance``: what the caller may read.
    """
    if (signer is None) != (signature is None):
        raise InvalidCommand("a signed position needs both 'signer' and 'signature'")
    if signature is not None and event_id is None:
        raise InvalidCommand(
            "a signed position needs the 'event_id' of the draft that was signed"
        )

    def decide(context: Context) -> list[EventDraft]:
        # Judged again under the append lock: the signature must verify over
        # the position the rules record now.
        drafts = _drafts(context, command, event_id, signer)
        position = drafts.position
        if signature is None:
            if drafts.keys:
                raise Refusal(
                    RULE,
                    f"{command.code} has a registered signing key "
                    f"({', '.join(drafts.keys)}): its positions must be signed",
                    "Get the draft from POST /api/v1/proposals/"
                    f"{command.proposal}/positions/draft, sign its bytes with the "
                    "key, and post the position with event_id, signer and "
                    "signature.",
                )
        else:
            assert signer is not None
            key = context.registry.keys.get(signer)
            if key is None or not verify_signature(
                key.public_key, position.signing_bytes(), signature
            ):
                raise Refusal(
                    RULE,
                    f"the signature does not verify with key {signer} over the "
                    f"position {command.code} takes on {command.proposal}",
                    "Sign exactly the bytes of the draft (signing_bytes_b64) and "
                    "post the same position, day and event_id.",
                )
            position = replace(position, signature=signature)
        return [position, *drafts.consequences]

    return append_judged(
        platform,
        decide,
        principal=principal,
        secretariat=False,
        today=today,
        clearance=clearance,
    )
