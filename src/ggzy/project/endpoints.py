"""JSON API of the project domain."""

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["project"])
