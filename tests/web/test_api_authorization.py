"""The authorization matrix: every command endpoint against every role.

Each row sets up a record in which the command is admissible for the actor
whose act it is (JPN's delegate, "the right delegate", or the facilitator for
the secretariat's acts), then sends the same command as each caller in turn:

- anonymous: 401; analyst: 403 (they never act);
- the observer (ASEAN), the delegate of another actor (CHN), the delegate of
  the facilitating actor (KOR, role delegate: the ROK's delegation, not the
  secretariat), the right delegate (JPN) and the facilitator (KOR, role
  facilitator): what the rules of procedure say, a 409 naming the rule
  (``own-act``, ``facilitator``, ``willing``, ``observer``, ``silence``) or a
  success.

A refused call leaves the ledger's head unchanged. The acting actor always
comes from the token: a delegate never acts as another. So does the capacity:
only the role facilitator acts as the secretariat, and the delegate of the
facilitating actor is refused every secretariat command (the rows marked
``secretariat``), the refusal saying why and who can do it. Callers that may
do the same act twice get their own target (``{who}`` in a path or body), so
every call is judged on the same record.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from api_scenario import (
    DAY,
    act,
    commitment,
    convene,
    held_meeting,
    iso,
    later,
    project,
    register_key,
    table,
)
from webapp import WebRecord

from napci.domain.key_requests import make_key_request
from napci.domain.procedure import RecordAttendance, WithdrawActor
from napci.domain.signing import generate_key_pair
from napci.services.keys import submit_key_request
from napci.services.platform import Platform
from napci.web.problems import PROBLEM

#: Every caller; in each row, those refused are tried first.
CALLERS: tuple[str | None, ...] = (
    None,
    "analyst",
    "observer",
    "other-delegate",
    "facilitator-delegate",
    "delegate",
    "facilitator",
)
ACTING = (
    "observer",
    "other-delegate",
    "facilitator-delegate",
    "delegate",
    "facilitator",
)
TAGS = {
    None: "anon",
    "analyst": "analyst",
    "observer": "obs",
    "other-delegate": "other",
    "facilitator-delegate": "kdel",
    "delegate": "del",
    "facilitator": "fac",
}

Setup = Callable[[Platform, list[str]], None]


def nothing(_platform: Platform, _tags: list[str]) -> None:
    """No setup: the NAPCI record as loaded."""


@dataclass(frozen=True)
class Row:
    """One command endpoint and what each acting caller gets.

    ``expect`` maps each acting caller to a success status (201, or 200 for
    the draft) or to the rule whose 409 refuses it. ``secretariat`` marks the
    commands the rules reserve to the facilitator (as secretariat), alone or
    beside a host, chair, proposer, founder or member: the facilitator's
    delegation is refused them when it holds none of those capacities.
    """

    name: str
    path: str
    body: dict[str, Any] | None
    expect: dict[str, int | str]
    setup: Setup = field(default=nothing)
    secretariat: bool = False
    #: A body made afresh for each caller's tag (instead of ``body``).
    body_for: Callable[[str], Any] | None = None


def fill(value: Any, tag: str) -> Any:
    """``value`` with ``{who}``/``{WHO}`` replaced by the caller's tag."""
    if isinstance(value, str):
        return value.replace("{who}", tag).replace("{WHO}", tag.upper())
    if isinstance(value, dict):
        return {k: fill(v, tag) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, tag) for v in value]
    return value


def own_act(success: int = 201, rule: str = "own-act") -> dict[str, int | str]:
    """Only JPN's delegate may: it is JPN's own act."""
    return {
        "observer": rule,
        "other-delegate": rule,
        "facilitator-delegate": rule,
        "delegate": success,
        "facilitator": rule,
    }


def facilitator_only(rule: str = "facilitator") -> dict[str, int | str]:
    """Only the facilitator may: the secretariat records it (not the
    facilitating actor's delegation)."""
    return {
        "observer": rule,
        "other-delegate": rule,
        "facilitator-delegate": rule,
        "delegate": rule,
        "facilitator": 201,
    }


def jpn_or_facilitator(rule: str) -> dict[str, int | str]:
    """JPN (as host, chair, proposer, member) or the facilitator may; KOR's
    delegation, which is none of these, may not."""
    return {
        "observer": rule,
        "other-delegate": rule,
        "facilitator-delegate": rule,
        "delegate": 201,
        "facilitator": 201,
    }


def _withdraw_jpn(platform: Platform, _tags: list[str]) -> None:
    act(platform, WithdrawActor("JPN", DAY, "JPN"))


def _reported_by_host(host: str, code: str) -> Setup:
    """A meeting ``m`` hosted by ``host``, who reports ``code`` attended: a
    report ``code`` has to acknowledge."""

    def setup(platform: Platform, _tags: list[str]) -> None:
        convene(platform, "m", host=host, on=DAY)
        act(platform, RecordAttendance("m", code, True, DAY, host))

    return setup


def _meetings(platform: Platform, tags: list[str]) -> None:
    convene(platform, *(f"m-{t}" for t in tags), host="JPN")


def _one_meeting(platform: Platform, _tags: list[str]) -> None:
    convene(platform, "m", host="JPN", on=DAY)


def _proposals_by_jpn(platform: Platform, tags: list[str]) -> None:
    table(platform, *(f"p-{t}" for t in tags), by="JPN")


def _proposal_by_kor(platform: Platform, _tags: list[str]) -> None:
    table(platform, "p", by="KOR")


def _proposals_by_jpn_as(*proposals: str) -> Setup:
    def setup(platform: Platform, _tags: list[str]) -> None:
        table(platform, *proposals, by="JPN")

    return setup


def _proposal_and_key(platform: Platform, _tags: list[str]) -> None:
    table(platform, "p", by="KOR")
    register_key(platform, "JPN")


def _proposals_at_a_meeting_chaired_by_jpn(platform: Platform, tags: list[str]) -> None:
    held_meeting(platform, "chaired", chair="JPN")
    table(platform, *(f"p-{t}" for t in tags), by="KOR", meeting="chaired")


def _project_of(*founders: str) -> Setup:
    def setup(platform: Platform, _tags: list[str]) -> None:
        project(platform, "pr", founders=founders)

    return setup


def _commitments(platform: Platform, tags: list[str]) -> None:
    project(platform, "pr")
    commitment(platform, *(f"c-{t}" for t in tags), project="pr")


def _overdue_commitment(platform: Platform, _tags: list[str]) -> None:
    project(platform, "pr")
    commitment(platform, "c", project="pr", due_on=later(1), grace_days=0)


def _jpn_key(platform: Platform, _tags: list[str]) -> None:
    submit_key_request(
        platform,
        make_key_request(JPN_KEY, "JPN", DAY),
        principal="test:setup",
        by="JPN",
        secretariat=False,
    )


def _new_request_for_jpn(_tag: str) -> dict[str, Any]:
    """A key request for JPN, with a key of its own for each caller."""
    return make_key_request(generate_key_pair(), "JPN", DAY).as_json()


#: JPN's own key, registered and confirmed by JPN (see ``_jpn_key``).
JPN_KEY = generate_key_pair()
ON = {"on": iso(DAY)}
#: What a refusal of a secretariat command to the facilitator's delegation says.
CAPACITY = "KOR acts here as its delegation, not as the facilitator's secretariat"
SECRETARIAT = "the facilitator's secretariat (a user with the role facilitator)"

ROWS: tuple[Row, ...] = (
    Row(
        "register an actor",
        "/actors",
        {"code": "INST{WHO}", "name": "An institute", "kind": "institute", **ON},
        facilitator_only(),
        secretariat=True,
    ),
    Row(
        "a state joins",
        "/actors/JPN/join",
        {"on": iso(later(30))},
        own_act(),
        _withdraw_jpn,
    ),
    Row("a participant withdraws", "/actors/JPN/withdraw", ON, own_act()),
    Row(
        "invite an actor",
        "/actors/CAN/invite",
        ON,
        facilitator_only(),
        secretariat=True,
    ),
    Row(
        "convene a meeting",
        "/meetings",
        {
            "meeting": "m-{who}",
            "title": "A working meeting",
            "tracks": ["environment"],
            "starts_on": iso(DAY),
            "host": "JPN",
            **ON,
        },
        jpn_or_facilitator("facilitator"),
        secretariat=True,
    ),
    Row(
        "confirm attendance",
        "/meetings/m/confirm",
        {"code": "JPN", **ON},
        own_act(),
        _one_meeting,
    ),
    Row(
        "record attendance",
        "/meetings/m/attendance",
        {"attended": ["JPN", "CHN"], "absent": ["MNG"], **ON},
        jpn_or_facilitator("facilitator"),
        _one_meeting,
        secretariat=True,
    ),
    Row(
        "acknowledge attendance",
        "/meetings/m/attendance/acknowledge",
        ON,
        {
            # nothing was reported of them: nothing to acknowledge
            "observer": "attendance",
            "other-delegate": "attendance",
            "facilitator-delegate": "attendance",
            "delegate": 201,
            # the secretariat never acknowledges for the ROK's delegation
            "facilitator": "own-act",
        },
        _reported_by_host("CHN", "JPN"),
    ),
    Row(
        "record a meeting held",
        "/meetings/m-{who}/held",
        {"held_on": iso(DAY)},
        jpn_or_facilitator("facilitator"),
        _meetings,
        secretariat=True,
    ),
    Row(
        "cancel a meeting",
        "/meetings/m-{who}/cancel",
        ON,
        jpn_or_facilitator("facilitator"),
        _meetings,
        secretariat=True,
    ),
    Row(
        "issue a document",
        "/documents",
        {"document": "d-{who}", "kind": "statement", "title": "A statement", **ON},
        {
            "observer": 201,
            "other-delegate": 201,
            "facilitator-delegate": 201,
            "delegate": 201,
            "facilitator": 201,
        },
    ),
    Row(
        "table a proposal",
        "/proposals",
        {
            "proposal": "p-{who}",
            "title": "Admit the Sejong Institute",
            "subject": {"kind": "admit-observer", "code": "SEJONG"},
            **ON,
        },
        {
            "observer": "observer",
            "other-delegate": 201,
            "facilitator-delegate": 201,
            "delegate": 201,
            "facilitator": 201,
        },
    ),
    Row(
        "start the silence procedure",
        "/proposals/p-{who}/silence",
        {"deadline": iso(later(30)), **ON},
        jpn_or_facilitator("silence"),
        _proposals_by_jpn,
        secretariat=True,
    ),
    Row(
        "record a position",
        "/proposals/p/positions",
        {"position": "support", "code": "JPN", **ON},
        own_act(),
        _proposal_by_kor,
    ),
    Row(
        "draft a signed position",
        "/proposals/p/positions/draft",
        {"position": "support", "code": "JPN", **ON},
        own_act(success=200),
        _proposal_and_key,
    ),
    Row(
        "decide a proposal",
        "/proposals/p-{who}/decide",
        {"at": iso(DAY)},
        jpn_or_facilitator("facilitator"),
        _proposals_at_a_meeting_chaired_by_jpn,
        secretariat=True,
    ),
    Row(
        "withdraw a proposal",
        "/proposals/p-{who}/withdraw",
        ON,
        own_act(),
        _proposals_by_jpn,
    ),
    Row(
        "launch a project",
        "/projects",
        {
            "project": "pr-{who}",
            "title": "Haze monitoring",
            "tracks": ["environment"],
            "founders": ["JPN", "MNG"],
            **ON,
        },
        jpn_or_facilitator("willing"),
        secretariat=True,
    ),
    Row(
        "join a project",
        "/projects/pr/join",
        {"code": "JPN", **ON},
        own_act(),
        _project_of("KOR", "MNG"),
    ),
    Row(
        "leave a project",
        "/projects/pr/leave",
        {"code": "JPN", **ON},
        own_act(),
        _project_of("JPN", "MNG"),
    ),
    Row(
        "make a commitment",
        "/projects/pr/commitments",
        {
            "commitment": "c-{who}",
            "description": "station data every month",
            "due_on": iso(later(180)),
            "code": "JPN",
            **ON,
        },
        own_act(),
        _project_of("JPN", "MNG"),
    ),
    Row(
        "fulfil a commitment",
        "/commitments/c-{who}/fulfil",
        {"on": iso(later(30))},
        jpn_or_facilitator("own-act"),
        _commitments,
        secretariat=True,
    ),
    Row(
        "assess commitments",
        "/commitments/assess",
        {"on": iso(later(30))},
        facilitator_only(),
        _overdue_commitment,
        secretariat=True,
    ),
    Row(
        "record a milestone",
        "/projects/pr/milestones",
        {"milestone": "ms-{who}", "title": "First data", **ON},
        own_act(rule="willing"),
        _project_of("JPN", "MNG"),
    ),
    Row(
        "complete a project",
        "/projects/pr/complete",
        {"summary": "done", **ON},
        own_act(rule="willing"),
        _project_of("JPN", "MNG"),
    ),
    Row(
        "record an incident",
        "/incidents",
        {
            "incident": "i-{who}",
            "parties": ["JPN", "CHN"],
            "occurred_on": iso(DAY),
            "severity": 2,
            "description": "a collision at sea",
            "source_title": "A news report",
        },
        facilitator_only(),
        secretariat=True,
    ),
    Row(
        # Anyone who acts may enter a key in JPN's name; it binds JPN only
        # when JPN's delegate submitted it (tests/web/test_api_keys.py).
        "register a signing key",
        "/keys",
        None,
        dict.fromkeys(ACTING, 201),
        body_for=_new_request_for_jpn,
    ),
    Row(
        "revoke a key",
        f"/keys/{JPN_KEY.key_id}/revoke",
        ON,
        own_act(rule="own-key"),
        _jpn_key,
    ),
    Row(
        "verify the record now",
        "/ledger/verify",
        None,
        {
            "observer": 403,
            "other-delegate": 403,
            "facilitator-delegate": 403,
            "delegate": 403,
            "facilitator": 200,  # the report; nothing appended
        },
        secretariat=True,
    ),
)


def call(record: WebRecord, row: Row, caller: str | None) -> Any:
    tag = TAGS[caller]
    body = fill(row.body, tag) if row.body_for is None else row.body_for(tag)
    return record.post(fill(row.path, tag), caller, json=body)


def expected(row: Row, caller: str | None) -> int | str:
    if caller is None:
        return 401
    if caller == "analyst":
        return 403
    return row.expect[caller]


def succeeds(want: int | str) -> bool:
    return isinstance(want, int) and want < 300


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_role_against_every_command(web_record: WebRecord, row: Row) -> None:
    row.setup(web_record.platform, [TAGS[c] for c in CALLERS])
    # Refusals first, so that every caller is judged on the same record.
    order = sorted(CALLERS, key=lambda c: succeeds(expected(row, c)))
    for caller in order:
        want = expected(row, caller)
        before = web_record.head()
        response = call(web_record, row, caller)
        who = caller or "anonymous"
        context = f"{row.name} as {who}: {response.status_code} {response.text}"
        if succeeds(want):
            assert response.status_code == want, context
            assert web_record.head() != before or want == 200, context
            if want == 201:
                data = response.json()
                assert data["recorded"], context
                assert data["head_seq"] == web_record.head()[0], context
                for event in data["recorded"]:
                    stored = web_record.platform.ledger.get(event["id"])
                    assert stored is not None, context
                    assert stored.principal == f"user:{caller}", context
            continue
        status, rule = (want, None) if isinstance(want, int) else (409, want)
        assert response.status_code == status, context
        assert response.headers["content-type"] == PROBLEM, context
        problem = response.json()
        assert problem["status"] == status, context
        if rule is not None:
            assert problem["rule"] == rule, context
            assert problem["type"] == f"/problems/rules/{rule}", context
        if caller == "facilitator-delegate" and row.secretariat:
            # The refusal says why: the capacity, and who can do it.
            assert CAPACITY in problem["detail"], context
            assert SECRETARIAT in problem["remedy"], context
        assert web_record.head() == before, f"a refused call appended: {context}"


def test_the_secretariat_commands_are_the_facilitators_alone() -> None:
    """A row is marked ``secretariat`` exactly when the facilitator may do it
    and the delegate of the same actor may not: nothing else tells them
    apart."""
    for row in ROWS:
        facilitator = succeeds(row.expect["facilitator"])
        delegation = succeeds(row.expect["facilitator-delegate"])
        assert row.secretariat == (facilitator and not delegation), row.name
    assert {r.name for r in ROWS if r.secretariat} == {
        "register an actor",
        "invite an actor",
        "convene a meeting",
        "record attendance",
        "record a meeting held",
        "cancel a meeting",
        "start the silence procedure",
        "decide a proposal",
        "launch a project",
        "fulfil a commitment",
        "assess commitments",
        "record an incident",
        "verify the record now",
    }


def _kor_meeting(platform: Platform, _tags: list[str]) -> None:
    convene(platform, "m", host="KOR", on=DAY)


def _proposal_by_kor_at_a_meeting_chaired_by_kor(
    platform: Platform, _tags: list[str]
) -> None:
    held_meeting(platform, "chaired", chair="KOR")
    table(platform, "p", by="KOR", meeting="chaired")


def _commitment_of_kor(platform: Platform, _tags: list[str]) -> None:
    project(platform, "pr", founders=("KOR", "MNG"))
    commitment(platform, "c", project="pr", code="KOR")


#: What the ROK's delegation does for the ROK, as a participant (and as the
#: host, chair, proposer, founder or member it is): path, body, setup.
ROK_ACTS: tuple[tuple[str, str, dict[str, Any] | None, Setup], ...] = (
    ("confirm attendance", "/meetings/m/confirm", ON, _one_meeting),
    (
        "acknowledge its attendance",
        "/meetings/m/attendance/acknowledge",
        ON,
        _reported_by_host("JPN", "KOR"),
    ),
    (
        "record a position",
        "/proposals/p/positions",
        {"position": "support", **ON},
        _proposals_by_jpn_as("p"),
    ),
    (
        "table a proposal",
        "/proposals",
        {
            "proposal": "p-kor",
            "title": "Admit the Sejong Institute",
            "subject": {"kind": "admit-observer", "code": "SEJONG"},
            **ON,
        },
        nothing,
    ),
    (
        "issue a statement",
        "/documents",
        {"document": "d-kor", "kind": "statement", "title": "A statement", **ON},
        nothing,
    ),
    (
        "start the silence on its own proposal",
        "/proposals/p/silence",
        {"deadline": iso(later(30)), **ON},
        _proposal_by_kor,
    ),
    ("withdraw its own proposal", "/proposals/p/withdraw", ON, _proposal_by_kor),
    (
        "decide at a meeting it chairs",
        "/proposals/p/decide",
        {"at": iso(DAY)},
        _proposal_by_kor_at_a_meeting_chaired_by_kor,
    ),
    (
        "convene a meeting it hosts",
        "/meetings",
        {
            "meeting": "m-kor",
            "title": "A working meeting in Seoul",
            "tracks": ["environment"],
            "starts_on": iso(DAY),
            "host": "KOR",
            **ON,
        },
        nothing,
    ),
    (
        "record attendance at a meeting it hosts",
        "/meetings/m/attendance",
        {"attended": ["JPN", "KOR"], **ON},
        _kor_meeting,
    ),
    (
        "record a meeting it hosts held",
        "/meetings/m/held",
        {"held_on": iso(DAY)},
        _kor_meeting,
    ),
    (
        "launch a project it founds",
        "/projects",
        {
            "project": "pr-kor",
            "title": "Dust monitoring",
            "tracks": ["environment"],
            "founders": ["KOR", "MNG"],
            **ON,
        },
        nothing,
    ),
    ("join a project", "/projects/pr/join", ON, _project_of("JPN", "MNG")),
    (
        "make a commitment",
        "/projects/pr/commitments",
        {
            "commitment": "c-kor",
            "description": "a report every quarter",
            "due_on": iso(later(180)),
            **ON,
        },
        _project_of("KOR", "MNG"),
    ),
    (
        "record its commitment kept",
        "/commitments/c/fulfil",
        {"on": iso(later(30))},
        _commitment_of_kor,
    ),
    (
        "record a milestone",
        "/projects/pr/milestones",
        {"milestone": "ms-kor", "title": "First data", **ON},
        _project_of("KOR", "MNG"),
    ),
    ("leave a project", "/projects/pr/leave", ON, _project_of("KOR", "JPN", "MNG")),
)


@pytest.mark.parametrize(
    ("path", "body", "setup"),
    [act[1:] for act in ROK_ACTS],
    ids=[act[0] for act in ROK_ACTS],
)
def test_the_delegate_of_the_facilitating_actor_acts_for_its_delegation(
    web_record: WebRecord, path: str, body: dict[str, Any] | None, setup: Setup
) -> None:
    """A delegate of KOR is the ROK's delegation: what a participant does for
    itself, or as host, chair, proposer, founder or member, it does."""
    setup(web_record.platform, [])
    before = web_record.head()
    response = web_record.post(path, "facilitator-delegate", json=body)
    assert response.status_code == 201, response.text
    recorded = response.json()["recorded"]
    assert recorded, response.text
    assert web_record.head() != before
    for event in recorded:
        assert event["actor"] == "KOR", response.text
        stored = web_record.platform.ledger.get(event["id"])
        assert stored is not None
        assert stored.principal == "user:facilitator-delegate"


def test_the_matrix_covers_every_command(shared_web_record: WebRecord) -> None:
    spec = shared_web_record.client.get("/openapi.json").json()
    templates = {
        path.removeprefix("/api/v1"): re.compile(
            re.sub(r"\{[^/]+\}", "[^/]+", path.removeprefix("/api/v1")) + "$"
        )
        for path, operations in spec["paths"].items()
        if "post" in operations
    }
    covered = {
        template
        for row in ROWS
        for template, pattern in templates.items()
        if pattern.match(fill(row.path, "del"))
    }
    assert covered == set(templates)
    assert len(ROWS) == len(templates)


def test_an_observer_user_cannot_act_for_a_participant(
    sqlite_web_record: WebRecord,
) -> None:
    """The observer role is for observers' delegations: their positions never
    block. An observer user set up for a participant is refused (403)."""
    record = sqlite_web_record
    record.tokens["jpn-observer"] = record.platform.users.add(
        "jpn-observer", "observer", "JPN"
    )
    table(record.platform, "p")
    before = record.head()
    response = record.post(
        "/proposals/p/positions",
        "jpn-observer",
        json={"position": "objection", "on": iso(DAY)},
    )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == PROBLEM
    assert record.head() == before


def test_the_observer_records_its_own_position_which_never_blocks(
    sqlite_web_record: WebRecord,
) -> None:
    record = sqlite_web_record
    held_meeting(record.platform, "chaired", chair="JPN")
    table(record.platform, "p", meeting="chaired")
    response = record.post(
        "/proposals/p/positions", "observer", json={"position": "objection", **ON}
    )
    assert response.status_code == 201, response.text
    assert response.json()["recorded"][0]["actor"] == "ASEAN"
    decided = record.post("/proposals/p/decide", "facilitator", json={"at": iso(DAY)})
    assert decided.status_code == 201, decided.text
    outcome = record.get("/proposals/p", "analyst").json()
    assert outcome["outcome"] == "adopted"


def test_a_body_never_says_who_acts(sqlite_web_record: WebRecord) -> None:
    """A body naming the acting actor ('by') is invalid: only the token says."""
    record = sqlite_web_record
    table(record.platform, "p")
    before = record.head()
    response = record.post(
        "/proposals/p/positions",
        "other-delegate",
        json={"position": "objection", "by": "JPN", "code": "JPN", **ON},
    )
    assert response.status_code == 422, response.text
    assert "by" in response.json()["detail"]
    assert record.head() == before


def test_a_revoked_token_acts_no_more(sqlite_web_record: WebRecord) -> None:
    record = sqlite_web_record
    record.platform.users.revoke("delegate")
    before = record.head()
    response = record.post("/actors/JPN/withdraw", "delegate", json=ON)
    assert response.status_code == 401, response.text
    assert response.json()["detail"] == "the token is unknown or revoked"
    assert record.head() == before
