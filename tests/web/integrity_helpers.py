"""Helpers of the integrity tests: tampering with a record behind the app's back.

A plain module, imported by name (pytest puts this directory on ``sys.path``).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from napci.services.platform import Platform

__all__ = ["TAMPERED", "document", "tamper"]

#: The event the tests edit: an actor's registration (its name).
TAMPERED = 5


def tamper(platform: Platform, seq: int) -> None:
    """Edit the payload of event ``seq`` in place (its hash and the head kept)."""
    with platform.engine.begin() as conn:
        payload = conn.execute(
            text("SELECT payload FROM events WHERE seq = :seq"), {"seq": seq}
        ).scalar_one()
        edited = payload.replace('"en":"', '"en":"X', 1)  # an English text
        assert edited != payload and json.loads(edited)
        conn.execute(
            text("UPDATE events SET payload = :payload WHERE seq = :seq"),
            {"payload": edited, "seq": seq},
        )


def document(n: int) -> dict[str, Any]:
    """The body of ``POST /api/v1/documents``: a statement, numbered ``n``."""
    return {"document": f"doc-{n}", "kind": "statement", "title": f"Statement {n}"}
