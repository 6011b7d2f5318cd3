"""Ed25519 keys and signatures for delegations.

A key is identified by ``ed25519:`` and the first 16 hex digits of the SHA-256
of its 32 raw public bytes. Private keys are kept by their delegation in PKCS#8
PEM files; the ledger only ever holds public keys.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from napci.domain.canonical import sha256_hex

__all__ = [
    "KeyPair",
    "generate_key_pair",
    "key_id_of",
    "load_private_key",
    "sign",
    "verify_signature",
]


def key_id_of(public_key_b64: str) -> str:
    """The key id of a base64 public key."""
    raw = base64.b64decode(public_key_b64, validate=True)
    return "ed25519:" + sha256_hex(raw)[:16]


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A delegation's key pair, ready to sign."""

    private_key: Ed25519PrivateKey
    public_key_b64: str
    key_id: str

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _pair(private_key: Ed25519PrivateKey) -> KeyPair:
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    public_b64 = base64.b64encode(raw).decode("ascii")
    return KeyPair(private_key, public_b64, key_id_of(public_b64))


def generate_key_pair() -> KeyPair:
    """A fresh Ed25519 key pair."""
    return _pair(Ed25519PrivateKey.generate())


def load_private_key(pem: bytes) -> KeyPair:
    """Load a PKCS#8 PEM private key; :class:`ValueError` if it is not Ed25519."""
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the key file does not hold an Ed25519 private key")
    return _pair(key)


def sign(pair: KeyPair, message: bytes) -> str:
    """A base64 Ed25519 signature over ``message``."""
    return base64.b64encode(pair.private_key.sign(message)).decode("ascii")


def verify_signature(public_key_b64: str, message: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` is a valid signature over ``message``."""
    try:
        public = Ed25519PublicKey.from_public_bytes(
            base64.b64decode(public_key_b64, validate=True)
        )
        public.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True
