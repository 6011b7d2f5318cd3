"""The trust fold gives the same state however the record is cut into batches.

Edge cases of the incremental path, folded from rows as the database gives
them (``seq, occurred_at, field...``): a batch of attendance alone, for an
attendee the record has not seen before.
"""

from __future__ import annotations

import json

import numpy as np

from napci.domain.trust_state import TrustState

AT = "2014-03-01T00:00:00.000000Z"

RECORD = [
    ("ActorRegistered", (1, AT, "KOR", "state")),
    ("ActorRegistered", (2, AT, "JPN", "state")),
    ("ActorRegistered", (3, AT, "CHN", "state")),
    ("TrackAdded", (4, AT, "energy", "soft", "2014-01-01")),
    (
        "MeetingConvened",
        (5, AT, "m1", "working", "track-1", json.dumps([]), "2014-03-01"),
    ),
    ("MeetingHeld", (6, AT, "m1", "2014-03-01")),
    ("AttendanceRecorded", (7, AT, "m1", "KOR", 1)),
    ("AttendanceRecorded", (8, AT, "m1", "JPN", 1)),
    ("AttendanceConfirmed", (9, AT, "m1", "CHN")),
    ("AttendanceRecorded", (10, AT, "m1", "CHN", 0)),  # a confirmed no-show
    ("AttendanceRecorded", (11, AT, "m1", "MNG", 1)),  # never registered
    ("AttendanceRecorded", (12, AT, "m1", "JPN", 0)),  # corrected: absent
]


def _fold(cuts: list[int]) -> TrustState:
    state = TrustState(730.0)
    start = 0
    for end in [*cuts, len(RECORD)]:
        rows: dict[str, list[tuple[object, ...]]] = {}
        for type_, row in RECORD[start:end]:
            rows.setdefault(type_, []).append(row)
        if rows:
            state.apply(rows, RECORD[end - 1][1][0])  # type: ignore[arg-type]
        start = end
    return state


def test_attendance_batches_fold_as_one_batch_does() -> None:
    whole = _fold([])
    for cuts in ([6], [6, 7, 8, 9, 10, 11], [10], [10, 11], [8, 11]):
        cut = _fold(cuts)
        a, k = whole.n_actors, whole.n_tracks
        assert cut.n_actors == a and cut.n_tracks == k
        assert np.allclose(cut.acc[:, :a, :a, :k], whole.acc[:, :a, :a, :k]), cuts
        assert np.allclose(cut.dialogue.data, whole.dialogue.data), cuts
        assert cut.block_meetings == whole.block_meetings, cuts


def test_a_corrected_attendance_leaves_no_trace() -> None:
    state = _fold([8])
    kor, jpn = state.actor_index["KOR"], state.actor_index["JPN"]
    # JPN was recorded present, then absent: no co-attendance evidence left
    co = state.acc[:, kor, jpn, :].sum()
    assert co == 0.0
