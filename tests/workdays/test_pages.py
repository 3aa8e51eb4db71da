"""The centre's working-day calendar page: source of each year, entering a schedule, the calculator."""

from __future__ import annotations

import re

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.workdays.models import CalendarDay
from tests.factories import create_party, login_cookie, query

PAGE = "/workspace/centre/calendar"
HTML = {"accept": "text/html"}
SCHEDULE_2027 = "2027-01-01 休 元旦\n2027-01-04 休 元旦（示例）\n\n# 春节\n2027-02-07 班 春节调休\n"


def _attr(html: str, testid: str, attr: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*?{attr}="([^"]*)"', html)
    assert found is not None, f"{testid} {attr} not on the page"
    return found[1]


async def _rows(db: AsyncSession, year: int) -> list[tuple[str, bool, str]]:
    rows = await query(db, select(CalendarDay.day, CalendarDay.is_workday, CalendarDay.note)
                       .where(CalendarDay.year == year).order_by(CalendarDay.day))
    return [(d.isoformat(), bool(w), n) for d, w, n in rows]


async def _staff(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> str:
    _, staff, _ = await create_party(db, OrgKind.centre, now=clock.now())
    return await login_cookie(client, staff)


async def test_unpublished_year_is_warned_then_entered_and_counted(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    csrf = await _staff(client, db, clock)
    page = await client.get(PAGE, params={"year": "2027", "start": "2026-12-31", "n": "3"})
    assert page.status_code == 200
    assert _attr(page.text, "source", "data-source") == "provisional"
    assert 'data-testid="provisional-warning"' in page.text and "尚未公布" in page.text
    # Weekends only: Fri 1, Mon 4, Tue 5 January — and flagged.
    assert _attr(page.text, "calc-result", "data-date") == "2027-01-05"
    assert _attr(page.text, "calc-result", "data-provisional") == "true"

    r = await client.post(PAGE, data={"csrf_token": csrf, "year": "2027", "schedule": SCHEDULE_2027})
    assert r.status_code == 303 and r.headers["location"] == f"{PAGE}?year=2027&saved=1"
    assert await _rows(db, 2027) == [("2027-01-01", False, "元旦"), ("2027-01-04", False, "元旦（示例）"),
                                     ("2027-02-07", True, "春节调休")]
    tags = await query(db, select(AuditEvent.tag).where(AuditEvent.subject_id == "2027"))
    assert [t for (t,) in tags] == ["calendar:year_replaced"]

    page = await client.get(PAGE, params={"year": "2027", "saved": "1", "start": "2026-12-31", "n": "3"})
    assert _attr(page.text, "source", "data-source") == "centre"
    assert 'data-testid="saved"' in page.text and 'data-testid="provisional-warning"' not in page.text
    assert "2027-02-07 班 春节调休" in page.text  # the box holds the saved schedule for the next edit
    assert _attr(page.text, "calc-result", "data-date") == "2027-01-07"
    assert _attr(page.text, "calc-result", "data-provisional") == "false"
    assert 'href="?year=2027"' in page.text  # listed among the entered years


async def test_bad_lines_are_each_explained_and_nothing_is_saved(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    csrf = await _staff(client, db, clock)
    r = await client.post(PAGE, data={"csrf_token": csrf, "year": "2027", "schedule": "2027-01-01 休 元旦"})
    assert r.status_code == 303
    text = ("2027-01-02 休 周末也可列出\n2027-02-30 休\n2028-01-01 休 元旦\n2027-01-05 班\n"
            "2027-01-06 上课\n2027/1/2 休 重复\nnonsense")
    r = await client.post(PAGE, data={"csrf_token": csrf, "year": "2027", "schedule": text})
    assert r.status_code == 422
    problems = dict(re.findall(r'data-line="(\d+)" data-problem="([a-z_]+)"', r.text))
    assert problems == {"2": "no_such_date", "3": "outside_year", "4": "workday_not_weekend", "5": "bad_kind",
                        "6": "duplicate", "7": "bad_date"}
    assert "第 3 行" in r.text and "日期不属于 2027 年" in r.text and "未保存任何内容" in r.text
    assert "nonsense" in r.text  # the typed text is kept for correction
    # Nothing half-saved: the earlier entry for 2027 is intact.
    assert await _rows(db, 2027) == [("2027-01-01", False, "元旦")]

    r = await client.post(f"{PAGE}?lang=en", data={"csrf_token": csrf, "year": "2027", "schedule": "2027-01-05 班"})
    assert r.status_code == 422 and "Line 1" in r.text and "make-up working day falls on a Saturday" in r.text
    client.cookies.delete("lang")
    r = await client.post(PAGE, data={"csrf_token": csrf, "year": "2027", "schedule": "  \n# only a comment"})
    assert r.status_code == 422 and 'data-problem="empty"' in r.text
    r = await client.post(PAGE, data={"csrf_token": csrf, "year": "1999", "schedule": "1999-01-01 休"})
    assert r.status_code == 422 and 'data-code="workdays.bad_year"' in r.text
    assert await query(db, select(CalendarDay.id).where(CalendarDay.year != 2027)) == []


async def test_published_year_comes_from_the_package_and_calculator_checks_input(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    await _staff(client, db, clock)
    # The default year is the clock's (2026), which chinesecalendar ships.
    page = await client.get(PAGE, params={"start": "2026-04-01", "n": "5"})
    assert page.status_code == 200
    assert _attr(page.text, "source", "data-source") == "chinesecalendar"
    assert "2026-10-01 休 国庆节" in page.text and "2026-10-10 班 国庆节调休" in page.text
    assert 'data-testid="provisional-warning"' not in page.text
    # Qingming: Sat 4 – Mon 6 April off.
    assert _attr(page.text, "calc-result", "data-date") == "2026-04-09"
    assert _attr(page.text, "calc-result", "data-provisional") == "false"
    r = await client.get(PAGE, params={"start": "2026-13-01", "n": "5"})
    assert 'data-testid="calc-error"' in r.text and "YYYY-MM-DD" in r.text
    r = await client.get(PAGE, params={"start": "2026-04-01", "n": "99999"})
    assert 'data-testid="calc-error"' in r.text and 'data-testid="calc-result"' not in r.text
    r = await client.get(PAGE, params={"year": "abc"})
    assert r.status_code == 422 and 'data-code="workdays.bad_year"' in r.text


async def test_only_centre_staff_keep_the_calendar(client: AsyncClient, db: AsyncSession, clock: FrozenClock) -> None:
    r = await client.get(PAGE, headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    _, agent, _ = await create_party(db, OrgKind.agency, now=clock.now())
    csrf = await login_cookie(client, agent)
    assert (await client.get(PAGE, headers=HTML)).status_code == 403
    r = await client.post(PAGE, data={"csrf_token": csrf, "year": "2027", "schedule": "2027-01-01 休"})
    assert r.status_code == 403
    assert await _rows(db, 2027) == []


async def test_centre_workspace_links_calendar_account_and_verification(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    csrf = await _staff(client, db, clock)
    r = await client.get("/workspace", headers=HTML)
    assert r.status_code == 200
    for link in (PAGE, "/workspace/account", "/workspace/centre/orgs"):
        assert f'href="{link}"' in r.text
    # Without the CSRF token the form posts nothing.
    r = await client.post(PAGE, data={"year": "2027", "schedule": "2027-01-01 休"})
    assert r.status_code == 403 and csrf
    assert await _rows(db, 2027) == []
