"""The trust fold reads only attendance that counts, and acknowledgements.

Rule 0 (DESIGN §4): attendance a host or chair reports for another
delegation counts only once that delegation acknowledges it
(``AttendanceAcknowledged``); an ``AttendanceRecorded`` counts when its
payload says ``acknowledged: true``, or, written before acknowledgement
existed, when it carries sources (the shipped NAPCI record 2013-2014). The
trust fold reads the attendance that counts and the acknowledgements
(``napci.domain.trust.rows``), served as the other meeting events are
(migrations 0003 and 0004) without parsing a payload:

* SQLite: the covering index of ``AttendanceRecorded`` is made partial on
  the condition that it counts, as the fold's read states it word for word
  (SQLite takes a partial index only for a query that repeats its
  condition); ``AttendanceAcknowledged`` gets a covering index of its own.
* PostgreSQL: a stored generated column ``fold_counted`` (true when an
  ``AttendanceRecorded`` counts, NULL on other types), and the columns
  ``fold_meeting``, ``fold_code`` and ``fold_attended`` filled for
  ``AttendanceAcknowledged`` too. A generated column's expression cannot be
  changed in place before PostgreSQL 17, so those three are made again: one
  ``ALTER TABLE``, one rewrite of the table. The covering indexes that
  included them go with them and are made again, that of
  ``AttendanceRecorded`` partial on ``fold_counted``; ``AttendanceAcknowledged``
  gets its own.

Reports that do not count are then in no index the fold reads. An append
pays as before, plus, for an attendance event, the test of its condition.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_0003 = importlib.import_module(
    "napci.adapters.db.migrations.versions.0003_fold_indexes"
)
_0004 = importlib.import_module(
    "napci.adapters.db.migrations.versions.0004_fold_columns"
)

#: The covering index of one event type's fold fields: 0003's name.
index_name = _0003.index_name
column_name = _0004.column_name

RECORDED = "AttendanceRecorded"
ACKNOWLEDGED = "AttendanceAcknowledged"

#: Per event type, the payload fields the trust fold reads, in its order:
#: 0003's, and the acknowledgements', which read as attendance does.
FOLD_FIELDS: dict[str, tuple[str, ...]] = {
    **_0003.FOLD_FIELDS,
    ACKNOWLEDGED: _0003.FOLD_FIELDS[RECORDED],
}

#: Whether an AttendanceRecorded counts, on SQLite (in the index's WHERE
#: and, word for word, in the fold's read).
COUNTED_SQLITE = (
    "coalesce(nullif(json_type(payload, '$.acknowledged'), 'null') = 'true', "
    "json_array_length(payload, '$.sources') > 0, 0)"
)

#: The same on PostgreSQL, as the stored column ``fold_counted`` holds it.
COUNTED_COLUMN = "fold_counted"
_COUNTED_POSTGRES = (
    "CASE WHEN coalesce(payload::jsonb -> 'acknowledged', 'null') <> 'null' "
    "THEN payload::jsonb -> 'acknowledged' = 'true' "
    "ELSE coalesce(jsonb_typeof(payload::jsonb -> 'sources') = 'array' "
    "AND payload::jsonb -> 'sources' <> '[]', false) END"
)

#: The fields whose columns are made again: those attendance events carry.
_REMADE = FOLD_FIELDS[RECORDED]


def _condition(type_: str, postgres: bool) -> str:
    """The WHERE of a type's covering index."""
    where = f"type = '{type_}'"
    if type_ == RECORDED:
        where += f" AND {COUNTED_COLUMN if postgres else COUNTED_SQLITE}"
    return where


def _sqlite_index(type_: str, fields: tuple[str, ...], where: str) -> None:
    extracted = ", ".join(f"json_extract(payload, '$.{f}')" for f in fields)
    op.execute(
        f"CREATE INDEX {index_name(type_)} ON events "
        f"(type, seq, {extracted}, occurred_at, classification) WHERE {where}"
    )


def _postgres_index(type_: str, fields: tuple[str, ...], where: str) -> None:
    included = ", ".join(column_name(f) for f in fields)
    op.execute(
        f"CREATE INDEX {index_name(type_)} ON events (seq) "
        f"INCLUDE (occurred_at, classification, {included}) WHERE {where}"
    )


def _columns(fold_fields: dict[str, tuple[str, ...]]) -> list[str]:
    """``ADD COLUMN`` clauses of the remade fields' columns, each filled for
    the types of ``fold_fields`` that carry it (as 0004 wrote them)."""
    added = []
    for field in _REMADE:
        listed = ", ".join(f"'{t}'" for t, f in fold_fields.items() if field in f)
        added.append(
            f"ADD COLUMN {column_name(field)} text GENERATED ALWAYS AS "
            f"(CASE WHEN type IN ({listed}) THEN payload::jsonb ->> '{field}' END) "
            f"STORED"
        )
    return added


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX {index_name(RECORDED)}")
        for type_ in (RECORDED, ACKNOWLEDGED):
            _sqlite_index(type_, FOLD_FIELDS[type_], _condition(type_, False))
        return
    # Dropping the columns drops the covering indexes that include them:
    # every one of 0004's (each holds fold_meeting).
    clauses = [f"DROP COLUMN {column_name(f)}" for f in _REMADE]
    clauses += _columns(FOLD_FIELDS)
    clauses.append(
        f"ADD COLUMN {COUNTED_COLUMN} boolean GENERATED ALWAYS AS "
        f"(CASE WHEN type = '{RECORDED}' THEN {_COUNTED_POSTGRES} END) STORED"
    )
    op.execute(f"ALTER TABLE events {', '.join(clauses)}")
    for type_, fields in FOLD_FIELDS.items():
        _postgres_index(type_, fields, _condition(type_, True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for type_ in (RECORDED, ACKNOWLEDGED):
            op.execute(f"DROP INDEX {index_name(type_)}")
        _sqlite_index(RECORDED, FOLD_FIELDS[RECORDED], f"type = '{RECORDED}'")
        return
    clauses = [f"DROP COLUMN {COUNTED_COLUMN}"]
    clauses += [f"DROP COLUMN {column_name(f)}" for f in _REMADE]
    clauses += _columns(_0004.FOLD_FIELDS)
    op.execute(f"ALTER TABLE events {', '.join(clauses)}")
    for type_, fields in _0004.FOLD_FIELDS.items():
        _postgres_index(type_, fields, f"type = '{type_}'")
