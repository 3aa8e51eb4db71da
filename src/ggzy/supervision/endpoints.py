"""JSON API of the supervision domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["supervision"])
