"""The NAPCI record 2013-2014: the data set ``napci init`` loads.

The data file (``napci/data/napci-record-2013-2014.json``) lists facts as
events without envelopes. Each entry has a stable ``key`` (its event id is the
UUID v5 of that key, so loading twice appends nothing the second time), an
event ``type``, the date it ``occurred``, the ``actor`` on whose behalf, a
``payload`` and its ``sources``: references to the file's named sources, each
with the page or heading and the words the fact rests on. An entry without a
source is refused: nothing in the record is invented.
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

from napci.domain.envelope import EventDraft, format_timestamp
from napci.domain.events import PayloadError, parse_payload
from napci.services.drafting import stable_id

__all__ = ["RECORD_FILE", "RecordError", "load_record", "record_drafts"]

RECORD_FILE = "napci-record-2013-2014.json"


class RecordError(ValueError):
    """The shipped data set is malformed (a bug in the data, not in the input)."""


def load_record(text: str | None = None) -> dict[str, Any]:
    """The raw data set (the shipped file unless ``text`` is given)."""
    if text is None:
        text = resources.files("napci.data").joinpath(RECORD_FILE).read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise RecordError("the data set must be a JSON object")
    return data


def _expand_sources(
    entry_key: str, refs: Any, named: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    if not isinstance(refs, list) or not refs:
        raise RecordError(f"{entry_key}: every fact needs at least one source")
    out = []
    for ref in refs:
        if not isinstance(ref, dict) or "ref" not in ref:
            raise RecordError(f"{entry_key}: a source must name a 'ref'")
        base = named.get(ref["ref"])
        if base is None:
            raise RecordError(f"{entry_key}: unknown source {ref['ref']!r}")
        merged = {**base, **{k: v for k, v in ref.items() if k != "ref"}}
        out.append(merged)
    return out


def record_drafts(data: dict[str, Any] | None = None) -> tuple[EventDraft, ...]:
    """The data set's events as drafts with stable ids, in file order."""
    if data is None:
        data = load_record()
    named: dict[str, dict[str, Any]] = data.get("sources", {})
    drafts: list[EventDraft] = []
    seen: set[str] = set()
    for entry in data.get("events", []):
        key = entry.get("key")
        if not isinstance(key, str) or not key:
            raise RecordError(f"an entry has no key: {entry!r:.120}")
        if key in seen:
            raise RecordError(f"{key}: the key is used twice")
        seen.add(key)
        payload = dict(entry.get("payload", {}))
        payload["sources"] = _expand_sources(key, entry.get("sources"), named)
        type_ = entry.get("type", "")
        version = int(entry.get("version", 1))
        try:
            event = parse_payload(type_, version, payload)
            occurred = date.fromisoformat(entry["occurred"])
        except (PayloadError, KeyError, ValueError) as exc:
            raise RecordError(f"{key}: {exc}") from None
        drafts.append(
            EventDraft(
                id=stable_id(f"napci-record-2013-2014/{key}"),
                type=type_,
                version=version,
                occurred_at=format_timestamp(occurred),
                actor=entry.get("actor"),
                classification=entry.get("classification", "public"),
                payload_json=event.payload_json(),
            )
        )
    return tuple(drafts)
