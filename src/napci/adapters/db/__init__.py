"""The database adapter: tables, engines, migrations and the ledger store."""

from napci.adapters.db.engine import make_engine
from napci.adapters.db.ledger import (
    AppendResult,
    IdConflictError,
    LedgerError,
    SqlLedger,
)
from napci.adapters.db.migrate import SchemaError, check_schema, upgrade

__all__ = [
    "AppendResult",
    "IdConflictError",
    "LedgerError",
    "SchemaError",
    "SqlLedger",
    "check_schema",
    "make_engine",
    "upgrade",
]
