"""Pydantic in/out of the working-day calendar API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class DayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    is_workday: bool
    """False: a public holiday (休); True: a make-up working day on a weekend (班)."""
    note: str = Field(default="", max_length=100)


class YearIn(BaseModel):
    """A year's schedule as the State Council published it; it replaces whatever the centre entered before."""

    model_config = ConfigDict(extra="forbid")

    days: list[DayIn] = Field(min_length=1, max_length=366)


class DayOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    is_workday: bool
    note: str


class YearOut(BaseModel):
    year: int
    source: str
    """`centre` (the centre's table), `chinesecalendar`, or `provisional` (weekends only)."""
    days: list[DayOut]


class AddOut(BaseModel):
    start: date
    working_days: int
    date: date
    provisional: bool
    """True when the count ran into a year with no published schedule: confirm the date by hand."""
    warning: str | None = None
