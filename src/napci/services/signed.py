"""Positions signed by the delegation that takes them.

A delegation whose own key binds it (registered and confirmed by the
delegation itself, not revoked: :mod:`napci.domain.key_requests`) signs its
own positions:
it asks for the draft of the event the rule of procedure would record
(:func:`draft_position`: the same payload, ``occurred_at`` the position's day,
an event id fixed in advance, the key as ``signer``), signs the draft's
:meth:`~napci.domain.envelope.EventDraft.signing_bytes` with its private key
(which never leaves it), and sends the signature back
(:func:`record_position`). The position is then judged again, under the
ledger's write lock, in the transaction that appends it: the signature must
verify, with the key the record registered, over the position the rules
record at that moment (and the ledger checks it once more as it appends).

Policy ``signature-required``: once a key binds a delegation, its unsigned
positions are refused. A key entered in its name by anyone else
(unconfirmed) makes nothing required, and a position signed with it is
refused. A signature that does not verify (tampered, over other content, or
by another delegation's key) is refused. A refusal appends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

from napci.domain.admission import AppendResult
from napci.domain.envelope import EventDraft
from napci.domain.events import PositionRecorded
from napci.domain.procedure import Context, RecordPosition, Refusal
from napci.domain.procedure.keys import binding_key, binding_keys
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
    clearance: Clearance = FULL,
) -> PositionDrafts:
    """Judge ``command`` and draft its events, the position for ``signer``
    (a preview: :func:`record_position` judges it again when it records).

    Raises :class:`Refusal` when the rules refuse the position, or when
    ``signer`` is not one of the keys that bind the delegation.
    ``secretariat`` and ``clearance``: the caller's capacity and what it may
    read (:func:`napci.services.procedure.context_for`).
    """

    def drafted(_registry: Registry) -> PositionDrafts:
        context = context_for(
            platform, today, secretariat=secretariat, clearance=clearance
        )
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
    clearance: Clearance = FULL,
) -> AppendResult:
    """Record a position, signed when ``signer`` and ``signature`` are given.

    Unsigned positions of a delegation that a key binds are refused
    (rule ``signature``), as are signatures that do not verify over the
    position the rule records. Judges the position and appends it with its
    consequences as one step, under the ledger's write lock, or appends
    nothing. ``secretariat`` and ``clearance``: the caller's capacity and
    what it may read.
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
                    f"{command.code} registered its own signing key "
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
        secretariat=secretariat,
        today=today,
        clearance=clearance,
    )
