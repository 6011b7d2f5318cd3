"""PostgreSQL: the trust fold's fields of the meeting events, as stored columns.

The trust fold reads, per event type, a few payload fields in seq order
(``napci.adapters.db.extract``). PostgreSQL cannot serve those reads from an
index the way SQLite does (migration 0003): it parses every payload as
``jsonb`` on every replay, and that parsing was most of a full replay's time
on the server. These are the same fields of the same four types, as stored
generated columns: the server extracts them once, when the event is written
(or, for a ledger that predates this migration, once now), and keeps them in
step with the payload by itself. They cannot be written, so they cannot be
made to disagree with the payload they are taken from.

A column holds the field's text as ``->>`` gives it (arrays as JSON text)
and is NULL on the events of other types; the reads cast it as they cast
the ``jsonb`` field before. And as on SQLite, a partial index per type holds
the type's columns in seq order (in ``INCLUDE``): where the table's
visibility map allows (VACUUM, and autovacuum after enough appends, set it),
a read is an index-only scan of that type's entries rather than a pass over
the whole table. An append of another type pays for a few type comparisons;
a meeting event pays for parsing its payload once per column it fills, and
for one index entry. SQLite needs nothing more: migration 0003 serves it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import importlib

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_0003 = importlib.import_module(
    "napci.adapters.db.migrations.versions.0003_fold_indexes"
)

#: Per event type, the payload fields the trust fold reads: 0003's, the same.
FOLD_FIELDS: dict[str, tuple[str, ...]] = _0003.FOLD_FIELDS

#: The covering index of one event type's fold columns: 0003's name.
index_name = _0003.index_name

#: Fields whose column holds JSON text (an array) rather than a scalar's text.
JSON_FIELDS = frozenset({"tracks"})


def column_name(field: str) -> str:
    """The stored column of a fold field."""
    return f"fold_{field}"


def _columns() -> dict[str, list[str]]:
    """Each field, and the types whose events carry it, in first-seen order."""
    found: dict[str, list[str]] = {}
    for type_, fields in FOLD_FIELDS.items():
        for field in fields:
            found.setdefault(field, []).append(type_)
    return found


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    added = []
    for field, types in _columns().items():
        listed = ", ".join(f"'{t}'" for t in types)
        operator = "->" if field in JSON_FIELDS else "->>"
        value = f"payload::jsonb {operator} '{field}'"
        if field in JSON_FIELDS:
            value = f"({value})::text"
        added.append(
            f"ADD COLUMN {column_name(field)} text GENERATED ALWAYS AS "
            f"(CASE WHEN type IN ({listed}) THEN {value} END) STORED"
        )
    # One statement: the table is rewritten once, whatever the columns.
    op.execute(f"ALTER TABLE events {', '.join(added)}")
    for type_, fields in FOLD_FIELDS.items():
        included = ", ".join(column_name(f) for f in fields)
        op.execute(
            f"CREATE INDEX {index_name(type_)} ON events (seq) "
            f"INCLUDE (occurred_at, classification, {included}) "
            f"WHERE type = '{type_}'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for type_ in FOLD_FIELDS:
        op.execute(f"DROP INDEX {index_name(type_)}")
    dropped = ", ".join(f"DROP COLUMN {column_name(f)}" for f in _columns())
    op.execute(f"ALTER TABLE events {dropped}")
