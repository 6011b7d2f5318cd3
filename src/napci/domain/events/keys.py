"""Delegation keys: registered in the ledger, used to verify signatures (DESIGN §3).

A key is *registered* by an event its own key signs (proof of possession),
whoever entered it; it *binds* its delegation (its signatures required, its
signed acts accepted) only once the delegation's own authenticated user has
confirmed it (:class:`KeyConfirmed`, DESIGN §4 rule 0), and until it is
revoked.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from napci.domain.events.base import Event, register
from napci.domain.values import ActorCode

__all__ = ["KeyConfirmed", "KeyRegistered", "KeyRevoked"]


@register
class KeyRegistered(Event):
    """A delegation's Ed25519 public key was registered for signing its events."""

    code: ActorCode
    key_id: str = Field(pattern=r"^ed25519:[0-9a-f]{16}$")
    algorithm: Literal["ed25519"] = "ed25519"
    public_key: str = Field(
        pattern=r"^[A-Za-z0-9+/]{43}=$", description="32 raw bytes, base64"
    )
    registered_on: date


@register
class KeyConfirmed(Event):
    """A delegation confirmed a key registered in its name as its own: it binds it."""

    code: ActorCode
    key_id: str = Field(pattern=r"^ed25519:[0-9a-f]{16}$")
    confirmed_on: date


@register
class KeyRevoked(Event):
    """A delegation's key was revoked; later events signed with it fail verification."""

    code: ActorCode
    key_id: str = Field(pattern=r"^ed25519:[0-9a-f]{16}$")
    revoked_on: date
    reason: str | None = None
