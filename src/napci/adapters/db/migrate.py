"""Apply and check the schema migrations.

``napci init`` applies them; every other verb checks that the database is at
the revision the code expects and refuses to run otherwise.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

__all__ = [
    "SchemaError",
    "check_schema",
    "current_revision",
    "head_revision",
    "upgrade",
]

_MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaError(RuntimeError):
    """The database is missing or not at the schema revision the code expects."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` if it has none."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def check_schema(engine: Engine) -> None:
    """Raise :class:`SchemaError` unless the database is at the newest revision."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise SchemaError(f"the database {where} is not initialised: run 'napci init'")
    raise SchemaError(
        f"the database {where} is at schema revision {current}, this napci expects "
        f"{head}: run 'napci init' to migrate it"
    )
