"""Helpers of the API tests (``test_api_*.py``): setting a record up directly.

A plain module, not a conftest (pytest puts ``tests/web`` on ``sys.path``):
the tests import it by name. Setups go through the Python API (the rules of
procedure, :func:`napci.services.procedure.execute_all`), so that what the
HTTP API is tested on is a record the rules themselves built. Every fact is
dated around :data:`DAY`, in the past.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from napci.domain.envelope import RecordedEvent
from napci.domain.events import KeyRevoked
from napci.domain.key_requests import make_key_request
from napci.domain.procedure import (
    ConveneMeeting,
    HoldMeeting,
    LaunchProject,
    MakeCommitment,
    RecordAttendance,
    RecordIncident,
    TableProposal,
)
from napci.domain.signing import KeyPair, generate_key_pair
from napci.services.drafting import draft
from napci.services.keys import submit_key_request
from napci.services.platform import Platform
from napci.services.procedure import execute_all

__all__ = [
    "DAY",
    "PARTICIPANTS",
    "act",
    "commitment",
    "convene",
    "enter_key",
    "held_meeting",
    "incident",
    "iso",
    "later",
    "project",
    "register_key",
    "revoke_key",
    "table",
]

DAY = date(2015, 6, 1)
PARTICIPANTS: tuple[str, ...] = ("CHN", "JPN", "KOR", "MNG", "RUS", "USA")
ADMIT_SEJONG: dict[str, Any] = {"kind": "admit-observer", "code": "SEJONG"}


def later(days: int) -> date:
    """``days`` after :data:`DAY`."""
    return DAY + timedelta(days=days)


def iso(day: date) -> str:
    """A date as JSON."""
    return day.isoformat()


def act(
    platform: Platform, *commands: Any, secretariat: bool = True
) -> list[RecordedEvent]:
    """Run commands through the rules, as the test's setup: as the
    secretariat, or (``secretariat=False``) as the delegations themselves."""
    result = execute_all(
        platform, list(commands), principal="test:setup", secretariat=secretariat
    )
    return list(result.recorded)


def convene(
    platform: Platform,
    *meetings: str,
    host: str | None = "JPN",
    chair: str | None = None,
    on: date = DAY,
) -> None:
    """The facilitator convenes working meetings on environment."""
    act(
        platform,
        *(
            ConveneMeeting(
                meeting=m,
                title=f"Meeting {m}",
                tracks=("environment",),
                rank="working",
                layer="track-1",
                starts_on=on,
                on=on,
                by="KOR",
                host=host,
                chair=chair,
            )
            for m in meetings
        ),
    )


def held_meeting(
    platform: Platform,
    meeting: str,
    *,
    chair: str | None = "JPN",
    attended: Sequence[str] = PARTICIPANTS,
    on: date = DAY,
) -> None:
    """A meeting convened, attended and held on one day."""
    convene(platform, meeting, host=chair, chair=chair, on=on)
    act(platform, *(RecordAttendance(meeting, c, True, on, "KOR") for c in attended))
    act(platform, HoldMeeting(meeting, on, "KOR"))


def table(
    platform: Platform,
    *proposals: str,
    by: str = "KOR",
    subject: dict[str, Any] | None = None,
    meeting: str | None = None,
    on: date = DAY,
) -> None:
    """Table proposals (admitting SEJONG as an observer, by default)."""
    act(
        platform,
        *(
            TableProposal(
                proposal=p,
                title=f"Proposal {p}",
                subject=subject or ADMIT_SEJONG,
                on=on,
                by=by,
                meeting=meeting,
            )
            for p in proposals
        ),
    )


def project(
    platform: Platform,
    name: str,
    founders: tuple[str, ...] = ("JPN", "MNG"),
    on: date = DAY,
) -> None:
    """Launch a project on environment, recorded by the facilitator."""
    act(
        platform,
        LaunchProject(
            project=name,
            title=f"Project {name}",
            tracks=("environment",),
            founders=founders,
            on=on,
            by="KOR",
        ),
    )


def commitment(
    platform: Platform,
    *names: str,
    project: str,
    code: str = "JPN",
    due_on: date | None = None,
    grace_days: int | None = None,
    on: date = DAY,
) -> None:
    """A member's commitments in a project."""
    act(
        platform,
        *(
            MakeCommitment(
                commitment=n,
                project=project,
                code=code,
                description=f"{code} delivers {n}",
                due_on=due_on or later(180),
                on=on,
                by=code,
                grace_days=grace_days,
            )
            for n in names
        ),
        secretariat=False,  # the member commits itself (KOR: its delegation)
    )


def incident(platform: Platform, name: str, on: date = DAY) -> None:
    """An incident between JPN and CHN (classified ``participants``)."""
    act(
        platform,
        RecordIncident(
            incident=name,
            parties=("JPN", "CHN"),
            occurred_on=on,
            severity=2,
            description="a collision at sea",
            source_title="A news report",
            on=on,
            by="KOR",
        ),
    )


def register_key(platform: Platform, actor: str, on: date = DAY) -> KeyPair:
    """A new key pair for ``actor``, registered and confirmed by ``actor``'s
    own delegation (its key request submitted with its own token): it binds."""
    pair = generate_key_pair()
    submitted = submit_key_request(
        platform,
        make_key_request(pair, actor, on),
        principal=f"user:{actor.lower()}-delegate",
        by=actor,
        secretariat=False,
    )
    assert submitted.confirmed
    return pair


def enter_key(
    platform: Platform,
    actor: str,
    on: date = DAY,
    *,
    by: str | None = None,
    secretariat: bool = False,
) -> KeyPair:
    """A new key pair entered in ``actor``'s name by someone else (``by``;
    no one signed in when None): recorded unconfirmed, it binds no one."""
    pair = generate_key_pair()
    submitted = submit_key_request(
        platform,
        make_key_request(pair, actor, on),
        principal="test:someone-else",
        by=by,
        secretariat=secretariat,
    )
    assert not submitted.confirmed
    return pair


def revoke_key(platform: Platform, pair: KeyPair, actor: str, on: date) -> None:
    """Record ``actor``'s key as revoked (unsigned)."""
    event = KeyRevoked(code=actor, key_id=pair.key_id, revoked_on=on)
    platform.append([draft(event, occurred_at=on, actor=actor)], principal="test:setup")
