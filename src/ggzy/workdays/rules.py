"""Is a date a working day, and which date is n working days later (pure, no I/O).

Sources, in order: the centre's own table (years it entered, authoritative for the whole year), the
`chinesecalendar` package (State Council schedules it ships; 1.11.0 knows 2004–2026 and raises beyond),
and for any other year weekends only — the answer is then *provisional* and staff are warned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import chinese_calendar

SATURDAY = 5
MAX_WORKING_DAYS = 3660
"""Upper bound on n, so a typo cannot make the server count for ever."""


@dataclass(frozen=True)
class Overrides:
    """The centre's table: exceptions per day, and the years it has entered."""

    days: Mapping[date, bool] = field(default_factory=dict)
    """day -> is_workday, for holidays on weekdays and make-up working days on weekends."""
    years: frozenset[int] = frozenset()
    """Years the centre entered; for these the table wins over chinesecalendar, and nothing is provisional."""

    @classmethod
    def from_days(cls, days: Mapping[date, bool]) -> Overrides:
        return cls(days=dict(days), years=frozenset(d.year for d in days))


NO_OVERRIDES = Overrides()


class DayAnswer(NamedTuple):
    workday: bool
    provisional: bool
    """True when no published schedule covers the date: weekends only were counted."""


class WorkdayResult(NamedTuple):
    date: date
    provisional: bool
    """True when any day counted lies in a year no one has published: staff must confirm the date."""


def _weekday_rule(day: date) -> bool:
    return day.weekday() < SATURDAY


def classify(day: date, overrides: Overrides = NO_OVERRIDES) -> DayAnswer:
    """Whether `day` is a working day and whether that answer is provisional."""
    if day.year in overrides.years:
        return DayAnswer(overrides.days.get(day, _weekday_rule(day)), False)
    try:
        return DayAnswer(bool(chinese_calendar.is_workday(day)), False)
    except NotImplementedError:
        # chinesecalendar raises for years it does not ship (2027 with 1.11.0): never crash, count weekends.
        return DayAnswer(_weekday_rule(day), True)


def is_workday(day: date, overrides: Overrides = NO_OVERRIDES) -> bool:
    """True when `day` is a working day (provisional answers included; use classify to tell)."""
    return classify(day, overrides).workday


def add_working_days(start: date, n: int, overrides: Overrides = NO_OVERRIDES) -> WorkdayResult:
    """The n-th working day after `start` (start itself not counted); n = 0 returns start."""
    if n < 0 or n > MAX_WORKING_DAYS:
        raise ValueError(f"working days out of range: {n}")
    day = start
    provisional = False
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        answer = classify(day, overrides)
        provisional = provisional or answer.provisional
        if answer.workday:
            counted += 1
    return WorkdayResult(day, provisional)
