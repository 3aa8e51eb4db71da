"""The holiday table centre staff keep: one row per day that differs from the plain weekday rule."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.kit.db import Base, IdMixin


class CalendarDay(IdMixin, Base):
    """A published holiday or make-up working day (调休); a year with any row is fully defined by this table."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, unique=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    """False for a public holiday on a weekday; True for a make-up working day on a weekend."""
    note: Mapped[str] = mapped_column(String(100), default="")
    """e.g. 春节, 国庆节调休."""
    entered_by: Mapped[str] = mapped_column(String(32))
    entered_at: Mapped[datetime]
