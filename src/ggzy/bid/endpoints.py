"""JSON API of the bid domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["bid"])
