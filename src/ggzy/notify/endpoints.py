"""JSON API of the notify domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["notify"])
