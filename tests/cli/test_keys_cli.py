"""``napci keys``: a delegation makes its own key; nobody else's key binds it.

The issue's attack was made with the command line: ``napci keys new CHN``
registered a key in China's name, China's unsigned objections were refused
from then on, and the key's holder signed as China. Now ``keys new`` only
writes files; the command line's operator can enter the request in the
record (``keys register FILE``), but the key is then unconfirmed: it binds
no one. A key registered the old way (a self-signed KeyRegistered without
confirmation) binds no one either, until its delegation confirms it.
"""

from __future__ import annotations

import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import flat, head, run
from typer.testing import CliRunner

from napci.domain.events import KeyRegistered
from napci.domain.key_requests import make_key_request, parse_key_request
from napci.domain.signing import generate_key_pair, load_private_key
from napci.services.drafting import draft
from napci.services.keys import (
    read_key_request,
    submit_key_request,
    write_key_request,
)
from napci.services.platform import open_platform
from napci.settings import Settings

DAY = "2015-03-10"


@pytest.fixture(autouse=True)
def _nothing_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NAPCI_DATABASE_URL", raising=False)
    monkeypatch.delenv("NAPCI_TOKEN", raising=False)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def record(runner: CliRunner, db_url: str) -> str:
    """A NAPCI record on both backends, with proposal p1 tabled on DAY."""
    run(runner, "init", "--db", db_url)
    run(
        runner, "meetings", "convene", "m1", "--title", "Environment WG",
        "--track", "environment", "--starts-on", DAY, "--on", "2015-03-01",
        "--db", db_url,
    )  # fmt: skip
    run(
        runner, "proposals", "table", "p1", "--kind", "add-track", "--track",
        "marine-litter", "--title", "Marine litter", "--meeting", "m1",
        "--actor", "KOR", "--on", DAY, "--db", db_url,
    )  # fmt: skip
    return db_url


def position(runner: CliRunner, db: str, *more: str, code: int = 0) -> str:
    """China's position on p1; what the command said."""
    result = run(
        runner, "proposals", "position", "p1", "--actor", "CHN", "--on", DAY,
        "--db", db, *more, code=code,
    )  # fmt: skip
    return flat(result.stdout + result.stderr)


def new_key(runner: CliRunner, out: Path, *more: str) -> tuple[Path, Path]:
    """``napci keys new CHN``: the key file and the request file."""
    run(runner, "keys", "new", "CHN", "--out", str(out), "--on", DAY, *more)
    (key,) = out.glob("CHN-*.key")
    (request,) = out.glob("CHN-*.request.json")
    return key, request


def confirm_as_china(db: str, request: Path) -> None:
    """China's own delegation submits ``request`` (as through the API)."""
    with open_platform(Settings(db)) as platform:
        submitted = submit_key_request(
            platform,
            read_key_request(request),
            principal="user:chn",
            by="CHN",
            secretariat=False,
        )
    assert submitted.confirmed


def test_keys_new_writes_the_key_and_its_request_and_records_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = run(runner, "keys", "new", "chn", "--out", str(tmp_path), "--on", DAY)
    (key,) = tmp_path.glob("CHN-*.key")
    (request,) = tmp_path.glob("CHN-*.request.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [key.name, request.name]
    )
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    pair = load_private_key(key.read_bytes())
    parsed = read_key_request(request)
    assert (parsed.code, parsed.key_id, parsed.on) == (
        "CHN",
        pair.key_id,
        date(2015, 3, 10),
    )
    assert "PRIVATE KEY" not in request.read_text()
    said = flat(result.stdout)
    assert f"Key {pair.key_id} for CHN written to" in said
    assert "napci keys register" in said and "--token TOKEN" in said


def test_keys_new_refuses_a_day_to_come_and_a_bad_code(
    runner: CliRunner, tmp_path: Path
) -> None:
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    result = run(runner, "keys", "new", "CHN", "--out", str(tmp_path), "--on",
                 tomorrow, code=2)  # fmt: skip
    assert "rule no-future" in flat(result.stderr)
    result = run(runner, "keys", "new", "c h n", "--out", str(tmp_path), code=2)
    assert "is not an actor's code" in flat(result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_anyone_with_the_command_line_enters_a_key_that_binds_no_one(
    runner: CliRunner, record: str, tmp_path: Path
) -> None:
    key, request = new_key(runner, tmp_path)
    entered = run(runner, "keys", "register", str(request), "--db", record)
    said = flat(entered.stdout)
    assert "KeyRegistered" in said and "KeyConfirmed" not in said
    assert "Recorded unconfirmed" in said
    assert "the command line's operator" in said

    # China's unsigned objection is still China's own to make.
    assert "PositionRecorded" in position(runner, record, "--position", "objection")
    # The key's holder cannot sign as China.
    before = head(runner, record)
    refused = position(runner, record, "--position", "support", "--sign", str(key),
                       code=2)  # fmt: skip
    assert "rule signature" in refused and "is unconfirmed" in refused
    assert head(runner, record) == before
    # Entered again by the operator: nothing new, still unconfirmed.
    again = run(runner, "keys", "register", str(request), "--db", record)
    assert "Nothing new" in flat(again.stdout)
    assert head(runner, record) == before


def test_a_key_registered_the_old_way_binds_no_one_until_china_confirms_it(
    runner: CliRunner, record: str, tmp_path: Path
) -> None:
    """What 'napci keys new CHN' used to record: a self-signed KeyRegistered."""
    pair = generate_key_pair()
    key = tmp_path / "CHN-old.key"
    key.write_bytes(pair.private_pem())
    event = KeyRegistered(
        code="CHN",
        key_id=pair.key_id,
        public_key=pair.public_key_b64,
        registered_on=date(2015, 3, 1),
    )
    with open_platform(Settings(record)) as platform:
        platform.append(
            [draft(event, occurred_at=date(2015, 3, 1), actor="CHN", key=pair)],
            principal="cli:someone",
        )
    # The record verifies as it did; China's unsigned objection is accepted.
    assert "PositionRecorded" in position(runner, record, "--position", "objection")
    before = head(runner, record)
    refused = position(runner, record, "--position", "support", "--sign", str(key),
                       code=2)  # fmt: skip
    assert "is unconfirmed" in refused
    assert head(runner, record) == before

    # A request for the key China holds: the operator cannot confirm it ...
    run(runner, "keys", "request", str(key), "--actor", "CHN", "--on", DAY)
    request = tmp_path / "CHN-old.request.json"
    assert parse_key_request(read_key_request(request).as_json()).key_id == (
        pair.key_id
    )
    operator = run(runner, "keys", "register", str(request), "--db", record, code=2)
    assert "rule own-key" in flat(operator.stderr)
    assert "cannot confirm it" in flat(operator.stderr)
    assert head(runner, record) == before
    # ... China's own delegation does: only its confirmation is recorded.
    confirm_as_china(record, request)
    with open_platform(Settings(record)) as platform:
        [confirmation] = platform.ledger.iter_events(after=before[0])
        assert confirmation.type == "KeyConfirmed"
        assert platform.registry().keys[pair.key_id].binds
    refused = position(runner, record, "--position", "support", code=2)
    assert "must be signed" in refused
    assert "(signed)" in position(runner, record, "--position", "support",
                                  "--sign", str(key))  # fmt: skip
    assert head(runner, record)[0] == before[0] + 2


def test_two_keys_of_one_delegation_both_sign(
    runner: CliRunner, record: str, tmp_path: Path
) -> None:
    first_key, first = new_key(runner, tmp_path / "first")
    second_key, second = new_key(runner, tmp_path / "second")
    confirm_as_china(record, first)
    confirm_as_china(record, second)
    for key, kind in ((first_key, "objection"), (second_key, "support")):
        said = position(runner, record, "--position", kind, "--sign", str(key))
        assert "(signed)" in said
    assert "must be signed" in position(runner, record, "--position", "objection",
                                        code=2)  # fmt: skip


def test_keys_register_and_revoke_say_what_they_need(
    runner: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    _key, request = new_key(runner, tmp_path)
    cases = [
        (["keys", "register", str(request), "--token", "x", "--db", sqlite_url],
         "--token goes with --server"),
        (["keys", "register", str(request), "--server", "http://127.0.0.1:9"],
         "--server needs --token"),
        (["keys", "register", str(request), "--server", "ftp://x", "--token", "t"],
         "is not an http:// or https:// address"),
        (["keys", "register", str(tmp_path / "none.json")], "cannot read"),
        (["keys", "register", str(_key)], "is not a valid key request"),
        (["keys", "revoke", "ed25519:0000000000000000"],
         "only a key's own delegation revokes it"),
        (["keys", "request", str(tmp_path / "none.key"), "--actor", "CHN"],
         "cannot load the key"),
    ]  # fmt: skip
    for args, words in cases:
        result = run(runner, *args, code=2)
        assert words in flat(result.stderr), args
        assert "Traceback" not in result.stdout + result.stderr


def test_a_request_for_an_unknown_actor_records_nothing(
    runner: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    run(runner, "init", "--db", sqlite_url)
    before = head(runner, sqlite_url)
    request = tmp_path / "xxx.request.json"
    write_key_request(make_key_request(generate_key_pair(), "XXX", date(2015, 3, 10)),
                      request)  # fmt: skip
    result = run(runner, "keys", "register", str(request), "--db", sqlite_url, code=2)
    assert "XXX is not in the record (rule registry)" in flat(result.stderr)
    assert head(runner, sqlite_url) == before
