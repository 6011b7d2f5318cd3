"""The API's response bodies, for the OpenAPI description.

Read endpoints serve JSON cached per ledger head (see :mod:`.common`); these
models describe that JSON (built by the read models' ``as_dict``) and the
command results. Errors are ``application/problem+json`` (:class:`Problem`).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Actor",
    "Advice",
    "AdviceCandidate",
    "Attendance",
    "CommandResult",
    "Commitment",
    "Document",
    "ExplainItem",
    "Explanation",
    "Head",
    "Incident",
    "LedgerEvent",
    "LedgerPage",
    "Me",
    "Mechanism",
    "Meeting",
    "Milestone",
    "NextHost",
    "Ownership",
    "Page",
    "Position",
    "PositionDraft",
    "Problem",
    "Project",
    "Proposal",
    "RecordStatus",
    "RecordedEvent",
    "Status",
    "Track",
    "Trust",
    "VerifyReport",
]

T = TypeVar("T")

Names = dict[str, str]


class Problem(BaseModel):
    """An error (RFC 9457); a refusal names its rule and what would admit it."""

    type: str = Field(description="'about:blank' or /problems/rules/RULE")
    title: str
    status: int
    detail: str
    instance: str | None = Field(default=None, description="the request's path")
    rule: str | None = Field(
        default=None, description="the rule of procedure that refuses the command"
    )
    remedy: str | None = Field(
        default=None, description="what would make the command admissible"
    )
    first_bad_seq: int | None = Field(
        default=None,
        description="(a write refused on a broken record) the first seq that "
        "does not verify",
    )


class RecordStatus(BaseModel):
    """Whether the record verifies, as the server knows it (``/healthz`` too)."""

    status: Literal["verifying", "ok", "broken"] = Field(
        description="verifying until the server's first full verification "
        "ends; then ok, or broken (writes are then refused)"
    )
    first_bad_seq: int | None = Field(
        description="the first seq that does not verify, when broken"
    )
    verified_up_to: int = Field(description="the chain is verified up to this seq")


class Folded(BaseModel):
    """An answer folded from the record: it says whether the record verifies."""

    record_status: RecordStatus


class Page(Folded, Generic[T]):
    """A page of a list."""

    items: list[T]
    total: int = Field(description="how many items the whole list has")
    offset: int
    limit: int
    next_offset: int | None = Field(description="the offset of the next page, if any")


class Me(BaseModel):
    """Who is asking, as the API sees it."""

    name: str | None = Field(description="the user's name; null when anonymous")
    role: str | None = Field(description="facilitator, delegate, observer, analyst")
    actor: str | None = Field(description="the actor the user acts for")
    clearance: list[str] = Field(description="the classifications it may read")
    can_act: bool


class Actor(BaseModel):
    """A state, organisation or institute."""

    code: str
    name: Names
    kind: str
    layer: str
    status: str = Field(description="registered, invited, participant, withdrawn")
    roles: list[str]
    invited_on: date | None
    joined_on: date | None
    withdrew_on: date | None
    support_expressed_on: date | None
    registered_on: date | None = Field(
        description="when it entered the record: nothing it does is dated before"
    )


class Track(BaseModel):
    """An issue track on the agenda."""

    code: str
    name: Names
    category: str = Field(description="soft or hard")
    added_on: date
    decision: str | None
    open: bool


class Attendance(BaseModel):
    """One delegation's attendance at a meeting: as reported, as acknowledged."""

    code: str
    reported: bool | None = Field(
        description="the latest report (by the secretariat, the host or the "
        "chair): attended, absent, or none"
    )
    acknowledged: bool | None = Field(
        description="what counts: the delegation's own word (or the "
        "secretariat's record as secretariat); none until acknowledged"
    )


class Meeting(BaseModel):
    """A meeting: convened, held or cancelled, and who attended."""

    meeting: str
    title: Names
    tracks: list[str]
    rank: str
    layer: str
    starts_on: date
    date_precision: str
    host: str | None
    chair: str | None
    occasion: str | None
    format: str
    status: str = Field(description="convened, held, cancelled")
    confirmed: list[str] = Field(description="who said in advance it will attend")
    attended: list[str] = Field(description="acknowledged attendance: who attended")
    absent: list[str] = Field(description="acknowledged absence: who stayed away")
    attendance_complete: bool
    attendance: list[Attendance] = Field(
        description="per delegation, its reported and its acknowledged attendance"
    )
    to_acknowledge: list[str] = Field(
        description="delegations with a reported attendance they have not "
        "acknowledged: it does not count until they do"
    )


class NextHost(BaseModel):
    """The willing participant who hosted least recently."""

    suggested: str
    last_hosted: dict[str, date | None]


class Mechanism(BaseModel):
    """An existing (or new) mechanism for cooperation."""

    mechanism: str
    acronym: str
    name: Names
    kind: str
    agenda: Names
    tracks: list[str]
    members: list[str]
    member_count: int | None
    other_members: str | None
    relation: str | None
    widens: str | None


class AdviceCandidate(BaseModel):
    """A mechanism covering the track, with its member overlap."""

    mechanism: str
    acronym: str
    members: list[str]
    shared: list[str]
    missing: list[str]
    overlap: float
    widens: str | None


class Advice(BaseModel):
    """The overlap adviser: revitalise, widen or create new (principle 3)."""

    track: str
    members: list[str]
    recommendation: str = Field(description="revitalise, widen or create-new")
    mechanism: str | None
    reasoning: list[str]
    candidates: list[AdviceCandidate]


class Document(BaseModel):
    """A document as issued (the DocumentIssued payload)."""

    model_config = ConfigDict(extra="allow")

    document: str
    kind: str
    title: Names
    issued_by: str
    issued_on: date
    tracks: list[str] = []
    meeting: str | None = None
    text: str | None = None


class Position(BaseModel):
    """An actor's position on a proposal."""

    code: str
    position: str = Field(description="support, no-objection, objection, amendment")
    recorded_on: date
    seq: int
    statement: str | None
    reservation: str | None
    amendment: str | None


class Proposal(BaseModel):
    """A proposal and, once decided, its outcome."""

    proposal: str
    kind: str
    title: Names
    subject: dict[str, Any]
    tabled_by: str | None
    tabled_on: date
    meeting: str | None
    tracks: list[str]
    silence_deadline: date | None
    positions: list[Position] = Field(description="each actor's latest position")
    history: list[Position] = Field(description="every position, in order")
    outcome: str = Field(
        description="open, adopted, provisional, not-adopted, withdrawn"
    )
    procedure: str | None
    decided_on: date | None
    joined: list[str]
    provisional_for: list[str]
    provisional_until: date | None
    statements: list[dict[str, Any]]
    disregarded_objection_of: str | None
    reason: str | None
    by: list[str]


class Milestone(BaseModel):
    """A milestone a project reached."""

    milestone: str
    title: str
    reached_on: date


class Project(BaseModel):
    """A cooperation project."""

    project: str
    title: Names
    tracks: list[str]
    founders: list[str] = Field(description="the participants named at launch")
    invited: list[str] = Field(
        description="founders named who have not acted yet: each becomes a member "
        "by joining"
    )
    recorded_as: str | None = Field(
        description="founder (launched by one of them) or secretariat (the "
        "founders' joint act recorded by the facilitator's secretariat); null in "
        "records written before capacities were"
    )
    members: list[str] = Field(description="members, each by its own act")
    under_way: bool = Field(
        description="two or more members: commitments, milestones and completion count"
    )
    partners: list[str]
    launched_on: date
    launched_by: str | None
    milestones: list[Milestone]
    status: str = Field(description="active or completed")
    completed_on: date | None


class Commitment(BaseModel):
    """A member's commitment in a project."""

    commitment: str
    project: str
    code: str
    description: str
    made_on: date
    due_on: date
    grace_days: int | None
    status: str = Field(description="open, kept, broken")
    settled_on: date | None


class Incident(BaseModel):
    """An incident between actors (the IncidentRecorded payload)."""

    model_config = ConfigDict(extra="allow")

    incident: str
    parties: list[str]
    occurred_on: date
    severity: int
    description: str
    tracks: list[str] = []
    sources: list[dict[str, Any]] = []


class Ownership(Folded):
    """Shares of hosting, chairing and initiatives; the index is 1 - Gini."""

    as_of: date
    index: float | None
    shares: dict[str, dict[str, int]]


class LedgerEvent(BaseModel):
    """An event as the ledger holds it."""

    seq: int
    id: str
    type: str
    version: int
    occurred_at: str
    recorded_at: str
    actor: str | None
    principal: str | None
    classification: str
    payload: dict[str, Any]
    signer: str | None
    signature: str | None
    prev_hash: str
    hash: str


class LedgerPage(Folded):
    """The events after a seq that the caller may read."""

    items: list[LedgerEvent]
    after: int
    limit: int
    next_after: int | None = Field(description="pass as 'after' for the next page")
    head_seq: int


class VerifyReport(Folded):
    """The server's verification of the whole chain (and the tails since)."""

    ok: bool = Field(description="status is ok")
    status: Literal["verifying", "ok", "broken"]
    events: int = Field(description="events verified: the chain up to this seq")
    head: str = Field(description="the hash of the last event verified")
    first_bad_seq: int | None
    problem: str | None
    signed: int = Field(description="signed events among those verified")
    signatures_checked: bool = Field(
        description="whether the server checked signatures too ('napci ledger "
        "verify' always does)"
    )
    verified_up_to: int
    verified_at: str | None = Field(
        description="when the last full verification ended (UTC)"
    )


class Head(Folded):
    """The ledger's head."""

    seq: int
    hash: str


class Trust(Folded):
    """Every trust figure as of a date (TrustFigures)."""

    as_of: date
    actors: list[str]
    participants: list[str]
    tracks: list[str]
    regional_trust_index: float | None
    trust_deficit: float | None
    standing: dict[str, float]
    pairs: list[dict[str, Any]]


class ExplainItem(BaseModel):
    """One item of evidence behind a pair's figures."""

    seqs: list[int]
    label: str
    kind: str
    direction: str
    polarity: str
    date: date
    age_days: int
    track: str
    weight: float
    decay: float
    effective: float


class Explanation(Page[ExplainItem]):
    """A pair's figures and, paginated, every item of evidence behind them."""

    as_of: date
    a: str
    b: str
    track: str | None
    pair: dict[str, Any]


class Status(Folded):
    """The road-map phase the record meets, and the three objectives."""

    as_of: date
    phase: int
    phase_name: str
    declared_phase: int | None
    phases: list[dict[str, Any]]
    objectives: dict[str, Any]


class RecordedEvent(BaseModel):
    """An event a command recorded."""

    seq: int
    id: str
    type: str
    occurred_at: str
    actor: str | None
    classification: str
    hash: str
    signer: str | None
    signed: bool


class CommandResult(BaseModel):
    """What a command recorded (all its events, appended atomically)."""

    recorded: list[RecordedEvent]
    already_recorded: list[str] = Field(
        description="event ids the ledger held already (an idempotent repeat)"
    )
    head_seq: int
    head: str


class PositionDraft(BaseModel):
    """The exact event a delegation signs to record its position."""

    event_id: str
    type: str
    version: int
    occurred_at: str
    actor: str
    classification: str
    signer: str
    payload: dict[str, Any]
    signing_bytes_b64: str = Field(
        description="base64 of the bytes to sign with the delegation's Ed25519 key"
    )
    body: dict[str, Any] = Field(
        description="the body to POST to .../positions, with 'signature' added"
    )
