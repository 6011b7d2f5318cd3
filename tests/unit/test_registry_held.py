"""The registry's rank ladder: what the gradual-rank rule counts.

``Registry.held_before(track, layer, rank, day)`` counts the multilateral
meetings of a rank and layer on a track (on no track: None) held before a
day, by bisection of the ladder the fold keeps, without going through every
meeting, so convening above working rank costs the same on a long record. It
follows the meetings as the record does: held, cancelled, convened again.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from napci.domain.registry import FoldRow, Registry, fold_registry


def _row(seq: int, type_: str, **payload: Any) -> FoldRow:
    return (
        seq,
        type_,
        "2015-01-01T00:00:00.000000Z",
        "KOR",
        json.dumps(payload),
        "public",
    )


def _convened(seq: int, meeting: str, rank: str, *tracks: str) -> FoldRow:
    return _row(
        seq,
        "MeetingConvened",
        meeting=meeting,
        title={"en": meeting},
        tracks=list(tracks),
        rank=rank,
        layer="track-1",
        starts_on="2015-01-01",
    )


def _held(seq: int, meeting: str) -> FoldRow:
    return _row(seq, "MeetingHeld", meeting=meeting, held_on="2015-01-02")


def _ids(registry: Registry, track: str | None, rank: str) -> list[str]:
    """The held meetings the ladder counts (every one here is held on
    2015-01-02, a track-1 multilateral meeting)."""
    count = registry.held_before(track, "track-1", rank, date(2015, 1, 3))
    assert registry.held_before(track, "track-1", rank, date(2015, 1, 2)) == 0
    held = sorted(
        m.meeting
        for m in registry.meetings.values()
        if m.status == "held"
        and m.rank == rank
        and (track in m.tracks if track is not None else not m.tracks)
    )
    assert count == len(held)
    return held


def test_held_meetings_are_found_by_track_and_rank() -> None:
    registry = fold_registry(
        [
            _convened(1, "a", "working", "environment", "energy-security"),
            _convened(2, "b", "working"),
            _convened(3, "c", "senior-official", "environment"),
            _convened(4, "d", "working", "environment"),
            _held(5, "a"),
            _held(6, "b"),
            _held(7, "c"),
        ]
    )
    assert _ids(registry, "environment", "working") == ["a"]
    assert _ids(registry, "energy-security", "working") == ["a"]
    assert _ids(registry, None, "working") == ["b"]
    assert _ids(registry, "environment", "senior-official") == ["c"]
    assert _ids(registry, "cyberspace", "working") == []
    held = [m for m in registry.meetings.values() if m.status == "held"]
    assert sorted(m.meeting for m in held) == ["a", "b", "c"]


def test_a_cancelled_or_convened_again_meeting_leaves_the_count() -> None:
    registry = fold_registry(
        [
            _convened(1, "a", "working", "environment"),
            _convened(2, "b", "working", "environment"),
            _held(3, "a"),
            _held(4, "b"),
            _row(5, "MeetingCancelled", meeting="a", cancelled_on="2015-01-03"),
            _convened(6, "b", "senior-official", "environment"),
        ]
    )
    assert _ids(registry, "environment", "working") == []
    assert _ids(registry, "environment", "senior-official") == []
    registry.apply_row(_held(7, "b"))
    assert _ids(registry, "environment", "senior-official") == ["b"]
