"""Use cases of the working-day calendar: centre staff enter a year's schedule; everyone reads it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.kit.db import commit
from ggzy.kit.errors import Forbidden
from ggzy.workdays.errors import DayOutsideYear, DuplicateDay
from ggzy.workdays.models import CalendarDay
from ggzy.workdays.rules import Overrides
from ggzy.workdays.schemas import DayIn


async def load_overrides(session: AsyncSession) -> Overrides:
    """The centre's whole table (a few dozen rows a year), ready for the pure rules."""
    rows = (await session.execute(select(CalendarDay.day, CalendarDay.is_workday))).all()
    return Overrides.from_days({d: bool(w) for d, w in rows})


async def list_year(session: AsyncSession, year: int) -> list[CalendarDay]:
    stmt = select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)
    return list((await session.execute(stmt)).scalars())


async def entered_years(session: AsyncSession) -> list[tuple[int, int]]:
    """Years the centre has entered, newest first, with how many days each lists."""
    stmt = select(CalendarDay.year, func.count()).group_by(CalendarDay.year).order_by(CalendarDay.year.desc())
    return [(int(y), int(n)) for y, n in (await session.execute(stmt)).all()]


async def replace_year(session: AsyncSession, actor: Actor, year: int, days: list[DayIn], *, now: datetime) -> list[
    CalendarDay
]:
    """Enter (or replace) a year's holidays and make-up working days; centre staff only."""
    if not actor.is_centre:
        raise Forbidden()
    seen: set[date] = set()
    for d in days:
        if d.day.year != year:
            raise DayOutsideYear(detail={"day": d.day.isoformat(), "year": year})
        if d.day in seen:
            raise DuplicateDay(detail={"day": d.day.isoformat()})
        seen.add(d.day)
    before = [{"day": r.day.isoformat(), "is_workday": r.is_workday} for r in await list_year(session, year)]
    await session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    rows = [
        CalendarDay(day=d.day, year=year, is_workday=d.is_workday, note=d.note.strip(), entered_by=actor.user_id or "",
                    entered_at=now)
        for d in sorted(days, key=lambda x: x.day)
    ]
    session.add_all(rows)
    await session.flush()
    await record(
        session, "calendar:year_replaced", actor, subject_type="calendar", subject_id=str(year), now=now,
        before={"days": before}, after={"days": [{"day": r.day.isoformat(), "is_workday": r.is_workday} for r in rows]},
    )
    await commit(session)
    return rows
