"""Running commands through the rules of procedure.

A use case is a function of (command, unit of work): fold the record, ask
the rule, draft its events (signed when the acting delegation's key is
given), append them in one batch. A refusal, an invalid command or a failed
signature appends nothing.

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

from napci.adapters.db.ledger import AppendResult
from napci.domain.procedure import RULES, Context, Emit, Gate, Refusal
from napci.domain.signing import KeyPair
from napci.services.drafting import draft

if TYPE_CHECKING:
    from napci.domain.registry import Registry
    from napci.services.platform import Platform

__all__ = [
    "InvalidCommand",
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


def gate_for(platform: Platform) -> Callable[[date], Gate]:
    """A function giving the road-map phase and regional trust on a date."""

    def gate(day: date) -> Gate:
        roadmap = platform.status(day)
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
    registry: Registry | None = None,
    *,
    secretariat: bool = False,
) -> Context:
    """What the rules may know: the record folded now, the day, the gate,
    and whether the caller acts as the facilitator's secretariat (by default
    it does not: the facilitating actor then has a participant's powers only).

    A caller that keeps the registry current (the web app) passes it in;
    otherwise the record is folded afresh.
    """
    return Context(
        today=today or datetime.now(UTC).date(),
        registry=platform.registry() if registry is None else registry,
        gate=gate_for(platform),
        secretariat=secretariat,
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
    registry: Registry | None = None,
) -> AppendResult:
    """Judge ``command`` and append what it brings about, atomically.

    ``secretariat`` says whether the caller acts as the facilitator's
    secretariat (see :class:`~napci.domain.procedure.Context`). With ``key``,
    events recorded on behalf of the key's actor are signed.
    """
    return execute_all(
        platform,
        [command],
        principal=principal,
        secretariat=secretariat,
        key=key,
        today=today,
        registry=registry,
    )


def execute_all(
    platform: Platform,
    commands: list[Any],
    *,
    principal: str | None,
    secretariat: bool,
    key: KeyPair | None = None,
    today: date | None = None,
    registry: Registry | None = None,
) -> AppendResult:
    """Judge independent commands against the same record; append all or none.

    ``secretariat`` as for :func:`execute`.
    """
    context = context_for(platform, today, registry, secretariat=secretariat)
    emits = [emit for command in commands for emit in judge(context, command)]
    if not emits:
        raise Refusal("procedure", "the command brings nothing about")
    signs_for = None
    if key is not None:
        owner = context.registry.keys.get(key.key_id)
        if owner is None or owner.revoked:
            raise Refusal(
                "signature",
                f"key {key.key_id} is not registered (or was revoked)",
                "Register it with 'napci keys new'.",
            )
        signs_for = owner.code
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
    result: AppendResult = platform.append(drafts, principal=principal)
    return result
