"""SQLite: covering indexes of the trust fold's most numerous event types.

The trust fold reads, per event type, a few payload fields in seq order
(``napci.adapters.db.extract``). Without help SQLite parses every event's
JSON payload for each read, and reads each row from the table in an order
that is not the table's. A partial index on the same expressions, for the
events of one type, holds those fields already extracted and in seq order:
the fold reads them from the index alone, and a full replay of a
million-event ledger takes about half the time.

The meetings' types are indexed: attendance, confirmation, convening and
holding are most of any ledger (every meeting has one of each per
attendee). An append of an event of another type pays nothing but a check
of its type against these four; an event of one of them pays for one more
index entry. The expressions are the fold's own (a test checks that each of
these types' reads uses its index): change both together. PostgreSQL
needs nothing: its fold reads each payload once as ``jsonb``, in parallel.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: Per event type, the payload fields the trust fold reads, in its order.
FOLD_FIELDS: dict[str, tuple[str, ...]] = {
    "AttendanceRecorded": ("meeting", "code", "attended"),
    "AttendanceConfirmed": ("meeting", "code"),
    "MeetingConvened": ("meeting", "rank", "layer", "tracks", "starts_on"),
    "MeetingHeld": ("meeting", "held_on"),
}


def index_name(type_: str) -> str:
    """The index of one event type's fold fields."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in type_)
    return f"ix_events_fold{snake}"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for type_, fields in FOLD_FIELDS.items():
        extracted = ", ".join(f"json_extract(payload, '$.{f}')" for f in fields)
        op.execute(
            f"CREATE INDEX {index_name(type_)} ON events "
            f"(type, seq, {extracted}, occurred_at, classification) "
            f"WHERE type = '{type_}'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for type_ in FOLD_FIELDS:
        op.execute(f"DROP INDEX {index_name(type_)}")
