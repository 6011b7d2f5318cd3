"""Appending: idempotent by event id, all-or-nothing per batch, validated first.

Also the two command-line guarantees around the schema: ``napci init`` run
twice changes nothing the second time, and a read verb refuses a database
that is not at the schema revision the code expects.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from napci.adapters.db import IdConflictError, LedgerError, SqlLedger, make_engine
from napci.adapters.db.migrate import HEAD, head_revision
from napci.cli import app
from napci.domain.events import ActorJoined
from napci.domain.signing import generate_key_pair
from napci.services.drafting import draft


def _assert_nothing_appended(ledger: SqlLedger, head: tuple[int, str], ids) -> None:
    assert ledger.head() == head
    assert ledger.count() == head[0]
    for event_id in ids:
        assert ledger.get(event_id) is None
    assert ledger.verify().ok


# --- idempotency ------------------------------------------------------------------


def test_the_same_event_twice_is_stored_once(ledger, drafts) -> None:
    key = generate_key_pair()
    ledger.append([drafts.key_registered("KOR", key)], principal="a")
    event = drafts.joined("KOR", key=key)
    first = ledger.append([event], principal="a")
    assert [e.id for e in first.recorded] == [event.id]
    assert first.already_recorded == ()

    # A retry (here by another principal) finds it and appends nothing.
    again = ledger.append([event], principal="b")
    assert again.recorded == ()
    assert again.already_recorded == (event.id,)
    assert (again.head_seq, again.head_hash) == (first.head_seq, first.head_hash)
    assert ledger.head() == (2, first.head_hash)
    stored = ledger.get(event.id)
    assert stored is not None and stored.principal == "a"


def test_a_retried_batch_appends_only_what_is_new(ledger, drafts) -> None:
    old = drafts.series(3)
    ledger.append(old, principal="a")
    new = drafts.series(2)
    result = ledger.append([old[0], new[0], old[2], new[1]], principal="a")
    assert [e.id for e in result.recorded] == [new[0].id, new[1].id]
    assert [e.seq for e in result.recorded] == [4, 5]
    assert result.already_recorded == (old[0].id, old[2].id)
    assert ledger.count() == 5


def test_the_same_event_twice_in_one_batch_is_stored_once(ledger, drafts) -> None:
    event = drafts.joined()
    result = ledger.append([event, event], principal="a")
    assert [e.id for e in result.recorded] == [event.id]
    assert result.already_recorded == (event.id,)
    assert ledger.count() == 1


def _other(drafts, event, field):
    """A draft with ``event``'s id and one field of other content."""
    other = drafts.joined("JPN")
    changes = {
        "payload": {"payload_json": other.payload_json},
        "occurred_at": {"occurred_at": "2014-01-01T00:00:00.000000Z"},
        "actor": {"actor": None},
        "classification": {"classification": "restricted"},
        "type": {"type": "ActorWithdrew"},
        "signature": {
            "signer": "ed25519:0123456789abcdef",
            "signature": "A" * 86 + "==",
        },
    }[field]
    return replace(event, **changes)


CONFLICTING_FIELDS = [
    "payload",
    "occurred_at",
    "actor",
    "classification",
    "type",
    "signature",
]


@pytest.mark.parametrize("field", CONFLICTING_FIELDS)
def test_the_same_id_with_other_content_conflicts(ledger, drafts, field) -> None:
    event = drafts.joined("KOR")
    ledger.append([event], principal="a")
    head = ledger.head()
    fresh = drafts.joined("CHN")
    conflicting = _other(drafts, event, field)
    if field == "type":  # a payload of the type it claims, so only the id clashes
        conflicting = replace(
            conflicting, payload_json='{"code":"KOR","withdrew_on":"2014-01-01"}'
        )
    with pytest.raises(IdConflictError, match=f"event id {event.id} is already"):
        ledger.append([fresh, conflicting], principal="a")
    _assert_nothing_appended(ledger, head, [fresh.id])
    assert ledger.get(event.id).payload_json == event.payload_json


def test_the_same_id_twice_in_a_batch_with_other_content(ledger, drafts) -> None:
    ledger.append(drafts.series(2), principal="a")
    head = ledger.head()
    event = drafts.joined("KOR")
    twin = replace(event, classification="restricted")
    with pytest.raises(IdConflictError, match="appears twice in the batch"):
        ledger.append([event, twin], principal="a")
    _assert_nothing_appended(ledger, head, [event.id])


# --- validation: a bad draft refuses the whole batch ---------------------------------

BAD_DRAFTS = [
    pytest.param(
        {"payload_json": '{"code":"kor","joined_on":"2013-05-08"}'},
        r"invalid ActorJoined v1 payload: code",
        id="payload-schema",
    ),
    pytest.param(
        {"payload_json": '{"code":"KOR"}'},
        r"invalid ActorJoined v1 payload: joined_on",
        id="payload-missing-field",
    ),
    pytest.param(
        {"payload_json": '{"code":"KOR","joined_on":"2013-05-08","x":1}'},
        r"invalid ActorJoined v1 payload: x",
        id="payload-extra-field",
    ),
    pytest.param({"payload_json": "[]"}, r"payload", id="payload-not-an-object"),
    pytest.param({"payload_json": "{"}, r"payload is not JSON", id="payload-not-json"),
    pytest.param(
        {"payload_json": '{"joined_on":"2013-05-08","code":"KOR"}'},
        r"payload is not in canonical JSON form",
        id="payload-keys-unsorted",
    ),
    pytest.param(
        {"payload_json": '{"code": "KOR", "joined_on": "2013-05-08"}'},
        r"payload is not in canonical JSON form",
        id="payload-with-spaces",
    ),
    pytest.param(
        {"payload_json": '{"code":"\\u004bOR","joined_on":"2013-05-08"}'},
        r"payload is not in canonical JSON form",
        id="payload-escaped-letter",
    ),
    pytest.param(
        {"payload_json": '{"code":"KOR","joined_on":NaN}'},
        r"payload is not in canonical JSON form \(NaN and infinity have none\)",
        id="payload-nan",
    ),
    pytest.param(
        {"type": "ActorVanished"}, r"unknown event type ActorVanished", id="type"
    ),
    pytest.param({"version": 7}, r"unknown event type ActorJoined v7", id="version"),
    pytest.param(
        {"classification": "secret"},
        r"classification 'secret' is not one of public, participants, restricted",
        id="classification",
    ),
    pytest.param(
        {"classification": "Public"}, r"classification", id="classification-case"
    ),
    pytest.param(
        {"occurred_at": "2013-05-08T09:30:00.000000"},
        r"occurred_at: timestamp .* is not canonical",
        id="occurred-at-naive",
    ),
    pytest.param(
        {"occurred_at": "2013-05-08T18:30:00.000000+09:00"},
        r"occurred_at: timestamp .* is not canonical",
        id="occurred-at-offset",
    ),
    pytest.param(
        {"occurred_at": "2013-05-08T09:30:00Z"},
        r"occurred_at: timestamp .* is not canonical",
        id="occurred-at-no-microseconds",
    ),
    pytest.param(
        {"occurred_at": "2013-05-08"},
        r"occurred_at: timestamp .* is not canonical",
        id="occurred-at-date",
    ),
    pytest.param(
        {"occurred_at": "2013-02-30T00:00:00.000000Z"},
        r"occurred_at: timestamp .* is not canonical",
        id="occurred-at-impossible-date",
    ),
    pytest.param({"id": "abc"}, r"id must be a UUID", id="id-short"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_DRAFTS)
def test_one_bad_draft_refuses_the_whole_batch(
    ledger, drafts, changes, message
) -> None:
    ledger.append(drafts.series(2), principal="a")
    head = ledger.head()
    before, after = drafts.joined("JPN"), drafts.joined("CHN")
    bad = replace(drafts.joined("KOR"), **changes)
    with pytest.raises(LedgerError, match=message):
        ledger.append([before, bad, after], principal="a")
    _assert_nothing_appended(ledger, head, [before.id, bad.id, after.id])


def test_a_refused_signature_refuses_the_whole_batch(ledger, drafts) -> None:
    ledger.append(drafts.series(2), principal="a")
    head = ledger.head()
    good = drafts.series(3)
    bad = drafts.joined("KOR", key=generate_key_pair())  # not registered
    with pytest.raises(LedgerError, match="is not registered"):
        ledger.append([*good, bad], principal="a")
    _assert_nothing_appended(ledger, head, [d.id for d in good])


def test_draft_refuses_a_naive_datetime(drafts) -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        draft(
            ActorJoined(code="KOR", joined_on=datetime(2013, 5, 8).date()),  # noqa: DTZ001
            occurred_at=datetime(2013, 5, 8, 9, 30),  # noqa: DTZ001
            actor="KOR",
        )


def test_draft_writes_occurred_at_in_utc(drafts) -> None:
    seoul = timezone(timedelta(hours=9))
    made = draft(
        ActorJoined(code="KOR", joined_on=datetime(2013, 5, 8, tzinfo=UTC).date()),
        occurred_at=datetime(2013, 5, 8, 18, 30, tzinfo=seoul),
        actor="KOR",
    )
    assert made.occurred_at == "2013-05-08T09:30:00.000000Z"


# --- batches ----------------------------------------------------------------------


def test_a_batch_lands_whole_in_order(ledger, drafts) -> None:
    ledger.append(drafts.series(3), principal="a")
    batch = drafts.series(50, "JPN")
    result = ledger.append(batch, principal="cli:batch")
    assert [e.id for e in result.recorded] == [d.id for d in batch]
    assert [e.seq for e in result.recorded] == list(range(4, 54))
    assert len({e.recorded_at for e in result.recorded}) == 1
    assert {e.principal for e in result.recorded} == {"cli:batch"}
    for previous, event in zip(result.recorded, result.recorded[1:], strict=False):
        assert event.prev_hash == previous.hash
    assert (result.head_seq, result.head_hash) == (53, result.recorded[-1].hash)
    assert ledger.head() == (53, result.recorded[-1].hash)
    assert list(ledger.iter_events(after=3)) == list(result.recorded)
    assert ledger.verify().ok


def test_an_empty_batch_changes_nothing(ledger, drafts) -> None:
    ledger.append(drafts.series(2), principal="a")
    head = ledger.head()
    result = ledger.append([], principal="a")
    assert (result.recorded, result.already_recorded) == ((), ())
    assert (result.head_seq, result.head_hash) == head
    assert ledger.head() == head


def test_a_key_registered_in_a_batch_signs_later_drafts_of_it(ledger, drafts) -> None:
    key = generate_key_pair()
    batch = [
        drafts.key_registered("KOR", key),
        drafts.joined("KOR", key=key),
        drafts.joined("KOR", key=key, classification="restricted"),
    ]
    result = ledger.append(batch, principal="cli:kor")
    assert len(result.recorded) == 3
    report = ledger.verify()
    assert report.ok and report.signed == 3, report


def test_a_key_must_be_registered_before_the_drafts_it_signs(ledger, drafts) -> None:
    key = generate_key_pair()
    batch = [drafts.joined("KOR", key=key), drafts.key_registered("KOR", key)]
    with pytest.raises(LedgerError, match=f"key {key.key_id} is not registered"):
        ledger.append(batch, principal="cli:kor")
    _assert_nothing_appended(ledger, (0, "0" * 64), [d.id for d in batch])


def test_a_key_revoked_earlier_in_a_batch_signs_nothing_after(ledger, drafts) -> None:
    key = generate_key_pair()
    batch = [
        drafts.key_registered("KOR", key),
        drafts.joined("KOR", key=key),
        drafts.key_revoked("KOR", key),
        drafts.joined("KOR", key=key),
    ]
    with pytest.raises(LedgerError, match=r"was revoked at seq 3"):
        ledger.append(batch, principal="cli:kor")
    _assert_nothing_appended(ledger, (0, "0" * 64), [d.id for d in batch])
    # The refused batch left no trace in the ledger's key cache either.
    result = ledger.append(batch[:2], principal="cli:kor")
    assert len(result.recorded) == 2


# --- found while writing these tests -------------------------------------------------


def test_an_id_that_is_not_a_uuid_is_refused(ledger, drafts) -> None:
    bad = replace(drafts.joined(), id="this-id-is-36-characters-long-but-no")
    assert len(bad.id) == 36
    with pytest.raises(LedgerError, match="id must be a UUID"):
        ledger.append([bad], principal="a")


@pytest.mark.parametrize("actor", ["KOREA-REPUBLIC-OF", "kor"])
def test_an_actor_that_is_not_an_actor_code_is_refused(ledger, drafts, actor) -> None:
    bad = replace(drafts.joined(), actor=actor)
    with pytest.raises(LedgerError, match="actor"):
        ledger.append([bad], principal="a")


# --- the command line: init and schema revisions ------------------------------------


def _invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_napci_init_twice_changes_nothing(db_url, open_ledger) -> None:
    first = _invoke("init", "--db", db_url, "--json")
    assert first.exit_code == 0, first.output
    loaded = json.loads(first.stdout)
    assert loaded["appended"] > 0
    assert loaded["already_recorded"] == 0
    assert loaded["events"] == loaded["appended"]

    second = _invoke("init", "--db", db_url, "--json")
    assert second.exit_code == 0, second.output
    again = json.loads(second.stdout)
    assert again["appended"] == 0
    assert again["already_recorded"] == loaded["events"]
    assert (again["events"], again["head"]) == (loaded["events"], loaded["head"])

    ledger = open_ledger(db_url, migrate=False)
    assert ledger.head() == (loaded["events"], loaded["head"])
    assert ledger.count() == loaded["events"]
    assert ledger.verify().ok


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


READ_VERBS = [
    pytest.param(("ledger", "verify"), id="ledger-verify"),
    pytest.param(("ledger", "verify", "--json"), id="ledger-verify-json"),
    pytest.param(("ledger", "log"), id="ledger-log"),
    pytest.param(("actors",), id="actors"),
]


@pytest.mark.parametrize("verb", READ_VERBS)
def test_a_read_verb_refuses_an_uninitialised_database(db_url, verb) -> None:
    assert _tables(db_url) == set()  # the database exists (a SQLite file too)
    result = _invoke(*verb, "--db", db_url)
    assert result.exit_code == 3, result.output  # the record cannot be opened
    message = " ".join(result.stderr.split())
    assert "is not initialised: run 'napci init'" in message
    assert _tables(db_url) == set()  # a read verb creates nothing


@pytest.mark.parametrize("verb", READ_VERBS)
def test_a_read_verb_refuses_a_missing_sqlite_file(tmp_path, verb) -> None:
    path = tmp_path / "nowhere.db"
    result = _invoke(*verb, "--db", f"sqlite:///{path}")
    assert result.exit_code == 3, result.output
    assert "run 'napci init'" in " ".join(result.stderr.split())
    assert not path.exists()


@pytest.mark.parametrize("verb", READ_VERBS)
def test_a_read_verb_refuses_another_schema_revision(
    db_url, ledger, drafts, raw, verb
) -> None:
    ledger.append(drafts.series(2), principal="a")
    raw(ledger).execute("UPDATE alembic_version SET version_num = '0000'")
    result = _invoke(*verb, "--db", db_url)
    assert result.exit_code == 3, result.output
    message = " ".join(result.stderr.split())
    assert "is at schema revision 0000" in message
    assert "run 'napci init' to migrate it" in message
    assert raw(ledger).scalar("SELECT version_num FROM alembic_version") == "0000"


def test_the_head_the_code_checks_is_the_migrations_head() -> None:
    """Verbs check the schema against ``HEAD`` without loading Alembic: it
    must be the head of the migration scripts Alembic would apply."""
    assert head_revision() == HEAD


def test_init_brings_an_uninitialised_database_up_to_date(db_url) -> None:
    assert _invoke("ledger", "verify", "--db", db_url).exit_code == 3
    assert _invoke("init", "--db", db_url).exit_code == 0
    result = _invoke("ledger", "verify", "--db", db_url, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ok"] is True


# --- reading for a fold -----------------------------------------------------------


def test_fold_rows_are_the_events_columns_filtered_in_the_database(
    ledger, drafts
) -> None:
    events = [
        drafts.joined("KOR"),
        drafts.joined("JPN", classification="participants"),
        drafts.joined("CHN", classification="restricted"),
        drafts.joined("MNG"),
    ]
    ledger.append(events, principal="a")
    recorded = list(ledger.iter_events())
    every = [
        (e.seq, e.type, e.occurred_at, e.actor, e.payload_json, e.classification)
        for e in recorded
    ]
    assert list(ledger.iter_fold_rows()) == every
    assert list(ledger.iter_fold_rows(after=1, upto=3)) == every[1:3]
    public = list(ledger.iter_fold_rows(classifications=("public",)))
    assert [row[0] for row in public] == [1, 4]
    assert list(ledger.iter_fold_rows(classifications=())) == []
    before = recorded[2].occurred_at  # the third event's moment: it is left out
    assert list(ledger.iter_fold_rows(before_occurred=before)) == every[:2]
