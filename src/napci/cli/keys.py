"""``napci keys``: a delegation's own Ed25519 signing keys.

A key binds a delegation only when the delegation registered it itself
(DESIGN §4 rule 0): ``keys new`` writes the key pair and a key request on
the delegation's own machine, touching no record; the delegation submits the
request signed in with its own token (``keys register FILE --token T``, on
the record ``--db`` names or, with ``--server URL``, through a server's
API), as every verb that acts does (:mod:`napci.cli.acting`). Entered by
anyone else, the local operator without a token included (who acts as the
facilitator's secretariat), the key is recorded unconfirmed and binds no one.
"""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from napci.cli.acting import (
    ENV_TOKEN,
    ActorOption,
    OnOption,
    TokenOption,
    day,
    report,
    sign_in,
    signing_key,
)
from napci.cli.common import (
    DbOption,
    ExitCode,
    JsonOption,
    check_text,
    console,
    fail,
    platform,
    print_json,
)
from napci.cli.remote import RemoteError, ServerOption, get, post

if TYPE_CHECKING:
    from napci.domain.key_requests import KeyRequest

__all__ = ["app"]

app = typer.Typer(help="A delegation's own Ed25519 signing keys.", no_args_is_help=True)

_CODE = re.compile(r"[A-Z][A-Z0-9+-]{1,15}")


def _code(text: str) -> str:
    code = text.strip().upper()
    if not _CODE.fullmatch(code):
        fail(f"{text!r} is not an actor's code (e.g. JPN, ASEAN)")
    return code


def _not_after_today(text: str | None) -> date:
    on = day(text)
    today = datetime.now(UTC).date()
    if on > today:
        fail(
            f"--on {on.isoformat()} is after today ({today.isoformat()}): a key "
            "is registered on a day that has come (rule no-future)"
        )
    return on


def _submit_hint(path: Path) -> str:
    return (
        f"Submit it with your delegation's own token: napci keys register {path} "
        "--token TOKEN (add --server URL to submit it through a napci server, "
        "or POST it to /api/v1/keys)."
    )


@app.command()
def new(
    actor: Annotated[str, typer.Argument(help="Your delegation's code, e.g. JPN.")],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the key and request files.")
    ] = Path("."),
    on: OnOption = None,
) -> None:
    """Write a new key pair for ACTOR and its key request; record nothing.

    The private key goes to OUT/ACTOR-HEX.key (mode 0600; it never enters the
    record), the request to OUT/ACTOR-HEX.request.json: the public key and
    the registration and confirmation events, signed by the key, dated --on.

    Example: napci keys new JPN --out keys/ --on 2015-06-01
    """
    from napci.services.keys import write_key_files

    code = _code(actor)
    on_day = _not_after_today(on)
    try:
        files = write_key_files(code, out, on_day)
    except OSError as exc:
        fail(
            f"cannot write the key to {out}: {exc.strerror or exc}",
            code=ExitCode.SETUP,
        )
    console.print(
        f"Key {files.pair.key_id} for {code} written to {files.key_path} "
        "(keep it private: whoever holds it signs for the delegation).",
        highlight=False,
    )
    console.print(
        f"Its key request: {files.request_path}. {_submit_hint(files.request_path)}",
        highlight=False,
    )


@app.command()
def request(
    key_file: Annotated[Path, typer.Argument(help="A private key file (PEM).")],
    actor: Annotated[str, typer.Option("--actor", help="Whose key it is.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="The request file (default: beside the key)."),
    ] = None,
    on: OnOption = None,
) -> None:
    """Write a key request for a key you already hold (e.g. one registered
    before delegations confirmed their keys), to confirm it as your own.

    Example: napci keys request keys/JPN-d628749627f2cbb2.key --actor JPN
    """
    from napci.domain.key_requests import make_key_request
    from napci.services.keys import write_key_request

    code = _code(actor)
    pair = signing_key(key_file)
    assert pair is not None
    target = out or key_file.with_name(key_file.stem + ".request.json")
    if not target.parent.exists():
        fail(
            f"cannot write {target}: the folder {target.parent} does not exist "
            "(create it, or give another --out)",
            code=ExitCode.SETUP,
        )
    try:
        write_key_request(make_key_request(pair, code, _not_after_today(on)), target)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}", code=ExitCode.SETUP)
    console.print(
        f"Key request for {pair.key_id} of {code} written to {target}. "
        f"{_submit_hint(target)}",
        highlight=False,
    )


def _remote(
    server: str, token: str | None, actor: str | None, path: str, body: Any
) -> Any:
    """POST ``body`` to ``path`` on ``server``, signed in there with
    ``token``; ``actor`` (``--actor``), if given, must be the token's actor."""
    if not token:
        fail(
            f"--server needs --token TOKEN (or {ENV_TOKEN}): your delegation's own "
            "user's token on that server"
        )
    try:
        if actor is not None:
            wanted = actor.strip().upper()
            me = get(server, "/me", token)
            if me.get("actor") != wanted:
                fail(
                    f"the token signs in {me.get('name')} on {server}, who acts for "
                    f"{me.get('actor')}, not for {wanted}: acting for {wanted} needs "
                    f"a token of {wanted}'s own (rule 0: no one acts for another)"
                )
        return post(server, path, token, body)[1]
    except RemoteError as exc:
        fail(str(exc))


def _print_remote(answer: Any) -> None:
    for event in answer.get("recorded", []):
        signed = " (signed)" if event.get("signed") else ""
        console.print(
            f"Recorded seq {event['seq']}: {event['type']} on "
            f"{event['occurred_at'][:10]} for {event['actor']}{signed}",
            highlight=False,
        )
    if not answer.get("recorded"):
        console.print("Nothing new: the record holds it already.")


def _read_request(file: Path) -> "KeyRequest":
    from napci.domain.key_requests import KeyRequestError
    from napci.services.keys import read_key_request

    try:
        return read_key_request(file)
    except KeyRequestError as exc:
        fail(f"{file} is not a valid key request: {exc}")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")


@app.command()
def register(
    file: Annotated[Path, typer.Argument(help="The key request file.")],
    server: ServerOption = None,
    actor: ActorOption = None,
    token: TokenOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a key request, signed in as every acting verb is. With your
    delegation's own token the key is registered and confirmed: it binds
    your delegation. Submitted by anyone else (another delegation, or the
    facilitator's secretariat: the operator without a token) it is recorded
    unconfirmed and binds no one. On the record --db names, or with --server
    through a napci server's API.

    Example: napci keys register keys/JPN-….request.json --token $JPN_TOKEN
    """
    from napci.domain.procedure import Refusal
    from napci.services.keys import submit_key_request

    if server is not None:
        check_text()
        request = _read_request(file)
        answer = _remote(server, token, actor, "/keys", request.as_json())
        if as_json:
            print_json(answer)
            return
        _print_remote(answer)
        console.print(str(answer.get("note", "")), highlight=False)
        return
    with platform(db) as napci:
        who = sign_in(napci, token, actor)
        request = _read_request(file)
        try:
            submitted = submit_key_request(
                napci,
                request,
                principal=who.principal,
                by=who.actor,
                secretariat=who.secretariat,
            )
        except Refusal as exc:
            fail(str(exc))
    if as_json:
        data = {
            "recorded": [e.to_json_dict() for e in submitted.result.recorded],
            "already_recorded": list(submitted.result.already_recorded),
            "head_seq": submitted.result.head_seq,
            "head": submitted.result.head_hash,
            "code": submitted.code,
            "key_id": submitted.key_id,
            "confirmed": submitted.confirmed,
            "note": submitted.note,
        }
        print_json(data)
        return
    report(submitted.result)
    if not submitted.result.recorded:
        console.print("Nothing new: the record holds it already.")
    console.print(submitted.note, highlight=False)


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (ed25519:…).")],
    server: ServerOption = None,
    reason: Annotated[str | None, typer.Option(help="Why, in words.")] = None,
    on: OnOption = None,
    actor: ActorOption = None,
    token: TokenOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke one of your delegation's keys, signed in with your delegation's
    own token. Only a key's own delegation revokes it (rule own-key); from
    then on the key signs nothing. On the record --db names, or with
    --server through a napci server's API.

    Example: napci keys revoke ed25519:d628749627f2cbb2 --token $JPN_TOKEN
    --reason rotated
    """
    from napci.domain.procedure import Refusal
    from napci.services.keys import revoke_key

    when = day(on)
    if server is not None:
        check_text()
        body: dict[str, Any] = {"on": when.isoformat()}
        if reason:
            body["reason"] = reason
        answer = _remote(server, token, actor, f"/keys/{key_id}/revoke", body)
        if as_json:
            print_json(answer)
            return
        _print_remote(answer)
        return
    with platform(db) as napci:
        who = sign_in(napci, token, actor)
        try:
            result = revoke_key(
                napci,
                key_id,
                principal=who.principal,
                by=who.actor,
                secretariat=who.secretariat,
                on=when,
                reason=reason,
            )
        except Refusal as exc:
            fail(str(exc))
    report(result, as_json=as_json)
