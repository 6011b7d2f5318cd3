"""The rules of a delegation's own signing keys (DESIGN §4 rule 0).

A key binds a delegation only when that delegation registered it itself. A
key request (:mod:`napci.domain.key_requests`) is recorded whoever submits
it, but its confirmation only when the delegation's own authenticated user
does (:func:`judge_key_request`): a delegate (or an observer's user) of
exactly that actor, never the secretariat, another delegation or the command
line's operator. Only a confirmed, unrevoked key binds
(:attr:`~napci.domain.process.KeyView.binds`): it makes the delegation's
signatures required and its signed acts accepted; an unconfirmed key binds
no one, and a signature made with it is refused (:func:`binding_key`). Only
a key's own delegation revokes it (:func:`judge_key_revocation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from napci.domain.envelope import EventDraft
from napci.domain.events import KeyRevoked
from napci.domain.key_requests import KeyRequest
from napci.domain.procedure.base import Emit, Refusal, require
from napci.domain.process import KeyView
from napci.domain.registry import Registry

__all__ = [
    "RULE",
    "SUBMIT",
    "KeyVerdict",
    "binding_key",
    "binding_keys",
    "capacity",
    "judge_key_request",
    "judge_key_revocation",
]

#: The rule of a key's registration, confirmation and revocation.
RULE: Final = "own-key"
#: How a delegation submits its own key request.
SUBMIT: Final = (
    "submits its key request with its own token: POST /api/v1/keys, or "
    "'napci keys register FILE --token TOKEN'"
)


# -- who submits ---------------------------------------------------------------


def capacity(by: str | None, secretariat: bool) -> str:
    """Who submits, in words: the secretariat, a delegation, or someone no
    user signs in as (``by`` None)."""
    if by is None:
        return "someone not signed in (no delegation's token)"
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
    entered = None if actor is None else actor.registered_on
    require(
        entered is None or on >= entered,
        "no-backdating",
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
    authenticated user acts for; None when no user signs in) in
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
                f"Nothing is left to record: the key binds {code}. To replace it, "
                f"make a new key with 'napci keys new {code}', submit it, and "
                f"revoke this one.",
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
        f"{key_id} --token TOKEN'.",
    )
    if key.revoked:
        bind = binding_keys(registry, key.code)
        now = (
            f"The keys that still bind {key.code}: {', '.join(bind)}."
            if bind
            else f"No key binds {key.code} now: its positions need no signature."
        )
        raise Refusal(
            RULE,
            f"key {key_id} was revoked on {_day(key.revoked_on)} already",
            f"Nothing is left to revoke: it signs nothing since. {now}",
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
