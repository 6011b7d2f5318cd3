"""What every command verb shares: who acts, on which day, running the rules.

The command line signs in as the API does (DESIGN §4, rule 0: no one acts
for another). ``--token TOKEN`` (or ``NAPCI_TOKEN``) makes it the napci user
holding that token: it acts for that user's actor only, in that user's
capacity (a ``facilitator`` as the facilitator's secretariat, a ``delegate``
as its delegation; an ``analyst`` acts on nothing), and the ledger records
the user as the principal. Without a token the local operator acts as the
facilitator's secretariat, and as nothing else. ``--actor`` says for whom
the verb acts; it must be the signed-in actor (or, without a token, the
facilitator), so naming anyone else is refused, with how to act for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from napci.cli.common import (
    console,
    fail,
    platform,
    principal,
    print_json,
)
from napci.domain.access import CLEARANCE

if TYPE_CHECKING:
    from napci.domain.admission import AppendResult
    from napci.domain.signing import KeyPair
    from napci.services.platform import Platform

__all__ = [
    "ENV_TOKEN",
    "ActorOption",
    "Caller",
    "OnOption",
    "SignOption",
    "TokenOption",
    "day",
    "report",
    "run",
    "sign_in",
    "signing_key",
    "split",
]

#: The environment variable holding the token the command line acts with.
ENV_TOKEN = "NAPCI_TOKEN"


def _token_of(ctx: typer.Context, value: str | None) -> str | None:
    """``--token`` after the verb, else before it, else ``NAPCI_TOKEN``."""
    if value is None:
        found = ctx.find_root().params.get("token")
        value = found if isinstance(found, str) else None
    return value or None


ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="For whom it acts (an actor's code): the token's actor, or without "
        "a token the facilitator (the default).",
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        help=f"Act as the napci user holding this token (also before the verb, "
        f"or ${ENV_TOKEN}); without one, as the facilitator's secretariat.",
        callback=_token_of,
    ),
]
OnOption = Annotated[
    str | None,
    typer.Option("--on", help="The day it happens (YYYY-MM-DD); today by default."),
]
SignOption = Annotated[
    Path | None,
    typer.Option("--sign", help="Sign with this delegation key file (PEM)."),
]


def day(text: str | None, name: str = "--on") -> date:
    """A date option, today by default."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        value = date.fromisoformat(text)
    except ValueError:
        fail(f"{name} {text!r} is not a date (YYYY-MM-DD)")
    if not 1900 <= value.year <= 2999:
        fail(f"{name} {text!r} is outside the years 1900 to 2999")
    return value


def split(text: str | None) -> tuple[str, ...]:
    """A comma-separated option as a tuple."""
    if not text:
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Caller:
    """Who acts from this command line: for which actor, whether as the
    facilitator's secretariat, and the principal the ledger records."""

    actor: str
    secretariat: bool
    principal: str
    clearance: tuple[str, ...] = CLEARANCE["facilitator"]


def sign_in(napci: Platform, token: str | None, actor: str | None) -> Caller:
    """The caller, from the token (or its absence); ``actor`` (``--actor``)
    must be the actor it acts for. Fails with a one-line refusal otherwise."""
    wanted = actor.strip().upper() if actor is not None else None
    if token is None:
        facilitator = napci.record.registry().facilitator()
        if facilitator is None:
            fail(
                "the record designates no facilitator, so without a token no one "
                f"acts: give a user's --token (or set {ENV_TOKEN})"
            )
        if wanted is not None and wanted != facilitator:
            fail(
                f"acting for {wanted} needs its delegation's token: give --token "
                f"TOKEN (or set {ENV_TOKEN}) of a user who acts for {wanted} (the "
                f"secretariat adds one with 'napci users add NAME --role delegate "
                f"--actor {wanted}'); without a token napci acts only as the "
                f"facilitator's secretariat ({facilitator}) (rule 0: no one acts "
                "for another)"
            )
        return Caller(facilitator, True, principal())
    user = napci.users.authenticate(token)
    if user is None:
        fail(
            "the token is unknown or revoked: use the token 'napci users add' "
            "printed for you, or ask the secretariat for a new one"
        )
    who = user.principal()
    if not who.can_act or who.actor is None:
        fail(f"user {who.name} (role {who.role}) reads the record but cannot act")
    if wanted is not None and wanted != who.actor:
        fail(
            f"the token signs in {who.name}, who acts for {who.actor}, not for "
            f"{wanted}: acting for {wanted} needs a token of {wanted}'s own "
            "(rule 0: no one acts for another)"
        )
    if who.role == "observer":
        view = napci.record.registry().actors.get(who.actor)
        if view is not None and view.status == "participant":
            fail(
                f"user {who.name} has the role observer and cannot act for "
                f"{who.actor}, a participant: its delegation acts with a "
                "delegate's token"
            )
    return Caller(who.actor, who.secretariat, who.label, who.clearance)


def signing_key(path: Path | None) -> KeyPair | None:
    """The private key in the file ``--sign`` names, if any."""
    if path is None:
        return None
    from napci.domain.signing import load_private_key

    try:
        return load_private_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        fail(f"cannot load the key {path}: {exc}")


def run(
    db: str | None,
    build: Callable[[str], Sequence[Any]],
    *,
    token: str | None,
    actor: str | None = None,
    sign: Path | None = None,
    as_json: bool = False,
) -> None:
    """Sign in, build the commands for the caller's actor, judge them,
    append what they bring about, report; or fail, appending nothing.

    ``build`` gets the code of the actor the caller acts for; every command
    it builds is that actor's act (its ``by``).
    """
    from napci.cli.invalid import invalid
    from napci.domain.procedure import Refusal
    from napci.services.procedure import InvalidCommand, execute_all

    key = signing_key(sign)
    with platform(db) as napci:
        who = sign_in(napci, token, actor)
        try:
            commands = list(build(who.actor))
            strangers = sorted({c.by for c in commands} - {who.actor})
            if strangers:  # a verb may only build its caller's own acts
                raise RuntimeError(f"commands by {strangers} built for {who.actor}")
            result = execute_all(
                napci,
                commands,
                principal=who.principal,
                secretariat=who.secretariat,
                key=key,
                clearance=who.clearance,
            )
        except Refusal as exc:
            fail(str(exc))
        except InvalidCommand as exc:
            fail(invalid(exc))
    report(result, as_json=as_json)


def report(result: AppendResult, *, as_json: bool = False) -> None:
    """Say what was recorded."""
    if as_json:
        print_json(
            {
                "recorded": [e.to_json_dict() for e in result.recorded],
                "head_seq": result.head_seq,
                "head": result.head_hash,
            }
        )
        return
    for event in result.recorded:
        signed = " (signed)" if event.signature else ""
        console.print(
            f"Recorded seq {event.seq}: {event.type} on {event.occurred_at[:10]} "
            f"for {event.actor}{signed}",
            highlight=False,
        )
