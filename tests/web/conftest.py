"""Fixtures of the web tests (API and pages): the app over a fresh record.

Every fixture here gives a ``webapp.WebRecord``: the FastAPI app over a database
holding the NAPCI record 2013-2014, a test client, the platform underneath,
and one user of every role, by the names in ``webapp.USERS``:

========================  ============  =====
user                      role          actor
========================  ============  =====
``facilitator``           facilitator   KOR (the facilitating secretariat)
``facilitator-delegate``  delegate      KOR (the ROK's delegation, not the
                                        secretariat)
``delegate``              delegate      JPN
``other-delegate``        delegate      CHN
``observer``              observer      ASEAN (an observer organisation)
``analyst``               analyst       none
========================  ============  =====

- ``web_record``: a fresh database per test, on SQLite and PostgreSQL (it
  takes ``db_url``). Use it for anything that writes.
- ``sqlite_web_record``: the same on SQLite only.
- ``shared_web_record``: one SQLite record per test module, for tests that
  only read (the tests of the module share it: write to it only in a
  module-scoped fixture that seeds it before any test reads).

The NAPCI record is loaded once per session into a template SQLite file, which
each SQLite record copies (a copy is a fresh database, and much faster than
loading the record again); a PostgreSQL record loads it afresh.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

# A plain module beside this one (pytest puts this directory on sys.path):
# tests import WebRecord and USERS from it, not from a conftest.
from webapp import USERS, WebRecord

from napci.services.platform import Platform, open_platform
from napci.settings import Settings
from napci.web.app import create_app


@pytest.fixture(scope="session")
def napci_record_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding the NAPCI record 2013-2014 (copy it, never open it)."""
    path = tmp_path_factory.mktemp("template") / "napci.db"
    platform = open_platform(Settings(f"sqlite:///{path}"), migrate=True)
    try:
        platform.init(principal="test")
    finally:
        platform.close()
    return path


def _record_platform(url: str, template: Path) -> Platform:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        shutil.copyfile(template, parsed.database)
        wal = template.with_name(template.name + "-wal")
        if wal.exists():  # not checkpointed on close: it is part of the record
            shutil.copyfile(wal, parsed.database + "-wal")
        return open_platform(Settings(url))
    platform = open_platform(Settings(url), migrate=True)
    platform.init(principal="test")
    return platform


@pytest.fixture(scope="session")
def make_web_record(napci_record_template: Path) -> Any:
    """A factory: ``make_web_record(url)`` opens a WebRecord over a new
    database at ``url``; close it with :func:`close_web_record`."""

    def make(url: str) -> WebRecord:
        platform = _record_platform(url, napci_record_template)
        app = create_app(Settings(url), platform=platform)
        record = WebRecord(app, TestClient(app), platform)
        for name, (role, actor) in USERS.items():
            record.tokens[name] = platform.users.add(name, role, actor)
        return record

    return make


def close_web_record(record: WebRecord) -> None:
    """Close the client and the platform."""
    record.client.close()
    record.platform.close()


@pytest.fixture
def web_record(db_url: str, make_web_record: Any) -> Iterator[WebRecord]:
    """The app over a fresh NAPCI record, on SQLite and on PostgreSQL."""
    record = make_web_record(db_url)
    yield record
    close_web_record(record)


@pytest.fixture
def sqlite_web_record(sqlite_url: str, make_web_record: Any) -> Iterator[WebRecord]:
    """The app over a fresh NAPCI record on SQLite."""
    record = make_web_record(sqlite_url)
    yield record
    close_web_record(record)


@pytest.fixture(scope="module")
def shared_web_record(
    tmp_path_factory: pytest.TempPathFactory, make_web_record: Any
) -> Iterator[WebRecord]:
    """One NAPCI record on SQLite for a whole module's read-only tests."""
    path = tmp_path_factory.mktemp("shared") / "napci.db"
    record = make_web_record(f"sqlite:///{path}")
    yield record
    close_web_record(record)
