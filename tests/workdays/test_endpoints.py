"""Centre staff enter a year's holiday schedule; everyone can count working days."""

from __future__ import annotations

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from tests.factories import bearer, create_party

SCHEDULE_2027 = {"days": [
    {"day": "2027-01-01", "is_workday": False, "note": "元旦"},
    {"day": "2027-01-04", "is_workday": False, "note": "元旦（示例）"},
    {"day": "2027-01-09", "is_workday": True, "note": "调休上班"},
]}


async def test_year_beyond_the_package_is_provisional_until_the_centre_enters_it(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    r = await client.get("/api/workdays/add", params={"start": "2026-12-31", "n": 3})
    assert r.status_code == 200
    assert r.json()["provisional"] is True and r.json()["warning"]
    assert (await client.get("/api/workdays/2027")).json()["source"] == "provisional"
    assert (await client.get("/api/workdays/2026")).json()["source"] == "chinesecalendar"

    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    _, agency, _ = await create_party(db, OrgKind.agency, now=clock.now())
    r = await client.put("/api/workdays/2027", json=SCHEDULE_2027, headers=await bearer(client, agency))
    assert r.status_code == 403
    hs = await bearer(client, staff)
    r = await client.put("/api/workdays/2027", json=SCHEDULE_2027, headers=hs)
    assert r.status_code == 200 and r.json()["source"] == "centre" and len(r.json()["days"]) == 3
    r = await client.get("/api/workdays/add", params={"start": "2026-12-31", "n": 3})
    # 1 Jan and Mon 4 Jan off, weekend off: Tue 5, Wed 6, Thu 7.
    assert r.json() == {"start": "2026-12-31", "working_days": 3, "date": "2027-01-07", "provisional": False,
                        "warning": None}
    # Replacing the year drops the old entries.
    r = await client.put("/api/workdays/2027", json={"days": [SCHEDULE_2027["days"][0]]}, headers=hs)
    assert len(r.json()["days"]) == 1
    assert (await client.get("/api/workdays/2027")).json()["days"][0]["note"] == "元旦"


async def test_bad_schedules_are_refused(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    hs = await bearer(client, staff)
    r = await client.put("/api/workdays/2027", json={"days": [{"day": "2028-01-01", "is_workday": False}]}, headers=hs)
    assert r.status_code == 422 and r.json()["error"]["code"] == "workdays.day_outside_year"
    dup = {"days": [{"day": "2027-01-01", "is_workday": False}, {"day": "2027-01-01", "is_workday": True}]}
    r = await client.put("/api/workdays/2027", json=dup, headers=hs)
    assert r.status_code == 422 and r.json()["error"]["code"] == "workdays.duplicate_day"
    assert (await client.put("/api/workdays/1999", json=SCHEDULE_2027, headers=hs)).status_code == 422
    assert (await client.get("/api/workdays/add", params={"start": "2026-01-01", "n": -1})).status_code == 422
