"""Shared fixtures for the napci test suite.

Database backends
-----------------
A test that takes the ``db_url`` fixture runs twice: on SQLite (id
``sqlite``) and on PostgreSQL (id ``postgresql``, also marked ``postgres``,
so ``-m "not postgres"`` runs the SQLite lane alone). Each run gets a fresh,
empty database. The PostgreSQL server comes from, in this order:

1. ``--postgres URL`` (default: ``$NAPCI_TEST_POSTGRES_URL``): a server you
   run yourself. If it does not answer, the PostgreSQL tests fail.
2. Otherwise a throwaway server the suite starts itself, once per session,
   from the binaries under /usr/lib/postgresql (see ``pg_server.py``). This
   is how both ``./scripts/test`` on a developer machine and ``.ci/run`` get
   their server: one way to start PostgreSQL, in one place.
3. Otherwise the PostgreSQL tests are skipped, with the reason.

``NAPCI_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns that skip into a
failure, so CI can never pass with the PostgreSQL lane silently missing.

On PostgreSQL each test gets its own database ``napci_test_<uuid hex>``,
created on the server and dropped ``WITH (FORCE)`` after the test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from psycopg import sql
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

# tests/ is not a package: pytest puts this directory on sys.path (rootdir
# conftest, "prepend" import mode), so the helper imports by its plain name.
from pg_server import PostgresUnavailableError, find_bindir, throwaway_postgres

# Timings on shared two-core machines vary by orders of magnitude: the
# properties are what is tested, not the speed (benchmarks/ measure that).
settings.register_profile("napci", deadline=None)
settings.load_profile("napci")

URL_ENV = "NAPCI_TEST_POSTGRES_URL"
REQUIRE_ENV = "NAPCI_REQUIRE_POSTGRES"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--postgres",
        metavar="URL",
        default=os.environ.get(URL_ENV) or None,
        help=(
            "PostgreSQL server for the postgresql lane, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres "
            f"(default: ${URL_ENV}; without it the suite starts its own server "
            "if PostgreSQL is installed)"
        ),
    )


def _postgres_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes"}


def pytest_report_header(config: pytest.Config) -> str:
    url = config.getoption("--postgres")
    if url:
        source = f"server at {_masked(url)}"
    elif (bindir := find_bindir()) is not None:
        source = f"throwaway server from {bindir}, started on first use"
    else:
        source = "no server available, tests will be skipped"
    required = f" ({REQUIRE_ENV}=1)" if _postgres_required() else ""
    return f"napci postgresql lane: {source}{required}"


# --- the PostgreSQL server, once per session ----------------------------------


@dataclass(frozen=True)
class PostgresLane:
    """The session's PostgreSQL server, or why there is none."""

    server_url: URL | None  # the server's maintenance database
    problem: str = ""  # why server_url is None
    fatal: bool = False  # a configured server that fails: never skip


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


def _connect(url: URL) -> psycopg.Connection[tuple[object, ...]]:
    """A plain psycopg connection (autocommit, for CREATE/DROP DATABASE)."""
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=10)


def _configured_lane(raw_url: str) -> PostgresLane:
    try:
        url = make_url(raw_url)
    except ArgumentError as exc:
        return PostgresLane(None, f"invalid --postgres URL: {exc}", fatal=True)
    if url.get_backend_name() != "postgresql":
        return PostgresLane(
            None, f"--postgres URL is not PostgreSQL: {_masked(raw_url)}", fatal=True
        )
    url = url.set(drivername="postgresql+psycopg")  # the driver we ship with
    try:
        with _connect(url):
            pass
    except psycopg.Error as exc:
        return PostgresLane(
            None,
            f"PostgreSQL server {_masked(raw_url)} is unreachable: {exc}".strip(),
            fatal=True,
        )
    return PostgresLane(url)


@pytest.fixture(scope="session")
def postgres_lane(pytestconfig: pytest.Config) -> Iterator[PostgresLane]:
    """The PostgreSQL server for this session (see the module docstring).

    Requested lazily, by the postgresql lane of ``db_url`` only: a run
    without PostgreSQL tests never starts a server.
    """
    raw_url = pytestconfig.getoption("--postgres")
    if raw_url:
        yield _configured_lane(raw_url)
        return
    with ExitStack() as stack:  # stops the throwaway server after the session
        try:
            started = stack.enter_context(throwaway_postgres())
        except PostgresUnavailableError as exc:
            lane = PostgresLane(
                None,
                f"no PostgreSQL server: --postgres / ${URL_ENV} is not set "
                f"and a throwaway server could not be started ({exc})",
            )
        else:
            lane = PostgresLane(make_url(started))
        yield lane


# --- per-test databases -------------------------------------------------------


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'napci.db'}"


def _fresh_postgres_database(lane: PostgresLane) -> Iterator[str]:
    if lane.server_url is None:
        if lane.fatal:
            pytest.fail(lane.problem, pytrace=False)
        if _postgres_required():
            pytest.fail(
                f"{REQUIRE_ENV}=1 forbids skipping the PostgreSQL lane: {lane.problem}",
                pytrace=False,
            )
        pytest.skip(lane.problem)

    server = lane.server_url
    name = f"napci_test_{uuid.uuid4().hex}"
    with _connect(server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE ends connections a test left open (e.g. an undisposed engine).
        with _connect(server) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database; runs the test on both backends."""
    if request.param == "sqlite":
        yield _sqlite_url(tmp_path)
        return
    lane: PostgresLane = request.getfixturevalue("postgres_lane")
    yield from _fresh_postgres_database(lane)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """SQLAlchemy URL of a fresh SQLite database file, for SQLite-only tests."""
    return _sqlite_url(tmp_path)


@pytest.fixture(
    scope="module",
    params=[pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of a fresh PostgreSQL database shared by one module's
    PostgreSQL-only tests (on the postgresql lane, which may be skipped only
    as ``db_url``'s may)."""
    lane: PostgresLane = request.getfixturevalue("postgres_lane")
    yield from _fresh_postgres_database(lane)


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres)])
def own_postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of a fresh PostgreSQL database for one test alone (a
    PostgreSQL-only test whose data the module's others must not see)."""
    lane: PostgresLane = request.getfixturevalue("postgres_lane")
    yield from _fresh_postgres_database(lane)
