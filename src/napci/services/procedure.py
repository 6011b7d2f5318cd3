"""Running commands through the rules of procedure.

A use case is a function of (command, unit of work): with the ledger's write
lock held, bring the record's registries up to the head, ask the rule, draft
its events (signed when the acting delegation's key is given), append them in
one batch, in the same transaction (judged and appended as one step). A
refusal, an invalid command or a failed signature appends nothing.

Every caller says in which capacity it acts (``secretariat``): as the
facilitator's secretariat, which holds the facilitator's authority (the CLI,
the operator's tool; an API or page user with the role ``facilitator``), or
as a delegation only (every other user, the facilitating actor's own
delegates included). The rules judge the command accordingly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from napci.domain.admission import AppendResult
from napci.domain.envelope import EventDraft
from napci.domain.procedure import RULES, Context, Emit, Gate, Refusal
from napci.domain.procedure.keys import binding_key
from napci.domain.roadmap import assess
from napci.domain.signing import KeyPair
from napci.services.drafting import draft
from napci.services.record_state import FULL, Clearance

if TYPE_CHECKING:
    from napci.domain.registry import Registry
    from napci.services.platform import Platform

__all__ = [
    "InvalidCommand",
    "append_judged",
    "context_for",
    "execute",
    "execute_all",
    "gate_for",
    "judge",
]


class InvalidCommand(ValueError):
    """A command whose values do not make a valid event; nothing was appended.

    ``errors`` holds the validation's findings (pydantic's ``loc``, ``msg``,
    ``type``, ``input``, ``ctx``), for a face to tell in its own words.
    """

    def __init__(self, message: str, errors: Sequence[Mapping[str, Any]] = ()) -> None:
        super().__init__(message)
        self.errors = tuple(errors)


def gate_for(platform: Platform, registry: Registry) -> Callable[[date], Gate]:
    """A function giving the road-map phase and regional trust on a date.

    ``registry`` is the record as it stands: the road-map is assessed on it
    for a day on or after its last event (no fold of the record again), and
    on the record as it stood then for an earlier day. The trust figures are
    the trust service's, kept current as the registries are; the gate needs
    no trend, so the figures of a year before are not asked for.
    """

    def gate(day: date) -> Gate:
        past = registry.last_day is not None and day < registry.last_day
        on = platform.registry(day) if past else registry
        index = platform.trust.figures(day).regional_index
        roadmap = assess(on, day, on.rules_on(day), index)
        missing = tuple(
            f"phase {check.phase} ({check.name}): {criterion.missing}"
            for check in roadmap.checks
            for criterion in check.criteria
            if not criterion.met and criterion.missing
        )
        trust = roadmap.objectives.foundation.get("regional_trust_index")
        return Gate(roadmap.phase, trust, missing)

    return gate


def context_for(
    platform: Platform,
    today: date | None = None,
    *,
    secretariat: bool = False,
    clearance: Clearance = FULL,
) -> Context:
    """What the rules may know, for a preview (a command is judged by
    :func:`execute_all`, against the record under the append lock): the
    record as it stands now, the part of it ``clearance`` may read, the day,
    the gate, and whether the caller acts as the facilitator's secretariat
    (by default it does not: the facilitating actor then has a participant's
    powers only).

    Use the context while the registries stand still (inside
    ``platform.record.read``) if another thread may append meanwhile.
    """
    platform.record.catch_up((FULL, clearance))
    return _context(
        platform,
        platform.record.registry(FULL),
        platform.record.registry(clearance),
        today,
        secretariat,
    )


def _context(
    platform: Platform,
    whole: Registry,
    visible: Registry,
    today: date | None,
    secretariat: bool,
) -> Context:
    return Context(
        today=today or datetime.now(UTC).date(),
        registry=whole,
        gate=gate_for(platform, whole),
        secretariat=secretariat,
        visible=visible,
    )


def judge(context: Context, command: Any) -> list[Emit]:
    """The events ``command`` would bring about; raises :class:`Refusal`."""
    rule = RULES.get(type(command))
    if rule is None:
        raise TypeError(f"no rule judges {type(command).__name__}")
    try:
        return list(rule(command, context))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidCommand(
            f"invalid command: {problems}", exc.errors(include_url=False)
        ) from None


def execute(
    platform: Platform,
    command: Any,
    *,
    principal: str | None,
    secretariat: bool,
    key: KeyPair | None = None,
    today: date | None = None,
    clearance: Clearance = FULL,
) -> AppendResult:
    """Judge ``command`` and append what it brings about, as one step.

    ``secretariat`` says whether the caller acts as the facilitator's
    secretariat (see :class:`~napci.domain.procedure.Context`), ``clearance``
    what it may read (a refusal speaks of nothing else). With ``key``,
    events recorded on behalf of the key's actor are signed.
    """
    return execute_all(
        platform,
        [command],
        principal=principal,
        secretariat=secretariat,
        key=key,
        today=today,
        clearance=clearance,
    )


def execute_all(
    platform: Platform,
    commands: list[Any],
    *,
    principal: str | None,
    secretariat: bool,
    key: KeyPair | None = None,
    today: date | None = None,
    clearance: Clearance = FULL,
    check: Callable[[list[Emit]], None] | None = None,
) -> AppendResult:
    """Judge independent commands against the same record; append all or none.

    Judged and appended as one step, under the ledger's write lock: against
    the record as it stands there, brought up to date by folding only the
    events appended since (DESIGN §1). Two commands sent at the same instant,
    to one process or several, are judged one after the other, each against
    the record the other left. ``secretariat`` and ``clearance`` as for
    :func:`execute`; ``check`` may refuse what the rules would bring about
    (it raises :class:`Refusal`), under the same lock.
    """

    def decide(context: Context) -> list[EventDraft]:
        emits = [emit for command in commands for emit in judge(context, command)]
        if not emits:
            raise Refusal(
                "procedure",
                "the command brings nothing about",
                "Give it something to record: at least one actor, attendance or "
                "other item it acts on.",
            )
        if check is not None:
            check(emits)
        return _drafts(emits, context.registry, key)

    return append_judged(
        platform,
        decide,
        principal=principal,
        secretariat=secretariat,
        today=today,
        clearance=clearance,
    )


def append_judged(
    platform: Platform,
    decide: Callable[[Context], list[EventDraft]],
    *,
    principal: str | None,
    secretariat: bool,
    today: date | None = None,
    clearance: Clearance = FULL,
) -> AppendResult:
    """Append the drafts ``decide(context)`` returns, judged and appended as
    one step: ``context`` is the record as it stands under the ledger's write
    lock, which is held until the drafts are committed. What ``decide``
    raises appends nothing. ``secretariat`` and ``clearance`` as for
    :func:`execute`."""

    def locked(whole: Registry, visible: Registry) -> list[EventDraft]:
        return decide(_context(platform, whole, visible, today, secretariat))

    return platform.record.append_judged(clearance, locked, principal=principal)


def _drafts(
    emits: list[Emit], whole: Registry, key: KeyPair | None
) -> list[EventDraft]:
    """The events to append, those on behalf of ``key``'s actor signed."""
    signs_for = None
    if key is not None:  # only a key that binds its delegation signs
        signs_for = binding_key(whole, key.key_id).code
    drafts = []
    for emit in emits:
        signer = key if signs_for is not None and signs_for == emit.actor else None
        drafts.append(
            draft(
                emit.event,
                occurred_at=emit.on,
                actor=emit.actor,
                classification=emit.classification,
                key=signer,
            )
        )
    return drafts
