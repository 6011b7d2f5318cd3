"""The HTTP API under ``/api/v1``: every read and every command."""

from fastapi import APIRouter

from napci.web.api import (
    commands,
    cooperation,
    decisions,
    keys,
    process,
    reads,
    record,
)

__all__ = ["router"]

router = APIRouter()
# A request is matched against the routes in order, so the most read come
# first: the record's figures (trust, status, ledger), then the registry.
for module in (record, reads, process, commands, decisions, cooperation, keys):
    router.include_router(module.router)
