"""SQLite serves the trust fold's most numerous types from covering indexes.

Migration 0003 indexes, per meeting event type, the very expressions the
fold's reads select. Should either side change alone, SQLite would silently
go back to parsing every payload: these tests fail instead.
"""

from __future__ import annotations

import importlib

import pytest
from sqlalchemy import Engine

from napci.adapters.db import make_engine, upgrade
from napci.adapters.db.extract import _statement
from napci.domain.trust_state import EXTRACT

MIGRATION = importlib.import_module(
    "napci.adapters.db.migrations.versions.0003_fold_indexes"
)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    path = tmp_path_factory.mktemp("fold-indexes") / "ledger.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def test_the_indexed_fields_are_the_folds() -> None:
    for type_, fields in MIGRATION.FOLD_FIELDS.items():
        assert tuple(path for path, _ in EXTRACT[type_]) == fields


@pytest.mark.parametrize("type_", sorted(MIGRATION.FOLD_FIELDS))
@pytest.mark.parametrize(
    ("upto", "before", "classifications"),
    [(False, False, None), (True, False, None), (True, True, 1), (True, False, 2)],
)
def test_a_read_of_an_indexed_type_is_served_by_its_index_alone(
    engine: Engine,
    type_: str,
    upto: bool,
    before: bool,
    classifications: int | None,
) -> None:
    sql = _statement(
        False,
        type_,
        EXTRACT[type_],
        upto=upto,
        before=before,
        classifications=classifications,
    )
    params = [0] + ([10] if upto else []) + (["2100"] if before else [])
    params += ["public"] * (classifications or 0)
    with engine.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params))
        )
        program = conn.exec_driver_sql(f"EXPLAIN {sql}", tuple(params)).all()
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
