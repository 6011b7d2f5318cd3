"""A delegation's own signing keys (DESIGN §4 rule 0): the key request.

A key binds a delegation only when that delegation registered it itself:
its own authenticated user submitted it, and the key proved its possession.
``napci keys new ACTOR`` writes, beside the private key, a **key request**
(:class:`KeyRequest`): the key's public part, the delegation, the day, and
the two events it asks to record, each signed by the key itself:

- ``KeyRegistered``: the key is entered in the delegation's name. Whoever
  submits the request, this is recorded (a key entered by anyone else is
  visible, and flagged);
- ``KeyConfirmed``: the delegation confirms the key as its own. Recorded only
  when the delegation's own user submits the request
  (:func:`napci.domain.procedure.keys.judge_key_request`):
  a delegate (or an observer's user) of exactly that actor, never the
  secretariat (as which the command line acts without a token), another
  delegation, or anyone not signed in.

Only a confirmed, unrevoked key binds
(:attr:`napci.domain.process.KeyView.binds`): it makes the
delegation's signatures required and its signed acts accepted. An
unconfirmed key binds no one: a signature made with it is refused, and it
makes no signature required. Only the key's own delegation revokes it. The
rules are in :mod:`napci.domain.procedure.keys`.

The request is a self-describing JSON document (:meth:`KeyRequest.as_json`);
:func:`parse_key_request` accepts exactly the events the request's own
fields describe, with signatures that verify, and nothing else.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Final

from napci.domain.canonical import canonical_json
from napci.domain.envelope import EventDraft, format_timestamp
from napci.domain.events import KeyConfirmed, KeyRegistered
from napci.domain.signing import KeyPair, key_id_of, sign, verify_signature

__all__ = [
    "FORMAT",
    "VERSION",
    "KeyRequest",
    "KeyRequestError",
    "make_key_request",
    "parse_key_request",
]

FORMAT: Final = "napci-key-request"
VERSION: Final = 1

_FIELDS = frozenset(
    {"format", "version", "code", "key_id", "algorithm", "public_key", "on", "events"}
)
_EVENT_FIELDS = frozenset(
    {
        "id",
        "type",
        "version",
        "occurred_at",
        "actor",
        "classification",
        "payload",
        "signer",
        "signature",
    }
)
_CODE = re.compile(r"[A-Z][A-Z0-9+-]{1,15}")
_KEY_ID = re.compile(r"ed25519:[0-9a-f]{16}")
_PUBLIC_KEY = re.compile(r"[A-Za-z0-9+/]{43}=")


class KeyRequestError(ValueError):
    """A key request that is malformed, or whose events are not what it says."""


@dataclass(frozen=True, slots=True)
class KeyRequest:
    """A delegation's request to register (and confirm) its own signing key."""

    code: str
    key_id: str
    public_key: str
    on: date
    registration: EventDraft  # KeyRegistered, signed by the key
    confirmation: EventDraft  # KeyConfirmed, signed by the key

    @property
    def drafts(self) -> tuple[EventDraft, EventDraft]:
        """The two events, registration first."""
        return self.registration, self.confirmation

    def as_json(self) -> dict[str, Any]:
        """The request as JSON data (the file ``napci keys new`` writes)."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "code": self.code,
            "key_id": self.key_id,
            "algorithm": "ed25519",
            "public_key": self.public_key,
            "on": self.on.isoformat(),
            "events": [_event_json(d) for d in self.drafts],
        }


def _event_json(draft: EventDraft) -> dict[str, Any]:
    return {
        "id": draft.id,
        "type": draft.type,
        "version": draft.version,
        "occurred_at": draft.occurred_at,
        "actor": draft.actor,
        "classification": draft.classification,
        "payload": json.loads(draft.payload_json),
        "signer": draft.signer,
        "signature": draft.signature,
    }


def _unsigned(
    code: str, key_id: str, public_key: str, on: date, ids: tuple[str, str]
) -> tuple[EventDraft, EventDraft]:
    """The two drafts a request for these values holds, before signing."""
    occurred_at = format_timestamp(on)
    registered = KeyRegistered(
        code=code, key_id=key_id, public_key=public_key, registered_on=on
    )
    confirmed = KeyConfirmed(code=code, key_id=key_id, confirmed_on=on)

    def unsigned(event_id: str, event: KeyRegistered | KeyConfirmed) -> EventDraft:
        return EventDraft(
            id=event_id,
            type=event.type_name,
            version=event.version,
            occurred_at=occurred_at,
            actor=code,
            classification="public",
            payload_json=event.payload_json(),
            signer=key_id,
        )

    return unsigned(ids[0], registered), unsigned(ids[1], confirmed)


def make_key_request(pair: KeyPair, code: str, on: date) -> KeyRequest:
    """The request registering ``pair`` for ``code`` on ``on``, signed by it."""
    ids = (EventDraft.new_id(), EventDraft.new_id())
    drafts = _unsigned(code, pair.key_id, pair.public_key_b64, on, ids)
    registration, confirmation = (
        replace(d, signature=sign(pair, d.signing_bytes())) for d in drafts
    )
    return KeyRequest(
        code, pair.key_id, pair.public_key_b64, on, registration, confirmation
    )


def _text(data: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise KeyRequestError(f"the key request's {name!r} is missing or malformed")
    return value


def _canonical_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def parse_key_request(data: Any) -> KeyRequest:
    """The request in ``data`` (JSON data); :class:`KeyRequestError` unless it
    is exactly a request as :func:`make_key_request` makes one: its fields
    well formed, the key id that of the public key, its two events exactly
    those its fields describe, each signed by the key."""
    if not isinstance(data, dict):
        raise KeyRequestError("a key request is a JSON object")
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise KeyRequestError(
            f"not a key request: expected format {FORMAT!r}, version {VERSION}"
        )
    if set(data) != _FIELDS:
        extra = sorted(set(data) - _FIELDS)
        missing = sorted(_FIELDS - set(data))
        raise KeyRequestError(
            "the key request's fields are not the expected ones"
            + (f"; unknown: {', '.join(extra)}" if extra else "")
            + (f"; missing: {', '.join(missing)}" if missing else "")
        )
    code = _text(data, "code", _CODE)
    key_id = _text(data, "key_id", _KEY_ID)
    public_key = _text(data, "public_key", _PUBLIC_KEY)
    if data.get("algorithm") != "ed25519":
        raise KeyRequestError("the key request's algorithm must be 'ed25519'")
    try:
        if key_id_of(public_key) != key_id:
            raise KeyRequestError(
                f"key id {key_id} is not the id of the public key "
                f"({key_id_of(public_key)})"
            )
    except ValueError as exc:
        if isinstance(exc, KeyRequestError):
            raise
        raise KeyRequestError("the public key is not base64") from None
    on_text = data.get("on")
    try:
        if not isinstance(on_text, str) or len(on_text) != 10:
            raise ValueError(on_text)
        on = date.fromisoformat(on_text)
    except ValueError:
        raise KeyRequestError(
            "the key request's 'on' is not a day (YYYY-MM-DD)"
        ) from None
    events = data.get("events")
    if not isinstance(events, list) or len(events) != 2:
        raise KeyRequestError(
            "a key request holds two events: KeyRegistered, then KeyConfirmed"
        )
    ids: list[str] = []
    for event in events:
        if not isinstance(event, dict) or set(event) != _EVENT_FIELDS:
            raise KeyRequestError(
                "each event of a key request has exactly the fields "
                + ", ".join(sorted(_EVENT_FIELDS))
            )
        if not _canonical_uuid(event["id"]):
            raise KeyRequestError("an event id must be a UUID in its 36-character form")
        ids.append(event["id"])
    if ids[0] == ids[1]:
        raise KeyRequestError("the two events of a key request have the same id")
    expected = _unsigned(code, key_id, public_key, on, (ids[0], ids[1]))
    signed: list[EventDraft] = []
    for event, draft in zip(events, expected, strict=True):
        try:
            payload_json = canonical_json(event["payload"])
        except (TypeError, ValueError):
            payload_json = None
        given = (
            event["type"],
            event["version"],
            event["occurred_at"],
            event["actor"],
            event["classification"],
            payload_json,
            event["signer"],
        )
        wanted = (
            draft.type,
            draft.version,
            draft.occurred_at,
            draft.actor,
            draft.classification,
            draft.payload_json,
            draft.signer,
        )
        if given != wanted:
            raise KeyRequestError(
                f"the request's {draft.type} event is not the one its fields "
                f"describe (code {code}, key {key_id}, on {on.isoformat()})"
            )
        signature = event["signature"]
        if not isinstance(signature, str) or not verify_signature(
            public_key, draft.signing_bytes(), signature
        ):
            raise KeyRequestError(
                f"the request's {draft.type} event is not signed by key {key_id} "
                "(proof of possession)"
            )
        signed.append(replace(draft, signature=signature))
    return KeyRequest(code, key_id, public_key, on, signed[0], signed[1])
