"""Text a database cannot store or read back is refused at the ledger's door.

A NUL (U+0000) in a payload was stored on both backends, and from then on
every PostgreSQL read that parses payloads as ``jsonb`` failed
(``UntranslatableCharacter``): the trust figures, the road-map, the
dashboard, for good. A lone surrogate has no UTF-8 form at all. Both are now
refused by every append and every import, identically on SQLite and
PostgreSQL, naming the event and the field, and nothing is appended. Text
that is awkward but storable (right-to-left overrides, U+2028, characters
beyond the Basic Multilingual Plane, a megabyte) is stored and read back as
it was given. And a record that holds a NUL from before the door still
reads.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from napci.adapters.db import SqlLedger
from napci.domain.admission import LedgerError
from napci.domain.canonical import canonical_json
from napci.domain.envelope import (
    EventDraft,
    RecordedEvent,
    envelope_hash,
    format_timestamp,
)
from napci.domain.events import DocumentIssued
from napci.services.drafting import draft
from napci.services.ledger_io import ImportError_, import_ledger
from napci.services.platform import open_platform
from napci.settings import Settings

UNSTORABLE = {
    "nul": ("a\x00b", "NUL character (U+0000)"),
    "surrogate": ("a\ud800b", "lone surrogate (U+D800)"),
}
STORABLE = {
    "rtl-override": "\u202eevil.exe",
    "line-separator": "one\u2028two\u2029three",
    "astral": "\U0001f54a\U00020000 peace",
    "controls": "tab\there\u0007bell\x1bescape",
    "megabyte": "x" * 1_000_000,
}


def _document(title: str, *, text: str | None = None, n: int = 1) -> EventDraft:
    """A DocumentIssued draft holding ``title`` and ``text`` as they are (the
    event's own schema refuses a NUL in a title: this draft is made as a
    careless or hostile client would, payload and all)."""
    event = DocumentIssued(
        document=f"doc-{n}",
        kind="statement",
        title={"en": "placeholder"},
        issued_on=date(2015, 1, 5),
        issued_by="KOR",
        text=None if text is None else "placeholder",
    )
    made = draft(event, occurred_at=date(2015, 1, 5), actor="KOR")
    payload = json.loads(made.payload_json)
    payload["title"]["en"] = title
    if text is not None:
        payload["text"] = text
    return replace(made, payload_json=canonical_json(payload))


@pytest.mark.parametrize("where", ["title", "text"])
@pytest.mark.parametrize("kind", list(UNSTORABLE))
def test_an_append_holding_unstorable_text_is_refused(
    ledger: SqlLedger, drafts: Any, kind: str, where: str
) -> None:
    ledger.append([drafts.joined("KOR")], principal="test")
    before = ledger.head()
    value, named = UNSTORABLE[kind]
    refused = (
        _document(value, n=2)
        if where == "title"
        else _document("A statement", text=value, n=2)
    )
    with pytest.raises(LedgerError) as caught:
        ledger.append([drafts.joined("JPN"), refused], principal="test")
    message = str(caught.value)
    assert f"event {refused.id} (DocumentIssued)" in message
    field = "title.en" if where == "title" else "text"
    assert f"payload field {field} holds a {named}" in message
    assert ledger.head() == before  # the whole batch: nothing appended
    assert ledger.verify().ok


def test_a_principal_holding_a_nul_is_refused(ledger: SqlLedger, drafts: Any) -> None:
    with pytest.raises(LedgerError, match="NUL"):
        ledger.append([drafts.joined("KOR")], principal="cli:a\x00b")
    assert ledger.head()[0] == 0


@pytest.mark.parametrize("kind", list(STORABLE))
def test_awkward_text_is_stored_and_read_back_as_it_was(
    ledger: SqlLedger, kind: str
) -> None:
    value = STORABLE[kind]
    stored = _document(value[:300] if kind != "megabyte" else "big", text=value)
    result = ledger.append([stored], principal="test")
    (event,) = ledger.page(after=result.head_seq - 1, limit=1)
    assert event.payload_json == stored.payload_json
    assert json.loads(event.payload_json)["text"] == value
    assert ledger.verify().ok


def _rehash(event: RecordedEvent) -> str:
    """The hash napci would have given ``event``."""
    fields = {f: getattr(event, f) for f in event.__dataclass_fields__}
    del fields["hash"]
    return envelope_hash(*fields.values())


def _with_nul(export: Path, target: Path) -> str:
    """A copy of ``export`` whose last event holds a NUL in its source's
    title, rehashed so that its chain is sound: only the text is wrong.
    Returns that event's id."""
    # Lines end at "\n" only: the sample's text holds U+2028.
    header, *lines = export.read_text(encoding="utf-8").rstrip("\n").split("\n")
    last = json.loads(lines[-1])
    assert last["signature"] is None
    last["payload"]["sources"][0]["title"] = "Seoul\x00Tokyo"
    event = RecordedEvent(
        **{
            **{k: v for k, v in last.items() if k != "payload"},
            "payload_json": canonical_json(last["payload"]),
        }
    )
    event = replace(event, hash=_rehash(event))
    lines[-1] = canonical_json(event.to_json_dict())
    top = json.loads(header)
    top["head"] = event.hash
    target.write_text("\n".join([canonical_json(top), *lines]) + "\n", encoding="utf-8")
    return event.id


def test_an_import_holding_a_nul_is_refused_whole(
    ledger: SqlLedger, sample_export: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "nul.jsonl"
    event_id = _with_nul(sample_export, bad)
    with pytest.raises(ImportError_) as caught:
        import_ledger(ledger, bad)
    message = str(caught.value)
    assert message.startswith(f"line 11: event {event_id} (ActorJoined): ")
    assert "field payload.sources.0.title holds a NUL character" in message
    assert ledger.head() == (0, "0" * 64)


def test_a_record_holding_a_nul_from_before_still_reads(db_url: str, raw: Any) -> None:
    """A NUL stored before the door (raw, chained as napci would have) does
    not stop the figures: on PostgreSQL they parse payloads as ``jsonb``."""
    platform = open_platform(Settings(db_url), migrate=True)
    try:
        platform.init(principal="test")
        seq, head = platform.ledger.head()
        before = platform.trust.figures(date(2016, 1, 1)).regional_index
        old = _document("a\x00b", n=99)
        stored = RecordedEvent(
            seq=seq + 1,
            id=old.id,
            type=old.type,
            version=old.version,
            occurred_at=old.occurred_at,
            recorded_at=format_timestamp(datetime(2015, 1, 5, tzinfo=UTC)),
            actor=old.actor,
            principal="user:jpn",
            classification=old.classification,
            payload_json=old.payload_json,
            signer=None,
            signature=None,
            prev_hash=head,
            hash="",
        )
        stored = replace(stored, hash=_rehash(stored))
        behind = raw(platform.ledger)
        behind.insert(stored)
        behind.set_head(stored.seq, stored.hash)
    finally:
        platform.close()

    # A fresh process over that record: every figure is folded from the start.
    platform = open_platform(Settings(db_url))
    try:
        assert platform.verify().ok
        assert platform.registry().documents["doc-99"]["title"]["en"] == "a\x00b"
        assert platform.trust.figures(date(2016, 1, 1)).regional_index == before
        assert platform.status(date(2016, 1, 1)).phase >= 1
    finally:
        platform.close()
