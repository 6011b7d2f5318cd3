"""Database helpers shared by the integration tests.

A plain module, imported by name like ``procedure_helpers`` (pytest puts
each test file's directory on ``sys.path``)::

    from db_helpers import migrated
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from napci.adapters.db import make_engine, upgrade

__all__ = ["migrated"]


@contextmanager
def migrated(url: str) -> Iterator[Engine]:
    """An engine on ``url`` with the schema migrated to the head, disposed
    after."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
