"""Pydantic in/out for the demo-only endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ClockOut(BaseModel):
    now: datetime
    """Platform time, UTC."""


class AdvanceIn(BaseModel):
    seconds: float = Field(ge=0, le=400 * 86400)
    """How far to move the clock forward (at most 400 days per call)."""


class SweepOut(BaseModel):
    handled: int
    now: datetime
