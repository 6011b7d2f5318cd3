"""Every refusal says what would make the command admissible.

STYLE and DESIGN §4: "every refusal is an error that names the rule and says
what would make the command admissible". ``Refusal`` takes its remedy as a
required argument, and this module drives one refusal from every place the
rules of procedure and the services refuse (every ``require``, ``Refusal``
and ``require_facilitator_or`` call), on a record staged once per backend,
and checks each message: ``Refused: <what> (rule <rule>). <remedy>``, the
remedy a sentence of its own. Nothing refused appends anything (the head is
the same before and after, as ``Record.refused`` checks).

``test_every_refusal_site_is_tried`` finds the call sites in the source and
fails when one has no scenario here, so a new refusal comes with its remedy
tried.
"""

from __future__ import annotations

import ast
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from procedure_helpers import Record, opened
from psycopg import sql
from sqlalchemy.engine import make_url

import napci
from napci.domain.key_requests import make_key_request
from napci.domain.procedure import (
    AcknowledgeAttendance,
    AssessCommitments,
    CancelMeeting,
    CompleteProject,
    ConfirmAttendance,
    ConveneMeeting,
    Decide,
    FulfilCommitment,
    HoldMeeting,
    InviteActor,
    IssueDocument,
    JoinActor,
    JoinProject,
    LaunchProject,
    LeaveProject,
    MakeCommitment,
    ReachMilestone,
    RecordAttendance,
    RecordIncident,
    RecordPosition,
    Refusal,
    RegisterActor,
    StartSilence,
    TableProposal,
    WithdrawActor,
    WithdrawProposal,
    advise,
    next_host,
)
from napci.domain.signing import KeyPair, generate_key_pair
from napci.services.keys import revoke_key, submit_key_request
from napci.services.procedure import execute, execute_all
from napci.services.signed import draft_position, record_position

SRC = Path(napci.__file__).parent
#: Where refusals are raised: the rules of procedure and the services.
REFUSING = (*sorted((SRC / "domain" / "procedure").glob("*.py")),)
SERVICES = (SRC / "services" / "procedure.py", SRC / "services" / "signed.py")
#: Refused: <what is wrong> (rule <rule>). <remedy: a sentence of its own>
MESSAGE = re.compile(
    r"^Refused: (?P<reason>.+) \(rule (?P<rule>[a-z][a-z-]*)\)\. "
    r"(?P<remedy>[A-Z0-9{(].*[.)])$",
    re.DOTALL,
)

D0 = date(2015, 3, 2)

#: The USA's key, registered and confirmed by its delegation on D0: it binds.
USA_KEY = generate_key_pair()
#: RUS's keys: one its delegation registered and revoked, one the
#: secretariat entered in its name (unconfirmed, binding no one).
RUS_REVOKED = generate_key_pair()
RUS_ENTERED = generate_key_pair()
ENTERED_ON = date(2015, 3, 10)
#: The day JPN, host of m-reported, reported CHN's attendance there.
REPORTED_ON = date(2015, 3, 5)


# -- the staged record -----------------------------------------------------------


def stage(record: Record) -> None:
    """A record holding something of everything a command can be refused on."""
    run = record.run
    # Keys: the USA's binds; RUS's one revoked, one entered by the secretariat.
    for pair, code, by, on in (
        (USA_KEY, "USA", "USA", D0),
        (RUS_REVOKED, "RUS", "RUS", D0),
        (RUS_ENTERED, "RUS", "KOR", ENTERED_ON),
    ):
        submitted = submit_key_request(
            record.platform,
            make_key_request(pair, code, on),
            principal=f"user:{by.lower()}",
            by=by,
            secretariat=by != code,
        )
        assert submitted.confirmed == (by == code)
    revoke_key(
        record.platform,
        RUS_REVOKED.key_id,
        principal="user:rus",
        by="RUS",
        secretariat=False,
        on=date(2015, 3, 3),
    )
    record.meeting("m-held", ("environment",), D0, host="JPN", chair="JPN")
    record.convene(
        "m-convened",
        ("environment",),
        date(2015, 6, 1),
        host="JPN",
        chair="JPN",
        on=D0,
    )
    record.convene("m-cancelled", ("environment",), date(2015, 6, 2), on=D0)
    # JPN, its host, reports CHN's attendance; CHN has not acknowledged it.
    record.convene("m-reported", ("environment",), D0, host="JPN", chair="JPN")
    run(RecordAttendance("m-reported", "CHN", True, REPORTED_ON, "JPN"))
    run(CancelMeeting("m-cancelled", D0, "KOR"))
    record.issue("d-rec", "recognition", D0, tracks=("environment",), by="MNG")
    record.issue("d-chair", "chair-statement", D0, by="JPN", meeting="m-held")
    # Proposals: open at a meeting to come, open nowhere, under a silence
    # whose deadline has passed, adopted, provisional for MNG.
    admit = {"kind": "admit-observer", "code": "SEJONG"}
    record.table("p-open", admit, D0, by="JPN", meeting="m-convened")
    record.table("p-nowhere", {"kind": "admit-observer", "code": "IFANS"}, D0)
    record.table("p-silence", admit, date(2015, 3, 10))
    run(StartSilence("p-silence", date(2015, 3, 20), date(2015, 3, 10), "KOR"))
    record.table(
        "p-closed",
        {"kind": "adopt-document", "document": "d-rec"},
        D0,
        meeting="m-held",
    )
    record.decide("p-closed", D0)
    prov = date(2015, 4, 14)
    record.convene("m-prov", ("environment",), prov)
    record.table(
        "p-provisional",
        {
            "kind": "add-track",
            "track": "maritime",
            "name": {"en": "Maritime"},
            "category": "soft",
        },
        prov,
        meeting="m-prov",
    )
    record.attend("m-prov", prov, ("CHN", "JPN", "KOR", "RUS", "USA"), ("MNG",))
    record.hold("m-prov", prov)
    record.decide("p-provisional", date(2015, 4, 16))  # provisional until 04-30
    # Projects: under way, one member only, completed; commitments.
    launched = date(2015, 4, 1)
    run(LaunchProject("px", "X", ("environment",), ("CHN", "JPN"), launched, "KOR"))
    run(
        LaunchProject(
            "px-one", "One", ("environment",), ("CHN", "MNG"), launched, "CHN"
        )
    )
    run(
        LaunchProject("px-done", "D", ("environment",), ("CHN", "JPN"), launched, "KOR")
    )
    run(CompleteProject("px-done", date(2015, 5, 1), "CHN"))
    made = date(2015, 4, 2)
    run(
        MakeCommitment("c-open", "px", "CHN", "data", date(2016, 12, 31), made, "CHN"),
        MakeCommitment(
            "c-kept", "px", "JPN", "portal", date(2015, 12, 31), made, "JPN"
        ),
        MakeCommitment(
            "c-late", "px", "JPN", "a report", date(2015, 4, 30), made, "JPN", 0
        ),
    )
    run(FulfilCommitment("c-kept", date(2015, 5, 1), "JPN"))
    run(ReachMilestone("px", "ms-1", "Stations online", date(2015, 5, 2), "CHN"))
    record.table(
        "p-widen",
        {"kind": "widen-project", "project": "px", "tracks": ["disaster-relief"]},
        date(2015, 5, 3),
        by="CHN",
    )
    run(
        RecordIncident(
            "i-1",
            ("CHN", "JPN"),
            D0,
            2,
            "A vessel collision.",
            "A news agency",
            D0,
            "KOR",
        )
    )


def _postgres_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on the session's PostgreSQL server, for this module."""
    lane = request.getfixturevalue("postgres_lane")
    if lane.server_url is None:
        pytest.skip(lane.problem)
    server = lane.server_url
    name = f"napci_test_{uuid.uuid4().hex}"
    conninfo = make_url(str(server.render_as_string(hide_password=False)))
    conninfo = conninfo.set(drivername="postgresql").render_as_string(
        hide_password=False
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ],
)
def staged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Record]:
    """The staged record, once per backend and module (refusals append
    nothing, so every scenario finds it as staged)."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter(
            [f"sqlite:///{tmp_path_factory.mktemp('remedies') / 'napci.db'}"]
        )
    else:
        urls = _postgres_database(request)
    url = next(urls)
    try:
        with opened(url) as record:
            stage(record)
            yield record
    finally:
        for _ in urls:  # drop the PostgreSQL database
            pass


# -- the scenarios -----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One refusal: what triggers it, and the rule that refuses it."""

    name: str
    rule: str
    command: Any = None
    secretariat: bool = True
    #: Instead of running ``command``: how to provoke the refusal.
    provoke: Callable[[Record], object] | None = None


def _future() -> date:
    return datetime.now(UTC).date() + timedelta(days=2)


def _convene(meeting: str, by: str = "KOR", **change: Any) -> ConveneMeeting:
    fields: dict[str, Any] = {
        "meeting": meeting,
        "title": "A meeting",
        "tracks": ("disaster-relief",),
        "rank": "working",
        "layer": "track-1",
        "starts_on": date(2015, 7, 1),
        "on": date(2015, 6, 1),
        "by": by,
        "host": "JPN",
    }
    fields.update(change)
    return ConveneMeeting(**fields)


def _table(proposal: str, subject: dict[str, Any], by: str = "KOR", **change: Any):
    fields: dict[str, Any] = {
        "proposal": proposal,
        "title": "A proposal",
        "subject": subject,
        "on": date(2015, 6, 1),
        "by": by,
    }
    fields.update(change)
    return TableProposal(**fields)


def _launch(project: str, founders: tuple[str, ...], by: str, **change: Any):
    fields: dict[str, Any] = {
        "project": project,
        "title": "A project",
        "tracks": ("environment",),
        "founders": founders,
        "on": date(2015, 6, 1),
        "by": by,
    }
    fields.update(change)
    return LaunchProject(**fields)


def _issue(document: str, by: str = "JPN", **change: Any) -> IssueDocument:
    fields: dict[str, Any] = {
        "document": document,
        "kind": "statement",
        "title": "A statement",
        "on": date(2015, 6, 1),
        "by": by,
    }
    fields.update(change)
    return IssueDocument(**fields)


def _incident(incident: str, **change: Any) -> RecordIncident:
    fields: dict[str, Any] = {
        "incident": incident,
        "parties": ("CHN", "JPN"),
        "occurred_on": date(2015, 6, 1),
        "severity": 2,
        "description": "An incident.",
        "source_title": "A source",
        "on": date(2015, 6, 1),
        "by": "KOR",
    }
    fields.update(change)
    return RecordIncident(**fields)


def _position(code: str, position: str, on: date, proposal: str = "p-open", **extra):
    return RecordPosition(proposal, code, position, on, code, **extra)


def _sign_unregistered(record: Record) -> object:
    return execute(
        record.platform,
        _position("JPN", "support", date(2015, 6, 1)),
        principal="test",
        secretariat=True,
        key=generate_key_pair(),
    )


def _unsigned_with_a_key(record: Record) -> object:
    return record_position(
        record.platform, _position("USA", "support", date(2015, 6, 1)), principal="t"
    )


def _bad_signature(record: Record) -> object:
    (key,) = (k for k in record.registry().keys.values() if k.code == "USA")
    return record_position(
        record.platform,
        _position("USA", "support", date(2015, 6, 1)),
        principal="t",
        event_id=str(uuid.uuid4()),
        signer=key.key_id,
        signature="AAAA",
    )


def _request(pair: KeyPair, code: str, on: date, by: str) -> Callable[[Record], object]:
    """Submit a key request for ``pair`` as ``code``'s, by ``by``'s delegation
    (the secretariat when ``by`` is the facilitator)."""

    def submit(record: Record) -> object:
        return submit_key_request(
            record.platform,
            make_key_request(pair, code, on),
            principal="t",
            by=by,
            secretariat=by == "KOR",
        )

    return submit


def _revoke(key_id: str, by: str, on: date) -> Callable[[Record], object]:
    """Revoke ``key_id`` by ``by``'s delegation."""

    def revoke(record: Record) -> object:
        return revoke_key(
            record.platform, key_id, principal="t", by=by, secretariat=False, on=on
        )

    return revoke


CASES: tuple[Case, ...] = (
    # -- standing.py: nothing is dated before the acting party is in the record
    Case(
        "dated before the actor entered",
        "no-backdating",
        _issue("d-new", by="MNG", on=date(2013, 3, 1)),  # MNG entered 2013-05-08
    ),
    Case(
        "secretariat's act before the role",
        "no-backdating",
        _issue("d-new", by="KOR", on=date(2013, 4, 1)),  # facilitator from 05-08
    ),
    # -- participation.py
    Case("no-future", "no-future", InviteActor("PRK", _future(), "KOR")),
    Case("unknown actor", "registry", JoinActor("XXX", D0, "XXX")),
    Case(
        "facilitator's act by its delegation",
        "facilitator",
        RegisterActor("OSCE", "OSCE", "organisation", "track-1", D0, "KOR"),
        secretariat=False,
    ),
    Case(
        "facilitator's act by another",
        "facilitator",
        RegisterActor("OSCE", "OSCE", "organisation", "track-1", D0, "JPN"),
    ),
    Case("own act", "own-act", JoinActor("PRK", D0, "KOR")),
    Case(
        "registered twice",
        "registry",
        RegisterActor("JPN", "Japan", "state", "track-1", D0, "KOR"),
    ),
    Case("organisation joins", "open-participation", JoinActor("ASEAN", D0, "ASEAN")),
    Case("outside the seven", "open-participation", JoinActor("CAN", D0, "CAN")),
    Case("joins twice", "open-participation", JoinActor("JPN", D0, "JPN")),
    Case("withdraws unjoined", "open-participation", WithdrawActor("PRK", D0, "PRK")),
    Case("invites a participant", "open-participation", InviteActor("JPN", D0, "KOR")),
    Case("convened twice", "registry", _convene("m-held")),
    Case("convenes unasked", "facilitator", _convene("m-new", by="CHN")),
    Case("unknown track", "known-track", _convene("m-new", tracks=("nowhere",))),
    Case("rank ladder", "gradual-rank", _convene("m-new", rank="ministerial")),
    Case("unknown meeting", "registry", ConfirmAttendance("nope", "JPN", D0, "JPN")),
    Case(
        "confirms a held meeting",
        "meetings",
        ConfirmAttendance("m-held", "JPN", D0, "JPN"),
    ),
    Case(
        "records attendance unasked",
        "facilitator",
        RecordAttendance("m-convened", "CHN", True, D0, "CHN"),
    ),
    Case(
        "attendance of a cancelled meeting",
        "meetings",
        RecordAttendance("m-cancelled", "CHN", True, D0, "KOR"),
    ),
    Case(
        "host of a meeting before it took part",
        "no-backdating",
        _convene("m-new", by="JPN", starts_on=date(2013, 4, 1), on=date(2013, 4, 1)),
    ),
    Case("held twice", "meetings", HoldMeeting("m-held", D0, "KOR")),
    Case("held too early", "meetings", HoldMeeting("m-convened", D0, "KOR")),
    Case("cancels a held meeting", "meetings", CancelMeeting("m-held", D0, "KOR")),
    Case("issued twice", "registry", _issue("d-rec")),
    Case(
        "chair's statement by another",
        "chair-statement",
        _issue("d-new", kind="chair-statement"),
    ),
    Case("document by an outsider", "observer", _issue("d-new", by="SEJONG")),
    Case("document on no track", "known-track", _issue("d-new", tracks=("nowhere",))),
    # -- attendance.py
    Case(
        "acknowledges at a cancelled meeting",
        "meetings",
        AcknowledgeAttendance("m-cancelled", "CHN", D0, "CHN"),
    ),
    Case(
        "acknowledges nothing reported",
        "attendance",
        AcknowledgeAttendance("m-convened", "CHN", D0, "CHN"),
    ),
    Case(
        "acknowledges twice",
        "attendance",
        AcknowledgeAttendance("m-held", "JPN", D0, "JPN"),
    ),
    Case(
        "acknowledges before the report",
        "no-backdating",
        AcknowledgeAttendance("m-reported", "CHN", D0, "CHN"),
    ),
    # -- decisions.py
    Case(
        "position before tabling",
        "consensus",
        _position("JPN", "support", date(2015, 3, 1)),
    ),
    Case("unknown proposal", "registry", Decide("nope", D0, "KOR")),
    Case(
        "track added twice",
        "agenda",
        _table(
            "p-new",
            {
                "kind": "add-track",
                "track": "environment",
                "name": {"en": "E"},
                "category": "soft",
            },
        ),
    ),
    Case(
        "hard track too early",
        "gradual-agenda",
        _table(
            "p-new",
            {
                "kind": "add-track",
                "track": "security",
                "name": {"en": "Security"},
                "category": "hard",
            },
        ),
    ),
    Case(
        "admits a participant",
        "observer",
        _table("p-new", {"kind": "admit-observer", "code": "JPN"}),
    ),
    Case(
        "admits an observer",
        "observer",
        _table("p-new", {"kind": "admit-observer", "code": "ASEAN"}),
    ),
    Case(
        "adopts no document",
        "registry",
        _table("p-new", {"kind": "adopt-document", "document": "nope"}),
    ),
    Case(
        "adopts a chair's statement",
        "chair-statement",
        _table("p-new", {"kind": "adopt-document", "document": "d-chair"}),
    ),
    Case(
        "widens a completed project",
        "projects",
        _table(
            "p-new",
            {"kind": "widen-project", "project": "px-done", "tracks": ["cyberspace"]},
        ),
    ),
    Case(
        "mechanism twice",
        "registry",
        _table(
            "p-new",
            {
                "kind": "launch-mechanism",
                "mechanism": "trm",
                "name": {"en": "TRM"},
                "tracks": ["nuclear-safety"],
                "members": ["KOR", "JPN"],
            },
        ),
    ),
    Case(
        "widens no mechanism",
        "registry",
        _table(
            "p-new",
            {
                "kind": "launch-mechanism",
                "mechanism": "new-forum",
                "name": {"en": "Forum"},
                "tracks": ["nuclear-safety"],
                "members": ["KOR", "JPN"],
                "widens": "nope",
            },
        ),
    ),
    Case(
        "declares a phase too soon",
        "road-map",
        _table("p-new", {"kind": "declare-phase", "phase": 3}),
    ),
    Case(
        "violation by a non-participant",
        "consensus-minus-one",
        _table("p-new", {"kind": "violation", "concerned": "PRK", "finding": "f"}),
    ),
    Case(
        "proposal on no track",
        "known-track",
        _table("p-new", {"kind": "declare-phase", "phase": 1}, tracks=("nowhere",)),
    ),
    Case(
        "tabled twice",
        "registry",
        _table("p-open", {"kind": "declare-phase", "phase": 1}),
    ),
    Case(
        "tabled by an observer",
        "observer",
        _table("p-new", {"kind": "declare-phase", "phase": 1}, by="ASEAN"),
    ),
    Case(
        "tabled at a cancelled meeting",
        "registry",
        _table("p-new", {"kind": "declare-phase", "phase": 1}, meeting="m-cancelled"),
    ),
    Case(
        "silence started unasked",
        "silence",
        StartSilence("p-open", date(2015, 7, 1), date(2015, 6, 1), "CHN"),
    ),
    Case(
        "silence on a closed proposal",
        "silence",
        StartSilence("p-closed", date(2015, 7, 1), date(2015, 6, 1), "KOR"),
    ),
    Case(
        "silence twice",
        "silence",
        StartSilence("p-silence", date(2015, 7, 1), date(2015, 6, 1), "KOR"),
    ),
    Case(
        "silence without time",
        "silence",
        StartSilence("p-nowhere", date(2015, 6, 1), date(2015, 6, 1), "KOR"),
    ),
    Case(
        "position for another",
        "own-act",
        RecordPosition("p-open", "CHN", "support", date(2015, 6, 1), "JPN"),
    ),
    Case(
        "position on another's project",
        "members-consent",
        _position("MNG", "objection", date(2015, 6, 1), "p-widen"),
    ),
    Case(
        "position of an outsider",
        "consensus",
        _position("SEJONG", "support", date(2015, 6, 1)),
    ),
    Case(
        "position after the silence",
        "silence",
        _position("JPN", "objection", date(2015, 3, 21), "p-silence"),
    ),
    Case(
        "amendment without text",
        "consensus",
        _position("JPN", "amendment", date(2015, 6, 1)),
    ),
    Case(
        "provisional: not absent",
        "provisional-adoption",
        _position("CHN", "objection", date(2015, 4, 20), "p-provisional"),
    ),
    Case(
        "provisional: too late",
        "provisional-adoption",
        _position("MNG", "objection", date(2015, 5, 1), "p-provisional"),
    ),
    Case(
        "provisional: dated before the adoption",
        "provisional-adoption",
        _position("MNG", "objection", date(2015, 4, 15), "p-provisional"),
    ),
    Case(
        "position on a closed proposal",
        "consensus",
        _position("JPN", "support", date(2015, 6, 1), "p-closed"),
    ),
    Case("decides unasked", "facilitator", Decide("p-open", date(2015, 6, 1), "CHN")),
    Case(
        "confirms too early",
        "provisional-adoption",
        Decide("p-provisional", date(2015, 4, 20), "KOR"),
    ),
    Case("decides twice", "consensus", Decide("p-closed", date(2015, 6, 1), "KOR")),
    Case(
        "decides by no procedure",
        "consensus",
        Decide("p-nowhere", date(2015, 6, 1), "KOR"),
    ),
    Case(
        "decides before the meeting",
        "consensus",
        Decide("p-open", date(2015, 5, 1), "KOR"),
    ),
    Case(
        "decides on the deadline day",
        "silence",
        Decide("p-silence", date(2015, 3, 20), "KOR"),
    ),
    Case(
        "withdraws another's proposal",
        "own-act",
        WithdrawProposal("p-open", date(2015, 6, 1), "KOR"),
    ),
    Case(
        "withdraws a closed proposal",
        "consensus",
        WithdrawProposal("p-closed", date(2015, 6, 1), "KOR"),
    ),
    # -- cooperation.py
    Case("unknown project", "registry", JoinProject("nope", "MNG", D0, "MNG")),
    Case(
        "joins a completed project",
        "projects",
        JoinProject("px-done", "MNG", date(2015, 6, 1), "MNG"),
    ),
    Case(
        "commits as a non-member",
        "willing",
        MakeCommitment(
            "c-new", "px", "MNG", "x", date(2015, 9, 1), date(2015, 6, 1), "MNG"
        ),
    ),
    Case("launched twice", "registry", _launch("px", ("CHN", "JPN"), "KOR")),
    Case("launched alone", "willing", _launch("p-new", ("CHN",), "CHN")),
    Case(
        "founder not a participant", "willing", _launch("p-new", ("CHN", "PRK"), "CHN")
    ),
    Case("launched for others", "willing", _launch("p-new", ("CHN", "MNG"), "JPN")),
    Case(
        "project on no track",
        "known-track",
        _launch("p-new", ("CHN", "MNG"), "CHN", tracks=("nowhere",)),
    ),
    Case(
        "commits in a project of one",
        "willing",
        MakeCommitment(
            "c-new", "px-one", "CHN", "x", date(2015, 9, 1), date(2015, 6, 1), "CHN"
        ),
    ),
    Case(
        "joins for another",
        "own-act",
        JoinProject("px", "MNG", date(2015, 6, 1), "KOR"),
    ),
    Case(
        "joins as a non-participant",
        "willing",
        JoinProject("px", "PRK", date(2015, 6, 1), "PRK"),
    ),
    Case("joins twice", "willing", JoinProject("px", "CHN", date(2015, 6, 1), "CHN")),
    Case(
        "leaves for another",
        "own-act",
        LeaveProject("px", "CHN", date(2015, 6, 1), "JPN"),
    ),
    Case(
        "commitment twice",
        "registry",
        MakeCommitment(
            "c-open", "px", "CHN", "x", date(2015, 9, 1), date(2015, 6, 1), "CHN"
        ),
    ),
    Case(
        "commits for another",
        "own-act",
        MakeCommitment(
            "c-new", "px", "CHN", "x", date(2015, 9, 1), date(2015, 6, 1), "JPN"
        ),
    ),
    Case(
        "due before made",
        "commitments",
        MakeCommitment(
            "c-new", "px", "CHN", "x", date(2015, 5, 1), date(2015, 6, 1), "CHN"
        ),
    ),
    Case("keeps no commitment", "registry", FulfilCommitment("nope", D0, "CHN")),
    Case(
        "keeps another's commitment",
        "own-act",
        FulfilCommitment("c-open", date(2015, 6, 1), "JPN"),
    ),
    Case(
        "kept twice", "commitments", FulfilCommitment("c-kept", date(2015, 6, 1), "JPN")
    ),
    Case(
        "kept before made",
        "commitments",
        FulfilCommitment("c-open", date(2015, 4, 1), "CHN"),
    ),
    Case(
        "kept too late",
        "commitments",
        FulfilCommitment("c-late", date(2015, 6, 1), "JPN"),
    ),
    Case("nothing to assess", "procedure", AssessCommitments(date(2015, 4, 15), "KOR")),
    Case(
        "milestone twice",
        "projects",
        ReachMilestone("px", "ms-1", "Again", date(2015, 6, 1), "CHN"),
    ),
    Case(
        "completed with open commitments",
        "commitments",
        CompleteProject("px", date(2015, 6, 1), "CHN"),
    ),
    Case("incident twice", "registry", _incident("i-1")),
    Case("incident of one", "incidents", _incident("i-new", parties=("CHN", "CHN"))),
    Case("incident severity", "incidents", _incident("i-new", severity=9)),
    Case("incident unsourced", "incidents", _incident("i-new", source_title=" ")),
    # -- advice.py
    Case(
        "advice on no track",
        "known-track",
        provoke=lambda r: advise(r.registry(), "nowhere", ("KOR",)),
    ),
    Case(
        "advice for no actor",
        "registry",
        provoke=lambda r: advise(r.registry(), "environment", ("XXX",)),
    ),
    Case(
        "no willing host",
        "ownership",
        provoke=lambda r: next_host(r.registry(), date(2015, 6, 1), ("PRK",)),
    ),
    # -- keys.py
    Case(
        "key request dated tomorrow",
        "no-future",
        provoke=_request(generate_key_pair(), "USA", _future(), "USA"),
    ),
    Case(
        "key request before the actor entered",
        "no-backdating",
        provoke=_request(generate_key_pair(), "MNG", date(2013, 3, 1), "MNG"),
    ),
    Case(
        "key for no actor",
        "registry",
        provoke=_request(generate_key_pair(), "XXX", D0, "XXX"),
    ),
    Case(
        "key of another delegation",
        "own-key",
        provoke=_request(USA_KEY, "JPN", D0, "JPN"),
    ),
    Case(
        "revoked key again", "own-key", provoke=_request(RUS_REVOKED, "RUS", D0, "RUS")
    ),
    Case(
        "confirmed before registered",
        "own-key",
        provoke=_request(RUS_ENTERED, "RUS", D0, "RUS"),
    ),
    Case(
        "key confirmed already",
        "own-key",
        provoke=_request(USA_KEY, "USA", date(2015, 3, 3), "USA"),
    ),
    Case(
        "key confirmed by another",
        "own-key",
        provoke=_request(RUS_ENTERED, "RUS", date(2015, 3, 11), "KOR"),
    ),
    Case(
        "revokes no key",
        "own-key",
        provoke=_revoke("ed25519:0000000000000000", "USA", D0),
    ),
    Case(
        "revokes another's key",
        "own-key",
        provoke=_revoke(USA_KEY.key_id, "JPN", date(2015, 6, 1)),
    ),
    Case(
        "revokes twice",
        "own-key",
        provoke=_revoke(RUS_REVOKED.key_id, "RUS", date(2015, 6, 1)),
    ),
    Case(
        "revoked before registered",
        "own-key",
        provoke=_revoke(USA_KEY.key_id, "USA", date(2015, 1, 1)),
    ),
    # -- services
    Case(
        "nothing brought about",
        "procedure",
        provoke=lambda r: execute_all(
            r.platform, [], principal="test", secretariat=True
        ),
    ),
    Case("an unregistered key", "signature", provoke=_sign_unregistered),
    Case(
        "no position drafted",
        "procedure",
        provoke=lambda r: draft_position(r.platform, JoinActor("PRK", D0, "PRK")),  # type: ignore[arg-type]
    ),
    Case(
        "signed with no registered key",
        "signature",
        provoke=lambda r: draft_position(
            r.platform, _position("JPN", "support", date(2015, 6, 1)), signer="ed:x"
        ),
    ),
    Case("unsigned with a key", "signature", provoke=_unsigned_with_a_key),
    Case("a signature that does not verify", "signature", provoke=_bad_signature),
)


def refuse(record: Record, case: Case) -> Refusal:
    """Provoke ``case``'s refusal, checking it appends nothing."""
    if case.provoke is None:
        return record.refused(case.command, case.rule, secretariat=case.secretariat)
    before = record.head()
    with pytest.raises(Refusal) as info:
        case.provoke(record)
    assert record.head() == before, f"a refusal appended something: {info.value}"
    assert info.value.rule == case.rule, str(info.value)
    return info.value


def check_message(refusal: Refusal) -> None:
    """``Refused: <what> (rule <rule>). <remedy>``, the remedy a sentence."""
    text = str(refusal)
    match = MESSAGE.match(text)
    assert match is not None, f"not 'Refused: … (rule …). Remedy.': {text!r}"
    assert match["rule"] == refusal.rule
    assert match["remedy"] == refusal.remedy
    assert len(refusal.remedy.split()) >= 3, f"a remedy says what to do: {text!r}"
    assert refusal.remedy.rstrip(".") not in refusal.reason, text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_refusal_says_what_would_make_it_admissible(
    staged: Record, case: Case
) -> None:
    check_message(refuse(staged, case))


def test_a_refusal_without_a_remedy_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="needs a remedy"):
        Refusal("consensus", "something is wrong", " ")


# -- every site is tried --------------------------------------------------------


def refusal_sites() -> set[tuple[str, int]]:
    """Every call that refuses: ``require``, ``Refusal`` and
    ``require_facilitator_or``, as (file, line), outside ``base.py`` (which
    defines them)."""
    sites = set()
    for path in (*REFUSING, *SERVICES):
        if path.name == "base.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else getattr(func, "id", "")
            )
            if name in ("require", "Refusal", "require_facilitator_or"):
                sites.add((path.name, node.lineno))
    return sites


def raised_at(refusal: Refusal) -> tuple[str, int]:
    """The call site a refusal came from: the innermost frame outside base.py."""
    site = ("?", 0)
    tb = refusal.__traceback__
    while tb is not None:
        path = Path(tb.tb_frame.f_code.co_filename)
        if path.name != "base.py" and SRC in path.parents:
            site = (path.name, tb.tb_lineno)
        tb = tb.tb_next
    return site


@pytest.mark.parametrize("staged", [pytest.param("sqlite", id="sqlite")], indirect=True)
def test_every_refusal_site_is_tried(staged: Record) -> None:
    tried: dict[tuple[str, int], str] = {}
    for case in CASES:
        tried.setdefault(raised_at(refuse(staged, case)), case.name)
    missing = sorted(refusal_sites() - set(tried))
    assert not missing, f"refusal sites with no scenario here: {missing}"
