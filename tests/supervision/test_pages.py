"""The centre's suspension desk and the supervisor's workspace (cookie sessions, CSRF, Chinese and English)."""

from __future__ import annotations

import re
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.deps import SESSION_COOKIE
from ggzy.auth.service import start_web_session
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, User
from ggzy.project.models import TradingLine
from ggzy.supervision.models import Suspension, SuspensionStatus
from tests.supervision.builders import fetch, make_cast, make_project

HTML = {"accept": "text/html"}


async def login(client: AsyncClient, db: AsyncSession, app: Any, user: User, org: Organisation, *,
                clock: FrozenClock) -> str:
    """Start a browser session; returns its CSRF token."""
    token, ws = await start_web_session(db, app.state.settings, user, org, ip="203.0.113.7", user_agent="pytest",
                                        now=clock.now())
    client.cookies.set(SESSION_COOKIE, token)
    return ws.csrf_token


async def test_centre_desk_requires_login_and_the_centre(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, app: Any
) -> None:
    r = await client.get("/workspace/centre/suspensions", headers=HTML)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    cast = await make_cast(db, clock.now())
    await login(client, db, app, cast.bidder_user, cast.bidder, clock=clock)
    r = await client.get("/workspace/centre/suspensions", headers=HTML)
    assert r.status_code == 403 and "forbidden" in r.text


async def test_centre_suspends_the_platform_and_resumes_it_from_the_page(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, app: Any
) -> None:
    cast = await make_cast(db, clock.now())
    project = await make_project(db, cast, now=clock.now())
    csrf = await login(client, db, app, cast.centre_user, cast.centre, clock=clock)

    page = await client.get("/workspace/centre/suspensions", headers=HTML)
    assert page.status_code == 200
    assert "暂停与恢复交易" in page.text and project.code in page.text and csrf in page.text

    r = await client.post("/workspace/centre/suspensions", headers=HTML,
                          data={"scope": "platform", "reason": "防汛应急"})
    assert r.status_code == 403  # no CSRF token: refused
    assert await fetch(db, select(Suspension)) == []

    r = await client.post("/workspace/centre/suspensions", headers=HTML,
                          data={"scope": "platform", "project_id": "", "reason": "防汛应急", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"].endswith("done=activated")
    (s,) = await fetch(db, select(Suspension))
    assert s.status == SuspensionStatus.active

    page = await client.get(r.headers["location"], headers=HTML)
    assert "全平台交易已暂停" in page.text and "防汛应急" in page.text
    assert f"/workspace/centre/suspensions/{s.id}/resume" in page.text

    r = await client.post(f"/workspace/centre/suspensions/{s.id}/resume", headers=HTML, data={"csrf_token": csrf})
    assert r.status_code == 303
    (s,) = await fetch(db, select(Suspension).execution_options(populate_existing=True))
    assert s.status == SuspensionStatus.ended

    english = await client.get("/workspace/centre/suspensions?lang=en", headers=HTML)
    assert "Suspend and resume trading" in english.text and "Resumed" in english.text


async def test_form_mistakes_are_shown_on_the_page(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, app: Any
) -> None:
    cast = await make_cast(db, clock.now())
    csrf = await login(client, db, app, cast.centre_user, cast.centre, clock=clock)
    r = await client.post("/workspace/centre/suspensions", headers=HTML,
                          data={"scope": "project", "project_id": "", "reason": "缺少项目", "csrf_token": csrf})
    assert r.status_code == 422
    assert "supervision.bad_scope" in r.text and "缺少项目" in r.text  # the form keeps what was typed
    r = await client.post("/workspace/centre/suspensions", headers=HTML,
                          data={"scope": "bogus", "reason": "x", "csrf_token": csrf})
    assert r.status_code == 422
    assert await fetch(db, select(Suspension)) == []


async def test_supervisor_approves_from_the_workspace_and_sees_only_its_line(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, app: Any
) -> None:
    cast = await make_cast(db, clock.now())
    mine = await make_project(db, cast, now=clock.now(), line=TradingLine.construction)
    theirs = await make_project(db, cast, now=clock.now(), line=TradingLine.procurement)
    centre_csrf = await login(client, db, app, cast.centre_user, cast.centre, clock=clock)
    r = await client.post("/workspace/centre/suspensions", headers=HTML,
                          data={"scope": "project", "project_id": mine.id, "reason": "投诉处理中",
                                "csrf_token": centre_csrf})
    assert r.status_code == 303 and r.headers["location"].endswith("done=requested")
    (s,) = await fetch(db, select(Suspension))

    client.cookies.clear()
    csrf = await login(client, db, app, cast.construction_sup_user, cast.construction_sup, clock=clock)
    page = await client.get("/workspace/supervision", headers=HTML)
    assert page.status_code == 200
    assert mine.code in page.text and theirs.code not in page.text
    assert f"/workspace/supervision/suspensions/{s.id}/approve" in page.text

    r = await client.post(f"/workspace/supervision/suspensions/{s.id}/approve", headers=HTML,
                          data={"note": "同意", "csrf_token": csrf})
    assert r.status_code == 303
    page = await client.get(r.headers["location"], headers=HTML)
    assert "已批准" in page.text
    assert re.search(r"暂停中", page.text)

    client.cookies.clear()
    other_csrf = await login(client, db, app, cast.procurement_sup_user, cast.procurement_sup, clock=clock)
    page = await client.get("/workspace/supervision", headers=HTML)
    assert theirs.code in page.text and mine.code not in page.text
    r = await client.post(f"/workspace/supervision/suspensions/{s.id}/reject", headers=HTML,
                          data={"csrf_token": other_csrf})
    assert r.status_code == 403 and "supervision.not_line_supervisor" in r.text
