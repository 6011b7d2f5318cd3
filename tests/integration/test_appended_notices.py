"""PostgreSQL announces every small append as it commits (migration 0005),
and a process keeps listening for it (``napci.adapters.db.recent``).

The announcements are hints for the trust figures (how they are folded and
checked is tested with the figures, in ``test_trust_fold``). Here: that they
carry exactly what the tail read gives, only for what committed, within the
server's size limit; that the listener outlives a lost connection and ends
with its engine; and that what is not the ledger's shape is ignored.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from alembic import command
from db_helpers import migrated
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from napci.adapters.db import SqlLedger
from napci.adapters.db import recent as recent_module
from napci.adapters.db.extract import TINY_TAIL, read_tail
from napci.adapters.db.migrate import _config
from napci.adapters.db.recent import listen, recent_appends
from napci.domain.events import AttendanceRecorded, DocumentIssued
from napci.services.drafting import draft
from napci.services.trust import TrustService

MIGRATION = importlib.import_module(
    "napci.adapters.db.migrations.versions.0005_appended_notices"
)


def test_the_listener_hears_the_migrations_channel() -> None:
    assert recent_module.CHANNEL == MIGRATION.CHANNEL
    # an announced append is one the tail read holds whole, and one kept here
    assert MIGRATION.NOTIFIED == TINY_TAIL == recent_module.KEPT


def attendance(n: int, classification: str = "public") -> Any:
    return draft(
        AttendanceRecorded(attended=True, code="KOR", meeting=f"m-{n}"),
        occurred_at=date(2015, 1, 1),
        actor="ROK",
        classification=classification,
    )


def speech(n: int, text: str) -> Any:
    """A document whose payload is about as long as ``text`` in UTF-8."""
    return draft(
        DocumentIssued(
            document=f"speech-{n}",
            kind="speech",
            title={"en": "A speech", "ko": "연설"},
            issued_on=date(2015, 1, 1),
            text=text,
        ),
        occurred_at=date(2015, 1, 1),
        actor="ROK",
    )


class Heard:
    """A connection of the test's own listening on the ledger's channel."""

    def __init__(self, url: str) -> None:
        conninfo = make_url(url).set(drivername="postgresql")
        self.conn = psycopg.connect(
            conninfo.render_as_string(hide_password=False), autocommit=True
        )
        self.conn.execute(f"LISTEN {MIGRATION.CHANNEL}")

    def notices(self, least: int = 0) -> list[bytes]:
        """The payloads that arrived, in order: at least ``least`` of them
        (waited for), then any more within a moment."""
        pgconn = self.conn.pgconn
        found: list[bytes] = []
        deadline = time.monotonic() + 10
        quiet = time.monotonic() + 0.2
        while len(found) < least or time.monotonic() < quiet:
            assert time.monotonic() < deadline, f"{len(found)} of {least} notices"
            time.sleep(0.005)
            pgconn.consume_input()
            while (notice := pgconn.notifies()) is not None:
                assert notice.relname.decode() == MIGRATION.CHANNEL
                found.append(notice.extra)
                quiet = time.monotonic() + 0.2
        return found

    def rows(self) -> list[tuple[Any, ...]]:
        """The rows of the notices that arrive (at least one notice)."""
        return [tuple(row) for text in self.notices(1) for row in json.loads(text)]


@pytest.fixture
def heard(own_postgres_url: str) -> Iterator[tuple[Engine, Heard]]:
    with migrated(own_postgres_url) as engine:
        heard = Heard(own_postgres_url)
        try:
            yield engine, heard
        finally:
            heard.conn.close()


def tail_of(engine: Engine, after: int) -> list[tuple[Any, ...]]:
    connection = engine.raw_connection()
    try:
        _head, tail = read_tail(connection.dbapi_connection, True, after)
    finally:
        connection.close()
    assert tail is not None
    return tail


def test_an_append_is_announced_as_the_tail_read_gives_it(
    heard: tuple[Engine, Heard],
) -> None:
    engine, listener = heard
    ledger = SqlLedger(engine)
    ledger.append([attendance(1)], principal="test")
    assert listener.rows() == tail_of(engine, 0)
    ledger.append(
        [attendance(2), attendance(3, "restricted"), speech(4, "한국어 연설문")],
        principal="test",
    )
    assert listener.rows() == tail_of(engine, 1)


def test_only_what_commits_is_announced(heard: tuple[Engine, Heard]) -> None:
    engine, listener = heard
    SqlLedger(engine).append([attendance(1), attendance(2)], principal="test")
    assert len(listener.rows()) == 2
    with engine.connect() as conn:
        # the head moved back and on again: the trigger fires, then all of
        # it is rolled back
        conn.exec_driver_sql("UPDATE ledger_head SET seq = seq - 1")
        conn.exec_driver_sql("UPDATE ledger_head SET seq = seq + 1")
        conn.rollback()
    assert listener.notices() == []


def test_a_long_append_is_not_announced(heard: tuple[Engine, Heard]) -> None:
    engine, listener = heard
    ledger = SqlLedger(engine)
    most = MIGRATION.NOTIFIED
    ledger.append([attendance(n) for n in range(most + 1)], principal="test")
    assert listener.notices() == []
    ledger.append([attendance(n) for n in range(100, 100 + most)], principal="test")
    assert len(listener.rows()) == MIGRATION.NOTIFIED


def test_notices_keep_within_the_servers_limit(heard: tuple[Engine, Heard]) -> None:
    """Rows go as many to a notice as fit; an event too large for any notice
    ends the append's announcement there, since only hints that follow each
    other are of use."""
    engine, listener = heard
    ledger = SqlLedger(engine)
    # 2,400 Hangul syllables: 7,200 bytes; two such speeches need two notices
    ledger.append(
        [attendance(1), speech(2, "가" * 2400), speech(3, "나" * 2400), attendance(4)],
        principal="test",
    )
    notices = listener.notices(2)
    assert [len(json.loads(text)) for text in notices] == [2, 2]
    assert all(len(text) <= MIGRATION.LIMIT for text in notices)
    assert [tuple(r) for t in notices for r in json.loads(t)] == tail_of(engine, 0)

    ledger.append(
        [attendance(5), speech(6, "다" * 2700), attendance(7)], principal="test"
    )
    assert [row[0] for row in listener.rows()] == [5]  # 6 is too large


def test_a_downgrade_stops_the_announcements(
    heard: tuple[Engine, Heard],
) -> None:
    engine, listener = heard
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004")
    SqlLedger(engine).append([attendance(1)], principal="test")
    assert listener.notices() == []
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    SqlLedger(engine).append([attendance(2)], principal="test")
    assert [row[0] for row in listener.rows()] == [2]


# --- the listener ----------------------------------------------------------------


def _backend(engine: Engine) -> int:
    found = listen(engine)
    assert found.wait(10)
    pid = found._dbapi.info.backend_pid
    assert isinstance(pid, int)
    return pid


def _known(engine: Engine, seq: int) -> bool:
    deadline = time.monotonic() + 10
    while not recent_appends(engine).after(seq - 1):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def _connected(engine: Engine, pid: int) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.exec_driver_sql(
                f"SELECT count(*) FROM pg_stat_activity WHERE pid = {pid}"
            ).scalar_one()
        )


def test_the_listener_listens_again_when_its_connection_is_lost(
    own_postgres_url: str,
) -> None:
    with migrated(own_postgres_url) as engine, migrated(own_postgres_url) as other:
        first = _backend(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({first})")
        deadline = time.monotonic() + 10
        while (second := _backend(engine)) == first:
            assert time.monotonic() < deadline, "the listener never came back"
            time.sleep(0.01)
        assert listen(engine).running
        SqlLedger(other).append([attendance(1)], principal="test")
        assert _known(engine, 1)
        assert _connected(engine, second)


def test_the_listener_ends_with_its_engine(own_postgres_url: str) -> None:
    with migrated(own_postgres_url) as watcher:
        with migrated(own_postgres_url) as engine:
            found = listen(engine)
            pid = _backend(engine)
            assert listen(engine) is found
        # disposed of: the thread has ended and its connection is closed
        assert not found.running
        deadline = time.monotonic() + 10
        while _connected(watcher, pid):  # its server process exits soon after
            assert time.monotonic() < deadline, "the connection was not closed"
            time.sleep(0.01)


def test_what_is_not_the_ledgers_shape_is_ignored(own_postgres_url: str) -> None:
    with migrated(own_postgres_url) as engine, migrated(own_postgres_url) as other:
        found = listen(engine)
        assert found.wait(10)
        with engine.connect() as conn:
            junk = ("not json", '{"seq": 1}', "[[1, 2]]", '[["1","a","b","c","d"]]')
            for text in junk:
                conn.exec_driver_sql(
                    "SELECT pg_notify(%s, %s)", (MIGRATION.CHANNEL, text)
                )
            conn.commit()
        time.sleep(0.2)
        found.take()
        assert found.running
        assert recent_appends(engine).after(0) == []
        SqlLedger(other).append([attendance(1)], principal="test")
        assert _known(engine, 1)
        assert recent_appends(engine).after(0) == tail_of(engine, 0)


def test_a_service_listens_from_its_second_read_of_today_on(
    own_postgres_url: str,
) -> None:
    """A process that reads the figures once (the command line) opens no
    connection to listen on; one that reads them again does."""
    with migrated(own_postgres_url) as engine:
        SqlLedger(engine).append([attendance(1)], principal="test")
        service = TrustService(engine)
        service.current_state()
        assert engine not in recent_module._LISTENERS
        service.figures()
        assert listen(engine) is recent_module._LISTENERS[engine]


def test_sqlite_has_no_listener(sqlite_url: str) -> None:
    with migrated(sqlite_url) as engine:
        SqlLedger(engine).append([attendance(1)], principal="test")
        service = TrustService(engine)
        service.current_state()
        service.current_state()
        assert engine not in recent_module._LISTENERS
