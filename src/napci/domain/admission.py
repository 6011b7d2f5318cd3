"""The ledger's door: what a draft must be to be appended, and how appended
events are numbered and chained.

Pure rules, no storage: :class:`napci.adapters.db.SqlLedger` applies them
inside its append transaction, and the command line and the services import
the errors and :class:`AppendResult` from here without loading a database
driver.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from napci.domain.canonical import NotCanonicalError, parse_canonical
from napci.domain.chain import KEY_TYPES, KeyRing
from napci.domain.envelope import (
    CLASSIFICATIONS,
    EventDraft,
    RecordedEvent,
    envelope_hash,
    parse_timestamp,
)
from napci.domain.text import REMEDY, first_unstorable

__all__ = [
    "UUID_PATTERN",
    "AppendResult",
    "ChainBuilder",
    "IdConflictError",
    "LedgerError",
    "check_draft_after_id",
    "check_id",
    "check_keys",
    "is_canonical_uuid",
    "refused",
    "same_content",
    "seen_before",
]


class LedgerError(ValueError):
    """An append or import was refused; nothing was written."""


class IdConflictError(LedgerError):
    """An event id is already recorded with different content."""


@dataclass(frozen=True)
class AppendResult:
    """What an append did: the events it recorded and the ids it already had."""

    rows: tuple[tuple[Any, ...], ...] = field(repr=False)
    already_recorded: tuple[str, ...]
    head_seq: int
    head_hash: str

    @cached_property
    def recorded(self) -> tuple[RecordedEvent, ...]:
        """The events recorded, in seq order (built when first asked for: a
        bulk load that never looks saves an object per event)."""
        return tuple(RecordedEvent(*row) for row in self.rows)


def same_content(draft: EventDraft, row: Sequence[Any]) -> bool:
    # row: a stored event's columns in _COLUMNS order
    return bool(
        draft.type == row[2]
        and draft.version == row[3]
        and draft.occurred_at == row[4]
        and draft.actor == row[6]
        and draft.classification == row[8]
        and draft.payload_json == row[9]
        and draft.signer == row[10]
        and draft.signature == row[11]
    )


_ACTOR = re.compile(r"[A-Z][A-Z0-9+-]{1,15}")


#: A UUID in its canonical lower-case 36-character form.
UUID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def is_canonical_uuid(value: object) -> bool:
    """Whether ``value`` is a UUID in its canonical lower-case 36-character form
    (exactly the strings ``str(uuid.UUID(value)) == value`` accepts)."""
    return isinstance(value, str) and UUID_PATTERN.fullmatch(value) is not None


def check_id(draft: EventDraft) -> None:
    """Refuse a draft whose id is not a UUID in its canonical form."""
    if not is_canonical_uuid(draft.id):
        raise refused(draft, "id must be a UUID in its 36-character form")


def check_draft_after_id(draft: EventDraft) -> dict[str, Any]:
    """Refuse a draft whose envelope or payload is invalid (its id checked
    before, by :func:`check_id`); return its payload."""
    if draft.actor is not None and not _ACTOR.fullmatch(draft.actor):
        raise refused(draft, f"actor {draft.actor!r} is not an actor code")
    if draft.classification not in CLASSIFICATIONS:
        raise refused(
            draft,
            f"classification {draft.classification!r} is not one of "
            f"{', '.join(CLASSIFICATIONS)}",
        )
    try:
        parse_timestamp(draft.occurred_at)
    except ValueError as exc:
        raise refused(draft, f"occurred_at: {exc}") from None
    try:
        payload = parse_canonical(draft.payload_json)
    except NotCanonicalError as exc:
        raise refused(draft, f"payload is {exc}") from None
    except json.JSONDecodeError as exc:
        raise refused(draft, f"payload is not JSON: {exc}") from None
    if _MAYBE_UNSTORABLE.search(draft.payload_json) is not None:
        found = first_unstorable(payload)
        if found is not None:
            raise refused(draft, f"payload field {found[0]} {found[1]}: {REMEDY}")
    # the payload models are read only when something is appended
    from napci.domain.events import PayloadError, parse_payload

    try:
        parse_payload(draft.type, draft.version, payload)
    except PayloadError as exc:
        raise refused(draft, str(exc)) from None
    if not isinstance(payload, dict):
        raise refused(draft, "payload must be a JSON object")
    return payload


#: What canonical JSON text shows of a NUL (escaped) or a lone surrogate (as
#: itself): a cheap test of every payload before the exact one (a literal
#: backslash before "u0000" matches too, and passes the exact one).
_MAYBE_UNSTORABLE = re.compile("\\\\u0000|[\ud800-\udfff]")


def refused(draft: EventDraft, problem: str) -> LedgerError:
    return LedgerError(f"event {draft.id} ({draft.type}): {problem}")


def seen_before(
    draft: EventDraft,
    existing: dict[str, tuple[Any, ...]],
    in_batch: dict[str, EventDraft],
) -> bool:
    """Whether ``draft`` is already recorded, or earlier in its batch.

    The same id with other content refuses the batch (:class:`IdConflictError`).
    """
    row = existing.get(draft.id)
    if row is not None:
        if not same_content(draft, row):
            raise IdConflictError(
                f"event id {draft.id} is already recorded at seq {row[0]} "
                "with different content"
            )
        return True
    twin = in_batch.get(draft.id)
    if twin is None:
        return False
    if twin != draft:
        raise IdConflictError(
            f"event id {draft.id} appears twice in the batch with different content"
        )
    return True


def check_keys(keys: KeyRing, draft: EventDraft, payload: dict[str, Any]) -> None:
    """Refuse a key event the ring does not allow, or a signature it refutes."""
    if draft.type in KEY_TYPES:
        problem = keys.key_event_problem(draft.type, draft.actor, payload, draft.signer)
        if problem is not None:
            raise refused(draft, problem)
    if draft.signer is not None or draft.signature is not None:
        problem = keys.problem(
            type_=draft.type,
            actor=draft.actor,
            payload=payload,
            signer=draft.signer,
            signature=draft.signature,
            message=draft.signing_bytes(),
        )
        if problem is not None:
            raise refused(draft, problem)


class ChainBuilder:
    """Numbers and chains the drafts of one append after the head."""

    __slots__ = ("prev", "principal", "recorded_at", "rows", "seq")

    def __init__(
        self, seq: int, prev: str, recorded_at: str, principal: str | None
    ) -> None:
        self.seq, self.prev = seq, prev
        self.recorded_at, self.principal = recorded_at, principal
        self.rows: list[tuple[Any, ...]] = []

    def add(self, draft: EventDraft) -> tuple[Any, ...]:
        """The next row (in _COLUMNS order) for ``draft``."""
        self.seq += 1
        envelope = (  # in RecordedEvent field order
            self.seq,
            draft.id,
            draft.type,
            draft.version,
            draft.occurred_at,
            self.recorded_at,
            draft.actor,
            self.principal,
            draft.classification,
            draft.payload_json,
            draft.signer,
            draft.signature,
            self.prev,
        )
        self.prev = envelope_hash(*envelope)
        row = (*envelope, self.prev)
        self.rows.append(row)
        return row
