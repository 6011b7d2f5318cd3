"""Commands at the same instant, through the Python API: one is admitted.

A command is judged and appended as one step, under the ledger's write lock
(DESIGN §1). Two threads released by one barrier send two commands a rule
admits only one of: on one platform (one process's threads, sharing its
registries) and on two platforms over one database (as two processes: two
engines, each with registries of its own). Exactly one is admitted; the other
is refused by rule ``registry`` and appends nothing; the ledger holds one
event per id and verifies. The server-process version of these races is
``tests/web/test_api_races.py``.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from procedure_helpers import Record, opened

from napci.domain.admission import AppendResult
from napci.domain.procedure import ConveneMeeting, IssueDocument, Refusal
from napci.services.platform import Platform, open_platform
from napci.services.procedure import execute
from napci.settings import Settings

TRIES = 15


@contextmanager
def _platforms(db_url: str, apart: bool) -> Iterator[tuple[Record, Platform]]:
    """The record, and the platform the second command goes through: the
    same, or another over the same database."""
    with opened(db_url) as record:
        if not apart:
            yield record, record.platform
            return
        other = open_platform(Settings(db_url))
        try:
            yield record, other
        finally:
            other.close()


def _at_once(calls: list[Callable[[], AppendResult]]) -> list[Any]:
    """Run each call in its own thread, all released at one instant; what
    each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            outcomes[i] = calls[i]()
        except Exception as exc:
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _one_admitted(outcomes: list[Any], message: str) -> AppendResult:
    admitted = [o for o in outcomes if isinstance(o, AppendResult)]
    refused = [o for o in outcomes if isinstance(o, Refusal)]
    assert (len(admitted), len(refused)) == (1, 1), outcomes
    assert len(admitted[0].recorded) == 1
    assert refused[0].rule == "registry", refused[0]
    assert message in str(refused[0]), refused[0]
    return admitted[0]


def _count(platform: Platform, type_: str, field: str) -> Counter[str]:
    return Counter(
        json.loads(e.payload_json)[field]
        for e in platform.ledger.iter_events(types=[type_])
    )


@pytest.mark.parametrize("apart", [False, True], ids=["one-platform", "two-platforms"])
def test_the_same_document_issued_at_once_is_recorded_once(
    db_url: str, apart: bool
) -> None:
    today = datetime.now(UTC).date()
    with _platforms(db_url, apart) as (record, other):
        for n in range(TRIES):
            document = f"race-doc-{n}"
            before = record.head()[0]
            outcomes = _at_once(
                [
                    lambda by=by, platform=platform, document=document: execute(
                        platform,
                        IssueDocument(document, "statement", "Race", today, by),
                        principal=f"test:{by}",
                        secretariat=False,
                    )
                    for by, platform in (("JPN", record.platform), ("CHN", other))
                ]
            )
            _one_admitted(outcomes, f"the document id {document} is taken")
            assert record.head()[0] == before + 1
        issued = _count(record.platform, "DocumentIssued", "document")
        assert [issued[f"race-doc-{n}"] for n in range(TRIES)] == [1] * TRIES
        assert record.platform.verify().ok


@pytest.mark.parametrize("apart", [False, True], ids=["one-platform", "two-platforms"])
def test_conflicting_convenings_at_once_admit_one(db_url: str, apart: bool) -> None:
    today = datetime.now(UTC).date()
    with _platforms(db_url, apart) as (record, other):
        for n in range(TRIES):
            meeting = f"race-m{n}"

            def convene(
                by: str, platform: Platform, meeting: str = meeting
            ) -> AppendResult:
                return execute(
                    platform,
                    ConveneMeeting(
                        meeting=meeting,
                        title="Race",
                        tracks=(),
                        rank="working",
                        layer="track-1",
                        starts_on=today,
                        on=today,
                        by=by,
                        host=by,
                    ),
                    principal=f"test:{by}",
                    secretariat=by == "KOR",
                )

            outcomes = _at_once(
                [
                    lambda: convene("KOR", record.platform),
                    lambda: convene("MNG", other),
                ]
            )
            admitted = _one_admitted(outcomes, f"the meeting id {meeting} is taken")
            host = admitted.recorded[0].actor
            assert record.registry().meetings[meeting].host == host
        convened = _count(record.platform, "MeetingConvened", "meeting")
        assert [convened[f"race-m{n}"] for n in range(TRIES)] == [1] * TRIES
        assert record.platform.verify().ok
