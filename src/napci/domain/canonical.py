"""Canonical JSON and the hashing of ledger envelopes.

Canonical JSON here means: keys sorted, no insignificant white space, UTF-8,
non-ASCII characters kept as they are, and no floating-point NaN or infinity.
Two parties that hold the same events compute the same bytes and therefore the
same SHA-256 chain, whatever database or language they use.

The reference is :func:`canonical_json`, the standard library's encoder with
those settings. :func:`parse_canonical`, which the ledger runs on every
payload it is given, reaches the reference's verdict faster where it can (see
there).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

__all__ = [
    "GENESIS_HASH",
    "NotCanonicalError",
    "canonical_json",
    "parse_canonical",
    "sha256_hex",
]

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_SORTED = orjson.OPT_SORT_KEYS

#: The ``prev_hash`` of the first event: 64 zeros.
GENESIS_HASH = "0" * 64


class NotCanonicalError(ValueError):
    """JSON text that is valid but not in canonical form."""


def canonical_json(value: Any) -> str:
    """Serialise ``value`` to canonical JSON text.

    >>> canonical_json({"b": 1, "a": ["x", None]})
    '{"a":["x",null],"b":1}'
    """
    return _ENCODER.encode(value)


def parse_canonical(text: str) -> Any:
    """The value of ``text``, which must be canonical JSON.

    Raises :class:`json.JSONDecodeError` when ``text`` is not JSON at all,
    and :class:`NotCanonicalError` when it is JSON in another form (key
    order, white space, escapes, number spelling, NaN or infinity).

    The verdict is :func:`canonical_json`'s: ``text`` is canonical exactly
    when re-encoding its value gives ``text`` back. A fast encoder reaches
    the same verdict for values without floating-point numbers: on strings,
    integers, booleans, null, arrays and objects with sorted keys its compact
    output is the reference's, byte for byte (a property test holds it to
    that). So when its round trip gives ``text`` back and the value holds no
    float, ``text`` is canonical. Anything else (a float, a mismatch, text
    it will not read) is judged by the reference itself.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        pass  # the reference gives the verdict, and its own message
    else:
        if not _holds_float(value) and orjson.dumps(value, option=_SORTED) == (
            text.encode()
        ):
            return value
    value = json.loads(text)
    try:
        again = _ENCODER.encode(value)
    except ValueError:  # NaN or infinity, which json.loads accepts
        raise NotCanonicalError(
            "not in canonical JSON form (NaN and infinity have none)"
        ) from None
    if again != text:
        raise NotCanonicalError("not in canonical JSON form")
    return value


def _holds_float(value: Any) -> bool:
    """Whether parsed JSON ``value`` holds a floating-point number anywhere."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return kind is float
    stack = [value]
    while stack:
        node = stack.pop()
        for item in node.values() if type(node) is dict else node:
            kind = type(item)
            if kind is float:
                return True
            if kind is dict or kind is list:
                stack.append(item)
    return False


def sha256_hex(data: bytes) -> str:
    """Hex digest of SHA-256 over ``data``."""
    return hashlib.sha256(data).hexdigest()
