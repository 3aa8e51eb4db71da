"""Suspension of trading (暂停交易): one project or the whole platform."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class SuspensionScope(StrEnum):
    platform = "platform"
    project = "project"


class SuspensionStatus(StrEnum):
    pending_approval = "pending_approval"  # a project suspension waits for its line's supervisor
    active = "active"
    ended = "ended"
    rejected = "rejected"


class Suspension(IdMixin, Base):
    __tablename__ = "suspensions"

    scope: Mapped[SuspensionScope] = mapped_column(String(16))
    project_id: Mapped[str | None] = mapped_column(ForeignKey("projects.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[SuspensionStatus] = mapped_column(String(20), index=True)
    requested_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
