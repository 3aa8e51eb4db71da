"""Pages of the opening domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["opening"])
