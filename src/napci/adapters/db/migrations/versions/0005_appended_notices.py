"""PostgreSQL: every small append is announced to listeners when it commits.

The trust figures are kept current by folding the events appended since
their snapshot, which a reader learns from the database: a round trip,
which on this kind of machine takes longer after a pause than the fold
itself. A process learns its own appends as it commits them
(``napci.adapters.db.recent``); this tells it everyone else's too.

When an append moves the ledger's head, a trigger on ``ledger_head`` sends
the events it added, as the tail read gives them (seq, type, occurred_at,
classification, payload), on the notification channel :data:`CHANNEL`:
``pg_notify`` in the append's own transaction, which the server delivers
to the channel's listeners only if and when the transaction commits, in
commit order. The rows go as JSON arrays, as many to a notification as fit
in the server's limit on a notification's size; a notice is only ever a
hint, and the events it carries are in the ledger already.

Appends of more than :data:`NOTIFIED` events (an import) are not
announced: a reader reads so long a tail anyway. Nor is an event too large
for a notification, nor any after it in the same append, since a reader
only folds hints that follow each other. The head's row is updated once
per append, so the trigger runs once per append, whatever its size, and
reads the new events by their primary key. SQLite needs nothing: a reader
there has no round trip to hide.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from typing import Final

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The notification channel of appended events.
CHANNEL: Final[str] = "napci_appended"

#: Appends of up to this many events are announced.
NOTIFIED: Final[int] = 64

#: The largest notification payload the server takes, in bytes (it refuses
#: 8000 and more).
LIMIT: Final[int] = 7999

_FUNCTION = "napci_announce_appended"
_TRIGGER = "ledger_head_announce_appended"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION {_FUNCTION}() RETURNS trigger
        LANGUAGE plpgsql AS $body$
        DECLARE
            item text;
            batch text := '';
        BEGIN
            IF NEW.seq - OLD.seq > {NOTIFIED} THEN
                RETURN NULL;
            END IF;
            FOR item IN
                SELECT json_build_array(
                    seq, type, occurred_at, classification, payload
                )::text
                FROM events
                WHERE seq > OLD.seq AND seq <= NEW.seq
                ORDER BY seq
            LOOP
                IF octet_length(item) + 2 > {LIMIT} THEN
                    EXIT;  -- too large to carry: the hints stop here
                END IF;
                IF batch <> ''
                   AND octet_length(batch) + octet_length(item) + 3 > {LIMIT} THEN
                    PERFORM pg_notify('{CHANNEL}', '[' || batch || ']');
                    batch := '';
                END IF;
                batch := CASE WHEN batch = '' THEN item
                              ELSE batch || ',' || item END;
            END LOOP;
            IF batch <> '' THEN
                PERFORM pg_notify('{CHANNEL}', '[' || batch || ']');
            END IF;
            RETURN NULL;
        END
        $body$
        """
    )
    op.execute(
        f"CREATE TRIGGER {_TRIGGER} AFTER UPDATE OF seq ON ledger_head "
        f"FOR EACH ROW WHEN (NEW.seq > OLD.seq) EXECUTE FUNCTION {_FUNCTION}()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP TRIGGER {_TRIGGER} ON ledger_head")
    op.execute(f"DROP FUNCTION {_FUNCTION}()")
