"""Archive pages: the centre's register and build button, the supervisor's read-only view (httpx, HTML)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from ggzy.party.models import OrgKind
from ggzy.project.models import TradingLine
from ggzy.tender.models import Tender, TenderStatus
from tests.archive.helpers import cancelled_tender
from tests.factories import create_party, login_cookie
from tests.supervision.builders import reload


async def test_centre_builds_from_the_page_and_the_supervisor_downloads(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock
) -> None:
    c = await cancelled_tender(db, client, clock)
    assert c.w.tender.bid_deadline is not None
    clock.set(c.w.tender.bid_deadline + timedelta(hours=1))
    csrf = await login_cookie(client, c.w.cast.centre_user)

    home = await client.get("/workspace")
    assert 'href="/workspace/archives"' in home.text
    page = await client.get("/workspace/archives")
    assert page.status_code == 200 and "待归档" in page.text and c.w.tender.code in page.text
    tender_page = await client.get(f"/workspace/tenders/{c.tender_id}")
    assert 'data-testid="archive-link"' in tender_page.text

    url = f"/workspace/tenders/{c.tender_id}/archive"
    page = await client.get(url)
    assert 'data-testid="archive-build-button"' in page.text
    r = await client.post(url, data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"{url}?flash=built", r.text
    page = await client.get(r.headers["location"])
    assert page.status_code == 200 and "已归档" in page.text
    sha = re.search(r'data-testid="archive-sha">([0-9a-f]{64})<', page.text)
    assert sha is not None
    assert (await reload(db, Tender, c.tender_id)).status == TenderStatus.archived
    assert "Keep until" in (await client.get(f"{url}?lang=en")).text

    # A second press: the page says why, with the stable code (Art.49: never rebuilt).
    r = await client.post(url, data={"csrf_token": csrf})
    assert r.status_code == 409 and 'data-code="archive.already_built"' in r.text

    _, su, _ = await create_party(db, OrgKind.supervisor, now=clock.now(),
                                  supervised_lines=[TradingLine.construction.value])
    client.cookies.clear()
    await login_cookie(client, su)
    page = await client.get("/workspace/archives")
    assert page.status_code == 200 and c.w.tender.code in page.text and "待归档" not in page.text
    page = await client.get(url)
    assert sha[1] in page.text and "archive-build-button" not in page.text
    r = await client.get(f"/api/tenders/{c.tender_id}/archive/download")  # the page's link, with the session
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["x-content-sha256"] == sha[1]


async def test_outsiders_see_no_archive_pages(app: Any, client: AsyncClient, db: AsyncSession,
                                              clock: FrozenClock) -> None:
    c = await cancelled_tender(db, client, clock)
    assert (await client.get("/workspace/archives")).status_code in (303, 307)  # to the login page
    await login_cookie(client, c.w.cast.agency_user)
    for path in ("/workspace/archives", f"/workspace/tenders/{c.tender_id}/archive"):
        r = await client.get(path, headers={"accept": "text/html"})
        assert r.status_code == 403 and "archive.forbidden" in r.text, path
