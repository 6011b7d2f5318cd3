"""What command endpoints share: who acts, running the rules, the result.

The acting actor always comes from the caller's token, never from a body:
a delegate acts for its own actor only. So does the capacity in which it
acts: only a user with the role ``facilitator`` acts as the facilitator's
secretariat; a delegate of the facilitating actor acts as its delegation.
Whether that actor, in that capacity, may do what it asks is for the rules
of procedure to say (a refusal is a 409 naming the rule); the API itself
refuses callers who may not act at all (401, 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from napci.domain.access import CLEARANCE, Principal
from napci.domain.admission import AppendResult
from napci.domain.text import first_unstorable
from napci.domain.values import MAX_TEXT
from napci.services.procedure import execute_all
from napci.web.api.common import Day, problems
from napci.web.api.models import CommandResult, RecordedEvent
from napci.web.deps import CurrentPrincipal, State, require_actor
from napci.web.problems import Problem
from napci.web.state import WebState

__all__ = [
    "COMMAND",
    "Acting",
    "ActingFor",
    "Body",
    "CodePath",
    "On",
    "RefPath",
    "acting",
    "day",
    "result_of",
    "run",
    "writable",
]


def writable(state: State) -> None:
    """Refuse (503, naming the first bad seq) any command once the server
    has found the record broken: nothing is judged against a broken record."""
    state.integrity.check_writable()


#: Everything a command endpoint answers besides 201.
COMMAND: dict[str, Any] = {
    "status_code": 201,
    "response_model": CommandResult,
    "responses": problems(401, 403, 409, 422, 503),
    "dependencies": [Depends(writable)],
}

RefPath = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9][a-z0-9._+-]{0,79}$",
        description="an id: lower case, digits, '.', '_', '+', '-'",
    ),
]
CodePath = Annotated[
    str, Path(pattern=r"^[A-Z][A-Z0-9+-]{1,15}$", description="an actor's code")
]

_EVERYTHING = CLEARANCE["facilitator"]


@dataclass(frozen=True, slots=True)
class Acting:
    """The caller of a command, the actor it acts for, and whether it acts as
    the facilitator's secretariat."""

    principal: Principal
    actor: str

    @property
    def secretariat(self) -> bool:
        """Whether the caller acts as the facilitator's secretariat."""
        return self.principal.secretariat


def acting(principal: CurrentPrincipal, state: State) -> Acting:
    """The caller's actor; 401 for anonymous callers, 403 for analysts.

    A user with role ``observer`` speaks for an observer's delegation, whose
    positions never block: it may not act for a participant.
    """
    actor = require_actor(principal)
    if principal.role == "observer":
        view = state.read(_EVERYTHING, lambda reg: reg.actors.get(actor))
        if view is not None and view.status == "participant":
            raise Problem(
                403,
                "Forbidden",
                f"a user with role observer cannot act for {actor}, a participant",
            )
    return Acting(principal, actor)


ActingFor = Annotated[Acting, Depends(acting)]


class Body(BaseModel):
    """Base of command bodies: unknown fields are refused (a body never says
    who acts), and so is text a database cannot store, or longer than any
    field takes, however deep in the body (a 422 naming the field)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        plain = value.model_dump() if isinstance(value, BaseModel) else value
        found = first_unstorable(plain, longest=MAX_TEXT)
        if found is not None:
            where, problem = found
            raise ValueError(f"{where} {problem}" if where else f"the text {problem}")
        return value


On = Annotated[
    Day | None, Field(description="the day it happens (YYYY-MM-DD); today by default")
]


def day(value: date | None, state: WebState) -> date:
    """A body's day, today (UTC) by default."""
    return value if value is not None else state.today()


def result_of(result: AppendResult) -> CommandResult:
    """The API's view of an append."""
    return CommandResult(
        recorded=[
            RecordedEvent(
                seq=e.seq,
                id=e.id,
                type=e.type,
                occurred_at=e.occurred_at,
                actor=e.actor,
                classification=e.classification,
                hash=e.hash,
                signer=e.signer,
                signed=e.signature is not None,
            )
            for e in result.recorded
        ],
        already_recorded=list(result.already_recorded),
        head_seq=result.head_seq,
        head=result.head_hash,
    )


def run(state: WebState, who: Acting, *commands: Any) -> CommandResult:
    """Judge ``commands`` together and append what they bring about, or nothing."""
    return result_of(
        execute_all(
            state.platform,
            list(commands),
            principal=who.principal.label,
            secretariat=who.secretariat,
            clearance=who.principal.clearance,
        )
    )
