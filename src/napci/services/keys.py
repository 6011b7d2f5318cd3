"""A delegation's own signing keys: key files, requests, registration, revocation.

A delegation makes its key on its own machine (:func:`write_key_files`: the
private key, mode 0600, never stored in the record, and the key request
beside it) and submits the request with its own token
(:func:`submit_key_request`, behind ``POST /api/v1/keys``). Whether the key
binds the delegation is for the rules to say
(:func:`napci.domain.key_requests.judge_key_request`): only when the
delegation itself submitted it. A refusal appends nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from napci.domain.admission import AppendResult
from napci.domain.key_requests import (
    KeyRequest,
    KeyRequestError,
    make_key_request,
    parse_key_request,
)
from napci.domain.procedure.keys import judge_key_request, judge_key_revocation
from napci.domain.registry import Registry
from napci.domain.signing import KeyPair, generate_key_pair
from napci.services.drafting import draft

if TYPE_CHECKING:
    from napci.services.platform import Platform

__all__ = [
    "KeyFiles",
    "KeySubmission",
    "read_key_request",
    "revoke_key",
    "submit_key_request",
    "write_key_files",
    "write_key_request",
]


@dataclass(frozen=True, slots=True)
class KeyFiles:
    """What ``napci keys new`` wrote."""

    pair: KeyPair
    key_path: Path
    request_path: Path
    request: KeyRequest


def _write_private(path: Path, pem: bytes) -> None:
    """Write ``pem`` to ``path`` with mode 0600 (the file appears whole)."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_key_request(request: KeyRequest, path: Path) -> None:
    """Write ``request`` as JSON to ``path`` (the file appears whole)."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_text(
            json.dumps(request.as_json(), indent=2) + "\n", encoding="utf-8"
        )
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_key_files(code: str, out_dir: Path, on: date) -> KeyFiles:
    """A new key pair for ``code``: ``OUT/CODE-HEX.key`` (the private key,
    mode 0600) and ``OUT/CODE-HEX.request.json`` (its request, dated ``on``).

    Touches no record: the delegation submits the request itself.
    """
    pair = generate_key_pair()
    request = make_key_request(pair, code, on)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{code}-{pair.key_id.split(':')[1]}"
    key_path = out_dir / f"{stem}.key"
    request_path = out_dir / f"{stem}.request.json"
    _write_private(key_path, pair.private_pem())
    try:
        write_key_request(request, request_path)
    except BaseException:
        key_path.unlink(missing_ok=True)
        raise
    return KeyFiles(pair, key_path, request_path, request)


def read_key_request(path: Path) -> KeyRequest:
    """The key request in the file at ``path``; :class:`KeyRequestError` if
    it is not one (:class:`OSError` if it cannot be read)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeyRequestError(f"{path} is not JSON: {exc}") from None
    return parse_key_request(data)


@dataclass(frozen=True, slots=True)
class KeySubmission:
    """What submitting a key request did."""

    result: AppendResult
    code: str
    key_id: str
    confirmed: bool  # the key binds its delegation
    note: str


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


def submit_key_request(
    platform: Platform,
    request: KeyRequest,
    *,
    principal: str | None,
    by: str | None,
    secretariat: bool,
    today: date | None = None,
    registry: Registry | None = None,
) -> KeySubmission:
    """Record what ``request`` brings about, submitted by ``by`` (the actor
    of the authenticated user; None when no user signs in) in the
    capacity ``secretariat``: the key registered, and confirmed when ``by``
    is its own delegation. Raises :class:`~napci.domain.procedure.Refusal`;
    a refusal appends nothing."""
    registry = platform.registry() if registry is None else registry
    recorded = frozenset(
        d.id for d in request.drafts if platform.ledger.get(d.id) is not None
    )
    verdict = judge_key_request(
        registry,
        request,
        by=by,
        secretariat=secretariat,
        today=_today(today),
        recorded=recorded,
    )
    result = platform.append(list(verdict.drafts), principal=principal)
    return KeySubmission(
        result, request.code, request.key_id, verdict.confirmed, verdict.note
    )


def revoke_key(
    platform: Platform,
    key_id: str,
    *,
    principal: str | None,
    by: str | None,
    secretariat: bool,
    on: date | None = None,
    reason: str | None = None,
    today: date | None = None,
    registry: Registry | None = None,
) -> AppendResult:
    """Revoke ``key_id`` on behalf of its own delegation (``by``); raises
    :class:`~napci.domain.procedure.Refusal` for anyone else."""
    registry = platform.registry() if registry is None else registry
    day = _today(today)
    emit = judge_key_revocation(
        registry,
        key_id,
        by=by,
        secretariat=secretariat,
        on=on or day,
        today=day,
        reason=reason,
    )
    drafted = draft(
        emit.event, occurred_at=emit.on, actor=emit.actor, classification="public"
    )
    result: AppendResult = platform.append([drafted], principal=principal)
    return result
