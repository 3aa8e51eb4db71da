"""Is a date a working day, and which date is n working days later (pure, no I/O).

Sources, in order: the centre's own table (years it entered, authoritative for the whole year), the
`chinesecalendar` package (State Council schedules it ships; 1.11.0 knows 2004–2026 and raises beyond),
and for any other year weekends only — the answer is then *provisional* and staff are warned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final, NamedTuple

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


# --- the year's source, and the schedule as staff type it ------------------------------------------------

MIN_YEAR = 2000
MAX_YEAR = 2100
"""Years the centre may enter; the API path and the page both use these bounds."""

MAX_NOTE_LENGTH = 100
MAX_SCHEDULE_LINES = 366


class Source(StrEnum):
    centre = "centre"
    """The centre entered the year: its table is authoritative."""
    chinesecalendar = "chinesecalendar"
    """The State Council schedule shipped in the chinesecalendar package."""
    provisional = "provisional"
    """Nobody published the year: weekends only, every answer must be confirmed by staff."""


def year_source(year: int, entered: bool) -> Source:
    """Which source answers for `year` (entered: the centre has rows for it)."""
    if entered:
        return Source.centre
    return Source.provisional if classify(date(year, 1, 1)).provisional else Source.chinesecalendar


class ScheduleLine(NamedTuple):
    day: date
    is_workday: bool
    """False: a public holiday (休); True: a make-up working day (班)."""
    note: str


class LineProblem(NamedTuple):
    """One typed line that cannot be saved: its number (1-based), the text, and why, in Chinese and English."""

    line: int
    text: str
    code: str
    zh: str
    en: str


KIND_WORDS: Final = MappingProxyType({
    "休": False, "假": False, "休息": False, "放假": False, "off": False, "holiday": False,
    "班": True, "上班": True, "调休上班": True, "work": True, "workday": True,
})
"""The second column: 休 (a day off) or 班 (a make-up working day), with the usual synonyms."""

_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_SPLIT_RE = re.compile(r"[\s,，;；]+")


def _parse_line(text: str, year: int) -> tuple[ScheduleLine | None, tuple[str, str, str] | None]:
    parts = _SPLIT_RE.split(text, maxsplit=2)
    found = _DATE_RE.match(parts[0])
    if not found:
        return None, ("bad_date", "日期格式应为 YYYY-MM-DD，例如 2027-01-01",
                      "The date must be written YYYY-MM-DD, e.g. 2027-01-01")
    try:
        day = date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None, ("no_such_date", "日历上没有这一天", "There is no such date")
    if day.year != year:
        return None, ("outside_year", f"日期不属于 {year} 年", f"The date is not in {year}")
    if len(parts) < 2 or parts[1].lower() not in KIND_WORDS:
        return None, ("bad_kind", "日期后须注明“休”（放假）或“班”（调休上班）",
                      "After the date write 休 (day off) or 班 (make-up working day)")
    is_work = KIND_WORDS[parts[1].lower()]
    if is_work and _weekday_rule(day):
        # A make-up working day is always a weekend day: a weekday here is almost surely a mistyped date.
        return None, ("workday_not_weekend", "调休上班日应为周六或周日，这一天本来就是工作日",
                      "A make-up working day falls on a Saturday or Sunday; this date is a working day anyway")
    note = parts[2].strip() if len(parts) > 2 else ""
    if len(note) > MAX_NOTE_LENGTH:
        return None, ("note_too_long", f"备注不超过 {MAX_NOTE_LENGTH} 个字",
                      f"Notes are at most {MAX_NOTE_LENGTH} characters")
    return ScheduleLine(day, is_work, note), None


def parse_schedule(text: str, year: int) -> tuple[list[ScheduleLine], list[LineProblem]]:
    """Read one `date 休|班 note` per line (blank lines and lines starting with # are skipped).

    Returns the days in date order and every problem found; the caller saves nothing unless problems is empty.
    """
    days: list[ScheduleLine] = []
    problems: list[LineProblem] = []
    first_line: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parsed, problem = _parse_line(line, year)
        if parsed is not None and parsed.day in first_line:
            earlier = first_line[parsed.day]
            problem = ("duplicate", f"与第 {earlier} 行的日期重复", f"Same date as line {earlier}")
            parsed = None
        if problem is not None:
            problems.append(LineProblem(number, line[:120], *problem))
        elif parsed is not None:
            first_line[parsed.day] = number
            days.append(parsed)
    if not days and not problems:
        problems.append(LineProblem(0, "", "empty", "请至少填写一行：日期、休或班、备注",
                                    "Enter at least one line: date, 休 or 班, note"))
    elif len(days) > MAX_SCHEDULE_LINES:
        problems.append(LineProblem(0, "", "too_many", f"一年最多 {MAX_SCHEDULE_LINES} 行",
                                    f"At most {MAX_SCHEDULE_LINES} lines a year"))
    return sorted(days), problems


def format_schedule(days: Iterable[ScheduleLine]) -> str:
    """The lines parse_schedule reads, one per day in date order."""
    return "\n".join(
        f"{d.day.isoformat()} {'班' if d.is_workday else '休'}{' ' + d.note if d.note else ''}" for d in sorted(days)
    )


_HOLIDAY_ZH: Final = MappingProxyType({h.value: h.chinese for h in chinese_calendar.Holiday})


def package_schedule(year: int) -> list[ScheduleLine]:
    """The days off and make-up working days chinesecalendar ships for `year` (empty for years it lacks)."""
    lines = [ScheduleLine(d, False, _HOLIDAY_ZH.get(name, name or "")) for d, name in chinese_calendar.holidays.items()
             if d.year == year]
    lines += [ScheduleLine(d, True, f"{_HOLIDAY_ZH.get(name, name or '')}调休".strip())
              for d, name in chinese_calendar.workdays.items() if d.year == year and d.weekday() >= SATURDAY]
    return sorted(lines)
