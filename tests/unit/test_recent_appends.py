"""The events a process appended lately, as its readers take them."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine

from napci.adapters.db.recent import KEPT, RecentAppends, recent_appends


def rows(first: int, last: int) -> list[tuple[int, str]]:
    return [(seq, f"event {seq}") for seq in range(first, last + 1)]


def test_the_rows_after_a_seq_while_the_seqs_follow_each_other() -> None:
    recent = RecentAppends()
    assert recent.after(0) == []
    recent.committed(rows(1, 3))
    recent.committed(rows(5, 6))  # 4 appended elsewhere
    assert recent.after(0) == rows(1, 3)
    assert recent.after(1) == rows(2, 3)
    assert recent.after(3) == []  # 4 is not known here
    assert recent.after(4) == rows(5, 6)
    assert recent.after(6) == []


def test_appends_reported_out_of_order_are_taken_in_seq_order() -> None:
    recent = RecentAppends()
    recent.committed(rows(4, 5))
    recent.committed(rows(1, 3))
    assert recent.after(0) == rows(1, 5)


def test_only_the_latest_rows_are_kept() -> None:
    recent = RecentAppends()
    recent.committed(rows(1, KEPT + 10))
    assert recent.after(0) == []
    assert recent.after(10) == rows(11, KEPT + 10)
    recent.committed(rows(KEPT + 11, KEPT + 12))
    assert recent.after(11) == []
    assert recent.after(12) == rows(13, KEPT + 12)


def test_concurrent_appends_lose_nothing_kept() -> None:
    recent = RecentAppends()
    batches = [rows(n, n) for n in range(1, KEPT + 1)]

    def report(batch: list[tuple[int, str]]) -> None:
        recent.committed(batch)

    threads = [threading.Thread(target=report, args=(b,)) for b in reversed(batches)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert recent.after(0) == rows(1, KEPT)


def test_each_engine_has_its_own() -> None:
    one, two = create_engine("sqlite://"), create_engine("sqlite://")
    try:
        assert recent_appends(one) is recent_appends(one)
        assert recent_appends(one) is not recent_appends(two)
        recent_appends(one).committed(rows(1, 1))
        assert recent_appends(two).after(0) == []
    finally:
        one.dispose()
        two.dispose()
