"""The hall page: Chinese first, htmx actions with CSRF, what each viewer sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.kit.clock import FrozenClock
from tests.factories import login_cookie
from tests.opening.helpers import open_hall


async def test_hall_page_for_host_bidder_and_public(
    app: Any, client: AsyncClient, db: AsyncSession, clock: FrozenClock, tmp_path: Path
) -> None:
    h = await open_hall(app, client, db, clock, tmp_path, bidders=3)
    url = f"/tenders/{h.w.tender.id}/opening"

    public = await client.get(url)
    assert public.status_code == 200 and "开标大厅" in public.text and "签到" in public.text
    assert 'data-testid="entry"' not in public.text  # the public sees the stage only

    csrf = await login_cookie(client, h.w.cast.agency_user)
    page = await client.get(url)
    assert 'data-testid="publish-bidders"' in page.text and page.text.count('data-testid="entry"') == 3
    r = await client.post(f"{url}/publish-bidders", headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert r.status_code == 200 and 'data-testid="countdown"' in r.text
    r = await client.post(f"{url}/publish-bidders", headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert r.status_code == 200 and "opening.bad_transition" in r.text  # refused, shown in the fragment
    r = await client.post(f"{url}/publish-bidders", headers={"HX-Request": "true"})
    assert r.status_code == 403  # no CSRF token
    await client.post("/logout", data={"csrf_token": csrf})

    b = h.w.bidders[0]
    csrf = await login_cookie(client, b.user)
    page = await client.get(url)
    assert page.status_code == 200
    assert page.text.count('data-testid="decrypt-form"') == 1 and "/static/sealing.js" in page.text
    r = await client.post(f"{url}/sign-in", headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert r.status_code == 200 and "已签到" in r.text
    r = await client.post(f"{url}/objections", data={"body": "开标时间有误？"},
                          headers={"HX-Request": "true", "X-CSRF-Token": csrf})
    assert r.status_code == 200 and "开标时间有误？" in r.text
    en = await client.get(url + "?lang=en")
    assert "Opening hall" in en.text and "Decrypt" in en.text
