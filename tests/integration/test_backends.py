"""Smoke test of the database lanes: each backend answers and starts empty."""

from __future__ import annotations

import sqlalchemy as sa


def test_backend_answers(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
            if engine.dialect.name == "postgresql":
                version = conn.execute(sa.text("SHOW server_version_num")).scalar_one()
                assert int(version) >= 150000
            else:
                assert engine.dialect.name == "sqlite"
    finally:
        engine.dispose()


def test_each_test_gets_a_fresh_database(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))
        assert sa.inspect(engine).get_table_names() == ["probe"]
    finally:
        engine.dispose()


def test_sqlite_url_is_sqlite(sqlite_url: str) -> None:
    engine = sa.create_engine(sqlite_url)
    try:
        assert engine.dialect.name == "sqlite"
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT 1")).scalar_one() == 1
    finally:
        engine.dispose()
