"""The trust fold's fields and conditions, as SQL and as Python: the same.

The fold reads, per event type, a few payload fields (``EXTRACT`` in
:mod:`napci.domain.trust.rows`) of the events that meet the type's condition
(:data:`CONDITIONS`: only attendance that counts). A long stretch of the
ledger has the database extract them (:mod:`napci.adapters.db.extract`:
SQLite's ``json_extract``, PostgreSQL's ``jsonb`` operators or the stored
columns of migrations 0004 and 0006); a short tail is taken from the
payloads in Python (:func:`extract_tail`). Each field and condition is
written here in the three forms, which must give the same rows: a test
compares them for every type and field, on both backends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, NamedTuple

from napci.domain.trust.rows import RECORDED, attendance_counts

__all__ = [
    "CONDITIONS",
    "COUNTED_SQLITE",
    "STORED_FIELDS",
    "Condition",
    "FieldKind",
    "extract_tail",
    "postgres_expr",
    "sqlite_expr",
]

FieldKind = str  # "str" | "int" | "float" | "bool" | "json"


def sqlite_expr(path: str, kind: FieldKind) -> str:
    """A field on SQLite, as the indexes of migrations 0003 and 0006 hold it."""
    # json_extract gives booleans as 0/1 and arrays and objects as JSON text,
    # which is what every kind wants.
    del kind
    return f"json_extract(payload, '$.{path}')"


#: The event types whose fold fields PostgreSQL keeps in stored generated
#: columns, named ``fold_<field>`` (migrations 0004 and 0006): the field's
#: text, or an array's JSON text.
STORED_FIELDS: Final[dict[str, frozenset[str]]] = {
    "AttendanceRecorded": frozenset({"meeting", "code", "attended"}),
    "AttendanceAcknowledged": frozenset({"meeting", "code", "attended"}),
    "AttendanceConfirmed": frozenset({"meeting", "code"}),
    "MeetingConvened": frozenset({"meeting", "rank", "layer", "tracks", "starts_on"}),
    "MeetingHeld": frozenset({"meeting", "held_on"}),
}


def postgres_expr(path: str, kind: FieldKind, *, stored: bool = False) -> str:
    """The field from the payload parsed as ``j``, or from its stored column."""
    if stored:
        text = json_text = f"fold_{path}"
    else:
        parts = "{" + ",".join(path.split(".")) + "}"
        text, json_text = f"(j #>> '{parts}')", f"(j #> '{parts}')::text"
    if kind == "json":
        return json_text
    if kind == "int":
        return f"{text}::bigint"
    if kind == "float":
        return f"{text}::float8"
    if kind == "bool":
        return f"({text})::boolean::int"
    return text


#: Whether an ``AttendanceRecorded`` counts (``attendance_counts``), on
#: SQLite: ``acknowledged`` true; with it absent (or null), ``sources`` a
#: non-empty array. Written so in the partial index of migration 0006, whose
#: condition a read must repeat word for word for SQLite to take the index.
COUNTED_SQLITE: Final[str] = (
    "coalesce(nullif(json_type(payload, '$.acknowledged'), 'null') = 'true', "
    "json_array_length(payload, '$.sources') > 0, 0)"
)


class Condition(NamedTuple):
    """Which events of a type the fold reads: the test on SQLite, on
    PostgreSQL (a stored column) and on a payload in Python."""

    sqlite: str
    postgres: str
    python: Callable[[Mapping[str, Any]], bool]


#: The conditions on the rows the fold reads, per event type: attendance
#: recorded counts only when it is the delegation's own word (rule 0).
CONDITIONS: Final[dict[str, Condition]] = {
    RECORDED: Condition(COUNTED_SQLITE, "fold_counted", attendance_counts),
}


def _field(payload: Any, path: str, kind: FieldKind) -> Any:
    """A payload's field as the database's extraction gives it."""
    value = payload
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if value is None:
        return None
    if kind == "json":
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    if kind in ("int", "bool"):
        return int(value)
    if kind == "float":
        return float(value)
    return value


def extract_tail(
    tail: Sequence[tuple[Any, ...]],
    spec: Mapping[str, Sequence[tuple[str, FieldKind]]],
    *,
    before_occurred: str | None = None,
    classifications: tuple[str, ...] | None = None,
) -> dict[str, list[tuple[Any, ...]]]:
    """``extract_batch``'s rows, taken from ``read_tail``'s events
    ``(seq, type, occurred_at, classification, payload)``.

    The same values as the database gives (booleans as 0/1, arrays and
    objects as JSON text), and the same rows (:data:`CONDITIONS`), so the
    fold cannot tell the two apart.
    """
    out: dict[str, list[tuple[Any, ...]]] = {}
    for seq, type_, occurred_at, classification, payload_json in tail:
        fields = spec.get(type_)
        if fields is None:
            continue
        if before_occurred is not None and not occurred_at < before_occurred:
            continue
        if classifications is not None and classification not in classifications:
            continue
        payload = json.loads(payload_json)
        condition = CONDITIONS.get(type_)
        if condition is not None and not condition.python(payload):
            continue
        out.setdefault(type_, []).append(
            (seq, occurred_at, *(_field(payload, p, k) for p, k in fields))
        )
    return out
