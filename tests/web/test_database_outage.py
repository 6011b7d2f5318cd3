"""A database outage under a running server: 503s, not tracebacks.

A PostgreSQL server of this test's own is stopped for some seconds while a
real ``napci serve`` process is asked to read and write on one kept-alive
connection: every request is answered ``503`` (problem+json with
``Retry-After`` under ``/api/``, the styled error page elsewhere) on the same
connection, ``/healthz`` says the database is unreachable, the server logs
one line when the outage begins and one when it ends, and no traceback.
Once the database is back the server answers again by itself, and every
write it acknowledged is in the record.

SQLite has no server to stop: its equivalent, a database file that cannot
be opened, is the in-process test at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from integrity_helpers import document
from server_process import running, wait_for
from webapp import WebRecord

from napci.domain.events import parse_payload
from napci.services.platform import open_platform
from napci.settings import Settings
from pg_server import PostgresServer, PostgresUnavailableError, restartable_postgres

pytestmark = pytest.mark.slow

#: How long the database stays down.
OUTAGE_SECONDS = 8.0


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the test's own, which it may stop and start."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(restartable_postgres())
        except PostgresUnavailableError as exc:
            if os.environ.get("NAPCI_REQUIRE_POSTGRES", "") in {"1", "true", "yes"}:
                pytest.fail(f"no PostgreSQL server: {exc}", pytrace=False)
            pytest.skip(f"no PostgreSQL server: {exc}")
        yield server


class Client:
    """One kept-alive HTTP/1.1 connection to the server."""

    def __init__(self, base: str, token: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=120)
        self.token = token

    def close(self) -> None:
        self.connection.close()

    def ask(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = {"Authorization": f"Bearer {self.token}"} if body else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.headers, response.read()


def _documents(url: str) -> set[str]:
    platform = open_platform(Settings(url))
    try:
        return {
            parse_payload(e.type, e.version, json.loads(e.payload_json)).document
            for e in platform.ledger.iter_events(types=["DocumentIssued"])
        }
    finally:
        platform.close()


def test_a_postgresql_outage_is_answered_503_and_loses_nothing_acknowledged(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    with psycopg.connect(
        postgres.url.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as admin:
        admin.execute("CREATE DATABASE napci")
    url = postgres.url.rsplit("/", 1)[0] + "/napci"
    platform = open_platform(Settings(url), migrate=True)
    platform.init(principal="test")
    token = platform.users.add("jpn", "delegate", "JPN")
    platform.close()
    log = tmp_path / "server.log"
    acknowledged: set[str] = set()
    counts: dict[int, int] = {}

    with running(url, log) as (base, _), closing(Client(base, token)) as client:
        wait_for(
            lambda: client.ask("GET", "/healthz")[0] == 200, "the first verification"
        )
        assert client.ask("GET", "/api/v1/trust")[0] == 200
        assert client.ask("GET", "/")[0] == 200
        for n in range(3):
            status, _, _ = client.ask("POST", "/api/v1/documents", document(n))
            assert status == 201
            acknowledged.add(f"doc-{n}")
        socket = client.connection.sock

        postgres.stop()
        began, n = time.monotonic(), 100
        while time.monotonic() - began < OUTAGE_SECONDS:
            for method, path in (
                ("GET", "/api/v1/trust"),
                ("GET", "/api/v1/actors"),
                ("POST", "/api/v1/documents"),
                ("GET", "/"),
                ("GET", "/healthz"),
            ):
                n += 1
                body = document(n) if method == "POST" else None
                status, headers, data = client.ask(method, path, body)
                counts[status] = counts.get(status, 0) + 1
                assert client.connection.sock is socket, path  # kept alive
                if status == 201:  # acknowledged before the outage showed
                    acknowledged.add(f"doc-{n}")
                    continue
                assert status == 503, (path, status, data[:300])
                if path == "/healthz":
                    assert json.loads(data)["database"] == "unreachable"
                elif path.startswith("/api/"):
                    assert headers["content-type"] == "application/problem+json"
                    assert headers["retry-after"].isdigit()
                    assert json.loads(data)["type"] == "/problems/database-unavailable"
                else:
                    assert headers["content-type"].startswith("text/html")
                    assert headers["retry-after"].isdigit()
                    assert 'class="problem"' in data.decode()
            time.sleep(0.1)

        postgres.start()
        returned = time.monotonic()
        wait_for(
            lambda: client.ask("GET", "/api/v1/trust")[0] == 200,
            "the server to answer again",
            timeout=60,
        )
        recovery = time.monotonic() - returned
        for n in range(200, 203):
            status, _, data = client.ask("POST", "/api/v1/documents", document(n))
            assert status == 201, data
            acknowledged.add(f"doc-{n}")
        assert client.ask("GET", "/healthz")[0] == 200
        assert client.connection.sock is socket

    assert counts.get(503, 0) >= 10, counts
    assert recovery < 30, recovery
    assert acknowledged <= _documents(url)  # nothing acknowledged was lost
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]
    assert text.count("database unreachable") == 1, text[-3000:]
    assert text.count("database reachable again") == 1, text[-3000:]


def test_a_sqlite_file_that_cannot_be_opened_is_answered_503(
    make_web_record: Any, tmp_path: Path
) -> None:
    """The SQLite equivalent: the database's directory is moved away, so no
    connection can be opened (the pool's are let go, as on a restart)."""
    home = tmp_path / "home"
    home.mkdir()
    record: WebRecord = make_web_record(f"sqlite:///{home / 'napci.db'}")
    try:
        client = record.client
        assert record.get("/trust").status_code == 200
        head = record.head()
        away = tmp_path / "away"
        shutil.move(home, away)
        record.platform.engine.dispose()
        record.platform.trust.close()
        try:
            for path in ("/trust", "/actors"):
                response = record.get(path)
                assert response.status_code == 503, response.text
                assert response.headers["retry-after"].isdigit()
                assert response.json()["type"] == "/problems/database-unavailable"
            refused = record.post("/documents", "delegate", json=document(1))
            assert refused.status_code == 503
            page = client.get("/")
            assert page.status_code == 503
            assert 'class="problem"' in page.text
            health = client.get("/healthz")
            assert health.status_code == 503
            assert health.json()["database"] == "unreachable"
        finally:
            shutil.move(away, home)
        wait_for(lambda: record.get("/trust").status_code == 200, "the file again")
        assert record.head() == head
        wait_for(  # a probe is trusted for half a second
            lambda: client.get("/healthz").json()["database"] == "reachable",
            "healthz to see the file again",
            timeout=10,
        )
    finally:
        record.client.close()
        record.platform.close()
