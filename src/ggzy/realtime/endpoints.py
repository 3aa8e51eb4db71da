"""JSON API of the realtime domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["realtime"])
