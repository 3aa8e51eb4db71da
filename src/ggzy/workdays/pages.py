"""Pages of the working-day calendar: centre staff keep the holiday table and count working days."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.auth.deps import CurrentActor
from ggzy.kit.errors import DomainError, Forbidden
from ggzy.kit.templating import login_redirect, render
from ggzy.kit.timefmt import local
from ggzy.kit.web import DB, ClockDep
from ggzy.workdays import service
from ggzy.workdays.rules import (
    MAX_WORKING_DAYS,
    MAX_YEAR,
    MIN_YEAR,
    LineProblem,
    Overrides,
    ScheduleLine,
    Source,
    WorkdayResult,
    add_working_days,
    classify,
    format_schedule,
    package_schedule,
    parse_schedule,
    year_source,
)
from ggzy.workdays.schemas import DayIn

router = APIRouter(include_in_schema=False)

PAGE = "/workspace/centre/calendar"

WEEKDAYS: tuple[tuple[str, str], ...] = (
    ("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"),
    ("周六", "Sat"), ("周日", "Sun"),
)
SOURCE_LABELS: dict[str, tuple[str, str, str]] = {
    Source.centre: ("本中心录入", "Entered by the centre", "green"),
    Source.chinesecalendar: ("国务院已公布（chinesecalendar 软件包）", "Published (chinesecalendar package)", ""),
    Source.provisional: ("尚未公布：仅按周末推算", "Not published: weekends only", "orange"),
}


def _year(value: str | None, default: int) -> int | None:
    """The year asked for; None when it is not a whole number within the bounds."""
    if value is None or not value.strip():
        return default
    try:
        year = int(value.strip())
    except ValueError:
        return None
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _working_days_in(year: int, overrides: Overrides) -> int:
    day, total = date(year, 1, 1), 0
    while day.year == year:
        total += classify(day, overrides).workday
        day += timedelta(days=1)
    return total


def _calculate(start: str, n: str, overrides: Overrides) -> tuple[WorkdayResult | None, tuple[str, str] | None]:
    """The calculator: parse the two inputs, count, or say what is wrong with them."""
    try:
        first = date.fromisoformat(start.strip())
    except ValueError:
        return None, ("起始日期格式应为 YYYY-MM-DD", "The start date must be YYYY-MM-DD")
    if not MIN_YEAR <= first.year <= MAX_YEAR:
        return None, (f"起始日期须在 {MIN_YEAR}–{MAX_YEAR} 年之间", f"The start date must lie in {MIN_YEAR}–{MAX_YEAR}")
    try:
        count = int(n.strip())
    except ValueError:
        count = -1
    if not 0 <= count <= MAX_WORKING_DAYS:
        return None, (f"工作日天数须为 0–{MAX_WORKING_DAYS} 的整数",
                      f"Working days must be a whole number 0–{MAX_WORKING_DAYS}")
    return add_working_days(first, count, overrides), None


async def _page(
    request: Request, session: AsyncSession, *, year: int, today: date, text: str | None = None,
    problems: list[LineProblem] | None = None, error: DomainError | None = None, bad_year: bool = False,
    status_code: int = 200,
) -> Response:
    overrides = await service.load_overrides(session)
    entered = await service.entered_years(session)
    source = year_source(year, year in overrides.years)
    if source == Source.centre:
        days = [ScheduleLine(r.day, r.is_workday, r.note) for r in await service.list_year(session, year)]
    else:
        days = package_schedule(year)
    q = request.query_params
    calc: dict[str, Any] = {"start": q.get("start", today.isoformat()), "n": q.get("n", "")}
    if "start" in q or "n" in q:
        calc["result"], calc["error"] = _calculate(calc["start"], calc["n"], overrides)
    return render(request, "workdays/calendar.html", {
        "year": year, "source": source, "source_labels": SOURCE_LABELS, "days": days,
        "holidays": sum(not d.is_workday for d in days), "makeups": sum(d.is_workday for d in days),
        "working_days": _working_days_in(year, overrides), "entered": entered,
        "text": format_schedule(days) if text is None else text, "problems": problems or [], "error": error,
        "bad_year": bad_year, "saved": q.get("saved") == "1" and not problems and error is None,
        "calc": calc, "weekdays": WEEKDAYS, "min_year": MIN_YEAR, "max_year": MAX_YEAR,
        "max_working_days": MAX_WORKING_DAYS,
    }, status_code=status_code)


def _guard(request: Request, actor: Actor) -> Response | None:
    if not actor.is_authenticated:
        return login_redirect(request)
    if not actor.is_centre:
        raise Forbidden()
    return None


@router.get(PAGE, response_model=None)
async def calendar_page(request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    """A year's holidays and make-up working days, where they come from, and the working-day calculator."""
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    today = (local(clock.now()) or clock.now()).date()
    year = _year(request.query_params.get("year"), today.year)
    if year is None:
        return await _page(request, session, year=today.year, today=today, bad_year=True, status_code=422)
    return await _page(request, session, year=year, today=today)


@router.post(PAGE, response_model=None)
async def calendar_save(request: Request, actor: CurrentActor, session: DB, clock: ClockDep) -> Response:
    """Enter or replace a year's schedule; any bad line saves nothing and is shown with its reason."""
    if (redirect := _guard(request, actor)) is not None:
        return redirect
    now = clock.now()
    today = (local(now) or now).date()
    form = await request.form()
    raw_year, raw_text = form.get("year"), form.get("schedule")
    text = raw_text if isinstance(raw_text, str) else ""
    year = _year(raw_year if isinstance(raw_year, str) else "", 0)
    if not year:
        return await _page(request, session, year=today.year, today=today, text=text, bad_year=True, status_code=422)
    days, problems = parse_schedule(text, year)
    if problems:
        return await _page(request, session, year=year, today=today, text=text, problems=problems, status_code=422)
    try:
        await service.replace_year(
            session, actor, year, [DayIn(day=d.day, is_workday=d.is_workday, note=d.note) for d in days], now=now,
        )
    except DomainError as exc:
        await session.rollback()
        return await _page(request, session, year=year, today=today, text=text, error=exc, status_code=exc.status)
    return RedirectResponse(f"{PAGE}?year={year}&saved=1", status_code=303)
