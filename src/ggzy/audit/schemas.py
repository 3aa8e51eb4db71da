"""Pydantic out-models of the audit API (times are aware UTC datetimes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class VerifyOut(BaseModel):
    """No entry count or head hash: before a bid deadline they would move with every document download and so
    tell how many bidders downloaded (E-Bidding Measures Art.21). `ggzy audit verify` prints both offline."""

    ok: bool
    broken_seq: int | None = None
    """The first entry found edited, deleted or moved; null on an intact chain."""
    reason: str = ""


class EventOut(BaseModel):
    seq: int
    tag: str
    occurred_at: datetime
    actor_user_id: str | None
    actor_org_id: str | None
    actor_role: str
    ip: str
    subject_type: str
    subject_id: str
    project_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    prev_hash: str
    hash: str


class EventPage(BaseModel):
    items: list[EventOut]
    page: int
    page_size: int
    total: int
    """Events this caller may see; entries withheld under E-Bidding Measures Art.21 are not counted."""
    has_next: bool
