"""A delegation's own signing keys: submit a key request, revoke a key.

A key binds a delegation only when that delegation registered it itself
(DESIGN §4 rule 0): the request ``napci keys new`` writes is submitted with
the delegation's own token, and the key is then registered *and confirmed*.
Submitted by anyone else (the secretariat, another delegation), the key is
recorded unconfirmed: it binds no one, and the delegation's page flags it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import Field

from napci.domain.key_requests import FORMAT, KeyRequestError, parse_key_request
from napci.domain.values import ActorCode
from napci.services.keys import revoke_key, submit_key_request
from napci.services.procedure import InvalidCommand
from napci.web.api.acting import COMMAND, ActingFor, Body, On, day, result_of
from napci.web.api.common import Day, problems
from napci.web.api.models import CommandResult
from napci.web.deps import State

__all__ = ["router"]

router = APIRouter(tags=["keys"])

_KEY_ID = r"^ed25519:[0-9a-f]{16}$"
KeyId = Annotated[
    str, Field(pattern=_KEY_ID, description="a key's id, e.g. ed25519:0123456789abcdef")
]
KeyIdPath = Annotated[
    str, Path(pattern=_KEY_ID, description="a key's id, e.g. ed25519:0123456789abcdef")
]


_PUBLIC_KEY = r"^[A-Za-z0-9+/]{43}=$"
PublicKey = Annotated[
    str, Field(pattern=_PUBLIC_KEY, description="32 raw bytes, base64")
]


NoSources = Annotated[
    list[Any], Field(max_length=0, description="always empty: a key has no sources")
]


class RegisteredPayload(Body):
    """The payload of a request's ``KeyRegistered`` event."""

    code: ActorCode
    key_id: KeyId
    algorithm: Literal["ed25519"]
    public_key: PublicKey
    registered_on: Day
    sources: NoSources


class ConfirmedPayload(Body):
    """The payload of a request's ``KeyConfirmed`` event."""

    code: ActorCode
    key_id: KeyId
    confirmed_on: Day
    sources: NoSources


class _RequestEvent(Body):
    """What both events of a key request hold, as drafted and signed by the key."""

    id: Annotated[
        str,
        Field(
            pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
        ),
    ]
    version: Literal[1]
    occurred_at: Annotated[
        str, Field(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
    ]
    actor: ActorCode
    classification: Literal["public"]
    signer: KeyId
    signature: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z0-9+/]{86}==$",
            description="the Ed25519 signature by the key: 64 raw bytes, base64",
        ),
    ]


class RegistrationEvent(_RequestEvent):
    """The request's first event: the key entered in the delegation's name."""

    type: Literal["KeyRegistered"]
    payload: RegisteredPayload


class ConfirmationEvent(_RequestEvent):
    """The request's second event: the delegation confirms the key as its own."""

    type: Literal["KeyConfirmed"]
    payload: ConfirmedPayload


KeyRequestEvent = Annotated[
    RegistrationEvent | ConfirmationEvent, Field(discriminator="type")
]


class KeyRequestBody(Body):
    """A key request, exactly as ``napci keys new`` wrote it."""

    format: Literal["napci-key-request"] = Field(description=f"always {FORMAT!r}")
    version: Literal[1]
    code: ActorCode = Field(description="the delegation whose key it is")
    key_id: KeyId
    algorithm: Literal["ed25519"]
    public_key: PublicKey
    on: Day = Field(description="the day of the registration and confirmation")
    events: Annotated[
        list[KeyRequestEvent],
        Field(
            min_length=2,
            max_length=2,
            description="KeyRegistered, then KeyConfirmed, each signed by the key",
        ),
    ]


class KeyRequestResult(CommandResult):
    """What submitting a key request recorded, and whether the key binds."""

    code: str = Field(description="the delegation whose key it is")
    key_id: str
    confirmed: bool = Field(
        description="whether the key binds its delegation: true only when the "
        "delegation itself submitted it"
    )
    note: str = Field(description="what the submitter should know, in words")


@router.post(
    "/keys",
    summary="Register a delegation's own signing key (a key request)",
    status_code=201,
    response_model=KeyRequestResult,
    responses={
        200: {
            "model": KeyRequestResult,
            "description": "The same request again: nothing new recorded",
        },
        **problems(401, 403, 409, 422),
        422: problems(422)[422]
        | {
            "description": "Invalid request: malformed, or its proof of "
            "possession does not hold (a key id that is not the public key's, "
            "events other than its fields describe, a signature that does not "
            "verify), which no schema can describe. Nothing was appended"
        },
    },
)
def register_key(
    body: KeyRequestBody, who: ActingFor, state: State, response: Response
) -> KeyRequestResult:
    """Submit the key request ``napci keys new ACTOR`` wrote. Submitted by the
    delegation's own user (a delegate, or an observer's user, of exactly that
    actor), the key is registered and confirmed: it binds the delegation,
    whose positions must then be signed. Submitted by anyone else (the
    secretariat, another delegation), it is recorded unconfirmed and binds
    no one (``confirmed`` false). Both events are signed by the key itself
    (proof of possession); the request is refused (422) unless its events
    are exactly those its fields describe."""
    try:
        request = parse_key_request(body.model_dump(mode="json"))
    except KeyRequestError as exc:
        raise InvalidCommand(
            f"invalid key request: {exc}. Submit the request file exactly as "
            "'napci keys new' wrote it."
        ) from None
    submitted = submit_key_request(
        state.platform,
        request,
        principal=who.principal.label,
        by=who.actor,
        secretariat=who.secretariat,
        today=state.today(),
    )
    if not submitted.result.recorded:
        response.status_code = 200
    return KeyRequestResult(
        **result_of(submitted.result).model_dump(),
        code=submitted.code,
        key_id=submitted.key_id,
        confirmed=submitted.confirmed,
        note=submitted.note,
    )


class RevokeBody(Body):
    """When and why a key is revoked."""

    on: On = None
    reason: Annotated[str, Field(min_length=1, max_length=2000)] | None = None


@router.post(
    "/keys/{key_id}/revoke",
    summary="A delegation revokes one of its own keys",
    **COMMAND,
)
def revoke(
    key_id: KeyIdPath, who: ActingFor, state: State, body: RevokeBody | None = None
) -> CommandResult:
    """Only the key's own delegation revokes it, confirmed or not (rule
    own-key): not the secretariat, not another delegation. From the
    revocation on, the key signs nothing; signatures made before it stay
    valid."""
    body = body or RevokeBody()
    return result_of(
        revoke_key(
            state.platform,
            key_id,
            principal=who.principal.label,
            by=who.actor,
            secretariat=who.secretariat,
            on=day(body.on, state),
            reason=body.reason,
            today=state.today(),
        )
    )
