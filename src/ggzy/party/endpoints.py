"""JSON API of the party domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["party"])
