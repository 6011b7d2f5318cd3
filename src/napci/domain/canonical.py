"""Canonical JSON and the hashing of ledger envelopes.

Canonical JSON here means: keys sorted, no insignificant white space, UTF-8,
non-ASCII characters kept as they are, and no floating-point NaN or infinity.
Two parties that hold the same events compute the same bytes and therefore the
same SHA-256 chain, whatever database or language they use.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["GENESIS_HASH", "canonical_json", "sha256_hex"]

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)

#: The ``prev_hash`` of the first event: 64 zeros.
GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> str:
    """Serialise ``value`` to canonical JSON text.

    >>> canonical_json({"b": 1, "a": ["x", None]})
    '{"a":["x",null],"b":1}'
    """
    return _ENCODER.encode(value)


def sha256_hex(data: bytes) -> str:
    """Hex digest of SHA-256 over ``data``."""
    return hashlib.sha256(data).hexdigest()
