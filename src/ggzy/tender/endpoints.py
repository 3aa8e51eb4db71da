"""JSON API of the tender domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["tender"])
