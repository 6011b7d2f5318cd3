"""The HTTP API under ``/api/v1``: every read and every command."""

from fastapi import APIRouter

from napci.web.api import commands, cooperation, decisions, process, reads, record

__all__ = ["router"]

router = APIRouter()
for module in (reads, process, record, commands, decisions, cooperation):
    router.include_router(module.router)
