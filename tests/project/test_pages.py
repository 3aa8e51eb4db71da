"""Project pages: the application form, the centre's admission queue (priority first), return with a reason."""

from __future__ import annotations

import re

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.config import Settings
from ggzy.kit.clock import FrozenClock
from tests.tender.helpers import cast
from tests.tender.page_helpers import browser_login, csrf


async def test_anonymous_visitors_are_sent_to_login(client: AsyncClient) -> None:
    for path in ("/workspace/projects", "/workspace/projects/new", "/workspace/centre/projects"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


async def test_agency_applies_and_centre_returns_then_admits_through_pages(
    client: AsyncClient, db: AsyncSession, clock: FrozenClock, settings: Settings
) -> None:
    c = await cast(db, clock.now())
    await browser_login(client, db, settings, c.agency_user, c.agency_org, now=clock.now())
    form = await client.get("/workspace/projects/new")
    assert form.status_code == 200 and 'name="tenderer_org_id"' in form.text and c.tenderer_org.name in form.text
    token = await csrf(client, "/workspace/projects/new")
    base = {"csrf_token": token, "name": "城东污水管网改造", "line": "construction", "region": "青山区",
            "amount": "12,500,000.00"}
    r = await client.post("/workspace/projects/new", data=base)  # no tenderer named
    assert r.status_code == 422 and 'data-code="project.tenderer_required"' in r.text
    assert "城东污水管网改造" in r.text  # the form keeps what was typed
    r = await client.post("/workspace/projects/new", data={**base, "tenderer_org_id": c.tenderer_org.id})
    assert r.status_code == 303
    detail = await client.get(r.headers["location"])
    assert "JS-2026-00001" in detail.text and 'data-testid="flash"' in detail.text
    r = await client.post("/workspace/projects/new", data={**base, "name": "防疫物资储备库",
                                                           "tenderer_org_id": c.tenderer_org.id})
    second_id = r.headers["location"].split("/")[3].split("?")[0]

    client.cookies.clear()
    await browser_login(client, db, settings, c.centre_user, c.centre_org, now=clock.now())
    token = await csrf(client, "/workspace/centre/projects")
    r = await client.post(f"/workspace/centre/projects/{second_id}/priority",
                          data={"csrf_token": token, "priority": "epidemic", "reason": "疫情防控物资"})
    assert r.status_code == 303
    queue = await client.get("/workspace/centre/projects")
    names = re.findall(r'data-testid="queue-item">\s*<h3><a href="[^"]+">([^<]+)</a>', queue.text)
    assert names == ["防疫物资储备库", "城东污水管网改造"]  # priority first
    r = await client.post(f"/workspace/centre/projects/{second_id}/return", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422 and 'data-code="project.reason_required"' in r.text
    r = await client.post(f"/workspace/centre/projects/{second_id}/return",
                          data={"csrf_token": token, "reason": "缺少资金证明"})
    assert r.status_code == 303
    r = await client.post(f"/workspace/centre/projects/{second_id}/admit", data={"csrf_token": token})
    assert r.status_code == 409 and 'data-code="project.bad_transition"' in r.text
    # Without the CSRF token nothing happens.
    r = await client.post(f"/workspace/centre/projects/{second_id}/admit", data={})
    assert r.status_code == 403
    en = await client.get(f"/workspace/projects/{second_id}?lang=en")
    assert "Reason for return" in en.text and "缺少资金证明" in en.text

