"""The HTTP API under ``/api/v1``: every read and every command."""

from fastapi import APIRouter

from napci.web.api import reads

__all__ = ["router"]

router = APIRouter()
router.include_router(reads.router)
