"""A delegation's own signing keys (DESIGN §4 rule 0): requests and rules.

A key binds a delegation only when that delegation registered it itself:
its own authenticated user submitted it, and the key proved its possession.
``napci keys new ACTOR`` writes, beside the private key, a **key request**
(:class:`KeyRequest`): the key's public part, the delegation, the day, and
the two events it asks to record, each signed by the key itself:

- ``KeyRegistered``: the key is entered in the delegation's name. Whoever
  submits the request, this is recorded (a key entered by anyone else is
  visible, and flagged);
- ``KeyConfirmed``: the delegation confirms the key as its own. Recorded only
  when the delegation's own user submits the request (:func:`judge_key_request`):
  a delegate (or an observer's user) of exactly that actor, never the
  secretariat, another delegation or the command line's operator.

Only a confirmed, unrevoked key binds (:attr:`KeyView.binds`): it makes the
delegation's signatures required and its signed acts accepted. An
unconfirmed key binds no one: a signature made with it is refused
(:func:`binding_key`), and it makes no signature required. Only the key's
own delegation revokes it (:func:`judge_key_revocation`).

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
from napci.domain.events import KeyConfirmed, KeyRegistered, KeyRevoked
from napci.domain.procedure.base import Emit, Refusal, require
from napci.domain.process import KeyView
from napci.domain.registry import Registry
from napci.domain.signing import KeyPair, key_id_of, sign, verify_signature

__all__ = [
    "FORMAT",
    "SUBMIT",
    "VERSION",
    "KeyRequest",
    "KeyRequestError",
    "KeyVerdict",
    "binding_key",
    "binding_keys",
    "capacity",
    "judge_key_request",
    "judge_key_revocation",
    "make_key_request",
    "parse_key_request",
]

FORMAT: Final = "napci-key-request"
VERSION: Final = 1

#: The rule of a key's registration, confirmation and revocation.
RULE: Final = "own-key"
#: How a delegation submits its own key request.
SUBMIT: Final = (
    "submits its key request with its own token: POST /api/v1/keys, or "
    "'napci keys register FILE --server URL --token TOKEN'"
)

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


# -- who submits ---------------------------------------------------------------


def capacity(by: str | None, secretariat: bool) -> str:
    """Who submits, in words: the secretariat, a delegation, or the command
    line's operator (``by`` None: no authenticated user)."""
    if by is None:
        return "the command line's operator (no delegation's token)"
    if secretariat:
        return "the secretariat"
    return f"{by}'s delegation"


def _own(code: str, by: str | None, secretariat: bool) -> bool:
    """Whether the submitter is ``code``'s own delegation: an authenticated
    user acting for exactly that actor, not as the secretariat."""
    return by == code and not secretariat


# -- the rules -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyVerdict:
    """What a key request records, and what the key is once it is recorded."""

    drafts: tuple[EventDraft, ...]
    confirmed: bool  # the key binds its delegation once these are recorded
    own: bool  # submitted by the delegation itself
    note: str  # what the submitter should know


def _check_day(registry: Registry, code: str, on: date, today: date, what: str) -> None:
    require(
        on <= today,
        "no-future",
        f"{what} is dated {on.isoformat()}, after today ({today.isoformat()})",
        "Date it today or earlier.",
    )
    actor = registry.actors.get(code)
    entered = None if actor is None else actor.entered_on
    require(
        entered is None or on >= entered,
        "in-record",
        f"{what} is dated {on.isoformat()}, before {code} entered the record "
        f"({entered.isoformat() if entered else ''})",
        f"Date it on or after {entered.isoformat() if entered else ''}.",
    )


def judge_key_request(
    registry: Registry,
    request: KeyRequest,
    *,
    by: str | None,
    secretariat: bool,
    today: date,
    recorded: frozenset[str] = frozenset(),
) -> KeyVerdict:
    """What recording ``request`` appends, submitted by ``by`` (the actor the
    authenticated user acts for; None for the command line's operator) in
    the capacity ``secretariat``; raises :class:`Refusal`.

    The registration is recorded whoever submits it; the confirmation only
    when the delegation itself does. ``recorded``: which of the request's
    event ids the record already holds (submitting the same request again
    records nothing new, and is no refusal).
    """
    code, key_id, on = request.code, request.key_id, request.on
    require(
        code in registry.actors,
        "registry",
        f"{code} is not in the record",
        "Make the key for an actor of the record ('napci actors' lists them).",
    )
    _check_day(registry, code, on, today, f"the key request for {code}")
    own = _own(code, by, secretariat)
    renew = f"Make a new key for {code} with 'napci keys new {code}' and submit it."
    key = registry.keys.get(key_id)
    if key is not None:
        require(
            key.code == code,
            RULE,
            f"key {key_id} is registered to {key.code}, not to {code}",
            f"A key belongs to one delegation. {renew}",
        )
        require(
            not key.revoked,
            RULE,
            f"key {key_id} of {code} was revoked on {_day(key.revoked_on)}",
            f"A revoked key never binds again. {renew}",
        )
        if own and not key.confirmed:
            require(
                key.registered_on is None or on >= key.registered_on,
                RULE,
                f"the confirmation of key {key_id} is dated {on.isoformat()}, "
                f"before the key was registered ({_day(key.registered_on)})",
                f"Make a request for the key dated on or after "
                f"{_day(key.registered_on)} with 'napci keys request KEYFILE "
                f"--actor {code} --on DAY'.",
            )
    registration, confirmation = request.drafts
    register = key is None or registration.id in recorded
    confirm = own and (key is None or not key.confirmed or confirmation.id in recorded)
    drafts = tuple(
        d for d, wanted in ((registration, register), (confirmation, confirm)) if wanted
    )
    confirmed = own or (key is not None and key.confirmed)
    if not drafts:
        if key is not None and key.confirmed:
            raise Refusal(
                RULE,
                f"key {key_id} is already registered and confirmed for {code}",
                f"Nothing to record: the key binds {code}. To replace it, make a "
                f"new key and revoke this one.",
            )
        raise Refusal(
            RULE,
            f"key {key_id} is already in the record for {code}, unconfirmed; "
            f"{capacity(by, secretariat)} cannot confirm it",
            f"Only {code}'s own delegation confirms its key: it {SUBMIT}.",
        )
    if confirmed:
        note = f"Key {key_id} binds {code}: its positions are signed with its keys."
    else:
        note = (
            f"Recorded unconfirmed: key {key_id} was entered in {code}'s name by "
            f"{capacity(by, secretariat)}, not by {code}'s own delegation. It "
            f"binds no one until {code}'s delegation {SUBMIT}."
        )
    return KeyVerdict(drafts, confirmed, own, note)


def _day(value: date | None) -> str:
    return "an unknown day" if value is None else value.isoformat()


def judge_key_revocation(
    registry: Registry,
    key_id: str,
    *,
    by: str | None,
    secretariat: bool,
    on: date,
    today: date,
    reason: str | None = None,
) -> Emit:
    """The revocation of ``key_id`` by ``by``; raises :class:`Refusal`.

    Only the key's own delegation revokes it, confirmed or not. The
    secretariat does not: an unconfirmed key binds no one, so there is
    nothing for it to undo, and revoking a delegation's confirmed key would
    lift the delegation's signature requirement without its own act.
    """
    key = registry.keys.get(key_id)
    require(
        key is not None,
        RULE,
        f"key {key_id} is not registered",
        "Name a key of the record: a delegation's page (/participants/CODE) "
        "lists its keys.",
    )
    assert key is not None
    require(
        _own(key.code, by, secretariat),
        RULE,
        f"key {key_id} is {key.code}'s; {capacity(by, secretariat)} cannot revoke it",
        f"Only {key.code}'s own delegation revokes its keys, with its own "
        f"token: POST /api/v1/keys/{key_id}/revoke, or 'napci keys revoke "
        f"{key_id} --server URL --token TOKEN'.",
    )
    require(
        not key.revoked,
        RULE,
        f"key {key_id} was revoked on {_day(key.revoked_on)} already",
        "Nothing to record.",
    )
    _check_day(registry, key.code, on, today, f"the revocation of key {key_id}")
    require(
        key.registered_on is None or on >= key.registered_on,
        RULE,
        f"the revocation of key {key_id} is dated {on.isoformat()}, before the "
        f"key was registered ({_day(key.registered_on)})",
        f"Date it on or after {_day(key.registered_on)}.",
    )
    event = KeyRevoked(code=key.code, key_id=key_id, revoked_on=on, reason=reason)
    return Emit(event, on, key.code)


# -- signing -------------------------------------------------------------------


def binding_keys(registry: Registry, code: str) -> tuple[str, ...]:
    """The ids of the keys that bind ``code`` (confirmed by it, not revoked),
    in the order they were confirmed: the newest last."""
    keys = [k for k in registry.keys.values() if k.code == code and k.binds]
    keys.sort(key=lambda k: k.confirmed_seq or 0)
    return tuple(k.key_id for k in keys)


def binding_key(registry: Registry, key_id: str, code: str | None = None) -> KeyView:
    """The key ``key_id`` if it binds (``code``'s, when given); otherwise
    :class:`Refusal` (rule ``signature``) saying why and what would do."""
    key = registry.keys.get(key_id)
    if key is None:
        reason = f"key {key_id} is not registered"
        remedy = (
            f"Make a key with 'napci keys new {code or 'CODE'}'; its delegation "
            f"{SUBMIT}."
        )
    elif key.revoked:
        reason = f"key {key_id} was revoked on {_day(key.revoked_on)}"
        remedy = _known(registry, code or key.code)
    elif code is not None and key.code != code:
        reason = f"key {key_id} belongs to {key.code}, not to {code}"
        remedy = _known(registry, code)
    elif not key.confirmed:
        reason = (
            f"key {key_id} is unconfirmed: it was entered in {key.code}'s name by "
            f"someone other than {key.code}'s delegation and binds no one"
        )
        remedy = f"If the key is {key.code}'s own, its delegation {SUBMIT}."
    else:
        return key
    raise Refusal("signature", reason, remedy)


def _known(registry: Registry, code: str) -> str:
    keys = binding_keys(registry, code)
    if keys:
        return f"Keys that bind {code}: {', '.join(keys)}."
    return f"{code} has no key that binds it: its delegation {SUBMIT}."
