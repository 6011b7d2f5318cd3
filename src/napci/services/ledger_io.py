"""Export the ledger to JSON Lines, and import such an export.

The export's first line is a header naming the format, the number of events
and the head hash; every further line is one recorded event, envelope and
payload, in ``seq`` order. An import reads the whole file and checks every line
(its form, its payload's schema, the chain and the signatures) before it
writes anything; then it appends, in one transaction, the events this database
does not hold yet. A database whose record is not a prefix of the export's
refuses it: a ledger is never rewritten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from napci.adapters.db.ledger import SqlLedger
from napci.domain.admission import LedgerError, is_canonical_uuid
from napci.domain.canonical import canonical_json
from napci.domain.chain import ChainVerifier
from napci.domain.envelope import RecordedEvent, format_timestamp, parse_timestamp
from napci.domain.events import PayloadError, parse_payload
from napci.domain.text import first_unstorable

__all__ = [
    "FORMAT",
    "CheckedExport",
    "ImportError_",
    "ImportResult",
    "check_export",
    "export_ledger",
    "import_ledger",
]

FORMAT = "napci-ledger"
FORMAT_VERSION = 1

_FIELDS: dict[str, type | tuple[type, ...]] = {
    "seq": int,
    "id": str,
    "type": str,
    "version": int,
    "occurred_at": str,
    "recorded_at": str,
    "actor": (str, type(None)),
    "principal": (str, type(None)),
    "classification": str,
    "payload": dict,
    "signer": (str, type(None)),
    "signature": (str, type(None)),
    "prev_hash": str,
    "hash": str,
}


class ImportError_(LedgerError):
    """An export was refused; nothing was appended."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did."""

    events_in_file: int
    already_held: int
    appended: int
    head_seq: int
    head_hash: str


def export_ledger(ledger: SqlLedger, out: TextIO) -> tuple[int, str]:
    """Write the whole ledger to ``out``; return (events, head hash).

    The header's head is read first and the events up to it are streamed,
    so appends that land during the export are simply not part of it.
    """
    head_seq, head_hash = ledger.head()
    header = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "events": head_seq,
        "head": head_hash,
        "exported_at": format_timestamp(datetime.now(UTC)),
    }
    out.write(canonical_json(header) + "\n")
    for event in ledger.iter_events(upto=head_seq):
        out.write(canonical_json(event.to_json_dict()) + "\n")
    return head_seq, head_hash


def _event_from_line(number: int, line: str) -> RecordedEvent:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ImportError_(f"line {number}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ImportError_(f"line {number}: an event must be a JSON object")
    missing = sorted(set(_FIELDS) - set(data))
    extra = sorted(set(data) - set(_FIELDS))
    if missing or extra:
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unexpected {', '.join(extra)}" if extra else "",
            )
            if part
        )
        raise ImportError_(f"line {number}: {detail}")
    for name, kind in _FIELDS.items():
        value = data[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ImportError_(f"line {number}: field {name!r} has the wrong type")
    if not is_canonical_uuid(data["id"]):
        raise ImportError_(f"line {number}: id {data['id']!r} is not a canonical UUID")
    for name in ("occurred_at", "recorded_at"):
        try:
            parse_timestamp(data[name])
        except ValueError as exc:
            raise ImportError_(f"line {number}: {name}: {exc}") from None
    found = first_unstorable(data)
    if found is not None:
        raise ImportError_(
            f"line {number}: event {data['id']} ({data['type']}): field "
            f"{found[0]} {found[1]}; the export cannot be imported as it is"
        )
    try:
        parse_payload(data["type"], data["version"], data["payload"])
    except PayloadError as exc:
        raise ImportError_(f"line {number}: {exc}") from None
    return RecordedEvent(
        seq=data["seq"],
        id=data["id"],
        type=data["type"],
        version=data["version"],
        occurred_at=data["occurred_at"],
        recorded_at=data["recorded_at"],
        actor=data["actor"],
        principal=data["principal"],
        classification=data["classification"],
        payload_json=canonical_json(data["payload"]),
        signer=data["signer"],
        signature=data["signature"],
        prev_hash=data["prev_hash"],
        hash=data["hash"],
    )


def _read_header(number: int, line: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except json.JSONDecodeError:
        header = None
    if (
        not isinstance(header, dict)
        or header.get("format") != FORMAT
        or not isinstance(header.get("events"), int)
        or not isinstance(header.get("head"), str)
    ):
        raise ImportError_(
            f"line {number}: not a napci ledger export (the first line must be "
            f'its header, {{"format":"{FORMAT}",...}})'
        )
    if header.get("version") != FORMAT_VERSION:
        raise ImportError_(
            f"line {number}: export format version {header.get('version')!r} "
            f"is not supported (this napci reads version {FORMAT_VERSION})"
        )
    return header


def _events(path: Path) -> Iterator[tuple[int, RecordedEvent]]:
    with path.open(encoding="utf-8") as lines:
        next(lines, None)
        for number, line in enumerate(lines, start=2):
            if not line.endswith("\n"):
                raise ImportError_(
                    f"line {number}: the last line is cut short (truncated file)"
                )
            yield number, _event_from_line(number, line)


def _verified_again(
    path: Path, after: int, prior: str, head: str
) -> Iterator[RecordedEvent]:
    """The events after ``after``, checked again as they are written.

    The file is read twice (a million events do not fit in memory); this
    second reading is verified as strictly as the first, so a file changed
    between the two readings is refused, inside the writing transaction.
    The event at ``after`` must be the database's head (``prior``): a ledger
    is never rewritten.
    """
    verifier = ChainVerifier()
    for number, event in _events(path):
        if not verifier.feed(event):
            raise ImportError_(
                f"line {number}: seq {verifier.first_bad_seq}: {verifier.problem} "
                "(the file changed while it was imported)"
            )
        if event.seq == after and event.hash != prior:
            raise ImportError_(_rewritten(number, after))
        if event.seq > after:
            yield event
    if verifier.head != head:
        raise ImportError_("the file changed while it was imported")


def _rewritten(number: int, seq: int) -> str:
    return (
        f"line {number}: this database's event {seq} differs from the export's; "
        "a ledger is never rewritten"
    )


@dataclass(frozen=True, slots=True)
class CheckedExport:
    """An export read whole and found sound: how many events, which head."""

    events: int
    head: str


def check_export(path: Path) -> CheckedExport:
    """Read an export whole and check every line, the chain and the
    signatures, and that it ends where its header says; no database is
    needed. Raises :class:`ImportError_` naming the line."""
    try:
        with path.open(encoding="utf-8") as lines:
            first = lines.readline()
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"cannot read {path}: {exc}") from None
    if not first:
        raise ImportError_(f"line 1: {path} is empty")
    header = _read_header(1, first)
    verifier = ChainVerifier()
    count = 0
    try:
        for number, event in _events(path):
            if not verifier.feed(event):
                raise ImportError_(
                    f"line {number}: seq {verifier.first_bad_seq}: {verifier.problem}"
                )
            count += 1
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise ImportError_(f"cannot read {path}: {exc}") from None
    if count != header["events"] or verifier.head != header["head"]:
        raise ImportError_(
            f"line {count + 2}: the export ends after {count} events with head "
            f"{verifier.head[:12]}…, but its header promises {header['events']} "
            f"events with head {header['head'][:12]}… (a truncated or altered file)"
        )
    return CheckedExport(count, verifier.head)


def import_ledger(
    ledger: SqlLedger, path: Path, *, checked: CheckedExport | None = None
) -> ImportResult:
    """Check an export whole (unless ``checked`` says :func:`check_export`
    has), then append what this ledger does not hold."""
    if checked is None:
        checked = check_export(path)
    head_seq, head_hash = ledger.head()
    if checked.events < head_seq:
        raise ImportError_(
            f"the export holds {checked.events} events, fewer than the {head_seq} "
            "this database already has; a ledger is never shortened"
        )
    appended = ledger.restore(_verified_again(path, head_seq, head_hash, checked.head))
    new_seq, new_hash = ledger.head()
    return ImportResult(checked.events, head_seq, appended, new_seq, new_hash)
