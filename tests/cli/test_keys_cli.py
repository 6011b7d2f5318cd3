"""``napci keys``: a delegation makes its own key; nobody else's key binds it.

The issue's attack was made with the command line: ``napci keys new CHN``
registered a key in China's name, China's unsigned objections were refused
from then on, and the key's holder signed as China. Now ``keys new`` only
writes files, and ``keys register`` signs in as every verb that acts does:
anyone with the command line can still enter the request in the record,
the operator without a token (who acts as the facilitator's secretariat) or
another delegation with its own token, but the key is then unconfirmed: it
binds no one. Only China's own delegation, signed in with its token,
registers a key that binds China. A key registered the old way (a
self-signed KeyRegistered without confirmation) binds no one either, until
its delegation confirms it.
"""

from __future__ import annotations

import json
import stat
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from napci_console import Console, flat

from napci.domain.events import KeyRegistered
from napci.domain.key_requests import make_key_request, parse_key_request
from napci.domain.signing import generate_key_pair, load_private_key
from napci.services.drafting import draft
from napci.services.keys import read_key_request, write_key_request
from napci.services.platform import open_platform
from napci.settings import Settings

DAY = "2015-03-10"


@pytest.fixture
def record(db_url: str) -> Console:
    """A NAPCI record on both backends, with proposal p1 tabled on DAY."""
    napci = Console(db_url)
    napci("init")
    napci(
        "meetings", "convene", "m1", "--title", "Environment WG",
        "--track", "environment", "--starts-on", DAY, "--on", "2015-03-01",
    )  # fmt: skip
    napci(
        "proposals", "table", "p1", "--kind", "add-track", "--track",
        "marine-litter", "--title", "Marine litter", "--meeting", "m1",
        "--actor", "KOR", "--on", DAY,
    )  # fmt: skip
    return napci


def position(napci: Console, *more: str, code: int = 0) -> str:
    """China's position on p1, taken by its own delegation with its token;
    what the command said."""
    result = napci.delegation("CHN")(
        "proposals", "position", "p1", "--actor", "CHN", "--on", DAY, *more,
        code=code,
    )  # fmt: skip
    return flat(result.stdout + result.stderr)


def new_key(out: Path, *more: str) -> tuple[Path, Path]:
    """``napci keys new CHN``: the key file and the request file."""
    Console(None)("keys", "new", "CHN", "--out", str(out), "--on", DAY, *more)
    (key,) = out.glob("CHN-*.key")
    (request,) = out.glob("CHN-*.request.json")
    return key, request


def test_keys_new_writes_the_key_and_its_request_and_records_nothing(
    tmp_path: Path,
) -> None:
    result = Console(None)("keys", "new", "chn", "--out", str(tmp_path), "--on", DAY)
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


def test_keys_new_refuses_a_day_to_come_and_a_bad_code(tmp_path: Path) -> None:
    napci = Console(None)
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    refused = napci.refused("keys", "new", "CHN", "--out", str(tmp_path), "--on",
                            tomorrow)  # fmt: skip
    assert "rule no-future" in refused
    refused = napci.refused("keys", "new", "c h n", "--out", str(tmp_path))
    assert "is not an actor's code" in refused
    assert list(tmp_path.iterdir()) == []


def test_anyone_with_the_command_line_enters_a_key_that_binds_no_one(
    record: Console, tmp_path: Path
) -> None:
    key, request = new_key(tmp_path)
    # The operator, without a token: the facilitator's secretariat.
    said = flat(record("keys", "register", str(request)).stdout)
    assert "KeyRegistered" in said and "KeyConfirmed" not in said
    assert "Recorded unconfirmed" in said
    assert "entered in CHN's name by the secretariat" in said
    # Another delegation, with its own token, fares no better.
    jpn_key, jpn_entered = new_key(tmp_path / "by-japan")
    said = flat(record.delegation("JPN")("keys", "register", str(jpn_entered)).stdout)
    assert "Recorded unconfirmed" in said
    assert "entered in CHN's name by JPN's delegation" in said

    # China's unsigned objection is still China's own to make.
    assert "PositionRecorded" in position(record, "--position", "objection")
    # Neither key signs as China, even with China's own token.
    before = record.head()
    for held in (key, jpn_key):
        refused = position(record, "--position", "support", "--sign", str(held),
                           code=2)  # fmt: skip
        assert "rule signature" in refused and "is unconfirmed" in refused
    assert record.head() == before
    # Entered again, by the operator or by Japan: nothing new, unconfirmed.
    for someone in (record, record.delegation("JPN")):
        again = flat(someone("keys", "register", str(request)).stdout)
        assert "Nothing new" in again and "Recorded unconfirmed" in again
    assert record.head() == before


def test_a_key_registered_the_old_way_binds_no_one_until_china_confirms_it(
    record: Console, tmp_path: Path
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
    assert record.db is not None
    with open_platform(Settings(record.db)) as platform:
        platform.append(
            [draft(event, occurred_at=date(2015, 3, 1), actor="CHN", key=pair)],
            principal="cli:someone",
        )
    # The record verifies as it did; China's unsigned objection is accepted.
    assert "PositionRecorded" in position(record, "--position", "objection")
    before = record.head()
    refused = position(record, "--position", "support", "--sign", str(key), code=2)
    assert "is unconfirmed" in refused
    assert record.head() == before

    # A request for the key China holds: the operator cannot confirm it ...
    Console(None)("keys", "request", str(key), "--actor", "CHN", "--on", DAY)
    request = tmp_path / "CHN-old.request.json"
    assert parse_key_request(read_key_request(request).as_json()).key_id == (
        pair.key_id
    )
    refused = record.refused("keys", "register", str(request))
    assert "rule own-key" in refused
    assert "the secretariat cannot confirm it" in refused
    assert record.head() == before
    # ... China's own delegation does: only its confirmation is recorded.
    chn = record.delegation("CHN")
    answer = json.loads(chn("keys", "register", str(request), "--json").stdout)
    assert answer["confirmed"] is True
    assert [e["type"] for e in answer["recorded"]] == ["KeyConfirmed"]
    assert answer["recorded"][0]["principal"] == "user:chn-delegation"
    with open_platform(Settings(record.db)) as platform:
        assert platform.registry().keys[pair.key_id].binds
    refused = position(record, "--position", "support", code=2)
    assert "must be signed" in refused
    assert "(signed)" in position(record, "--position", "support",
                                  "--sign", str(key))  # fmt: skip
    assert record.head()[0] == before[0] + 2


def test_two_keys_of_one_delegation_both_sign(record: Console, tmp_path: Path) -> None:
    first_key, first = new_key(tmp_path / "first")
    second_key, second = new_key(tmp_path / "second")
    chn = record.delegation("CHN")
    assert chn.token is not None
    # China's own token, before the verb or from the environment.
    operator = Console(record.db)
    said = flat(operator("--token", chn.token, "keys", "register", str(first)).stdout)
    assert "KeyConfirmed" in said and "binds CHN" in said
    said = flat(
        operator("keys", "register", str(second), env={"NAPCI_TOKEN": chn.token}).stdout
    )
    assert "KeyConfirmed" in said and "binds CHN" in said
    for key, kind in ((first_key, "objection"), (second_key, "support")):
        said = position(record, "--position", kind, "--sign", str(key))
        assert "(signed)" in said
    assert "must be signed" in position(record, "--position", "objection",
                                        code=2)  # fmt: skip


def test_only_its_own_delegation_revokes_a_key(record: Console, tmp_path: Path) -> None:
    key, request = new_key(tmp_path)
    chn = record.delegation("CHN")
    chn("keys", "register", str(request))
    key_id = read_key_request(request).key_id
    revoke = ["keys", "revoke", key_id, "--on", DAY, "--reason", "rotated"]
    before = record.head()
    refused = record.refused(*revoke)  # the operator: the secretariat
    assert "rule own-key" in refused and "the secretariat cannot revoke it" in refused
    refused = record.delegation("JPN").refused(*revoke)
    assert "JPN's delegation cannot revoke it" in refused
    assert f"'napci keys revoke {key_id} --token TOKEN'" in refused
    assert record.head() == before

    said = flat(chn(*revoke, "--actor", "CHN").stdout)
    assert "KeyRevoked" in said
    [event] = record.json("ledger", "log", "--last", "--limit", "1")
    assert (event["type"], event["principal"]) == (
        "KeyRevoked",
        "user:chn-delegation",
    )
    # Its unsigned positions are China's own again; the key signs nothing.
    assert "PositionRecorded" in position(record, "--position", "objection")
    refused = position(record, "--position", "support", "--sign", str(key), code=2)
    assert "was revoked" in refused


def test_keys_register_and_revoke_say_what_they_need(
    sqlite_url: str, tmp_path: Path
) -> None:
    key, request = new_key(tmp_path)
    napci = Console(sqlite_url)
    napci("init")
    on = Console(None)
    cases = [
        (napci, ["keys", "register", str(request), "--token", "x"],
         "the token is unknown or revoked"),
        (on, ["keys", "register", str(request), "--server", "http://127.0.0.1:9"],
         "--server needs --token TOKEN (or NAPCI_TOKEN)"),
        (on, ["keys", "register", str(request), "--server", "ftp://x", "--token",
              "t"], "is not an http:// or https:// address"),
        (on, ["keys", "revoke", "ed25519:0000000000000000", "--server",
              "http://127.0.0.1:9"], "--server needs --token"),
        (napci, ["keys", "register", str(tmp_path / "none.json")], "cannot read"),
        (napci, ["keys", "register", str(key)], "is not a valid key request"),
        (napci, ["keys", "revoke", "ed25519:0000000000000000"],
         "key ed25519:0000000000000000 is not registered (rule own-key)"),
        (on, ["keys", "request", str(tmp_path / "none.key"), "--actor", "CHN"],
         "cannot load the key"),
    ]  # fmt: skip
    before = napci.head()
    for console, args, words in cases:
        assert words in console.refused(*args), args
    refused = on.refused("keys", "request", str(key), "--actor", "CHN", "--out",
                         str(tmp_path / "nowhere" / "r.json"), code=3)  # fmt: skip
    assert "the folder" in refused and "does not exist" in refused
    assert napci.head() == before


def test_a_request_for_an_unknown_actor_records_nothing(
    napci: Console, tmp_path: Path
) -> None:
    before = napci.head()
    request = tmp_path / "xxx.request.json"
    write_key_request(make_key_request(generate_key_pair(), "XXX", date(2015, 3, 10)),
                      request)  # fmt: skip
    refused = napci.refused("keys", "register", str(request))
    assert "XXX is not in the record (rule registry)" in refused
    assert napci.head() == before
