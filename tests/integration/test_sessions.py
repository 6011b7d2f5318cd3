"""The sessions store on SQLite and PostgreSQL: hashed identifiers that expire.

The web tests (``tests/web/test_pages_sessions.py``) drive sessions through
the pages; these hold the store to its contract directly, with a clock the
test sets, and check that the migration builds the tables as declared.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, select

from napci.adapters.db import make_engine, upgrade
from napci.adapters.db.schema import sessions
from napci.adapters.db.schema import users as users_table
from napci.adapters.db.sessions import SessionStore, hash_session_id
from napci.adapters.db.users import UserStore

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    made = make_engine(db_url)
    upgrade(made)
    yield made
    made.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(engine: Engine, clock: Clock) -> SessionStore:
    return SessionStore(engine, idle=IDLE, lifetime=LIFETIME, clock=clock)


def test_the_migrated_tables_are_the_declared_ones(engine: Engine) -> None:
    def ours(name: str | None, kind: str, parents: object) -> bool:
        return kind != "table" or name in ("users", "sessions")

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": ours, "compare_type": True}
        )
        declared = MetaData()
        for table in (users_table, sessions):
            table.to_metadata(declared)
        differences = compare_metadata(context, declared)
    assert differences == []


def test_a_session_is_stored_hashed_and_ends_when_asked(
    engine: Engine, store: SessionStore
) -> None:
    users = UserStore(engine)
    token = users.add("jpn", "delegate", "JPN")
    user = users.authenticate(token)
    assert user is not None
    session_id = store.open(user)
    assert len(session_id) >= 43 and session_id != token
    with engine.connect() as conn:
        stored = conn.execute(select(sessions.c.id_hash)).scalars().all()
    assert stored == [hash_session_id(session_id)]  # never the identifier
    found = store.resolve(session_id)
    assert found is not None and found.user.name == "jpn"
    assert store.resolve(hash_session_id(session_id)) is None
    assert store.resolve("napci_" + "x" * 43) is None
    assert store.end(session_id) is True
    assert store.resolve(session_id) is None
    assert store.end(session_id) is False


def test_idle_and_absolute_expiry(
    engine: Engine, store: SessionStore, clock: Clock
) -> None:
    users = UserStore(engine)
    user = users.authenticate(users.add("jpn", "delegate", "JPN"))
    assert user is not None
    idle = store.open(user)
    busy = store.open(user)
    opened = clock.now
    clock.now += IDLE - timedelta(seconds=1)
    assert store.resolve(idle) is not None  # used: idle again from now
    assert store.resolve(busy) is not None
    clock.now += IDLE - timedelta(seconds=1)
    assert store.resolve(busy) is not None
    clock.now += timedelta(seconds=2)
    assert store.resolve(idle) is None
    while clock.now < opened + LIFETIME - IDLE / 2:
        clock.now += IDLE / 2
        assert store.resolve(busy) is not None
    clock.now = opened + LIFETIME
    assert store.resolve(busy) is None
    assert store.count("jpn") == 0  # found expired, deleted


def test_expired_sessions_are_cleared_at_the_next_sign_in(
    engine: Engine, store: SessionStore, clock: Clock
) -> None:
    users = UserStore(engine)
    user = users.authenticate(users.add("jpn", "delegate", "JPN"))
    assert user is not None
    for _ in range(3):
        store.open(user)
    clock.now += IDLE
    store.open(user)
    assert store.count("jpn") == 1


def test_revoking_a_user_deletes_its_sessions_only(
    engine: Engine, store: SessionStore
) -> None:
    users = UserStore(engine)
    jpn = users.authenticate(users.add("jpn", "delegate", "JPN"))
    chn = users.authenticate(users.add("chn", "delegate", "CHN"))
    assert jpn is not None and chn is not None
    mine = [store.open(jpn), store.open(jpn)]
    theirs = store.open(chn)
    users.revoke("jpn")
    assert [store.resolve(s) for s in mine] == [None, None]
    assert store.count("jpn") == 0
    assert store.resolve(theirs) is not None
    with pytest.raises(LookupError):
        store.open(jpn)  # a revoked user opens no session


def test_expiry_must_be_positive(engine: Engine) -> None:
    with pytest.raises(ValueError, match="positive"):
        SessionStore(engine, idle=timedelta(0), lifetime=LIFETIME)
