"""JSON API of the working-day calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from ggzy.auth.deps import CentreStaff
from ggzy.kit.web import DB, ClockDep
from ggzy.workdays import service
from ggzy.workdays.rules import MAX_WORKING_DAYS, MAX_YEAR, MIN_YEAR, add_working_days, year_source
from ggzy.workdays.schemas import AddOut, DayOut, YearIn, YearOut

router = APIRouter(prefix="/api/workdays", tags=["workdays"])

Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR)]

PROVISIONAL_WARNING = (
    "该日期超出已公布的节假日安排，仅按周末推算，请交易中心核对后确认 / "
    "Beyond any published holiday schedule: counted with weekends only; centre staff must confirm it"
)


@router.get("/add", response_model=AddOut)
async def working_days_after(
    session: DB,
    start: Annotated[date, Query(description="start date (not counted), YYYY-MM-DD")],
    n: Annotated[int, Query(ge=0, le=MAX_WORKING_DAYS, description="number of working days")],
) -> AddOut:
    """The n-th working day after `start`, and whether it is provisional."""
    overrides = await service.load_overrides(session)
    found = add_working_days(start, n, overrides)
    return AddOut(start=start, working_days=n, date=found.date, provisional=found.provisional,
                  warning=PROVISIONAL_WARNING if found.provisional else None)


@router.get("/{year}", response_model=YearOut)
async def get_year(year: Year, session: DB) -> YearOut:
    """The centre's entries for a year and which source answers for it."""
    rows = await service.list_year(session, year)
    return YearOut(year=year, source=year_source(year, bool(rows)), days=[DayOut.model_validate(r) for r in rows])


@router.put("/{year}", response_model=YearOut)
async def put_year(year: Year, body: YearIn, session: DB, actor: CentreStaff, clock: ClockDep) -> YearOut:
    """Enter or replace a year's schedule (centre staff), e.g. when the State Council publishes 2027."""
    rows = await service.replace_year(session, actor, year, body.days, now=clock.now())
    return YearOut(year=year, source="centre", days=[DayOut.model_validate(r) for r in rows])

