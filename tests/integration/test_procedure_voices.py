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
from procedure_helpers import OBSERVERS, PARTICIPANTS, Record, opened, payload, types

from napci.domain.events import DecisionConfirmed, PositionRecorded
from napci.domain.procedure import Decide, InviteActor, JoinActor, RecordPosition
from napci.services.drafting import draft


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


# -- an amendment within the provisional period ---------------------------------

ADD_MARITIME = {
    "kind": "add-track",
    "track": "maritime-safety",
    "name": {"en": "Maritime safety and search and rescue"},
    "category": "soft",
}
AMENDMENT = "Limit it to search and rescue."


def provisional_for_mng(record: Record, at: date = MEETING_DAY) -> None:
    """MNG is absent when the meeting adopts a new track (decided ``at``):
    provisional for it for 14 days (until 2015-04-28 by default)."""
    meeting_with_proposal(
        record,
        "add-maritime",
        ADD_MARITIME,
        attended=("CHN", "JPN", "KOR", "RUS", "USA"),
        absent=("MNG",),
    )
    events = record.decide("add-maritime", at)
    assert payload(events[0])["provisional_for"] == ["MNG"]


def test_an_absent_participants_amendment_undoes_a_provisional_adoption(
    record: Record,
) -> None:
    provisional_for_mng(record)

    events = record.position(
        "add-maritime", "MNG", "amendment", date(2015, 4, 27), amendment=AMENDMENT
    )

    assert types(events) == ["PositionRecorded", "ProvisionalAdoptionUndone"]
    assert payload(events[1]) == {
        "proposal": "add-maritime",
        "undone_on": "2015-04-27",
        "objected_by": ["MNG"],
        "reason": "amendment",
    }
    decision = record.decision("add-maritime")
    assert (decision.outcome, decision.reason, decision.by) == (
        "not-adopted",
        "amendment within the silence period",
        ("MNG",),
    )
    assert "maritime-safety" not in record.registry().tracks
    record.refused(
        Decide("add-maritime", date(2015, 5, 1), "KOR"),
        "consensus",
        "closed (not-adopted)",
    )


def test_a_position_in_the_provisional_period_is_dated_after_the_adoption(
    record: Record,
) -> None:
    # Decided two days after the meeting: MNG's objection dated the day
    # between would have counted in the adoption itself.
    provisional_for_mng(record, at=date(2015, 4, 16))
    refusal = record.refused(
        RecordPosition("add-maritime", "MNG", "objection", date(2015, 4, 15), "MNG"),
        "provisional-adoption",
        "add-maritime was adopted on 2015-04-16; a position dated 2015-04-15 would "
        "have counted in the adoption itself",
    )
    assert refusal.remedy == (
        "Date it within the silence period, from 2015-04-16 to 2015-04-30."
    )
    events = record.position("add-maritime", "MNG", "objection", date(2015, 4, 16))
    assert types(events) == ["PositionRecorded", "ProvisionalAdoptionUndone"]


def legacy_amendment(record: Record) -> None:
    """What the record holds where an amendment was recorded in the provisional
    period before amendments undid adoptions: the position alone."""
    amendment = PositionRecorded(
        proposal="add-maritime",
        code="MNG",
        position="amendment",
        recorded_on=date(2015, 4, 27),
        amendment=AMENDMENT,
    )
    record.platform.append(
        [draft(amendment, occurred_at=date(2015, 4, 27), actor="MNG")],
        principal="test",
    )


def test_a_legacy_amendment_in_the_provisional_period_lapses_the_adoption(
    record: Record,
) -> None:
    provisional_for_mng(record)
    legacy_amendment(record)
    assert record.decision("add-maritime").outcome == "provisional"

    events = record.decide("add-maritime", date(2015, 4, 29))

    # Not confirmed: the adoption lapsed on the day of the amendment.
    assert types(events) == ["ProvisionalAdoptionUndone"]
    assert payload(events[0]) == {
        "proposal": "add-maritime",
        "undone_on": "2015-04-27",
        "objected_by": ["MNG"],
        "reason": "amendment",
    }
    assert record.decision("add-maritime").outcome == "not-adopted"
    assert "maritime-safety" not in record.registry().tracks


def test_a_legacy_confirmation_does_not_list_the_amending_participant_as_joining(
    record: Record,
) -> None:
    provisional_for_mng(record)
    legacy_amendment(record)
    confirmed = DecisionConfirmed(
        proposal="add-maritime", confirmed_on=date(2015, 4, 29)
    )
    record.platform.append(
        [draft(confirmed, occurred_at=date(2015, 4, 29), actor="KOR")],
        principal="test",
    )

    decision = record.decision("add-maritime")

    assert decision.outcome == "adopted"
    assert decision.joined == ("CHN", "JPN", "KOR", "RUS", "USA")


# -- open participation is for the seven -----------------------------------------


def test_open_participation_by_notification_is_for_the_seven(record: Record) -> None:
    registry = record.registry()
    seven = sorted(c for c, a in registry.actors.items() if a.prospective_participant)
    assert seven == ["CHN", "JPN", "KOR", "MNG", "PRK", "RUS", "USA"]
    assert registry.actors["CAN"].kind == "state"
    on = date(2015, 3, 2)

    refusal = record.refused(
        JoinActor("CAN", on, "CAN"),
        "open-participation",
        "CAN is not one of the seven Northeast Asian states the initiative begins "
        "with: open participation by notification is theirs; other states take "
        "part as observers or partners",
    )
    assert refusal.remedy == (
        "Table an admit-observer proposal for CAN, or name it a partner of a "
        "project (projects launch --partners)."
    )
    # An invitation does not make a blocking voice either.
    record.run(InviteActor("CAN", on, "KOR"))
    record.refused(JoinActor("CAN", on, "CAN"), "open-participation")
    assert "CAN" not in record.registry().participants()
    # As an observer, by consensus, it is welcome.
    events = record.table("admit-canada", {"kind": "admit-observer", "code": "CAN"}, on)
    assert types(events) == ["ProposalTabled"]
