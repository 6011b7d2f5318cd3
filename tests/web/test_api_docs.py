"""docs/api.md covers the API: every endpoint of the OpenAPI description is in
its tables, and every endpoint it lists exists."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import create_engine

from napci.services.platform import Platform
from napci.settings import Settings
from napci.web.app import create_app

API_MD = Path(__file__).parents[2] / "docs" / "api.md"


def described_app() -> FastAPI:
    """An app for its OpenAPI description only (it never opens its database)."""
    return create_app(
        Settings("sqlite://"), platform=Platform(create_engine("sqlite://"))
    )


def shape(path: str) -> str:
    return re.sub(r"\{[^/]+\}", "{}", path)


def test_every_endpoint_is_documented_and_every_documented_one_exists() -> None:
    spec = described_app().openapi()
    endpoints = {
        (method.upper(), shape(path.removeprefix("/api/v1")))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    text = API_MD.read_text(encoding="utf-8")
    reads = text.split("### Endpoints", 1)[1].split("## Commands", 1)[0]
    commands = text.split("## Commands", 1)[1].split("## Signed positions", 1)[0]
    row = re.compile(r"^\| `(/[^`]*)` \|", re.M)
    documented = {("GET", shape(p)) for p in row.findall(reads)} | {
        ("POST", shape(p)) for p in row.findall(commands)
    }
    assert endpoints - documented == set(), "endpoints missing from docs/api.md"
    assert documented - endpoints == set(), "docs/api.md lists unknown endpoints"
