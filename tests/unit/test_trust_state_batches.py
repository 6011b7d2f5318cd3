"""The trust fold gives the same state however the record is cut into batches.

Edge cases of the incremental path, folded from rows as the database gives
them (``seq, occurred_at, field...``): a batch of attendance alone, for an
attendee the record has not seen before; acknowledgements, which count as
attendance does (rule 0).
"""

from __future__ import annotations

import doctest
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from napci.domain.trust import rows as trust_rows
from napci.domain.trust.evidence import Evidence
from napci.domain.trust.kinds import KIND_INDEX, day_number
from napci.domain.trust.rows import attendance_counts, counted_attendance
from napci.domain.trust.state import TrustState

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


def _convened(
    seq: int, meeting: str, rank: str, layer: str, tracks: list[str], day: str
) -> tuple[str, tuple[object, ...]]:
    return (
        "MeetingConvened",
        (seq, AT, meeting, rank, layer, json.dumps(tracks), day),
    )


#: Three meetings of different ranks and layers, months apart (different
#: blocks of days), then attendance at all of them, changed back and forth.
MANY = [
    *RECORD[:4],
    ("TrackAdded", (5, AT, "environment", "soft", "2014-01-01")),
    _convened(6, "m1", "working", "track-1", [], "2014-03-01"),
    _convened(7, "m2", "ministerial", "track-2", ["energy"], "2014-06-01"),
    _convened(8, "m3", "working", "track-1", ["environment", "energy"], "2014-09-09"),
    ("MeetingHeld", (9, AT, "m2", "2014-06-02")),
    ("AttendanceConfirmed", (10, AT, "m1", "CHN")),
    ("AttendanceConfirmed", (11, AT, "m3", "KOR")),
    ("AttendanceRecorded", (12, AT, "m1", "KOR", 1)),
    ("AttendanceRecorded", (13, AT, "m2", "KOR", 1)),
    ("AttendanceRecorded", (14, AT, "m3", "JPN", 1)),
    ("AttendanceRecorded", (15, AT, "m1", "JPN", 1)),
    ("AttendanceRecorded", (16, AT, "m2", "CHN", 1)),
    ("AttendanceRecorded", (17, AT, "m3", "KOR", 0)),  # a confirmed no-show
    ("AttendanceRecorded", (18, AT, "m1", "CHN", 0)),  # a confirmed no-show
    ("AttendanceRecorded", (19, AT, "m3", "CHN", 1)),
    ("AttendanceRecorded", (20, AT, "m2", "MNG", 1)),  # never registered
    ("AttendanceRecorded", (21, AT, "m1", "KOR", 0)),  # corrected: absent
    ("AttendanceRecorded", (22, AT, "m3", "KOR", 1)),  # corrected: present
    ("AttendanceRecorded", (23, AT, "m1", "KOR", 1)),  # and back
]


def _fold(
    cuts: list[int],
    record: Sequence[tuple[str, tuple[object, ...]]],
    read: tuple[int, int] | None = None,
) -> TrustState:
    """``record`` folded in batches cut at ``cuts``; with ``read`` (as_of,
    window), the dialogue counts read after every batch, as figures are."""
    state = TrustState(730.0)
    start = 0
    for end in [*cuts, len(record)]:
        rows: dict[str, list[tuple[object, ...]]] = {}
        for type_, row in record[start:end]:
            rows.setdefault(type_, []).append(row)
        if rows:
            state.apply(rows, record[end - 1][1][0])  # type: ignore[arg-type]
            if read is not None:
                state.dialogue_counts(*read)
        start = end
    return state


def _assert_same(cut: TrustState, whole: TrustState, context: object) -> None:
    a, k = whole.roster.n_actors, whole.roster.n_tracks
    assert cut.roster.n_actors == a and cut.roster.n_tracks == k
    acc, expected_acc = cut.evidence.acc, whole.evidence.acc
    assert np.allclose(acc[:, :a, :a, :k], expected_acc[:, :a, :a, :k]), context
    counts, expected = _blocks(cut, a, k), _blocks(whole, a, k)
    assert counts.keys() == expected.keys(), context
    for block, values in expected.items():
        assert np.array_equal(counts[block], values), (context, block)
    assert _filed(cut) == _filed(whole), context


def _filed(state: TrustState) -> dict[int, set[int]]:
    """The live meetings filed per block of days, of the blocks that have any."""
    filed = state.evidence.dialogue.block_meetings
    return {block: found for block, found in filed.items() if found}


def _blocks(state: TrustState, a: int, k: int) -> dict[int, np.ndarray]:
    """The dialogue counts of each block of days that has any."""
    blocks = state.evidence.dialogue.blocks
    data, first = blocks.data, blocks.first
    return {
        first + row: data[row, :a, :a, :k]
        for row in range(data.shape[0])
        if data[row].any()
    }


def test_attendance_batches_fold_as_one_batch_does() -> None:
    whole = _fold([], RECORD)
    for cuts in ([6], [6, 7, 8, 9, 10, 11], [10], [10, 11], [8, 11]):
        _assert_same(_fold(cuts, RECORD), whole, cuts)


def test_attendance_at_several_meetings_at_once_folds_as_one_batch_does() -> None:
    """Batches of attendance alone that touch meetings of several kinds of
    evidence and several blocks of days at once, no-shows among them."""
    whole = _fold([], MANY)
    assert whole.evidence.acc[KIND_INDEX["no_show"]].any()
    assert len(whole.evidence.dialogue.block_meetings) == 3
    held = MANY.index(("MeetingHeld", (9, AT, "m2", "2014-06-02"))) + 1
    for cuts in (
        [held],
        [held, held + 2],
        [held, 14, 17, 20],
        [held, *range(held + 1, len(MANY))],
        [held + 2, len(MANY) - 3, len(MANY) - 1],
    ):
        _assert_same(_fold(cuts, MANY), whole, cuts)


def test_a_corrected_attendance_leaves_no_trace() -> None:
    state = _fold([8], RECORD)
    kor, jpn = state.actor_position("KOR"), state.actor_position("JPN")
    # JPN was recorded present, then absent: no co-attendance evidence left
    co = state.evidence.acc[:, kor, jpn, :].sum()
    assert co == 0.0


def test_dialogue_counts_read_between_batches_follow_the_attendance() -> None:
    """The dialogue counts last read are kept through changes of attendance:
    for windows that take in all, some or none of the meetings, and whose
    ends cut blocks of days, they are what a fold of the whole record reads."""
    m1, m2, m3 = (day_number(d) for d in ("2014-03-01", "2014-06-02", "2014-09-09"))
    held = MANY.index(("MeetingHeld", (9, AT, "m2", "2014-06-02"))) + 1
    windows = [
        (m3 + 3, m3 - m1 + 3),  # all three, both ends inside blocks
        (m3, m3 - m2),  # m2 and m3, on the window's very ends
        (m3 - 1, m3 - m2 - 1),  # m2 alone
        (m1 + 5, 4),  # none
    ]
    for read in windows:
        whole = _fold([], MANY).dialogue_counts(*read)
        for cuts in ([held], [held, 14, 17, 20], [held, *range(held + 1, len(MANY))]):
            state = _fold(cuts, MANY, read)
            assert np.array_equal(state.dialogue_counts(*read), whole), (read, cuts)
    assert _fold([], MANY).dialogue_counts(*windows[0]).sum() > 0


def _one_at_a_time(
    record: Sequence[tuple[str, tuple[object, ...]]], start: int
) -> list[int]:
    """Cuts folding ``record`` whole up to ``start``, then event by event."""
    return [start, *range(start + 1, len(record))]


def _paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the ways :meth:`Evidence.replace` took, as they are
    taken: the full exchange of old rows for new, or one cell's change."""
    taken: list[str] = []
    for name in ("_exchange", "_one_cell"):
        real = getattr(Evidence, name)

        def spy(
            self: Evidence,
            *args: Any,
            _real: Any = real,
            _name: str = name,
            **kwargs: Any,
        ) -> Any:
            taken.append(_name)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Evidence, name, spy)
    return taken


def test_one_attendance_row_is_folded_as_the_change_it_makes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch of one attendance row changes one cell: the evidence takes
    that cell's change alone (no exchange of rows), and every accumulator
    ends as the one-batch fold's: presence, absence, no-shows by
    confirmation and by record, corrections, a never registered attendee,
    and a meeting outside every window."""
    whole = _fold([], MANY)
    held = MANY.index(("MeetingHeld", (9, AT, "m2", "2014-06-02"))) + 1
    taken = _paths(monkeypatch)
    cut = _fold(_one_at_a_time(MANY, held), MANY)
    _assert_same(cut, whole, "one at a time")
    # the batch up to the holding exchanged rows; every later row moved one
    # cell (the two confirmations alone move none: no cell the evidence reads)
    assert taken == ["_exchange"] + ["_one_cell"] * (len(MANY) - held - 2)


#: A general meeting (no tracks listed) spreads over the tracks in force on
#: its day: holding it after a track closed moves its spread. Attendance
#: folded on either side of the holding must use the spread of its time.
MOVED = [
    *RECORD[:4],
    ("TrackAdded", (5, AT, "environment", "soft", "2014-01-01")),
    ("TrackClosed", (6, AT, "environment", "2014-05-01")),
    _convened(7, "m1", "working", "track-1", [], "2014-03-01"),
    ("AttendanceRecorded", (8, AT, "m1", "KOR", 1)),
    ("AttendanceRecorded", (9, AT, "m1", "JPN", 1)),
    ("MeetingHeld", (10, AT, "m1", "2014-06-02")),
    ("AttendanceRecorded", (11, AT, "m1", "CHN", 1)),
    ("AttendanceRecorded", (12, AT, "m1", "KOR", 0)),
    ("AttendanceRecorded", (13, AT, "m1", "KOR", 1)),
    ("MeetingCancelled", (14, AT, "m1")),
    ("AttendanceRecorded", (15, AT, "m1", "JPN", 0)),  # at a cancelled meeting
    ("AttendanceConfirmed", (16, AT, "m1", "JPN")),
]


def test_attendance_one_row_at_a_time_follows_the_meeting_as_it_changes() -> None:
    whole = _fold([], MOVED)
    env = whole.track_position("environment")
    kor, chn = whole.actor_position("KOR"), whole.actor_position("CHN")
    m1 = whole.meetings.index["m1"]
    assert whole.meetings.spread(np.array([m1]))[0, env] == 0.0
    before = MOVED.index(("MeetingHeld", (10, AT, "m1", "2014-06-02")))
    held = before + 1
    cancelled = MOVED.index(("MeetingCancelled", (14, AT, "m1"))) + 1
    for cuts in (
        _one_at_a_time(MOVED, 7),
        [7, 8, before, held, held + 1],
        [before, cancelled, cancelled + 1],
    ):
        cut = _fold(cuts, MOVED)
        _assert_same(cut, whole, cuts)
        assert not cut.evidence.acc[:, kor, chn, env].any(), (
            cuts
        )  # held after the closing
    # before it was cancelled, the meeting was evidence; after, it is none
    assert _fold([], MOVED[: cancelled - 1]).evidence.acc[:, kor, chn].any()
    assert not whole.evidence.acc.any()


# --- acknowledged attendance (rule 0) ---------------------------------------------

#: Attendance in a delegation's own word: recorded (the counted rows, as the
#: extraction gives them) and acknowledged, interleaved; the later of either
#: wins, per meeting and actor.
ACKNOWLEDGED = [
    *MANY[:9],
    ("AttendanceConfirmed", (10, AT, "m1", "CHN")),
    ("AttendanceRecorded", (11, AT, "m1", "KOR", 1)),
    ("AttendanceAcknowledged", (12, AT, "m1", "JPN", 1)),
    ("AttendanceAcknowledged", (13, AT, "m1", "CHN", 0)),  # a confirmed no-show
    ("AttendanceRecorded", (14, AT, "m2", "KOR", 1)),
    ("AttendanceAcknowledged", (15, AT, "m2", "CHN", 1)),
    ("AttendanceAcknowledged", (16, AT, "m3", "JPN", 1)),
    ("AttendanceAcknowledged", (17, AT, "m1", "KOR", 0)),  # corrected in its word
    ("AttendanceRecorded", (18, AT, "m3", "KOR", 1)),
    ("AttendanceRecorded", (19, AT, "m1", "KOR", 1)),  # and recorded again
    ("AttendanceAcknowledged", (20, AT, "m2", "CHN", 0)),
    ("AttendanceAcknowledged", (21, AT, "m2", "MNG", 1)),  # never registered
]


def _as_recorded(
    record: Sequence[tuple[str, tuple[object, ...]]],
) -> list[tuple[str, tuple[object, ...]]]:
    """The same record with every acknowledgement written as a counted
    ``AttendanceRecorded``: what the secretariat would have recorded."""
    return [
        ("AttendanceRecorded" if type_ == "AttendanceAcknowledged" else type_, row)
        for type_, row in record
    ]


def test_an_acknowledgement_folds_as_the_secretariats_record_would() -> None:
    whole = _fold([], ACKNOWLEDGED)
    _assert_same(whole, _fold([], _as_recorded(ACKNOWLEDGED)), "as recorded")
    assert whole.evidence.acc[KIND_INDEX["no_show"]].any()
    meetings = whole.meetings
    m1, chn = meetings.index["m1"], whole.actor_position("CHN")
    assert meetings.confirmed.data[m1, chn] and meetings.absent.data[m1, chn]
    m2 = meetings.index["m2"]
    assert not meetings.attended.data[m2, chn]  # its last word: absent


def test_acknowledgements_fold_the_same_in_any_batches() -> None:
    """Cut anywhere, one row at a time included (the short path), the state
    is the whole fold's; a batch holding both kinds of row merges them in
    record order."""
    whole = _fold([], ACKNOWLEDGED)
    held = 9
    for cuts in (
        [held],
        [held, 12, 13],
        [held, 15, 19],
        _one_at_a_time(ACKNOWLEDGED, held),
    ):
        _assert_same(_fold(cuts, ACKNOWLEDGED), whole, cuts)
        for read in ((day_number("2014-09-09"), 730), (day_number("2014-06-02"), 3)):
            state = _fold(cuts, ACKNOWLEDGED, read)
            assert np.array_equal(
                state.dialogue_counts(*read), whole.dialogue_counts(*read)
            ), (cuts, read)


def test_one_acknowledgement_takes_the_short_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = _paths(monkeypatch)
    _fold(_one_at_a_time(ACKNOWLEDGED, 9), ACKNOWLEDGED)
    # the batch up to the holding exchanged rows; the others moved one cell
    assert taken[0] == "_exchange"
    assert set(taken[1:]) == {"_one_cell"}


def test_a_batch_with_nothing_the_fold_reads_moves_nothing() -> None:
    """A report that does not count is left out by the extraction: the
    batch is empty, and only the seq moves (the dialogue counts read and the
    meetings' spreads are kept)."""
    held = MANY.index(("MeetingHeld", (9, AT, "m2", "2014-06-02"))) + 1
    read = (day_number("2014-09-09"), 730)
    state = _fold(_one_at_a_time(MANY, held), MANY, read)
    counts = state.dialogue_counts(*read)
    spreads = dict(state.meetings._spreads)
    assert spreads  # kept between attendance rows
    acc = state.evidence.acc.copy()
    state.apply({}, 99)
    state.apply({"AttendanceRecorded": [], "AttendanceAcknowledged": []}, 100)
    assert state.seq == 100
    assert np.array_equal(state.evidence.acc, acc)
    assert state.dialogue_counts(*read) is counts
    assert state.meetings._spreads == spreads


def test_counted_attendance_merges_acknowledgements_in_record_order() -> None:
    recorded = [(3, AT, "m1", "KOR", 1), (7, AT, "m1", "JPN", 0)]
    acknowledged = [(5, AT, "m1", "CHN", 1), (9, AT, "m1", "JPN", 1)]
    rows = {"AttendanceRecorded": recorded, "MeetingHeld": [(1, AT, "m1", "x")]}
    assert counted_attendance(rows) is rows
    merged = counted_attendance({**rows, "AttendanceAcknowledged": acknowledged})
    assert merged == {
        "AttendanceRecorded": [
            recorded[0],
            acknowledged[0],
            recorded[1],
            acknowledged[1],
        ],
        "MeetingHeld": rows["MeetingHeld"],
    }
    alone = counted_attendance({"AttendanceAcknowledged": acknowledged})
    assert alone == {"AttendanceRecorded": acknowledged}
    assert counted_attendance({"AttendanceAcknowledged": []}) == {}


@pytest.mark.parametrize(
    ("payload", "counts"),
    [
        ({"acknowledged": True}, True),
        ({"acknowledged": False}, False),
        ({"acknowledged": True, "sources": []}, True),
        ({"acknowledged": False, "sources": [{"title": "brochure"}]}, False),
        ({"sources": [{"title": "brochure"}]}, True),  # the shipped record
        ({"sources": []}, False),
        ({}, False),  # written before acknowledgement, with no source
        ({"acknowledged": None, "sources": [{"title": "brochure"}]}, True),
        ({"acknowledged": 1}, False),  # not a boolean: not the delegation's word
        ({"sources": {"title": "brochure"}}, False),  # not a list
    ],
)
def test_which_recorded_attendance_counts(
    payload: dict[str, object], counts: bool
) -> None:
    assert attendance_counts({"attended": True, **payload}) is counts


def test_the_rule_of_counting_is_its_documented_examples() -> None:
    assert doctest.testmod(trust_rows).failed == 0
