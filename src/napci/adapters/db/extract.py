"""Column extraction: payload fields pulled out by the database, not by Python.

The trust fold reads a million events in seconds, so it does not parse JSON
event by event in Python: for each event type it asks the database for the
fields it needs (SQLite's ``json_extract``, PostgreSQL's ``jsonb`` operators),
as typed columns, in ``seq`` order. Arrays come back as JSON text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

__all__ = ["FieldKind", "extract_rows"]

FieldKind = str  # "str" | "int" | "float" | "bool" | "json"


def _sqlite_expr(path: str, kind: FieldKind) -> str:
    # json_extract gives booleans as 0/1 and arrays and objects as JSON text,
    # which is what every kind wants.
    del kind
    return f"json_extract(payload, '$.{path}')"


def _postgres_expr(path: str, kind: FieldKind) -> str:
    parts = "{" + ",".join(path.split(".")) + "}"
    if kind == "json":
        return f"(j #> '{parts}')::text"
    text = f"(j #>> '{parts}')"
    if kind == "int":
        return f"{text}::bigint"
    if kind == "float":
        return f"{text}::float8"
    if kind == "bool":
        return f"({text})::boolean::int"
    return text


def _check_path(path: str) -> None:
    if not all(part.replace("_", "").isalnum() for part in path.split(".")):
        raise ValueError(f"unsafe JSON path {path!r}")


def extract_rows(
    conn: Connection,
    type_: str,
    fields: Sequence[tuple[str, FieldKind]],
    *,
    after: int = 0,
    before_occurred: str | None = None,
    classifications: tuple[str, ...] | None = None,
) -> list[tuple[Any, ...]]:
    """Rows ``(seq, occurred_at, field...)`` of events of ``type_`` in seq order.

    ``after`` skips events up to that seq; ``before_occurred`` keeps only
    events whose ``occurred_at`` sorts before it (canonical timestamps sort as
    text); ``classifications`` keeps only events a reader is cleared for.
    Booleans come back as 0/1, arrays and objects as JSON text.
    """
    for path, _ in fields:
        _check_path(path)
    params: dict[str, Any] = {
        "type": type_,
        "after": after,
        "before": before_occurred,
    }
    where = "type = :type AND seq > :after"
    if before_occurred is not None:
        where += " AND occurred_at < :before"
    if classifications is not None:
        names = [f"c{i}" for i in range(len(classifications))]
        params.update(zip(names, classifications, strict=True))
        where += f" AND classification IN ({', '.join(':' + n for n in names)})"
    if conn.dialect.name == "postgresql":
        columns = ", ".join(_postgres_expr(p, k) for p, k in fields)
        sql = (
            f"SELECT seq, occurred_at{', ' + columns if columns else ''} FROM "
            f"(SELECT seq, occurred_at, payload::jsonb AS j FROM events "
            f"WHERE {where}) AS e ORDER BY seq"
        )
    else:
        columns = ", ".join(_sqlite_expr(p, k) for p, k in fields)
        sql = (
            f"SELECT seq, occurred_at{', ' + columns if columns else ''} "
            f"FROM events WHERE {where} ORDER BY seq"
        )
    return [tuple(row) for row in conn.execute(text(sql), params)]
