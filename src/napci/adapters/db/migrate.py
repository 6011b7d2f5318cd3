"""Apply and check the schema migrations.

``napci init`` applies them; every other verb checks that the database is at
the revision the code expects and refuses to run otherwise.

Checking needs no Alembic: the revision a database is at is one row of
Alembic's own ``alembic_version`` table, and the newest revision this code
knows is :data:`HEAD` (a test holds it equal to the migrations' head).
Alembic and the migration scripts are loaded only to migrate, so a verb
starts without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SchemaError",
    "check_schema",
    "current_revision",
    "head_revision",
    "upgrade",
]

#: The newest revision of ``migrations/versions`` (bump it with each new one).
HEAD: Final = "0007"

_MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaError(RuntimeError):
    """The database is missing or not at the schema revision the code expects."""


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision of the migration scripts, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` if it has none."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.execute(text("SELECT version_num FROM alembic_version"))
        versions = [row[0] for row in rows]
    if len(versions) > 1:  # napci's migrations are one line, never branches
        raise SchemaError(f"the database is at several revisions: {versions}")
    return versions[0] if versions else None


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (nothing to do when it is)."""
    if current_revision(engine) == HEAD:
        return
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def check_schema(engine: Engine) -> None:
    """Raise :class:`SchemaError` unless the database is at the newest revision."""
    current = current_revision(engine)
    head = HEAD
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaError(f"the database {where} is not initialised: run 'napci init'")
    raise SchemaError(
        f"the database {where} is at schema revision {current}, this napci expects "
        f"{head}: run 'napci init' to migrate it"
    )
