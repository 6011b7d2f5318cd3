"""What counts as attendance (rule 0): the one test every reader applies.

``attendance_counts`` decides, for an ``AttendanceRecorded`` payload, whether
it counts as the delegation's own word without an acknowledgement. The
registry folds with it; the trust fold mirrors it in SQL: acknowledged if the
field is present, otherwise counted if and only if the entry carries a source.
"""

from __future__ import annotations

from typing import Any

import pytest

from napci.domain.events import AttendanceRecorded
from napci.domain.meetings import attendance_counts
from napci.domain.values import Source

SOURCE = {"title": "Ministry of Foreign Affairs, the NAPCI brochure"}


@pytest.mark.parametrize(
    ("payload", "counts"),
    [
        # written by the rules: the field says it
        ({"acknowledged": True, "recorded_as": "secretariat"}, True),
        ({"acknowledged": True, "recorded_as": "delegation"}, True),
        ({"acknowledged": False, "recorded_as": "host"}, False),
        ({"acknowledged": False, "sources": [SOURCE]}, False),
        # written before acknowledgement existed: a source makes it count
        ({"sources": [SOURCE]}, True),
        ({"sources": []}, False),
        ({}, False),
    ],
)
def test_what_counts(payload: dict[str, Any], counts: bool) -> None:
    full = {"meeting": "m", "code": "JPN", "attended": True, **payload}
    assert attendance_counts(full) is counts
    absent = {**full, "attended": False}
    assert attendance_counts(absent) is counts  # an absence likewise


def test_it_reads_payloads_as_the_events_write_them() -> None:
    reported = AttendanceRecorded(
        meeting="m", code="CHN", attended=True, recorded_as="chair", acknowledged=False
    )
    sourced = AttendanceRecorded(
        meeting="m", code="CHN", attended=True, sources=(Source(title="a report"),)
    )
    legacy = AttendanceRecorded(meeting="m", code="CHN", attended=True)
    assert attendance_counts(reported.payload()) is False
    assert attendance_counts(sourced.payload()) is True
    assert attendance_counts(legacy.payload()) is False
