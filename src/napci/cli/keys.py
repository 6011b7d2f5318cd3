"""``napci keys``: a delegation's own Ed25519 signing keys.

A key binds a delegation only when the delegation registered it itself
(DESIGN §4 rule 0): ``keys new`` writes the key pair and a key request on
the delegation's own machine, touching no record; the delegation submits the
request with its own token (``keys register FILE --server URL --token T``).
Entered by anyone else, the local operator included (``keys register FILE``
without a server), the key is recorded unconfirmed and binds no one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from napci.cli.acting import OnOption, day, report, signing_key
from napci.cli.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    platform,
    principal,
    print_json,
)
from napci.cli.remote import RemoteError, ServerOption, TokenOption, post

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
        "--server URL --token TOKEN (or POST it to /api/v1/keys)."
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
        fail(f"cannot write the key to {out}: {exc.strerror or exc}")
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
    try:
        write_key_request(make_key_request(pair, code, _not_after_today(on)), target)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    console.print(
        f"Key request for {pair.key_id} of {code} written to {target}. "
        f"{_submit_hint(target)}",
        highlight=False,
    )


def _remote(
    server: str | None, token: str | None, path: str, body: Any
) -> tuple[int, Any]:
    if not token:
        fail("--server needs --token: your delegation's own user's token")
    assert server is not None
    try:
        return post(server, path, token, body)
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


@app.command()
def register(
    file: Annotated[Path, typer.Argument(help="The key request file.")],
    server: ServerOption = None,
    token: TokenOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit a key request. With --server and your delegation's own token,
    the key is registered and confirmed: it binds your delegation. Without a
    server, it is entered in the local record (--db) unconfirmed: the command
    line is not the delegation's authenticated user, and the key binds no one.

    Example: napci keys register keys/JPN-….request.json --server
    http://127.0.0.1:8000 --token $JPN_TOKEN
    """
    from napci.domain.key_requests import KeyRequestError
    from napci.domain.procedure import Refusal
    from napci.services.keys import read_key_request, submit_key_request

    try:
        request = read_key_request(file)
    except KeyRequestError as exc:
        fail(f"{file} is not a valid key request: {exc}")
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    if server is not None:
        _status, answer = _remote(server, token, "/keys", request.as_json())
        if as_json:
            print_json(answer)
            return
        _print_remote(answer)
        console.print(str(answer.get("note", "")), highlight=False)
        return
    if token:
        fail("--token goes with --server: a token is checked by a server")
    with platform(db) as napci:
        try:
            submitted = submit_key_request(
                napci, request, principal=principal(), by=None, secretariat=False
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
    token: TokenOption = None,
    reason: Annotated[str | None, typer.Option(help="Why, in words.")] = None,
    on: OnOption = None,
) -> None:
    """Revoke one of your delegation's keys, through a server with your
    delegation's own token. Only a key's own delegation revokes it (rule
    own-key); from then on the key signs nothing.

    Example: napci keys revoke ed25519:d628749627f2cbb2 --server
    http://127.0.0.1:8000 --token $JPN_TOKEN --reason rotated
    """
    if server is None:
        fail(
            "only a key's own delegation revokes it: give --server URL and your "
            "delegation's --token"
        )
    body: dict[str, Any] = {"on": day(on).isoformat()}
    if reason:
        body["reason"] = reason
    _status, answer = _remote(server, token, f"/keys/{key_id}/revoke", body)
    _print_remote(answer)
