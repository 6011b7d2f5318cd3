"""The trust fold's most numerous types are read without parsing payloads.

Migration 0003 indexes, per meeting event type, the very expressions the
fold's reads select on SQLite; migration 0004 keeps the same fields in stored
generated columns on PostgreSQL; migration 0006 makes the attendance
recorded an index of the attendance that counts, on the very condition the
fold's read states, and adds the acknowledgements. Should either side change
alone, the database would silently go back to parsing every payload: these
tests fail instead. A ledger at 0005 holding events is migrated to 0006 and
back, and folds as a ledger made at 0006 does.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from alembic import command
from db_helpers import migrated
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, text

from napci.adapters.db import SqlLedger, make_engine
from napci.adapters.db.extract import (
    STORED_FIELDS,
    TAIL_STATEMENT,
    _statement,
    extract_batch,
    read_tail,
)
from napci.adapters.db.fields import CONDITIONS, COUNTED_SQLITE, extract_tail
from napci.adapters.db.migrate import _config, current_revision, head_revision
from napci.domain.events import (
    AttendanceAcknowledged,
    AttendanceRecorded,
    Event,
    MeetingConvened,
)
from napci.domain.trust.rows import EXTRACT
from napci.domain.values import Source
from napci.services.drafting import draft

MIGRATION = importlib.import_module(
    "napci.adapters.db.migrations.versions.0003_fold_indexes"
)
COLUMNS = importlib.import_module(
    "napci.adapters.db.migrations.versions.0004_fold_columns"
)
COUNTED = importlib.import_module(
    "napci.adapters.db.migrations.versions.0006_counted_attendance"
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("fold-indexes") / "ledger.db"
    with migrated(f"sqlite:///{path}") as engine:
        yield engine


def test_the_indexed_fields_are_the_folds() -> None:
    assert COUNTED.FOLD_FIELDS.keys() >= MIGRATION.FOLD_FIELDS.keys()
    for type_, fields in COUNTED.FOLD_FIELDS.items():
        assert tuple(path for path, _ in EXTRACT[type_]) == fields
    # the condition of the index and of the read, word for word
    assert COUNTED_SQLITE == COUNTED.COUNTED_SQLITE
    assert CONDITIONS["AttendanceRecorded"].sqlite == COUNTED.COUNTED_SQLITE
    assert CONDITIONS["AttendanceRecorded"].postgres == COUNTED.COUNTED_COLUMN
    assert CONDITIONS.keys() == {"AttendanceRecorded"}


#: Every shape of a type's read: the head bound, the date and clearance filters.
READS = pytest.mark.parametrize(
    ("upto", "before", "classifications"),
    [(False, False, None), (True, False, None), (True, True, 1), (True, False, 2)],
)


def read(
    postgres: bool,
    type_: str,
    upto: bool,
    before: bool,
    classifications: int | None,
) -> tuple[str, tuple[object, ...]]:
    """The fold's statement for one type, and parameters for it."""
    sql = _statement(
        postgres,
        type_,
        EXTRACT[type_],
        upto=upto,
        before=before,
        classifications=classifications,
    )
    params: list[object] = [0] + ([10] if upto else []) + (["2100"] if before else [])
    params += ["public"] * (classifications or 0)
    return sql, tuple(params)


@pytest.mark.parametrize("type_", sorted(COUNTED.FOLD_FIELDS))
@READS
def test_a_read_of_an_indexed_type_is_served_by_its_index_alone(
    engine: Engine,
    type_: str,
    upto: bool,
    before: bool,
    classifications: int | None,
) -> None:
    sql, params = read(False, type_, upto, before, classifications)
    with engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        )
        program = conn.exec_driver_sql(f"EXPLAIN {sql}", params).all()
    assert f"USING INDEX {MIGRATION.index_name(type_)} " in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # read in seq order, not sorted
    # The fields come from the index's entries: no payload is parsed (the
    # plan does not call such an index "covering", its program shows it).
    assert not [op for op in program if "json_extract" in str(op[5])], program


def test_an_unsafe_type_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unsafe event type"):
        _statement(
            False, "X' OR 1=1 --", (), upto=False, before=False, classifications=None
        )


# --- PostgreSQL: stored columns (migration 0004) ----------------------------------


def test_the_stored_fields_are_the_folds() -> None:
    assert COLUMNS.FOLD_FIELDS == MIGRATION.FOLD_FIELDS
    assert {t: frozenset(f) for t, f in COUNTED.FOLD_FIELDS.items()} == STORED_FIELDS
    json_fields = {p for fields in EXTRACT.values() for p, k in fields if k == "json"}
    stored = set().union(*STORED_FIELDS.values())
    assert stored & json_fields == COLUMNS.JSON_FIELDS


@pytest.fixture(scope="module")
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    """The module's migrated PostgreSQL database."""
    with migrated(postgres_url) as engine:
        yield engine


@pytest.mark.parametrize("type_", sorted(STORED_FIELDS))
@READS
def test_postgresql_serves_a_meeting_type_from_its_index_alone(
    postgres_engine: Engine,
    type_: str,
    upto: bool,
    before: bool,
    classifications: int | None,
) -> None:
    sql, params = read(True, type_, upto, before, classifications)
    assert "payload" not in sql
    with postgres_engine.connect() as conn:
        # On an empty table any plan is cheap: rule out the table scans, so
        # that the plan shows whether the index can serve the read alone.
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        plan = "\n".join(
            str(row[0])
            for row in conn.exec_driver_sql(f"EXPLAIN (VERBOSE) {sql}", params)
        )
    assert f"Index Only Scan using {COLUMNS.index_name(type_)} " in plan, plan
    assert "Sort" not in plan, plan  # read in seq order, not sorted
    assert "payload" not in plan, plan


def test_the_stored_columns_follow_the_payload(postgres_engine: Engine) -> None:
    """Rewriting a payload behind the ledger's back rewrites its columns too:
    the fold reads what the (tampered) payload says, and verify names it."""
    engine = postgres_engine
    ledger = SqlLedger(engine)
    ledger.append(
        [
            draft(
                AttendanceRecorded(
                    attended=True, code="KOR", meeting="m-1", acknowledged=True
                ),
                occurred_at=date(2014, 1, 1),
                actor="ROK",
            )
        ],
        principal="test",
    )
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE events SET payload = :payload WHERE seq = 1"),
            {
                "payload": '{"acknowledged":true,"attended":false,"code":"JPN",'
                '"meeting":"m-2"}'
            },
        )
    connection = engine.raw_connection()
    try:
        rows = extract_batch(
            connection.dbapi_connection,
            True,
            {"AttendanceRecorded": EXTRACT["AttendanceRecorded"]},
        )
    finally:
        connection.close()
    assert [row[2:] for row in rows["AttendanceRecorded"]] == [("m-2", "JPN", 0)]
    assert ledger.verify().first_bad_seq == 1
    # and whether it counts: a report no one acknowledged is not read
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE events SET payload = :payload WHERE seq = 1"),
            {
                "payload": '{"acknowledged":false,"attended":false,"code":"JPN",'
                '"meeting":"m-2"}'
            },
        )
    assert _fold_rows(engine) == {}


def test_postgresql_keeps_one_plan_for_the_tail_read(own_postgres_url: str) -> None:
    """Every read of the figures after an append starts with ``read_tail``.
    Its statement, prepared by the driver after a few calls, must run on one
    plan the server keeps. On a large table a plan made for the values at
    hand looks cheaper than one made for any values, so the server would
    plan it anew on every call, which costs as much as the read itself."""
    with migrated(own_postgres_url) as engine:
        connection = engine.raw_connection()
        try:
            dbapi = connection.dbapi_connection
            cursor = dbapi.cursor()
            # Rows written straight into the table: only how many matters here.
            cursor.execute(
                "INSERT INTO events (seq, id, type, version, occurred_at, "
                "recorded_at, classification, payload, prev_hash, hash) "
                "SELECT g, md5(g::text), 'ObserverAdmitted', 1, "
                "'2014-01-02T00:00:00Z', '2014-01-02T00:00:00Z', 'public', "
                '\'{"code":"ASEAN"}\', md5(g::text), md5(g::text) '
                "FROM generate_series(1, 200000::bigint) AS g"
            )
            cursor.execute(
                "INSERT INTO ledger_head (id, seq, hash) VALUES (1, 200000, '') "
                "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq"
            )
            cursor.execute("ANALYZE events")
            dbapi.commit()
            dbapi.autocommit = True
            for n in range(20):
                assert read_tail(dbapi, True, 199_999 - n % 3)[0] == 200_000
            cursor.execute(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                "WHERE statement LIKE %s",
                ("%FROM ledger_head AS h LEFT JOIN events%",),
            )
            [(generic, custom)] = cursor.fetchall()
            dbapi.autocommit = False
        finally:
            connection.close()
    assert generic >= 10, (generic, custom)


def test_postgresql_tail_read_survives_its_statement_being_deallocated(
    own_postgres_url: str,
) -> None:
    """``read_tail`` prepares its statement once per connection. The driver
    deallocates every prepared statement of a connection when it rolls a
    transaction back: the read prepares it again, and gives the same rows.
    It leaves the connection idle (outside any transaction), and reads
    payloads in any script as they were written, in any client encoding."""
    with migrated(own_postgres_url) as engine:
        ledger = SqlLedger(engine)
        titles = ["Nuclear safety", "동북아 원자력안전 협의체"]
        drafts = [
            draft(
                MeetingConvened(
                    meeting=f"m-{n}",
                    title={"en": title},
                    rank="working",
                    layer="track-1",
                    starts_on=date(2014, 1, 2),
                ),
                occurred_at=date(2014, 1, 2),
                actor="ROK",
            )
            for n, title in enumerate(titles)
        ]
        ledger.append(drafts, principal="test")
        connection = engine.raw_connection()
        try:
            dbapi = connection.dbapi_connection
            assert dbapi is not None
            first = read_tail(dbapi, True, 0)
            head, tail = first
            assert head == 2 and tail is not None
            assert [json.loads(row[4])["title"]["en"] for row in tail] == titles
            assert dbapi.info.transaction_status == TransactionStatus.IDLE

            def prepared() -> list[str]:
                cursor = dbapi.cursor()
                cursor.execute("SELECT name FROM pg_prepared_statements")
                names = [row[0] for row in cursor.fetchall()]
                dbapi.commit()
                return names

            assert TAIL_STATEMENT.decode() in prepared()
            cursor = dbapi.cursor()
            cursor.execute("DEALLOCATE ALL")
            dbapi.commit()
            assert TAIL_STATEMENT.decode() not in prepared()
            assert read_tail(dbapi, True, 0) == first
            assert read_tail(dbapi, True, 1) == (2, tail[1:])
            assert TAIL_STATEMENT.decode() in prepared()
            assert dbapi.info.transaction_status == TransactionStatus.IDLE
            # in whatever encoding the connection reads, the same text
            for encoding in ("UHC", "UTF8"):
                cursor.execute(f"SET client_encoding TO '{encoding}'")
                dbapi.commit()
                assert read_tail(dbapi, True, 0) == first
        finally:
            connection.close()


def test_postgresql_tail_read_raises_the_drivers_errors(own_postgres_url: str) -> None:
    """A failed read raises what the driver raises for the same failure, and
    the connection stays usable."""
    engine = make_engine(own_postgres_url)  # no schema: no ledger_head table
    try:
        connection = engine.raw_connection()
        try:
            dbapi = connection.dbapi_connection
            assert dbapi is not None
            with pytest.raises(psycopg.errors.UndefinedTable, match="ledger_head"):
                read_tail(dbapi, True, 0)
            cursor = dbapi.cursor()
            cursor.execute("SELECT 1")
            assert cursor.fetchall() == [(1,)]
        finally:
            connection.close()
    finally:
        engine.dispose()


# --- migration 0006 on a ledger that holds events -------------------------------

ATTENDANCE = ("AttendanceRecorded", "AttendanceAcknowledged", "MeetingConvened")
SOURCE = (Source(title="The NAPCI brochure", locator="p. 2"),)


def _attendance_record() -> list[Any]:
    """Attendance of every shape the condition tells apart."""
    events: list[Event] = [
        MeetingConvened(
            meeting="m-1",
            title={"en": "m-1"},
            rank="working",
            layer="track-1",
            starts_on=date(2014, 1, 2),
        ),
        AttendanceRecorded(meeting="m-1", code="KOR", attended=True, acknowledged=True),
        AttendanceRecorded(
            meeting="m-1",
            code="JPN",
            attended=True,
            acknowledged=False,
            recorded_as="host",
        ),
        AttendanceRecorded(meeting="m-1", code="CHN", attended=False),
        AttendanceRecorded(meeting="m-1", code="MNG", attended=True, sources=SOURCE),
        AttendanceRecorded(
            meeting="m-1",
            code="USA",
            attended=False,
            acknowledged=False,
            sources=SOURCE,
        ),
        AttendanceAcknowledged(meeting="m-1", code="JPN", attended=True),
        AttendanceRecorded(
            meeting="m-1",
            code="RUS",
            attended=False,
            acknowledged=True,
            sources=SOURCE,
        ),
    ]
    return [draft(e, occurred_at=date(2014, 1, 2), actor="ROK") for e in events]


def _fold_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """The fold's rows of the attendance types, as the database reads them."""
    connection = engine.raw_connection()
    try:
        return extract_batch(
            connection.dbapi_connection,
            engine.dialect.name == "postgresql",
            {t: EXTRACT[t] for t in ATTENDANCE},
            upto=SqlLedger(engine).head()[0],
        )
    finally:
        connection.close()


def _migrate(engine: Engine, to: str, *, down: bool = False) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, to)


def _served_by_its_index(engine: Engine, type_: str) -> bool:
    """Whether the fold's read of ``type_`` is served by its index alone."""
    postgres = engine.dialect.name == "postgresql"
    sql, params = read(postgres, type_, True, False, None)
    with engine.connect() as conn:
        if postgres:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
            plan = " ".join(
                str(row[0]) for row in conn.exec_driver_sql(f"EXPLAIN {sql}", params)
            )
            return f"Index Only Scan using {COUNTED.index_name(type_)} " in plan
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
        )
        return f"USING INDEX {COUNTED.index_name(type_)} " in plan


def test_a_ledger_at_0005_is_migrated_to_read_the_attendance_that_counts(
    db_url: str, second_db_url: str
) -> None:
    """A ledger holding attendance of every shape, written at revision 0005,
    is migrated: the fold then reads the attendance that counts and the
    acknowledgements, from the indexes, as it does on a ledger made at the
    head and as it takes them from the payloads. Down to 0005 and up again,
    the same."""
    drafts = _attendance_record()
    engine = make_engine(db_url)
    try:
        _migrate(engine, "0005")
        SqlLedger(engine).append(drafts, principal="test")
        _migrate(engine, "head")
        assert current_revision(engine) == head_revision()
        rows = _fold_rows(engine)
        assert [r[2:] for r in rows["AttendanceRecorded"]] == [
            ("m-1", "KOR", 1),
            ("m-1", "MNG", 1),
            ("m-1", "RUS", 0),
        ]
        assert [r[2:] for r in rows["AttendanceAcknowledged"]] == [("m-1", "JPN", 1)]
        tail = [
            (e.seq, e.type, e.occurred_at, e.classification, e.payload_json)
            for e in SqlLedger(engine).iter_events()
        ]
        spec = {t: EXTRACT[t] for t in ATTENDANCE}
        assert extract_tail(tail, spec) == rows
        with migrated(second_db_url) as fresh:
            SqlLedger(fresh).append(drafts, principal="test")
            assert _fold_rows(fresh) == rows
        for type_ in ("AttendanceRecorded", "AttendanceAcknowledged"):
            assert _served_by_its_index(engine, type_), type_

        _migrate(engine, "0005", down=True)
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                columns = conn.exec_driver_sql(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_name = 'events'"
                ).scalars()
                assert COUNTED.COUNTED_COLUMN not in set(columns)
            listed = conn.exec_driver_sql(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'events'"
                if engine.dialect.name == "postgresql"
                else "SELECT name FROM sqlite_master WHERE type = 'index'"
            )
            indexes = set(listed.scalars())
        assert COUNTED.index_name("AttendanceRecorded") in indexes
        assert COUNTED.index_name("AttendanceAcknowledged") not in indexes
        _migrate(engine, "head")
        assert _fold_rows(engine) == rows
        assert _served_by_its_index(engine, "AttendanceRecorded")
    finally:
        engine.dispose()
