"""The registries kept current: what commands are judged against.

:class:`~napci.services.record_state.RecordState` keeps a registry per
clearance, folded once and then brought up to the head by folding only the
events appended since. Tested here: the registries kept current equal a fresh
fold of the record (per clearance, whatever appended the events: commands,
imports, another process); a refused command changes neither the record nor
the registries; a command judges what another process appended before it;
and readers never see a registry between two heads (half a command).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

import pytest
from procedure_helpers import Record, opened

from napci.domain.access import CLEARANCE
from napci.domain.events import DocumentIssued
from napci.domain.procedure import IssueDocument, Refusal
from napci.domain.registry import Registry
from napci.services.drafting import draft
from napci.services.platform import open_platform
from napci.services.procedure import context_for, execute, execute_all
from napci.services.record_state import FULL
from napci.settings import Settings

CLEARANCES = tuple(dict.fromkeys(CLEARANCE.values()))
TODAY = datetime.now(UTC).date()


def _content(registry: Registry) -> dict[str, Any]:
    """What a registry holds, but for the seq it was folded up to (a
    registry kept current says the head; a fresh fold its last event's)."""
    return {
        f.name: getattr(registry, f.name)
        for f in fields(registry)
        if f.compare and f.name != "seq"
    }


def _issue(record: Record, document: str, by: str = "JPN") -> None:
    execute(
        record.platform,
        IssueDocument(document, "statement", document, TODAY, by),
        principal="test",
        secretariat=False,
    )


def _classified(document: str, classification: str, on: date = TODAY) -> Any:
    event = DocumentIssued(
        document=document,
        kind="report",
        title={"en": document},
        issued_by="KOR",
        issued_on=on,
    )
    return draft(event, occurred_at=on, actor="KOR", classification=classification)


def test_registries_kept_current_equal_a_fresh_fold(db_url: str) -> None:
    with opened(db_url) as record:
        state = record.platform.record
        for clearance in CLEARANCES:  # folded once, at the head
            assert _content(state.registry(clearance)) == _content(
                record.platform.registry(clearance=clearance)
            )
        _issue(record, "after-1")
        record.platform.append(  # an import: not a command
            [
                _classified("restricted-1", "restricted"),
                _classified("participants-1", "participants"),
            ],
            principal="test",
        )
        _issue(record, "after-2", by="CHN")
        head = record.head()[0]
        for clearance in CLEARANCES:
            kept = state.registry(clearance)
            assert kept.seq == head
            assert _content(kept) == _content(
                record.platform.registry(clearance=clearance)
            ), clearance
        assert "restricted-1" not in state.registry(CLEARANCE[None]).documents
        assert "participants-1" in state.registry(CLEARANCE["delegate"]).documents
        assert "restricted-1" in state.registry(FULL).documents


def test_a_refused_command_changes_neither_the_record_nor_the_registry(
    db_url: str,
) -> None:
    with opened(db_url) as record:
        _issue(record, "once")
        registry = record.platform.record.registry()
        before, head = copy.deepcopy(_content(registry)), record.head()
        with pytest.raises(Refusal) as refused:
            _issue(record, "once", by="CHN")
        assert refused.value.rule == "registry"
        assert record.head() == head
        assert record.platform.record.registry() is registry
        assert _content(registry) == before


def test_a_command_judges_what_another_process_appended(db_url: str) -> None:
    with opened(db_url) as record:
        record.platform.record.registry()  # folded before the other appends
        other = open_platform(Settings(db_url))
        try:
            execute(
                other,
                IssueDocument("theirs", "statement", "Theirs", TODAY, "CHN"),
                principal="other",
                secretariat=False,
            )
        finally:
            other.close()
        with pytest.raises(Refusal, match="the document id theirs is taken"):
            _issue(record, "theirs")
        assert record.platform.record.registry().documents["theirs"]["issued_by"] == (
            "CHN"
        )


def test_a_preview_context_is_the_record_as_it_stands(db_url: str) -> None:
    with opened(db_url) as record:
        _issue(record, "seen")
        context = context_for(record.platform, clearance=CLEARANCE[None])
        assert "seen" in context.registry.documents
        assert context.visible is record.platform.record.registry(CLEARANCE[None])
        assert context.seen() is context.visible


def test_readers_never_see_half_a_command(sqlite_url: str) -> None:
    """Each command issues two documents; a reader, looking at any time,
    sees both or neither."""
    platform = open_platform(Settings(sqlite_url), migrate=True)
    try:
        platform.init(principal="test")
        state = platform.record
        done = threading.Event()
        seen: list[str] = []

        def halves(registry: Registry) -> list[str]:
            docs = registry.documents
            return [d for d in docs if d.startswith("a-") and f"b-{d[2:]}" not in docs]

        def read() -> None:
            while not done.is_set():
                for clearance in (FULL, CLEARANCE[None]):
                    seen.extend(state.read(clearance, halves))

        readers = [threading.Thread(target=read) for _ in range(2)]
        for reader in readers:
            reader.start()
        try:
            for n in range(40):
                execute_all(
                    platform,
                    [
                        IssueDocument(f"a-{n}", "statement", "A", TODAY, "JPN"),
                        IssueDocument(f"b-{n}", "statement", "B", TODAY, "JPN"),
                    ],
                    principal="test",
                    secretariat=False,
                )
        finally:
            done.set()
            for reader in readers:
                reader.join()
        assert seen == []
        assert len(state.registry().documents) >= 80
    finally:
        platform.close()
