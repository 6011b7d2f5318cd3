"""Fresh event ids: canonical UUIDs of version 7, ordered by creation."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from napci.domain import ids
from napci.domain.admission import is_canonical_uuid
from napci.domain.envelope import EventDraft


def test_an_id_is_a_canonical_version_7_uuid() -> None:
    made = EventDraft.new_id()
    parsed = uuid.UUID(made)
    assert str(parsed) == made
    assert is_canonical_uuid(made)
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_an_id_begins_with_the_time_it_was_made() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(ids.new_event_id())
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after


def test_ids_made_one_after_another_sort_one_after_another() -> None:
    made = [ids.new_event_id() for _ in range(20_000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def test_ids_from_many_threads_are_distinct() -> None:
    made: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [ids.new_event_id() for _ in range(2_000)]
        with lock:
            made.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 8_000


def test_a_clock_that_steps_back_does_not_reorder_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = ids.new_event_id()
    earlier = time.time_ns() - 3_600 * 1_000_000_000  # an hour ago
    monkeypatch.setattr(ids.time, "time_ns", lambda: earlier)
    second = ids.new_event_id()
    third = ids.new_event_id()
    assert first < second < third
    assert uuid.UUID(second).version == 7
