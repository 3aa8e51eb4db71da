"""Pydantic shapes of the inbox API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    title_zh: str
    title_en: str
    body_zh: str
    body_en: str
    link: str
    tender_id: str | None
    project_id: str | None
    created_at: datetime
    read_at: datetime | None


class InboxOut(BaseModel):
    items: list[NotificationOut]
    total: int
    unread: int
    """Unread messages of the organisation, whatever the page."""
    page: int
    per_page: int
