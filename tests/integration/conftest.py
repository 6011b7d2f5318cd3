"""Shared helpers of the ledger's guarantee tests.

Fixtures
--------
``open_ledger``
    ``open_ledger(url)`` migrates the database at ``url`` and returns a
    :class:`SqlLedger` on it; every engine it made is disposed after the test.
``ledger``
    A ledger on the test's fresh ``db_url`` database (both backends).
``second_db_url``
    Another fresh, empty database of the same backend as ``db_url``.
``drafts``
    A :class:`Drafts` factory of valid event drafts.
``sample``
    A ten-event record with four signed events in ``ledger`` (see
    :func:`build_sample`); ``make_sample(ledger, drafts)`` builds it elsewhere.
``sample_export``
    A JSON Lines export of the sample record, made once per session.
``raw``
    ``raw(ledger)`` gives a :class:`Raw` handle that reads and rewrites the
    ledger's tables with plain SQL, behind the application's back.
``appenders``
    ``appenders.start(url, ...)`` runs ``_appender.py`` in a child process
    (see that module for its protocol); every child still running at the end
    of the test is killed and reaped.
``assert_sound_chain``
    ``assert_sound_chain(rows)``: seqs 1..n, unique ids, each ``prev_hash``
    the previous ``hash``, each hash right.

Helpers are handed out by fixtures because test modules cannot import a
conftest: ``tests/`` is not a package, and several conftests share the name.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from napci.adapters.db import SqlLedger, make_engine, upgrade
from napci.domain.canonical import GENESIS_HASH
from napci.domain.envelope import EventDraft, RecordedEvent, compute_hash
from napci.domain.events import ActorJoined, ActorRegistered, KeyRegistered, KeyRevoked
from napci.domain.signing import KeyPair, generate_key_pair
from napci.domain.values import Source
from napci.services.drafting import draft
from napci.services.ledger_io import export_ledger

APPENDER = Path(__file__).with_name("_appender.py")

#: Columns of ``events`` in the order of :class:`RecordedEvent`'s fields.
EVENT_COLUMNS = (
    "seq",
    "id",
    "type",
    "version",
    "occurred_at",
    "recorded_at",
    "actor",
    "principal",
    "classification",
    "payload",
    "signer",
    "signature",
    "prev_hash",
    "hash",
)


# --- ledgers and databases -----------------------------------------------------


@pytest.fixture
def open_ledger() -> Iterator[Callable[..., SqlLedger]]:
    """``open_ledger(url, migrate=True)``: a ledger, disposed after the test."""
    engines: list[Engine] = []

    def _open(url: str, *, migrate: bool = True) -> SqlLedger:
        engine = make_engine(url)
        engines.append(engine)
        if migrate:
            upgrade(engine)
        return SqlLedger(engine)

    yield _open
    for engine in engines:
        engine.dispose()


@pytest.fixture
def ledger(db_url: str, open_ledger: Callable[..., SqlLedger]) -> SqlLedger:
    """A migrated, empty ledger on the test's database."""
    return open_ledger(db_url)


def _admin_conninfo(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def second_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second fresh, empty database on the same backend as ``db_url``."""
    if make_url(db_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'second.db'}"
        return
    first = make_url(db_url)
    name = f"{first.database}_b"
    with psycopg.connect(_admin_conninfo(db_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield first.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(db_url), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


# --- drafts ----------------------------------------------------------------------

#: Text that exercises JSON escaping: quotes, a backslash, a control
#: character, non-ASCII letters and a line separator.
AWKWARD_TEXT = 'Joint statement "Seoul" \\ 서울 — 東京 — Москва\t\u2028end'


class Drafts:
    """Valid drafts; each call gives a new id and a distinct payload."""

    def __init__(self) -> None:
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def _when(self, n: int) -> datetime:
        return datetime(2013, 5, 8, 9, 30, tzinfo=UTC) + timedelta(minutes=n)

    def joined(
        self,
        code: str = "KOR",
        *,
        actor: str | None = None,
        key: KeyPair | None = None,
        event_id: str | None = None,
        classification: str = "public",
    ) -> EventDraft:
        """An ActorJoined for ``code`` (on behalf of ``actor``, default ``code``)."""
        n = self._next()
        event = ActorJoined(
            code=code,
            joined_on=date(2013, 5, 8),
            sources=(Source(title=f"{AWKWARD_TEXT} #{n}", locator=f"p. {n}"),),
        )
        return draft(
            event,
            occurred_at=self._when(n),
            actor=code if actor is None else actor,
            classification=classification,
            event_id=event_id,
            key=key,
        )

    def registered(self, code: str, names: dict[str, str]) -> EventDraft:
        """An ActorRegistered for a state with multilingual ``names``."""
        n = self._next()
        return draft(
            ActorRegistered(code=code, name=names, kind="state"),
            occurred_at=self._when(n),
            actor=None,
        )

    def key_registered(
        self, code: str, pair: KeyPair, *, signed_by: KeyPair | None = None
    ) -> EventDraft:
        """A KeyRegistered for ``pair``, signed by itself unless told otherwise."""
        n = self._next()
        event = KeyRegistered(
            code=code,
            key_id=pair.key_id,
            public_key=pair.public_key_b64,
            registered_on=date(2013, 5, 8),
        )
        return draft(
            event,
            occurred_at=self._when(n),
            actor=code,
            key=pair if signed_by is None else signed_by,
        )

    def key_revoked(
        self, code: str, pair: KeyPair, *, signed_by: KeyPair | None = None
    ) -> EventDraft:
        """A KeyRevoked for ``pair``, unsigned unless ``signed_by`` is given."""
        n = self._next()
        event = KeyRevoked(
            code=code,
            key_id=pair.key_id,
            revoked_on=date(2014, 1, 1),
            reason=f"rotated {AWKWARD_TEXT}",
        )
        return draft(event, occurred_at=self._when(n), actor=code, key=signed_by)

    def series(self, count: int, code: str = "KOR") -> list[EventDraft]:
        """``count`` unsigned ActorJoined drafts."""
        return [self.joined(code) for _ in range(count)]


@pytest.fixture
def drafts() -> Drafts:
    """A factory of valid drafts."""
    return Drafts()


@dataclass(frozen=True)
class Sample:
    """A small record with signed and unsigned events, built by ``sample``."""

    kor: KeyPair  # registered for KOR at seq 4
    jpn: KeyPair  # registered for JPN at seq 5
    events: int  # 10
    signed: int  # 4: seqs 4, 5, 6 and 7


NAMES = {
    "KOR": {"en": "Republic of Korea", "ko": "대한민국"},
    "JPN": {"en": "Japan", "ja": "日本国"},
    "CHN": {"en": "People's Republic of China", "zh": "中华人民共和国"},
}


def build_sample(target: SqlLedger, make: Drafts) -> Sample:
    """Append the sample record to an empty ledger.

    seq 1-3   ActorRegistered KOR, JPN, CHN (multilingual names), unsigned
    seq 4     KeyRegistered KOR, signed by the key itself
    seq 5     KeyRegistered JPN, signed by the key itself
    seq 6     ActorJoined KOR signed by KOR's key ("participants")
    seq 7     ActorJoined JPN signed by JPN's key ("restricted")
    seq 8-10  ActorJoined CHN, unsigned, no principal
    """
    assert target.head()[0] == 0, "the sample needs an empty ledger"
    kor, jpn = generate_key_pair(), generate_key_pair()
    target.append([make.registered(c, n) for c, n in NAMES.items()], principal="seed")
    target.append([make.key_registered("KOR", kor)], principal="cli:kor")
    target.append([make.key_registered("JPN", jpn)], principal="cli:jpn")
    target.append(
        [make.joined("KOR", key=kor, classification="participants")],
        principal="cli:kor",
    )
    target.append(
        [make.joined("JPN", key=jpn, classification="restricted")],
        principal="cli:jpn",
    )
    target.append(make.series(3, "CHN"), principal=None)
    sample = Sample(kor=kor, jpn=jpn, events=10, signed=4)
    assert target.head()[0] == sample.events
    return sample


@pytest.fixture
def sample(ledger: SqlLedger, drafts: Drafts) -> Sample:
    """The sample record (see :func:`build_sample`) in ``ledger``."""
    return build_sample(ledger, drafts)


@pytest.fixture
def make_sample() -> Callable[[SqlLedger, Drafts], Sample]:
    """``make_sample(ledger, drafts)``: append the sample record."""
    return build_sample


@pytest.fixture(scope="session")
def sample_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An export of the sample record, made once on SQLite. Read it only."""
    folder = tmp_path_factory.mktemp("sample-export")
    engine = make_engine(f"sqlite:///{folder / 'source.db'}")
    try:
        upgrade(engine)
        source = SqlLedger(engine)
        build_sample(source, Drafts())
        path = folder / "sample.jsonl"
        with path.open("w", encoding="utf-8") as out:
            export_ledger(source, out)
    finally:
        engine.dispose()
    return path


# --- raw SQL behind the application's back ---------------------------------------


def _event_from_row(row: Sequence[Any]) -> RecordedEvent:
    return RecordedEvent(*row)


@dataclass
class Raw:
    """Reads and rewrites the ledger tables with plain SQL."""

    engine: Engine

    def execute(self, statement: str, **params: Any) -> None:
        """Run one statement in its own transaction."""
        with self.engine.begin() as conn:
            conn.execute(text(statement), params)

    def scalar(self, statement: str, **params: Any) -> Any:
        """The single value a query returns."""
        with self.engine.connect() as conn:
            return conn.execute(text(statement), params).scalar_one()

    def rows(self) -> list[RecordedEvent]:
        """Every row of ``events`` in seq order."""
        columns = ", ".join(EVENT_COLUMNS)
        with self.engine.connect() as conn:
            result = conn.execute(text(f"SELECT {columns} FROM events ORDER BY seq"))
            return [_event_from_row(r) for r in result]

    def seqs(self) -> list[int]:
        """``SELECT seq FROM events ORDER BY seq``."""
        with self.engine.connect() as conn:
            result = conn.execute(text("SELECT seq FROM events ORDER BY seq"))
            return [int(r[0]) for r in result]

    def row(self, seq: int) -> RecordedEvent:
        """The row at ``seq``."""
        columns = ", ".join(EVENT_COLUMNS)
        with self.engine.connect() as conn:
            found = conn.execute(
                text(f"SELECT {columns} FROM events WHERE seq = :seq"), {"seq": seq}
            ).one()
        return _event_from_row(found)

    def head(self) -> tuple[int, str]:
        """The ledger_head row."""
        with self.engine.connect() as conn:
            found = conn.execute(
                text("SELECT seq, hash FROM ledger_head WHERE id = 1")
            ).one()
        return int(found[0]), str(found[1])

    def set_head(self, seq: int, hash_: str) -> None:
        """Move ledger_head."""
        self.execute(
            "UPDATE ledger_head SET seq = :seq, hash = :hash WHERE id = 1",
            seq=seq,
            hash=hash_,
        )

    def insert(self, event: RecordedEvent) -> None:
        """Insert one row exactly as given."""
        names = ", ".join(EVENT_COLUMNS)
        marks = ", ".join(f":{c}" for c in EVENT_COLUMNS)
        values = dict(zip(EVENT_COLUMNS, _values(event), strict=True))
        self.execute(f"INSERT INTO events ({names}) VALUES ({marks})", **values)

    def delete(self, seq: int) -> None:
        """Delete the row at ``seq``."""
        self.execute("DELETE FROM events WHERE seq = :seq", seq=seq)

    def update(self, seq: int, **columns: Any) -> None:
        """Set columns of the row at ``seq``."""
        sets = ", ".join(f"{name} = :{name}" for name in columns)
        self.execute(f"UPDATE events SET {sets} WHERE seq = :seq", seq=seq, **columns)

    def replace_row(self, event: RecordedEvent) -> None:
        """Overwrite every column of the row at ``event.seq``."""
        values = dict(zip(EVENT_COLUMNS, _values(event), strict=True))
        seq = values.pop("seq")
        self.update(seq, **values)

    def chained(
        self, event: EventDraft, *, after: RecordedEvent | None, principal: str | None
    ) -> RecordedEvent:
        """``event`` as the ledger would record it right after ``after``."""
        fields: dict[str, Any] = {
            "seq": 1 if after is None else after.seq + 1,
            "id": event.id,
            "type": event.type,
            "version": event.version,
            "occurred_at": event.occurred_at,
            "recorded_at": "2020-01-01T00:00:00.000000Z",
            "actor": event.actor,
            "principal": principal,
            "classification": event.classification,
            "payload_json": event.payload_json,
            "signer": event.signer,
            "signature": event.signature,
            "prev_hash": GENESIS_HASH if after is None else after.hash,
        }
        return RecordedEvent(hash=compute_hash(**fields), **fields)

    def smuggle(
        self,
        event: EventDraft,
        *,
        principal: str | None = "forger",
        move_head: bool = True,
    ) -> RecordedEvent:
        """Append ``event`` by hand with a correct hash, unchecked."""
        rows = self.rows()
        recorded = self.chained(
            event, after=rows[-1] if rows else None, principal=principal
        )
        self.insert(recorded)
        if move_head:
            self.set_head(recorded.seq, recorded.hash)
        return recorded

    def rechain(self, start: int) -> str:
        """Recompute prev_hash and hash from ``start`` on and move the head.

        Makes every hash consistent again after a row was altered: what a
        forger with write access to the database can do. Returns the new head.
        """
        rows = self.rows()
        prev = GENESIS_HASH
        for event in rows:
            if event.seq >= start:
                fields = event.envelope_fields() | {"prev_hash": prev}
                fixed = RecordedEvent(hash=compute_hash(**fields), **fields)
                if fixed != event:
                    self.replace_row(fixed)
                event = fixed
            prev = event.hash
        self.set_head(rows[-1].seq if rows else 0, prev)
        return prev


def _values(event: RecordedEvent) -> tuple[Any, ...]:
    return (
        event.seq,
        event.id,
        event.type,
        event.version,
        event.occurred_at,
        event.recorded_at,
        event.actor,
        event.principal,
        event.classification,
        event.payload_json,
        event.signer,
        event.signature,
        event.prev_hash,
        event.hash,
    )


@pytest.fixture
def raw() -> Callable[[SqlLedger], Raw]:
    """``raw(ledger)``: plain-SQL access to the ledger's tables."""
    return lambda target: Raw(target.engine)


# --- child appender processes ----------------------------------------------------


@dataclass
class Appender:
    """A running ``_appender.py`` child and what it has printed so far.

    A reader thread moves its stdout lines into a queue; ``None`` marks EOF.
    """

    name: str
    process: subprocess.Popen[str]
    stderr_path: Path
    stderr_file: IO[bytes]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    acked: list[tuple[str, int]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    finished: bool = False
    eof: bool = False
    reader: threading.Thread | None = None

    def start_reader(self) -> None:
        assert self.process.stdout is not None
        stdout = self.process.stdout

        def pump() -> None:
            for line in stdout:
                self.lines.put(line.rstrip("\n"))
            self.lines.put(None)

        self.reader = threading.Thread(target=pump, name=self.name, daemon=True)
        self.reader.start()

    def stderr(self) -> str:
        self.stderr_file.flush()
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def _take(self, line: str) -> str:
        word, _, rest = line.partition(" ")
        if word == "ack":
            event_id, seq = rest.split()
            self.acked.append((event_id, int(seq)))
        elif word == "dup":
            self.duplicates.append(rest)
        elif word == "done":
            self.finished = True
        elif word != "ready":
            raise AssertionError(f"{self.name} printed {line!r}")
        return word

    def next_line(self, timeout: float) -> str | None:
        """The next line (parsed into acked/duplicates), ``None`` at EOF."""
        if self.eof:
            return None
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"{self.name} printed nothing for {timeout} s; stderr:\n"
                + self.stderr()
            ) from None
        if line is None:
            self.eof = True
            return None
        self._take(line)
        return line

    def wait_ready(self, timeout: float = 60) -> None:
        line = self.next_line(timeout)
        if line != "ready":
            raise AssertionError(
                f"{self.name} did not start (got {line!r}); stderr:\n" + self.stderr()
            )

    def wait_acks(self, count: int, timeout: float = 120) -> None:
        """Read lines until ``count`` acknowledgements have arrived."""
        deadline = time.monotonic() + timeout
        while len(self.acked) < count:
            left = deadline - time.monotonic()
            if left <= 0 or self.next_line(left) is None:
                raise AssertionError(
                    f"{self.name} stopped after {len(self.acked)} acknowledgements "
                    f"(exit {self.process.poll()}); stderr:\n" + self.stderr()
                )

    def drain(self, timeout: float = 60) -> None:
        """Read every line up to EOF."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            self.next_line(max(0.1, deadline - time.monotonic()))

    def kill(self) -> int:
        """SIGKILL the child, reap it and read what it printed before dying."""
        self.process.kill()
        code = self.process.wait(timeout=60)
        self.drain()
        return code

    def join(self, timeout: float = 120) -> None:
        """Wait for a normal exit and read everything; fail on an error exit."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.name} still runs after {timeout} s; stderr:\n" + self.stderr()
            ) from None
        self.drain()
        if code != 0 or not self.finished:
            raise AssertionError(
                f"{self.name} exited with {code}; stderr:\n" + self.stderr()
            )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=60)
        if self.reader is not None:
            self.reader.join(timeout=60)
        assert self.process.stdout is not None
        self.process.stdout.close()
        self.stderr_file.close()


def _child_environment(pycache: Path) -> dict[str, str]:
    """The children's environment: warnings are errors, and bytecode is cached.

    The bytecode goes to a directory of the test session, never into the
    source tree; without it every child would compile SQLAlchemy afresh when
    ``PYTHONDONTWRITEBYTECODE`` is set, which costs seconds per child.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONWARNINGS="error")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


@pytest.fixture(scope="session")
def appender_environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The children's environment, with the bytecode cache warmed up once."""
    env = _child_environment(tmp_path_factory.mktemp("pycache"))
    warm = subprocess.run(
        [sys.executable, str(APPENDER), "--help"],  # imports everything, exits
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert warm.returncode == 0, warm.stderr
    return env


class Appenders:
    """Starts appender children and cleans up after them."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.children: list[Appender] = []

    def start(self, url: str, *args: str, name: str | None = None) -> Appender:
        """Start ``_appender.py URL ARGS...`` (see its docstring)."""
        name = name or f"appender-{len(self.children) + 1}"
        stderr_path = self.workdir / f"{name}.stderr"
        stderr_file = stderr_path.open("wb")
        process = subprocess.Popen(
            [sys.executable, str(APPENDER), url, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr_file,
            text=True,
            encoding="utf-8",
            env=self.env,
        )
        child = Appender(name, process, stderr_path, stderr_file)
        child.start_reader()
        self.children.append(child)
        return child

    def close(self) -> None:
        for child in self.children:
            child.close()


@pytest.fixture
def appenders(
    tmp_path: Path, appender_environment: dict[str, str]
) -> Iterator[Appenders]:
    """Child appender processes, all reaped after the test."""
    workdir = tmp_path / "appenders"
    workdir.mkdir()
    started = Appenders(workdir, appender_environment)
    try:
        yield started
    finally:
        started.close()


# --- assertions ----------------------------------------------------------------


def _assert_sound_chain(rows: Sequence[RecordedEvent]) -> None:
    """Seqs are 1..n, ids unique, and every prev_hash is the previous hash."""
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    ids = [e.id for e in rows]
    assert len(set(ids)) == len(ids), "an event id is stored twice"
    prev = GENESIS_HASH
    for event in rows:
        assert event.prev_hash == prev, f"the chain forks at seq {event.seq}"
        assert compute_hash(**event.envelope_fields()) == event.hash
        prev = event.hash


@pytest.fixture
def assert_sound_chain() -> Callable[[Sequence[RecordedEvent]], None]:
    """``assert_sound_chain(rows)``: gapless seqs, unique ids, no fork."""
    return _assert_sound_chain
