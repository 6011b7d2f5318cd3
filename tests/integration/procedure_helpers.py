"""Helpers of the rules-of-procedure scenario tests (``test_procedure_*.py``).

A plain module, not a conftest: ``tests/`` is not a package and pytest puts
each test file's directory on ``sys.path`` (the rootdir conftest imports
``pg_server`` the same way), so the scenario modules import it by name::

    from procedure_helpers import PARTICIPANTS, Record, opened

:class:`Record` drives the Python API the way the secretariat and the
delegations do: ``execute(platform, Command(...), principal=...,
secretariat=...)`` from :mod:`napci.services.procedure`, on a record that
``Platform.init`` has loaded with the NAPCI record 2013-2014. It acts as the
secretariat, as the CLI does (the facilitator's authority applies when the
facilitator acts), unless told ``secretariat=False`` (a delegation only). Its
``refused`` and ``invalid`` helpers check that a refusal appends nothing (the
ledger head is the same before and after).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest

from napci.domain.envelope import RecordedEvent
from napci.domain.procedure import (
    CompleteProject,
    ConveneMeeting,
    Decide,
    FulfilCommitment,
    HoldMeeting,
    IssueDocument,
    JoinProject,
    LaunchProject,
    MakeCommitment,
    RecordAttendance,
    RecordPosition,
    Refusal,
    TableProposal,
)
from napci.domain.process import DecisionView
from napci.domain.registry import Registry
from napci.services.platform import Platform, open_platform
from napci.services.procedure import InvalidCommand, execute_all
from napci.settings import Settings

__all__ = [
    "FACILITATOR",
    "FRAMEWORK_TRACKS",
    "OBSERVERS",
    "PARTICIPANTS",
    "Record",
    "opened",
    "payload",
    "types",
]

#: The participants of the NAPCI record 2013-2014 (the DPRK is invited only).
PARTICIPANTS: tuple[str, ...] = ("CHN", "JPN", "KOR", "MNG", "RUS", "USA")
OBSERVERS: tuple[str, ...] = ("ASEAN", "EU")
FACILITATOR = "KOR"
#: The soft tracks the framework build-up meets on, two years running.
FRAMEWORK_TRACKS: tuple[str, ...] = (
    "nuclear-safety",
    "energy-security",
    "environment",
    "disaster-relief",
)


def payload(event: RecordedEvent) -> dict[str, Any]:
    """An event's payload as JSON data, without its ``sources`` when empty.

    The rules cite no sources (an incident apart), so the empty list is left
    out to keep the expected payloads of the tests to the point.
    """
    data: dict[str, Any] = json.loads(event.payload_json)
    if data.get("sources") == []:
        del data["sources"]
    return data


def types(events: Sequence[RecordedEvent]) -> list[str]:
    """The types of ``events``, in order."""
    return [e.type for e in events]


class Record:
    """A NAPCI record driven through the rules of procedure."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    # -- running commands ---------------------------------------------------

    def head(self) -> tuple[int, str]:
        """The ledger head: (seq, hash)."""
        return self.platform.ledger.head()

    def run(
        self,
        *commands: Any,
        today: date | None = None,
        secretariat: bool = True,
        clearance: tuple[str, ...] | None = None,
    ) -> list[RecordedEvent]:
        """Judge ``commands`` and append what they bring about; the events.

        ``secretariat``: whether the caller acts as the facilitator's
        secretariat (by default, as the CLI does) or as a delegation only.
        ``clearance``: what the caller may read (by default everything, as the
        secretariat does); a delegate reads ``("public", "participants")``.
        """
        result = execute_all(
            self.platform,
            list(commands),
            principal="test",
            secretariat=secretariat,
            today=today,
            **({} if clearance is None else {"clearance": clearance}),
        )
        return list(result.recorded)

    def refused(
        self,
        command: Any,
        rule: str,
        *fragments: str,
        today: date | None = None,
        secretariat: bool = True,
        clearance: tuple[str, ...] | None = None,
    ) -> Refusal:
        """Check ``command`` is refused by ``rule`` and appends nothing."""
        before = self.head()
        with pytest.raises(Refusal) as info:
            self.run(command, today=today, secretariat=secretariat, clearance=clearance)
        refusal = info.value
        assert refusal.rule == rule, f"refused by {refusal.rule}, not {rule}: {refusal}"
        for fragment in fragments:
            assert fragment in str(refusal), f"{fragment!r} not in {refusal}"
        assert self.head() == before, f"a refusal appended something: {refusal}"
        return refusal

    def invalid(self, command: Any, *fragments: str) -> InvalidCommand:
        """Check ``command`` fails validation and appends nothing."""
        before = self.head()
        with pytest.raises(InvalidCommand) as info:
            self.run(command)
        for fragment in fragments:
            assert fragment in str(info.value), f"{fragment!r} not in {info.value}"
        assert self.head() == before, f"an invalid command appended: {info.value}"
        return info.value

    # -- reading ------------------------------------------------------------

    def registry(self) -> Registry:
        """The registry as the record stands."""
        return self.platform.registry()

    def decision(self, proposal: str) -> DecisionView:
        """A proposal and its outcome."""
        return self.registry().decisions[proposal]

    def phase(self, on: date) -> int:
        """The road-map phase the record meets on ``on``."""
        return self.platform.status(on).phase

    def trust(self, on: date) -> float:
        """The regional trust index on ``on``."""
        index = self.platform.trust.figures(on).regional_index
        assert index is not None
        return index

    # -- meetings -----------------------------------------------------------

    def convene(
        self,
        meeting: str,
        tracks: Sequence[str],
        starts_on: date,
        *,
        rank: str = "working",
        layer: str = "track-1",
        host: str | None = None,
        chair: str | None = None,
        on: date | None = None,
        by: str = FACILITATOR,
    ) -> list[RecordedEvent]:
        """Convene a meeting (by the facilitator, on its first day by default)."""
        return self.run(
            ConveneMeeting(
                meeting=meeting,
                title=f"Meeting {meeting}",
                tracks=tuple(tracks),
                rank=rank,
                layer=layer,
                starts_on=starts_on,
                on=on or starts_on,
                by=by,
                host=host,
                chair=chair,
            )
        )

    def attend(
        self,
        meeting: str,
        on: date,
        attended: Sequence[str] = PARTICIPANTS,
        absent: Sequence[str] = (),
        *,
        by: str = FACILITATOR,
    ) -> list[RecordedEvent]:
        """Record who attended and who did not."""
        return self.run(
            *(RecordAttendance(meeting, c, True, on, by) for c in attended),
            *(RecordAttendance(meeting, c, False, on, by) for c in absent),
        )

    def hold(self, meeting: str, on: date, *, by: str = FACILITATOR) -> None:
        """Record the meeting held on ``on``."""
        self.run(HoldMeeting(meeting, on, by))

    def meeting(
        self,
        meeting: str,
        tracks: Sequence[str],
        on: date,
        attended: Sequence[str] = PARTICIPANTS,
        absent: Sequence[str] = (),
        **convene: Any,
    ) -> None:
        """Convene, record attendance, hold: a meeting on one day."""
        self.convene(meeting, tracks, on, **convene)
        self.attend(meeting, on, attended, absent)
        self.hold(meeting, on)

    # -- proposals ----------------------------------------------------------

    def table(
        self,
        proposal: str,
        subject: dict[str, Any],
        on: date,
        *,
        by: str = FACILITATOR,
        meeting: str | None = None,
        tracks: Sequence[str] = (),
    ) -> list[RecordedEvent]:
        """Table a proposal."""
        return self.run(
            TableProposal(
                proposal=proposal,
                title=f"Proposal {proposal}",
                subject=subject,
                on=on,
                by=by,
                meeting=meeting,
                tracks=tuple(tracks),
            )
        )

    def position(
        self, proposal: str, code: str, position: str, on: date, **extra: Any
    ) -> list[RecordedEvent]:
        """``code``'s delegation records its own position (never the
        secretariat: for KOR, the ROK's delegation acts)."""
        return self.run(
            RecordPosition(proposal, code, position, on, code, **extra),
            secretariat=False,
        )

    def decide(
        self, proposal: str, at: date, *, by: str = FACILITATOR
    ) -> list[RecordedEvent]:
        """Close (or confirm) a proposal."""
        return self.run(Decide(proposal, at, by))

    def issue(
        self,
        document: str,
        kind: str,
        on: date,
        *,
        tracks: Sequence[str] = (),
        by: str = FACILITATOR,
        meeting: str | None = None,
    ) -> list[RecordedEvent]:
        """Issue a document (a recognition or vision is a draft until adopted)."""
        return self.run(
            IssueDocument(
                document=document,
                kind=kind,
                title=f"Document {document}",
                on=on,
                by=by,
                tracks=tuple(tracks),
                meeting=meeting,
            )
        )

    def adopt_at_meeting(
        self,
        document: str,
        kind: str,
        meeting: str,
        tracks: Sequence[str],
        on: date,
        *,
        host: str,
    ) -> list[RecordedEvent]:
        """A meeting every participant attends adopts a document its host drafted."""
        self.convene(meeting, tracks, on, host=host, chair=host)
        self.issue(document, kind, on, tracks=tracks, by=host, meeting=meeting)
        proposal = f"adopt-{document}"
        self.table(
            proposal,
            {"kind": "adopt-document", "document": document},
            on,
            by=host,
            meeting=meeting,
            tracks=tracks,
        )
        self.attend(meeting, on)
        self.hold(meeting, on)
        return self.decide(proposal, on, by=host)

    # -- the framework, two years running -----------------------------------

    def build_framework(self) -> None:
        """Two years of practice that take the road-map from phase 1 to 3.

        2015: a working meeting on each of four soft tracks with all six
        participants, each adopting a common recognition of its track; a
        disaster-relief project of all six is launched. 2016: the four
        tracks meet again, the last meeting adopts a common vision by all
        participants, and the project, every commitment kept, completes.
        """
        hosts_2015 = ("JPN", "CHN", "MNG", "RUS")
        days_2015 = (
            date(2015, 3, 10),
            date(2015, 5, 12),
            date(2015, 7, 14),
            date(2015, 9, 15),
        )
        for track, host, day in zip(
            FRAMEWORK_TRACKS, hosts_2015, days_2015, strict=True
        ):
            self.adopt_at_meeting(
                f"recognition-{track}",
                "recognition",
                f"{track}-2015",
                (track,),
                day,
                host=host,
            )
        self.project_of_all("disaster-drill", "disaster-relief", date(2015, 4, 1))
        hosts_2016 = ("USA", "KOR", "JPN", "CHN")
        days_2016 = (
            date(2016, 2, 16),
            date(2016, 4, 12),
            date(2016, 6, 14),
            date(2016, 8, 16),
        )
        for track, host, day in zip(
            FRAMEWORK_TRACKS, hosts_2016, days_2016, strict=True
        ):
            if track == FRAMEWORK_TRACKS[-1]:
                self.adopt_at_meeting(
                    "vision-2016", "vision", f"{track}-2016", (track,), day, host=host
                )
            else:
                self.meeting(f"{track}-2016", (track,), day, host=host, chair=host)
        self.complete_project("disaster-drill", date(2016, 3, 1), date(2016, 9, 30))

    def project_of_all(self, project: str, track: str, launched_on: date) -> None:
        """KOR and JPN launch a project; the others join; each member commits."""
        self.run(
            LaunchProject(
                project=project,
                title=f"Project {project}",
                tracks=(track,),
                founders=("KOR", "JPN"),
                on=launched_on,
                by="KOR",
            )
        )
        joiners = [c for c in PARTICIPANTS if c not in ("KOR", "JPN")]
        self.run(*(JoinProject(project, c, launched_on, c) for c in joiners))
        # Each delegation commits itself (the ROK's delegation, not the
        # secretariat, for KOR).
        self.run(
            *(
                MakeCommitment(
                    commitment=f"{project}-{c.lower()}",
                    project=project,
                    code=c,
                    description=f"{c} contributes its share",
                    due_on=date(launched_on.year + 1, 3, 31),
                    on=launched_on,
                    by=c,
                )
                for c in PARTICIPANTS
            ),
            secretariat=False,
        )

    def complete_project(self, project: str, kept_on: date, completed_on: date) -> None:
        """Every member keeps its commitment; KOR completes the project."""
        self.run(
            *(
                FulfilCommitment(f"{project}-{c.lower()}", kept_on, c)
                for c in PARTICIPANTS
            )
        )
        self.run(CompleteProject(project, completed_on, "KOR", "done"))


@contextmanager
def opened(db_url: str) -> Iterator[Record]:
    """A record on ``db_url`` with the NAPCI record 2013-2014 loaded."""
    platform = open_platform(Settings(db_url), migrate=True)
    try:
        platform.init(principal="test")
        yield Record(platform)
    finally:
        platform.close()
