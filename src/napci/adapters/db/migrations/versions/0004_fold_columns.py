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
the ``jsonb`` field before. An append of another type pays for four type
comparisons; a meeting event pays for parsing its payload once per column
it fills. SQLite needs nothing: migration 0003 serves it.

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

#: Per event type, the payload fields the trust fold reads: 0003's, the same.
FOLD_FIELDS: dict[str, tuple[str, ...]] = importlib.import_module(
    "napci.adapters.db.migrations.versions.0003_fold_indexes"
).FOLD_FIELDS

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


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    dropped = ", ".join(f"DROP COLUMN {column_name(f)}" for f in _columns())
    op.execute(f"ALTER TABLE events {dropped}")
