"""A gradual, comfortable pace: the hard-track gate and the rank ladder.

The brochure's road-map puts "traditional security agenda such as political
or military issues" on the table only once a solid framework exists (phase 3)
and trust is there (DESIGN §4.4a); meetings rise in rank step by step per
track (§4.4b), as the CSCE/OSCE and ASEAN processes did. The scenario builds
the framework from real evidence (meetings, adopted recognitions and a
vision, a completed project with its commitments kept) and reads the figures
it relies on from ``platform.status`` and ``platform.trust.figures``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from procedure_helpers import (
    FRAMEWORK_TRACKS,
    PARTICIPANTS,
    Record,
    opened,
    payload,
    types,
)

from napci.domain.procedure import ConveneMeeting, Refusal, TableProposal


@pytest.fixture
def record(db_url: str) -> Iterator[Record]:
    with opened(db_url) as opened_record:
        yield opened_record


HARD_TRACK = {
    "kind": "add-track",
    "track": "security-consultation",
    "name": {"en": "Multilateral security consultation"},
    "category": "hard",
}


def table_hard_track(on: date, proposal: str = "add-security") -> TableProposal:
    return TableProposal(
        proposal=proposal,
        title="Put traditional security on the agenda",
        subject=HARD_TRACK,
        on=on,
        by="KOR",
    )


def gate_refusal(record: Record, on: date) -> tuple[Refusal, int, float]:
    """The hard-track proposal refused on ``on``, with the figures it quotes."""
    phase = record.phase(on)
    trust = record.trust(on)
    refusal = record.refused(
        table_hard_track(on),
        "gradual-agenda",
        'adding the hard track "security-consultation" needs phase 3 and '
        "regional trust >= 0.75",
        f"The record shows phase {phase} and trust {trust:.2f}",
    )
    return refusal, phase, trust


def test_a_hard_track_waits_for_phase_3_and_trust(record: Record) -> None:
    # Phase 1: support gained, no practice yet, the trust deficit of 2014.
    refusal, phase, trust = gate_refusal(record, date(2015, 1, 10))
    assert phase == 1
    assert trust == pytest.approx(0.31, abs=0.01)
    assert refusal.remedy is not None
    assert refusal.remedy.startswith("Missing: phase 2 (accumulate practice)")
    assert "regional trust 0.7 (now 0.31" in refusal.remedy

    record.build_framework()

    # Phase 2 at the end of 2015: trust is high enough already, the
    # framework is not (one year of meetings, no common vision).
    refusal, phase, trust = gate_refusal(record, date(2015, 12, 31))
    assert phase == 2
    assert trust >= 0.75
    assert refusal.remedy is not None
    assert "a vision document adopted by all participants" in refusal.remedy
    assert "3 more track(s) meeting in each of two consecutive years" in (
        refusal.remedy
    )

    # Phase 3 after two years running, with the figures the gate relies on.
    on = date(2017, 1, 16)
    status = record.platform.status(on)
    assert status.phase == 3
    framework = {c.name: c for c in status.checks[2].criteria}
    assert framework["tracks meeting two years running"].evidence == tuple(
        sorted(FRAMEWORK_TRACKS)
    )
    assert framework["a common vision adopted by all participants"].met
    figures = record.platform.trust.figures(on)
    assert figures.participants == PARTICIPANTS
    assert figures.regional_index is not None
    assert figures.regional_index >= 0.75
    assert status.objectives.foundation["regional_trust_index"] == pytest.approx(
        figures.regional_index, abs=1e-6
    )

    # Now it is admitted: tabled at a meeting, adopted by consensus.
    record.convene("security-2017", FRAMEWORK_TRACKS, on, rank="working")
    events = record.run(
        TableProposal(
            proposal="add-security",
            title="Put traditional security on the agenda",
            subject=HARD_TRACK,
            on=on,
            by="KOR",
            meeting="security-2017",
        )
    )
    assert types(events) == ["ProposalTabled"]
    record.attend("security-2017", on)
    record.hold("security-2017", on)
    events = record.decide("add-security", on)
    assert types(events) == ["DecisionAdopted", "TrackAdded"]
    assert payload(events[1])["category"] == "hard"
    assert record.registry().tracks["security-consultation"].category == "hard"
    # Beyond phase 3: a multilateral security consultation body.
    assert record.phase(on) == 4
    # And the new track starts at the bottom of the rank ladder.
    record.refused(
        ConveneMeeting(
            "security-ministerial",
            "Security consultation, ministerial",
            ("security-consultation",),
            "ministerial",
            "track-1",
            on,
            on,
            "KOR",
        ),
        "gradual-rank",
        "needs 2 track-1 senior-official meetings held before it starts (2017-01-16); "
        "the record shows 0",
    )


def test_a_phase_is_declared_only_once_the_record_meets_it(record: Record) -> None:
    on = date(2015, 2, 1)
    record.refused(
        TableProposal(
            "declare-3",
            "Declare phase 3",
            {"kind": "declare-phase", "phase": 3},
            on,
            "KOR",
        ),
        "road-map",
        "the record meets phase 1, not phase 3",
        "A phase is declared once the record meets its criteria.",
    )
    events = record.table("declare-1", {"kind": "declare-phase", "phase": 1}, on)
    assert types(events) == ["ProposalTabled"]


def test_a_track_already_on_the_agenda_is_not_added_again(record: Record) -> None:
    record.refused(
        TableProposal(
            "add-environment",
            "Environment",
            {
                "kind": "add-track",
                "track": "environment",
                "name": {"en": "Environment"},
                "category": "soft",
            },
            date(2015, 2, 1),
            "KOR",
        ),
        "agenda",
        "environment is on the agenda already",
    )


def test_meeting_rank_rises_one_step_after_two_meetings_below(record: Record) -> None:
    def convene(meeting: str, rank: str, day: date) -> ConveneMeeting:
        return ConveneMeeting(
            meeting,
            f"Environment, {rank}",
            ("environment",),
            rank,
            "track-1",
            day,
            day,
            "KOR",
        )

    # The record holds one senior-official meeting on environment (NEASPEC
    # SOM-18, Nov 2013) and no working meeting.
    registry = record.registry()
    assert registry.meetings["neaspec-som-18"].rank == "senior-official"
    refusal = record.refused(
        convene("environment-ministerial", "ministerial", date(2015, 3, 1)),
        "gradual-rank",
        "a track-1 ministerial meeting on environment needs 2 track-1 "
        "senior-official meetings held before it starts (2015-03-01); the record "
        "shows 1",
    )
    assert refusal.remedy == (
        "Convene it at senior-official rank, or hold 1 more track-1 "
        "senior-official meeting(s) on environment and have it start after them."
    )
    record.refused(
        convene("environment-som", "senior-official", date(2015, 3, 1)),
        "gradual-rank",
        "needs 2 track-1 working meetings held before it starts (2015-03-01); "
        "the record shows 0",
    )
    record.refused(
        convene("environment-summit", "summit", date(2015, 3, 1)),
        "gradual-rank",
        "needs 2 track-1 ministerial meetings held before it starts",
    )

    record.meeting("environment-w1", ("environment",), date(2015, 3, 1))
    # A convened meeting is not a held one.
    record.convene("environment-w2", ("environment",), date(2015, 4, 1))
    record.refused(
        convene("environment-som", "senior-official", date(2015, 4, 2)),
        "gradual-rank",
        "the record shows 1",
    )
    record.attend("environment-w2", date(2015, 4, 1))
    record.hold("environment-w2", date(2015, 4, 1))
    record.meeting(
        "environment-som", ("environment",), date(2015, 5, 1), rank="senior-official"
    )
    # Two senior-official meetings now: NEASPEC SOM-18 and this one.
    events = record.run(
        convene("environment-ministerial", "ministerial", date(2015, 6, 1))
    )
    assert types(events) == ["MeetingConvened"]
    # One step at a time: a summit needs two ministerial meetings held.
    record.refused(
        convene("environment-summit", "summit", date(2015, 6, 1)),
        "gradual-rank",
        "the record shows 0",
    )


def test_a_multilateral_high_level_meeting_without_a_track_is_not_a_loophole(
    record: Record,
) -> None:
    record.refused(
        ConveneMeeting(
            "napci-summit-2015",
            "NAPCI summit",
            (),
            "summit",
            "track-1",
            date(2015, 3, 1),
            date(2015, 3, 1),
            "KOR",
        ),
        "gradual-rank",
    )
