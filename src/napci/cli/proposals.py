"""``napci proposals``: tabling, positions, silence, decisions."""

import json
from typing import Annotated, Any

import typer

from napci.cli.acting import (
    ActorOption,
    OnOption,
    SignOption,
    TokenOption,
    day,
    report,
    run,
    sign_in,
    signing_key,
    split,
)
from napci.cli.common import (
    DbOption,
    JsonOption,
    console,
    en,
    fail,
    platform,
    print_json,
    styled,
)

__all__ = ["proposals_app"]

proposals_app = typer.Typer(
    help="Proposals decided by consensus or under silence.", no_args_is_help=True
)
Proposal = Annotated[str, typer.Argument(help="The proposal's id.")]
KINDS = (
    "add-track, admit-observer, adopt-document, launch-mechanism, widen-project, "
    "amend-rules, declare-phase, violation"
)


def _value(text: str) -> bool | int | float | str:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    if isinstance(value, bool | int | float | str):
        return value
    return text


def _subject(kind: str, **options: Any) -> dict[str, Any]:
    """The typed subject of a proposal from the command line's options."""
    o = options
    if kind == "add-track":
        return {
            "kind": kind,
            "track": o["track"],
            "name": {"en": o["name"] or o["track"]},
            "category": o["category"],
        }
    if kind == "admit-observer":
        return {"kind": kind, "code": (o["code"] or "").upper()}
    if kind == "adopt-document":
        return {"kind": kind, "document": o["document"]}
    if kind == "launch-mechanism":
        return {
            "kind": kind,
            "mechanism": o["mechanism"],
            "name": {"en": o["name"] or o["mechanism"]},
            "tracks": list(o["tracks"]),
            "members": [c.upper() for c in o["members"]],
            "widens": o["widens"],
        }
    if kind == "widen-project":
        return {"kind": kind, "project": o["project"], "tracks": list(o["tracks"])}
    if kind == "amend-rules":
        changes = {}
        for item in o["change"] or []:
            name, sep, value = item.partition("=")
            if not sep:
                fail(f"--change {item!r} is not NAME=VALUE")
            changes[name.strip()] = _value(value.strip())
        return {"kind": kind, "changes": changes}
    if kind == "declare-phase":
        return {"kind": kind, "phase": o["phase"]}
    if kind == "violation":
        return {
            "kind": kind,
            "concerned": (o["concerned"] or "").upper(),
            "commitment": o["commitment"],
            "finding": o["finding"] or "",
        }
    fail(f"unknown proposal kind {kind!r}; one of: {KINDS}")


@proposals_app.command("table")
def table(
    proposal: Proposal,
    kind: Annotated[str, typer.Option(help=f"One of: {KINDS}.")],
    title: Annotated[str, typer.Option(help="Its title in English.")],
    meeting: Annotated[
        str | None, typer.Option(help="The meeting at which it is decided.")
    ] = None,
    track: Annotated[str | None, typer.Option(help="add-track: the track.")] = None,
    name: Annotated[str | None, typer.Option(help="add-track/launch: a name.")] = None,
    category: Annotated[str, typer.Option(help="add-track: soft or hard.")] = "soft",
    code: Annotated[str | None, typer.Option(help="admit-observer: who.")] = None,
    document: Annotated[
        str | None, typer.Option(help="adopt-document: the document.")
    ] = None,
    mechanism: Annotated[
        str | None, typer.Option(help="launch-mechanism: its id.")
    ] = None,
    members: Annotated[
        str | None, typer.Option(help="launch-mechanism: members.")
    ] = None,
    widens: Annotated[
        str | None, typer.Option(help="launch-mechanism: the one it widens.")
    ] = None,
    project: Annotated[str | None, typer.Option(help="widen-project: which.")] = None,
    tracks: Annotated[
        str | None, typer.Option(help="launch-mechanism/widen-project: tracks.")
    ] = None,
    change: Annotated[
        list[str] | None, typer.Option(help="amend-rules: NAME=VALUE (repeat).")
    ] = None,
    phase: Annotated[int | None, typer.Option(help="declare-phase: 1-4.")] = None,
    concerned: Annotated[
        str | None, typer.Option(help="violation: the participant concerned.")
    ] = None,
    commitment: Annotated[
        str | None, typer.Option(help="violation: the commitment.")
    ] = None,
    finding: Annotated[str | None, typer.Option(help="violation: the finding.")] = None,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Table a proposal (tabled by --actor, a participant).

    Example: napci proposals table p-cyber --kind add-track --track
    cyber-norms --category soft --title "Cyber norms" --meeting m1 --actor KOR
    """
    from napci.domain.procedure import TableProposal

    subject = _subject(
        kind,
        track=track,
        name=name,
        category=category,
        code=code,
        document=document,
        mechanism=mechanism,
        members=split(members),
        widens=widens,
        project=project,
        tracks=split(tracks),
        change=change,
        phase=phase,
        concerned=concerned,
        commitment=commitment,
        finding=finding,
    )
    run(
        db,
        lambda by: [
            TableProposal(
                proposal=proposal,
                title=title,
                subject=subject,
                on=day(on),
                by=by,
                meeting=meeting,
            )
        ],
        token=token,
        actor=actor,
    )


@proposals_app.command("position")
def position(
    proposal: Proposal,
    actor: Annotated[str, typer.Option("--actor", help="Whose position.")],
    position: Annotated[
        str,
        typer.Option(help="support, no-objection, objection or amendment."),
    ],
    statement: Annotated[
        str | None, typer.Option(help="An interpretative statement.")
    ] = None,
    reservation: Annotated[str | None, typer.Option(help="A reservation.")] = None,
    amendment: Annotated[
        str | None, typer.Option(help="The amended text (with 'amendment').")
    ] = None,
    sign: SignOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Record (or change) an actor's own position (with its delegation's
    token), optionally signed.

    Example: napci proposals position p-cyber --actor JPN --position objection
    --token $JPN_TOKEN --sign keys/JPN-….key
    """
    from napci.cli.invalid import invalid
    from napci.domain.procedure import RecordPosition, Refusal
    from napci.domain.signing import sign as sign_bytes
    from napci.services.procedure import InvalidCommand
    from napci.services.signed import draft_position, record_position

    when = day(on)
    key = signing_key(sign)
    with platform(db) as napci:
        who = sign_in(napci, token, actor)
        command = RecordPosition(
            proposal=proposal,
            code=who.actor,
            position=position,
            on=when,
            by=who.actor,
            statement=statement,
            reservation=reservation,
            amendment=amendment,
        )
        try:
            if key is None:
                result = record_position(napci, command, principal=who.principal)
            else:
                drafted = draft_position(napci, command, signer=key.key_id)
                result = record_position(
                    napci,
                    command,
                    principal=who.principal,
                    event_id=drafted.position.id,
                    signer=key.key_id,
                    signature=sign_bytes(key, drafted.position.signing_bytes()),
                )
        except Refusal as exc:
            fail(str(exc))
        except InvalidCommand as exc:
            fail(invalid(exc))
    report(result)


@proposals_app.command("silence")
def silence(
    proposal: Proposal,
    deadline: Annotated[str, typer.Option(help="The silence deadline.")],
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Put a proposal under the silence procedure until a deadline.

    Example: napci proposals silence p-cyber --deadline 2015-05-01
    """
    from napci.domain.procedure import StartSilence

    run(
        db,
        lambda by: [StartSilence(proposal, day(deadline, "--deadline"), day(on), by)],
        token=token,
        actor=actor,
    )


@proposals_app.command("decide")
def decide(
    proposal: Proposal,
    at: Annotated[
        str | None, typer.Option("--at", help="The day of decision (today).")
    ] = None,
    actor: ActorOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """Close a proposal by consensus or silence, or confirm a provisional one.

    Example: napci proposals decide p-cyber --at 2015-04-12
    """
    from napci.domain.procedure import Decide

    run(
        db,
        lambda by: [Decide(proposal, day(at, "--at"), by)],
        token=token,
        actor=actor,
    )


@proposals_app.command("withdraw")
def withdraw(
    proposal: Proposal,
    actor: ActorOption = None,
    on: OnOption = None,
    token: TokenOption = None,
    db: DbOption = None,
) -> None:
    """The proposer withdraws an open proposal.

    Example: napci proposals withdraw p-cyber --actor KOR
    """
    from napci.domain.procedure import WithdrawProposal

    run(
        db,
        lambda by: [WithdrawProposal(proposal, day(on), by)],
        token=token,
        actor=actor,
    )


@proposals_app.command("show")
def show(proposal: Proposal, db: DbOption = None, as_json: JsonOption = False) -> None:
    """A proposal: subject, positions, outcome, who joined the consensus.

    Example: napci proposals show p-cyber --json
    """
    with platform(db) as napci:
        decision = napci.registry().decisions.get(proposal)
    if decision is None:
        fail(f"proposal {proposal} has not been tabled")
    data = decision.as_dict()
    if as_json:
        print_json(data)
        return
    console.print(
        styled(
            (proposal, "bold"),
            f": {en(data['title'])} ({data['kind']}) — {data['outcome']}",
        ),
        highlight=False,
    )
    if data["silence_deadline"]:
        console.print(f"Under silence until {data['silence_deadline']}")
    from rich.table import Table

    table = Table(title="Positions")
    for column in ("actor", "position", "on", "statement", "reservation"):
        table.add_column(column)
    for p in data["positions"]:
        table.add_row(
            p["code"],
            p["position"],
            p["recorded_on"],
            p["statement"] or "",
            p["reservation"] or "",
        )
    console.print(table)
    if data["joined"]:
        console.print("Joined the consensus: " + ", ".join(data["joined"]))
    if data["provisional_for"]:
        console.print(
            "Provisional for "
            + ", ".join(data["provisional_for"])
            + f" until {data['provisional_until']}"
        )


@proposals_app.command("list")
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every proposal and its outcome.

    Example: napci proposals list
    """
    with platform(db) as napci:
        rows = [d.as_dict() for d in napci.registry().decisions.values()]
    if as_json:
        print_json(rows)
        return
    from rich.table import Table

    table = Table(title="Proposals")
    for column in ("proposal", "kind", "tabled", "by", "outcome", "decided"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["proposal"],
            r["kind"],
            r["tabled_on"],
            r["tabled_by"] or "",
            r["outcome"],
            r["decided_on"] or "",
        )
    console.print(table)
