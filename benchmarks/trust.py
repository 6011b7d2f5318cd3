"""Trust fold throughput on SQLite and PostgreSQL.

    uv run python benchmarks/trust.py [--events N] [--backend sqlite|postgresql|both]
                                      [--quick]

Builds a synthetic ledger of ``--events`` events (default 1,000,000) through
:meth:`napci.adapters.db.SqlLedger.append` in 10,000-event batches: twelve
actors registered and joined, the five soft tracks (a sixth added later),
meetings convened and held with 4 to 9 attendees (an ``AttendanceRecorded``
per attendee: its own or the secretariat's record, or the host's report,
mostly acknowledged by the delegation later; some confirmations and
confirmed no-shows, a few cancellations), recognition and vision documents
adopted by consensus, projects with members, commitments kept and broken,
and incidents, spread over ten years. Then it measures, per backend:

1. **full replay**: ``TrustService(engine).figures(as_of)`` on a fresh
   service, from the database to every figure (best of ``--repeat``);
2. **incremental**: a warm service; one ``AttendanceRecorded`` or
   ``AttendanceAcknowledged`` appended, then ``figures()`` (the snapshot
   brought up to the head, the tail folded, every figure evaluated),
   ``--increments`` times; median and p95. The append is timed separately.
   Then the same with a whole small meeting (6 events).

At the end the warm service's figures are compared with a fresh replay's: the
incremental path and the full replay must agree.

The SQLite ledger is kept in ``--cache`` (a directory under the temporary
directory by default), keyed by the number of events and the generator's
version, so a second run starts measuring at once. The incremental runs
append to a copy of it. PostgreSQL runs on a throwaway server
(``tests/pg_server.py``) and is built afresh each run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import heapq
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

import napci.services.trust as trust_service
from napci.adapters.db import SqlLedger, make_engine, upgrade
from napci.adapters.db.migrate import current_revision, head_revision
from napci.domain.canonical import canonical_json
from napci.domain.envelope import EventDraft
from napci.domain.events import (
    ActorJoined,
    ActorRegistered,
    Event,
    RulesAmended,
    TrackAdded,
    parse_payload,
)
from napci.domain.trust.figures import TrustFigures
from napci.domain.trust.state import TrustState
from napci.services.drafting import draft
from napci.services.trust import TrustService

#: Bump when the generator changes: cached ledgers of another version are rebuilt.
GENERATOR_VERSION = 3
BATCH = 10_000
SEED = 20140507
FIRST_DAY = date(2014, 1, 1)
DAYS = 3_652  # ten years
EVENTS_PER_MEETING = 13.4  # a meeting and its share of the other business

TARGETS = {  # on the 2-core reference machine
    "replay": 200_000.0,  # events/s, at least
    "incremental": 2.0,  # ms per appended event, median, at most
}

ACTORS: tuple[tuple[str, str, str, str], ...] = (  # code, kind, layer, name
    ("KOR", "state", "track-1", "Republic of Korea"),
    ("JPN", "state", "track-1", "Japan"),
    ("CHN", "state", "track-1", "People's Republic of China"),
    ("RUS", "state", "track-1", "Russian Federation"),
    ("USA", "state", "track-1", "United States of America"),
    ("MNG", "state", "track-1", "Mongolia"),
    ("PRK", "state", "track-1", "Democratic People's Republic of Korea"),
    ("ASEAN", "organisation", "track-1", "Association of Southeast Asian Nations"),
    ("EU", "organisation", "track-1", "European Union"),
    ("IFANS", "institute", "track-1.5", "Institute of Foreign Affairs"),
    ("JIIA", "institute", "track-2", "Japan Institute of International Affairs"),
    ("CIIS", "institute", "track-2", "China Institute of International Studies"),
)
SOFT = (
    "nuclear-safety",
    "energy-security",
    "environment",
    "disaster-relief",
    "cyberspace",
)
LATER_TRACK = ("health-security", FIRST_DAY + timedelta(days=1_826))
PRK_JOINS = FIRST_DAY + timedelta(days=540)
RANKS = (("working", 60), ("senior-official", 25), ("ministerial", 12), ("summit", 3))
LAYERS = (("track-1", 70), ("track-1.5", 20), ("track-2", 10))
PAIR_BASE_RATES = {"trust.base_rate.CHN.JPN": 0.2, "trust.base_rate.JPN.KOR": 0.25}


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- the synthetic record ----------------------------------------------------


def _stamp(day: date, second: int) -> str:
    """A canonical timestamp on ``day``, ``second`` seconds after 08:00."""
    h, rest = divmod(8 * 3600 + second % 36_000, 3600)
    m, s = divmod(rest, 60)
    return f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}.000000Z"


def _title(text: str) -> dict[str, str]:
    return {"en": text}


@dataclass
class Generator:
    """Drafts of a synthetic but realistic record, in time order, reproducibly.

    Meetings are the bulk of it. Other business (documents, projects,
    commitments, incidents) is interleaved at a steady rate; what follows
    later (a commitment's outcome, a project's completion) waits in a queue
    ordered by date until the meetings' clock reaches it.
    """

    seed: int = SEED
    rng: random.Random = field(init=False)
    queue: list[tuple[date, int, str, str]] = field(default_factory=list)
    counter: int = 0
    tick: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def _id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _draft(self, type_: str, day: date, payload: dict[str, Any]) -> EventDraft:
        self.tick += 1
        return EventDraft(
            id=self._id(),
            type=type_,
            version=1,
            occurred_at=_stamp(day, self.tick),
            actor="KOR",
            classification="public",
            payload_json=canonical_json(payload),
        )

    def _model(self, event: Event, day: date) -> EventDraft:
        self.tick += 1
        return draft(
            event, occurred_at=day, actor="KOR", event_id=self._id()
        )  # the few set-up events go through the models

    def _later(self, day: date, type_: str, payload: dict[str, Any]) -> None:
        self.counter += 1
        heapq.heappush(self.queue, (day, self.counter, type_, canonical_json(payload)))

    def _due(self, day: date) -> Iterator[EventDraft]:
        while self.queue and self.queue[0][0] <= day:
            when, _, type_, payload = heapq.heappop(self.queue)
            self.tick += 1
            yield EventDraft(
                id=self._id(),
                type=type_,
                version=1,
                occurred_at=_stamp(when, self.tick),
                actor="KOR",
                classification="public",
                payload_json=payload,
            )

    def setup(self) -> list[EventDraft]:
        """Actors registered and joined, tracks added, per-pair base rates."""
        out: list[EventDraft] = []
        for code, kind, layer, name in ACTORS:
            out.append(
                self._model(
                    ActorRegistered(
                        code=code,
                        name=_title(name),
                        kind=kind,
                        layer=layer,
                        region="northeast-asia",
                        prospective_participant=kind == "state",
                    ),
                    FIRST_DAY,
                )
            )
        for code, *_ in ACTORS:
            on = PRK_JOINS if code == "PRK" else FIRST_DAY
            if on == FIRST_DAY:
                out.append(self._model(ActorJoined(code=code, joined_on=on), on))
        for code in SOFT:
            out.append(
                self._model(
                    TrackAdded(
                        code=code,
                        name=_title(code.replace("-", " ")),
                        category="soft",
                        added_on=FIRST_DAY,
                    ),
                    FIRST_DAY,
                )
            )
        out.append(
            self._model(
                RulesAmended(changes=PAIR_BASE_RATES, effective_on=FIRST_DAY),
                FIRST_DAY,
            )
        )
        self._later(
            PRK_JOINS, "ActorJoined", {"code": "PRK", "joined_on": str(PRK_JOINS)}
        )
        code, on = LATER_TRACK
        self._later(
            on,
            "TrackAdded",
            {
                "added_on": str(on),
                "category": "soft",
                "code": code,
                "name": _title("health security"),
            },
        )
        return out

    def _pick(self, table: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([v for v, _ in table], [w for _, w in table])[0]

    def _members(self, day: date) -> list[str]:
        return [c for c, *_ in ACTORS if c != "PRK" or day >= PRK_JOINS]

    def _tracks(self, day: date) -> list[str]:
        return [*SOFT, LATER_TRACK[0]] if day >= LATER_TRACK[1] else list(SOFT)

    def meeting(self, n: int, day: date) -> list[EventDraft]:
        """A meeting: convened, confirmations, held (or cancelled), attendance."""
        rng = self.rng
        name = f"m{n:07d}"
        roll = rng.random()
        tracks = (
            [] if roll < 0.25 else rng.sample(self._tracks(day), 1 if roll < 0.8 else 2)
        )
        convened = day - timedelta(days=rng.randint(7, 60))
        payload: dict[str, Any] = {
            "meeting": name,
            "title": _title(f"Meeting {n}"),
            "rank": self._pick(RANKS),
            "layer": self._pick(LAYERS),
            "starts_on": str(day),
        }
        if tracks:
            payload["tracks"] = sorted(tracks)
        out = [self._draft("MeetingConvened", convened, payload)]
        members = self._members(day)
        size = rng.randint(4, min(9, len(members)))
        invited = rng.sample(members, min(len(members), size + 1))
        present, maybe = invited[:size], invited[size:]
        confirmed = [c for c in present if rng.random() < 0.35]
        if maybe and rng.random() < 0.3:
            confirmed += maybe  # confirmed, and will not come
        else:
            maybe = []
        before = day - timedelta(days=1)
        for code in confirmed:
            out.append(
                self._draft(
                    "AttendanceConfirmed", before, {"meeting": name, "code": code}
                )
            )
        if rng.random() < 0.02:
            out.append(
                self._draft(
                    "MeetingCancelled",
                    before,
                    {"meeting": name, "cancelled_on": str(before)},
                )
            )
            return out
        out.append(
            self._draft("MeetingHeld", day, {"meeting": name, "held_on": str(day)})
        )
        for code in present:
            out += self._attendance(name, code, True, day)
        for code in maybe:
            out += self._attendance(name, code, False, day)
        return out

    def _attendance(
        self, meeting: str, code: str, attended: bool, day: date
    ) -> list[EventDraft]:
        """One delegation's attendance (rule 0): recorded in its own word or
        the secretariat's (two in three), or reported by the host, which the
        delegation acknowledges within a fortnight (nine times in ten)."""
        rng = self.rng
        payload: dict[str, Any] = {"attended": attended, "code": code}
        payload["meeting"] = meeting
        if rng.random() < 2 / 3:
            recorded_as = "delegation" if rng.random() < 0.5 else "secretariat"
            payload |= {"acknowledged": True, "recorded_as": recorded_as}
            return [self._draft("AttendanceRecorded", day, payload)]
        payload |= {"acknowledged": False, "recorded_as": "host"}
        if rng.random() < 0.9:
            later = day + timedelta(days=rng.randint(0, 14))
            self._later(
                later,
                "AttendanceAcknowledged",
                {"attended": attended, "code": code, "meeting": meeting},
            )
        return [self._draft("AttendanceRecorded", day, payload)]

    def document(self, n: int, day: date) -> list[EventDraft]:
        """A document tabled and adopted by consensus (recognition or vision)."""
        rng = self.rng
        kind = "vision" if rng.random() < 0.1 else "recognition"
        document, proposal = f"doc-{n:06d}", f"prop-{n:06d}"
        issued: dict[str, Any] = {
            "document": document,
            "issued_on": str(day),
            "kind": kind,
            "title": _title(f"Document {n}"),
        }
        if kind == "recognition":
            issued["tracks"] = [rng.choice(self._tracks(day))]
        members = self._members(day)
        joined = sorted(
            rng.sample(members, rng.randint(max(2, len(members) - 4), len(members)))
        )
        adopted = day + timedelta(days=rng.randint(14, 90))
        self._later(
            adopted,
            "DecisionAdopted",
            {
                "adopted_on": str(adopted),
                "joined": joined,
                "procedure": "meeting",
                "proposal": proposal,
            },
        )
        return [
            self._draft("DocumentIssued", day, issued),
            self._draft(
                "ProposalTabled",
                day,
                {
                    "proposal": proposal,
                    "subject": {"document": document, "kind": "adopt-document"},
                    "tabled_by": "KOR",
                    "tabled_on": str(day),
                    "title": _title(f"Adopt document {n}"),
                },
            ),
        ]

    def project(self, n: int, day: date) -> list[EventDraft]:
        """A project launched; joins, commitments and completion queued for later."""
        rng = self.rng
        project = f"proj-{n:05d}"
        members = self._members(day)
        chosen = rng.sample(members, rng.randint(4, 7))
        founders, joiners = chosen[:2], chosen[2:]
        out = [
            self._draft(
                "ProjectLaunched",
                day,
                {
                    "founders": sorted(founders),
                    "launched_on": str(day),
                    "project": project,
                    "title": _title(f"Project {n}"),
                    "tracks": [rng.choice(self._tracks(day))],
                },
            )
        ]
        for code in joiners:
            on = day + timedelta(days=rng.randint(10, 120))
            self._later(
                on,
                "ProjectJoined",
                {
                    "code": code,
                    "consented_by": sorted(founders),
                    "joined_on": str(on),
                    "project": project,
                },
            )
        for c in range(rng.randint(2, 5)):
            commitment = f"{project}.c{c}"
            made = day + timedelta(days=rng.randint(130, 200))
            due = made + timedelta(days=rng.randint(60, 240))
            self._later(
                made,
                "CommitmentMade",
                {
                    "code": rng.choice(chosen),
                    "commitment": commitment,
                    "description": "deliver a joint study",
                    "due_on": str(due),
                    "made_on": str(made),
                    "project": project,
                },
            )
            if rng.random() < 0.8:
                self._later(
                    due,
                    "CommitmentKept",
                    {"commitment": commitment, "kept_on": str(due)},
                )
            else:
                late = due + timedelta(days=31)
                self._later(
                    late,
                    "CommitmentBroken",
                    {"assessed_on": str(late), "commitment": commitment},
                )
        if rng.random() < 0.7:
            end = day + timedelta(days=rng.randint(450, 720))
            self._later(
                end, "ProjectCompleted", {"completed_on": str(end), "project": project}
            )
        return out

    def incident(self, n: int, day: date) -> list[EventDraft]:
        """An incident between two actors, with a severity."""
        rng = self.rng
        payload: dict[str, Any] = {
            "description": "an incident at sea",
            "incident": f"inc-{n:06d}",
            "occurred_on": str(day),
            "parties": sorted(rng.sample(self._members(day)[:7], 2)),
            "severity": rng.randint(1, 5),
        }
        if rng.random() < 0.5:
            payload["tracks"] = [rng.choice(self._tracks(day))]
        return [self._draft("IncidentRecorded", day, payload)]

    def drafts(self, total: int) -> Iterator[EventDraft]:
        """Exactly ``total`` drafts (at least 100)."""
        emitted = 0
        for d in self.setup():
            yield d
            emitted += 1
        meetings = max(1, int(total / EVENTS_PER_MEETING))
        n = 0
        while emitted < total:
            offset = 30 + n * (DAYS - 60) // meetings
            day = FIRST_DAY + timedelta(days=min(offset, DAYS - 1))
            batch: list[EventDraft] = list(self._due(day))
            batch += self.meeting(n, day)
            if n % 60 == 7:
                batch += self.document(n, day)
            if n % 150 == 11:
                batch += self.project(n, day)
            if n % 45 == 23:
                batch += self.incident(n, day)
            n += 1
            for d in batch:
                if emitted == total:
                    return
                yield d
                emitted += 1


def check_sample(drafts: list[EventDraft]) -> None:
    """Every event type the generator makes validates against its schema."""
    seen: dict[str, EventDraft] = {}
    for d in drafts:
        seen.setdefault(d.type, d)
    for d in seen.values():
        parse_payload(d.type, d.version, json.loads(d.payload_json))


def batches(total: int) -> Iterator[list[EventDraft]]:
    """The record in ``BATCH``-event lists."""
    chunk: list[EventDraft] = []
    for d in Generator().drafts(total):
        chunk.append(d)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build(engine: Engine, total: int) -> tuple[float, float]:
    """Append the record; (seconds spent drafting, seconds spent appending)."""
    ledger = SqlLedger(engine)
    drafting = appending = 0.0
    done = 0
    last = time.monotonic()
    source = batches(total)
    while True:
        start = time.perf_counter()
        chunk = next(source, None)
        drafting += time.perf_counter() - start
        if chunk is None:
            break
        if done == 0:
            check_sample(chunk)
        start = time.perf_counter()
        ledger.append(chunk, principal="bench")
        appending += time.perf_counter() - start
        done += len(chunk)
        if time.monotonic() - last > 15:
            _say(f"    … {done:,} of {total:,} ({done / appending:,.0f}/s appending)")
            last = time.monotonic()
    return drafting, appending


# -- databases ---------------------------------------------------------------


def _sqlite_files(path: Path) -> list[Path]:
    return [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]


@dataclass
class Ledgers:
    """The built ledger, and a way to get a copy of it to append to."""

    source: Engine
    scratch: Callable[[], Engine]


@contextmanager
def sqlite_ledger(cache: Path, total: int) -> Iterator[Ledgers]:
    """The cached ledger (built if missing); scratch copies are deleted after."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"trust-v{GENERATOR_VERSION}-{total}.sqlite"
    done = path.with_suffix(".built")
    if not done.exists():
        for f in _sqlite_files(path):
            f.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        _say(f"  building a {total:,}-event ledger in {path} …")
        drafting, appending = build(engine, total)
        _say(
            f"  built: drafting {total / drafting:,.0f} events/s, appending "
            f"{total / appending:,.0f} events/s"
        )
        with engine.connect() as conn:  # fold the WAL into the file
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        done.touch()
    else:
        _say(f"  reusing {path}")
    engines = [make_engine(f"sqlite:///{path}")]
    upgrade(engines[0])  # a ledger cached by an older version: its schema now
    copies: list[Path] = []

    def scratch() -> Engine:
        copy = cache / f"scratch-{uuid.uuid4().hex[:8]}.sqlite"
        copies.append(copy)
        shutil.copyfile(path, copy)
        engines.append(make_engine(f"sqlite:///{copy}"))
        return engines[-1]

    try:
        yield Ledgers(engines[0], scratch)
    finally:
        for e in engines:
            e.dispose()
        for copy in copies:
            for f in _sqlite_files(copy):
                f.unlink(missing_ok=True)


def _head(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT seq FROM ledger_head WHERE id = 1"
            ).scalar_one()
        )


def _vacuum(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE events"
        )


@contextmanager
def postgres_ledger(server_url: str, total: int, *, keep: bool) -> Iterator[Ledgers]:
    """The record in a database on the server: built there, or with ``keep``
    reused from an earlier run (and left for the next one). Scratch copies
    are made from it as a template, and dropped after."""
    server = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    name = (
        f"napci_trust_v{GENERATOR_VERSION}_{total}"
        if keep
        else f"napci_trust_{uuid.uuid4().hex[:8]}"
    )

    def url(database: str) -> str:
        return server.set(database=database).render_as_string(hide_password=False)

    def run(statement: sql.Composed) -> None:
        with psycopg.connect(admin, autocommit=True) as pg:
            pg.execute(statement)

    with psycopg.connect(admin, autocommit=True) as pg:
        exists = pg.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    source = make_engine(url(name)) if exists else None
    if source is not None and _head(source) != total:
        source.dispose()
        source = None
        run(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    if source is None:
        run(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        source = make_engine(url(name))
        upgrade(source)
        _say(f"  building a {total:,}-event ledger in database {name} …")
        drafting, appending = build(source, total)
        _say(
            f"  built: drafting {total / drafting:,.0f} events/s, appending "
            f"{total / appending:,.0f} events/s"
        )
        _vacuum(source)
    else:
        _say(f"  reusing database {name}")
        if current_revision(source) != head_revision():
            # A ledger kept by an older version: its schema now, vacuumed as a
            # freshly built one is (a migration may rewrite the table).
            upgrade(source)
            _vacuum(source)
    engines = [source]
    copies: list[str] = []

    with psycopg.connect(admin, autocommit=True) as pg:
        version = pg.info.server_version
    # Copied as files (PostgreSQL 15 on), not through the write-ahead log:
    # otherwise the whole ledger is logged again, and the log's writing and
    # checkpoints carry on while the copy is measured.
    strategy = sql.SQL(" STRATEGY FILE_COPY" if version >= 150000 else "")

    def scratch() -> Engine:
        source.dispose()  # a template database must have no connections
        copy = f"napci_trust_scratch_{uuid.uuid4().hex[:8]}"
        run(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}{}").format(
                sql.Identifier(copy), sql.Identifier(name), strategy
            )
        )
        copies.append(copy)
        engines.append(make_engine(url(copy)))
        return engines[-1]

    try:
        yield Ledgers(source, scratch)
    finally:
        for e in engines:
            e.dispose()
        for database in copies if keep else [*copies, name]:
            run(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(database)
                )
            )


# -- measures ----------------------------------------------------------------


@dataclass
class Replay:
    seconds: float
    cpu: float  # this process's CPU time (the database server's is not in it)
    fold: float  # TrustState.apply
    evaluate: float  # the figures read off the state

    @property
    def reading(self) -> float:
        """Asking the database and turning its answer into rows."""
        return self.seconds - self.fold - self.evaluate


@dataclass
class Result:
    backend: str
    events: int
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average, before, after
    replays: list[Replay] = field(default_factory=list)
    increments: Increments | None = None
    agree: float | None = None

    @property
    def best(self) -> Replay:
        return min(self.replays, key=lambda r: r.seconds)

    @property
    def rate(self) -> float:
        return self.events / self.best.seconds


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


@contextmanager
def _timing(owner: Any, name: str, spent: list[float]) -> Iterator[None]:
    """Add the seconds spent in ``owner.name`` to ``spent`` while inside."""
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    setattr(owner, name, timed)
    try:
        yield
    finally:
        setattr(owner, name, original)


def replay(
    engine: Engine, as_of: date, repeat: int, profile: Path | None
) -> list[Replay]:
    """``TrustService(engine).figures(as_of)``, ``repeat`` times, each fresh."""
    runs = []
    for n in range(repeat):
        service = TrustService(engine)
        gc.collect()
        folding: list[float] = []
        evaluating: list[float] = []
        profiler = cProfile.Profile() if profile is not None and n == 0 else None
        with (
            _timing(TrustState, "apply", folding),
            _timing(trust_service, "evaluate", evaluating),
        ):
            start, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            figures = service.figures(as_of)
            if profiler is not None:
                profiler.disable()
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        runs.append(Replay(seconds, cpu, sum(folding), sum(evaluating)))
        if profiler is not None and profile is not None:
            profiler.dump_stats(profile)
            pstats.Stats(str(profile)).sort_stats("tottime").print_stats(25)
        if figures.regional_index is None:
            raise SystemExit("the replay found no participants")
    return runs


def last_day(engine: Engine) -> date:
    """The day of the record's latest event."""
    with engine.connect() as conn:
        text = conn.exec_driver_sql("SELECT max(occurred_at) FROM events").scalar_one()
    return date.fromisoformat(str(text)[:10])


def _one(type_: str, day: date, payload: dict[str, Any]) -> EventDraft:
    return EventDraft(
        id=EventDraft.new_id(),
        type=type_,
        version=1,
        occurred_at=_stamp(day, 0),
        actor="KOR",
        classification="public",
        payload_json=canonical_json(payload),
    )


def _meeting(name: str, day: date, track: str) -> list[EventDraft]:
    """A working meeting on ``track``, convened and held on ``day``."""
    return [
        _one(
            "MeetingConvened",
            day,
            {
                "layer": "track-1",
                "meeting": name,
                "rank": "working",
                "starts_on": str(day),
                "title": _title("Incremental meeting"),
                "tracks": [track],
            },
        ),
        _one("MeetingHeld", day, {"held_on": str(day), "meeting": name}),
    ]


@dataclass
class Increments:
    """What :func:`incremental` measured, in ms per event."""

    append_ms: list[float]
    figures_ms: list[float]
    other_append_ms: list[float]
    other_figures_ms: list[float]
    meeting_append_ms: list[float]
    meeting_figures_ms: list[float]
    last: TrustFigures


def incremental(engine: Engine, count: int, day: date) -> Increments:
    """Per appended event: append ms and ``figures()`` ms, singles then meetings.

    The singles record attendance at twenty meetings held on ``day`` (appended
    first, untimed), one actor at a time, each changing the attendance that
    counts: attended where nothing was, then absent where attended; by turns
    a delegation's own record and its acknowledgement of a host's report. An
    event that changes nothing (a report not yet acknowledged) would measure
    less than the fold of a change costs.
    They are appended through the service's engine (as the platform's own
    appends are), then as many through another engine on the same database
    (as another process's are: on PostgreSQL the service learns of them from
    the server's announcement, or else from its read).
    """
    other = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        return _incremental(engine, other, count, day)
    finally:
        other.dispose()


def _incremental(engine: Engine, other: Engine, count: int, day: date) -> Increments:
    ledger = SqlLedger(engine)
    service = TrustService(engine)
    codes = [c for c, *_ in ACTORS]
    meetings = [f"bench-{uuid.uuid4().hex[:12]}" for _ in range(20)]
    ledger.append(
        [
            d
            for n, m in enumerate(meetings)
            for d in _meeting(m, day, SOFT[n % len(SOFT)])
        ],
        principal="bench",
    )
    service.figures()  # warm: the snapshot is at the head
    cells = len(meetings) * len(codes)

    def singles(through: SqlLedger, first: int) -> tuple[list[float], list[float]]:
        appends: list[float] = []
        reads: list[float] = []
        for n in range(first, first + count):
            cell = n % cells
            payload = {
                "attended": (n // cells) % 2 == 0,
                "code": codes[cell // len(meetings)],
                "meeting": meetings[cell % len(meetings)],
            }
            if n % 2:  # a delegation's acknowledgement of a host's report
                d = _one("AttendanceAcknowledged", day, payload)
            else:  # its own record
                payload |= {"acknowledged": True, "recorded_as": "delegation"}
                d = _one("AttendanceRecorded", day, payload)
            start = time.perf_counter()
            through.append([d], principal="bench")
            appends.append((time.perf_counter() - start) * 1e3)
            start = time.perf_counter()
            service.figures()
            reads.append((time.perf_counter() - start) * 1e3)
        return appends, reads

    appends, reads = singles(ledger, 0)
    other_appends, other_reads = singles(SqlLedger(other), count)
    m_appends: list[float] = []
    m_reads: list[float] = []
    for n in range(max(1, count // 4)):
        name = f"bench-{uuid.uuid4().hex[:12]}"
        drafts = _meeting(name, day, SOFT[n % len(SOFT)]) + [
            _one(
                "AttendanceRecorded",
                day,
                {
                    "acknowledged": True,
                    "attended": True,
                    "code": code,
                    "meeting": name,
                    "recorded_as": "delegation",
                },
            )
            for code in random.Random(n).sample(codes, 4)
        ]
        start = time.perf_counter()
        ledger.append(drafts, principal="bench")
        m_appends.append((time.perf_counter() - start) * 1e3 / len(drafts))
        start = time.perf_counter()
        service.figures()
        m_reads.append((time.perf_counter() - start) * 1e3 / len(drafts))
    last = service.figures()
    return Increments(
        appends, reads, other_appends, other_reads, m_appends, m_reads, last
    )


_COMPARED = (
    "r",
    "s",
    "belief",
    "disbelief",
    "uncertainty",
    "projected",
    "symmetric_track",
    "directed",
    "symmetric",
)


def _max_difference(a: TrustFigures, b: TrustFigures) -> float:
    """The largest difference between two sets of figures (inf: not the same)."""
    if a.actors != b.actors or a.tracks != b.tracks or a.participants != b.participants:
        return float("inf")
    if not np.array_equal(a.ladder, b.ladder):
        return float("inf")
    if (a.regional_index is None) != (b.regional_index is None):
        return float("inf")
    worst = 0.0
    for name in _COMPARED:
        x, y = getattr(a, name), getattr(b, name)
        worst = max(worst, float(np.max(np.abs(x - y), initial=0.0)))
    if a.regional_index is not None and b.regional_index is not None:
        worst = max(worst, abs(a.regional_index - b.regional_index))
    for code, value in a.standing.items():
        worst = max(worst, abs(value - b.standing.get(code, float("inf"))))
    return worst


def run_backend(name: str, ledgers: Ledgers, args: argparse.Namespace) -> Result:
    source = ledgers.source
    result = Result(name, args.events)
    profile = None if args.profile is None else args.profile / f"{name}.prof"
    as_of = last_day(source)
    before = os.getloadavg()[0]
    _say(f"  the record runs to {as_of}; full replay, {args.repeat} runs …")
    result.replays = replay(source, as_of, args.repeat, profile)
    best = result.best
    _say(
        f"  full replay: best {best.seconds:.2f} s ({result.rate:,.0f} events/s): "
        f"reading {best.reading:.2f} s, folding {best.fold:.2f} s, "
        f"evaluating {best.evaluate:.3f} s; {best.cpu:.2f} s of CPU here"
    )
    singles = args.increments
    _say(
        f"  incremental: {singles} single events and {singles} through another "
        f"engine, {max(1, singles // 4)} meetings …"
    )
    result.increments = incremental(scratch := ledgers.scratch(), singles, as_of)
    result.load = (before, os.getloadavg()[0])
    fresh = TrustService(scratch).figures()
    result.agree = _max_difference(result.increments.last, fresh)
    _say(f"  warm snapshot vs fresh replay: largest difference {result.agree:.3g}")
    return result


# -- report ------------------------------------------------------------------


def machine(pg_version: str | None) -> list[tuple[str, str]]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rows = [
        ("CPU", f"{os.cpu_count()} x {model}"),
        ("Python", platform.python_version()),
        ("NumPy", np.__version__),
        ("SQLite", sqlite3.sqlite_version),
    ]
    if pg_version is not None:
        rows.append(("PostgreSQL", pg_version))
    return rows


def report(results: list[Result]) -> tuple[str, bool]:
    head = ("backend", "measure", "value", "target", "")
    rows: list[tuple[str, ...]] = [head]
    ok = True

    def verdict(good: bool) -> str:
        nonlocal ok
        ok = ok and good
        return "PASS" if good else "MISS"

    def add(
        backend: str, measure: str, value: str, target: str = "", v: str = ""
    ) -> None:
        rows.append((backend, measure, value, target, v))

    replay_target, step_target = TARGETS["replay"], TARGETS["incremental"]
    for r in results:
        b, best = r.backend, r.best
        add(
            b,
            f"full replay to every figure ({r.events:,} events), best of "
            f"{len(r.replays)}",
            f"{r.rate:,.0f} events/s",
            f"≥ {replay_target:,.0f}",
            verdict(r.rate >= replay_target),
        )
        add(b, "  seconds", f"{best.seconds:.2f} s")
        add(b, "  reading the database", f"{best.reading:.2f} s")
        add(b, "  folding (TrustState.apply)", f"{best.fold:.2f} s")
        add(b, "  evaluating", f"{best.evaluate:.3f} s")
        add(b, "  CPU time of this process", f"{best.cpu:.2f} s")
        # one event appended through the service's engine (the platform's
        # own appends), then by another engine (another process's: on
        # PostgreSQL the server announces it), then meetings
        steps = r.increments
        assert steps is not None
        for measure, figures_ms, append_ms, append in (
            (
                "figures() after 1 appended event",
                steps.figures_ms,
                steps.append_ms,
                "the append itself, median",
            ),
            (
                "the same, appended through another engine",
                steps.other_figures_ms,
                steps.other_append_ms,
                "the append itself, median",
            ),
            (
                "figures() after a 6-event meeting, per event",
                steps.meeting_figures_ms,
                steps.meeting_append_ms,
                "the append itself, per event, median",
            ),
        ):
            median = statistics.median(figures_ms)
            add(
                b,
                f"{measure}, median of {len(figures_ms)}",
                f"{median:.2f} ms",
                f"≤ {step_target:g} ms",
                verdict(median <= step_target),
            )
            add(b, "  p95", f"{_p95(figures_ms):.2f} ms")
            add(b, f"  {append}", f"{statistics.median(append_ms):.2f} ms")
        agree = r.agree if r.agree is not None else float("inf")
        add(
            b,
            "warm snapshot vs fresh replay, largest difference",
            f"{agree:.1e}",
            "≤ 1e-12",
            verdict(agree <= 1e-12),
        )
        add(
            b, "load average (1 min) before, after", f"{r.load[0]:.2f}, {r.load[1]:.2f}"
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(w) if i in (2, 3) else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines), ok


def _pg_version(url: str) -> str:
    plain = make_url(url).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False)) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both"
    )
    parser.add_argument("--events", type=int, help="events in the ledger (1,000,000)")
    parser.add_argument(
        "--quick", action="store_true", help="100,000 events, fewer runs"
    )
    parser.add_argument("--repeat", type=int, help="full replays, best taken (3)")
    parser.add_argument(
        "--increments", type=int, help="single events appended and read (200)"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "napci-bench-trust",
        help="where built SQLite ledgers are kept between runs",
    )
    parser.add_argument(
        "--postgres-url",
        help="use this server instead of a throwaway one, and keep the built "
        "database there for later runs",
    )
    parser.add_argument(
        "--profile", type=Path, help="cProfile the first replay; write DIR/BACKEND.prof"
    )
    args = parser.parse_args(argv)
    if args.events is None:
        args.events = 100_000 if args.quick else 1_000_000
    if args.repeat is None:
        args.repeat = 2 if args.quick else 3
    if args.increments is None:
        args.increments = 60 if args.quick else 200
    if args.events < 1_000:
        parser.error("--events must be at least 1,000")
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)

    results: list[Result] = []
    pg_version: str | None = None
    started = time.monotonic()
    if args.backend in ("sqlite", "both"):
        _say("[sqlite]")
        with sqlite_ledger(args.cache, args.events) as ledgers:
            results.append(run_backend("sqlite", ledgers, args))
    if args.backend in ("postgresql", "both"):
        with ExitStack() as stack:
            url = args.postgres_url
            if url is None:
                sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
                from pg_server import (  # type: ignore[import-not-found]
                    throwaway_postgres,
                )

                _say("[postgresql] starting a throwaway server …")
                url = stack.enter_context(throwaway_postgres())
            else:
                _say(f"[postgresql] on {make_url(url).render_as_string()}")
            pg_version = _pg_version(url)
            ledgers = stack.enter_context(
                postgres_ledger(url, args.events, keep=args.postgres_url is not None)
            )
            results.append(run_backend("postgresql", ledgers, args))

    print()
    for name, value in machine(pg_version):
        print(f"{name + ':':<16} {value}")
    print(f"{'run time:':<16} {time.monotonic() - started:,.0f} s")
    print()
    text, ok = report(results)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
