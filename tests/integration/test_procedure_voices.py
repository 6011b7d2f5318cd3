"""Scenarios about who has a voice, and what it carries.

- observers speak, and their statements are recorded, but only the
  participants' (the deciders') statements and reservations are attached to
  an adoption (OSCE Rules of Procedure, 2006: the interpretative statements
  and formal reservations of participating States);
- an absent participant's amendment within its provisional period undoes the
  adoption, as an objection does (DESIGN §4.2: "no objection and no
  amendment");
- open participation by notification is for the seven Northeast Asian
  states; others take part as observers or partners.

Each scenario runs on SQLite and PostgreSQL (``db_url``), through the Python
API, on the NAPCI record 2013-2014; each refusal appends nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from procedure_helpers import OBSERVERS, PARTICIPANTS, Record, opened, payload


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


MEETING_DAY = date(2015, 4, 14)


def meeting_with_proposal(
    record: Record,
    proposal: str,
    subject: dict[str, object],
    attended: tuple[str, ...] = (*PARTICIPANTS, *OBSERVERS),
    absent: tuple[str, ...] = (),
) -> None:
    """A working meeting on environment chaired by MNG, tabling ``proposal``."""
    record.convene(
        "environment-2015", ("environment",), MEETING_DAY, host="MNG", chair="MNG"
    )
    record.table(proposal, subject, MEETING_DAY, by="MNG", meeting="environment-2015")
    record.attend("environment-2015", MEETING_DAY, attended, absent)
    record.hold("environment-2015", MEETING_DAY)


# -- observers' statements -------------------------------------------------------


def test_only_the_participants_statements_are_attached_to_an_adoption(
    record: Record,
) -> None:
    record.issue(
        "recognition-environment",
        "recognition",
        MEETING_DAY,
        tracks=("environment",),
        by="MNG",
    )
    meeting_with_proposal(
        record,
        "adopt-recognition",
        {"kind": "adopt-document", "document": "recognition-environment"},
    )
    eu = record.position(
        "adopt-recognition",
        "EU",
        "support",
        MEETING_DAY,
        statement="The EU reads 'cooperation' to include its own programmes.",
    )
    record.position(
        "adopt-recognition",
        "ASEAN",
        "no-objection",
        MEETING_DAY,
        reservation="ASEAN's centrality is not affected.",
    )
    record.position(
        "adopt-recognition",
        "USA",
        "support",
        MEETING_DAY,
        reservation="Without prejudice to existing bilateral arrangements.",
    )

    events = record.decide("adopt-recognition", MEETING_DAY)

    adopted = payload(events[0])
    assert adopted["statements"] == [
        {
            "code": "USA",
            "kind": "reservation",
            "text": "Without prejudice to existing bilateral arrangements.",
        }
    ]
    # The observers spoke, and what they said is on the record.
    assert adopted["observers"] == ["ASEAN", "EU"]
    assert payload(eu[0])["statement"] == (
        "The EU reads 'cooperation' to include its own programmes."
    )
    assert record.decision("adopt-recognition").positions["ASEAN"].reservation
