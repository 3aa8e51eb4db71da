"""JSON API of the audit domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["audit"])
