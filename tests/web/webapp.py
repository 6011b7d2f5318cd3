"""The app over a record, as the web tests use it: :class:`WebRecord`, :data:`USERS`.

A plain module, imported by name (pytest puts this directory on
``sys.path``); the fixtures that build records are in ``conftest.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from napci.services.platform import Platform

__all__ = ["USERS", "WebRecord"]

#: The users of every web record: name -> (role, actor).
USERS: dict[str, tuple[str, str | None]] = {
    "facilitator": ("facilitator", "KOR"),
    "facilitator-delegate": ("delegate", "KOR"),
    "delegate": ("delegate", "JPN"),
    "other-delegate": ("delegate", "CHN"),
    "observer": ("observer", "ASEAN"),
    "analyst": ("analyst", None),
}


@dataclass
class WebRecord:
    """The app over a record, with a client and a token for every user."""

    app: FastAPI
    client: TestClient
    platform: Platform
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str | None) -> dict[str, str]:
        """The headers of ``user``'s requests (none for anonymous)."""
        if user is None:
            return {}
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, path: str, user: str | None = None, **kwargs: Any) -> Any:
        """GET ``/api/v1`` + ``path`` as ``user``."""
        headers = {**self.auth(user), **kwargs.pop("headers", {})}
        return self.client.get(f"/api/v1{path}", headers=headers, **kwargs)

    def post(self, path: str, user: str | None = None, **kwargs: Any) -> Any:
        """POST to ``/api/v1`` + ``path`` as ``user``."""
        headers = {**self.auth(user), **kwargs.pop("headers", {})}
        return self.client.post(f"/api/v1{path}", headers=headers, **kwargs)

    def head(self) -> tuple[int, str]:
        """The ledger's head (seq, hash)."""
        return self.platform.ledger.head()
