"""The demo-only clock endpoint exists only with GGZY_DEMO_CLOCK=1, and only centre staff move it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from ggzy.app import create_app
from ggzy.audit.models import AuditEvent
from ggzy.config import Settings
from ggzy.demo.clock import OffsetClock
from ggzy.kit.clock import FrozenClock, SystemClock
from ggzy.party.models import OrgKind
from tests.factories import bearer, create_party


async def test_demo_endpoints_absent_by_default(client: AsyncClient, app: FastAPI, settings: Settings) -> None:
    assert settings.demo_clock is False
    assert (await client.get("/api/demo/clock")).status_code == 404
    assert (await client.post("/api/demo/clock/advance", json={"seconds": 60})).status_code == 404
    assert (await client.post("/api/demo/sweep")).status_code == 404
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert not [p for p in paths if p.startswith("/api/demo")]
    assert isinstance(create_app(settings.model_copy()).state.clock, SystemClock)


def test_env_switch_gives_a_movable_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_DEMO_CLOCK", "1")
    settings = Settings()
    assert settings.demo_clock is True
    clock = create_app(settings).state.clock
    assert isinstance(clock, OffsetClock)
    before = clock.now()
    assert clock.advance(timedelta(days=3)) - before >= timedelta(days=3)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


@pytest.fixture
async def demo_client(settings: Settings, clock: FrozenClock, engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    application = create_app(settings.model_copy(update={"demo_clock": True}), clock=clock, engine=engine)
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application, client=("203.0.113.7", 40000))
        async with AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_centre_staff_move_the_clock_and_it_is_audited(demo_client: AsyncClient, db: AsyncSession,
                                                             clock: FrozenClock) -> None:
    start = clock.now()
    _, staff, _ = await create_party(db, OrgKind.centre, now=start)
    _, bidder, _ = await create_party(db, OrgKind.bidder, now=start)
    staff_id = staff.id
    r = await demo_client.get("/api/demo/clock")
    assert r.status_code == 200
    staff_h = await bearer(demo_client, staff)
    bidder_h = await bearer(demo_client, bidder)
    r = await demo_client.post("/api/demo/clock/advance", json={"seconds": 86400}, headers=staff_h)
    assert r.status_code == 200, r.text
    assert clock.now() == start + timedelta(days=1)
    moved = (await db.execute(select(AuditEvent).where(AuditEvent.tag == "demo:clock_advanced"))).scalars().all()
    assert len(moved) == 1 and moved[0].actor_user_id == staff_id
    await db.rollback()  # every SQLite transaction is BEGIN IMMEDIATE: release the lock before the next request
    assert (await demo_client.post("/api/demo/clock/advance", json={"seconds": 60},
                                   headers=bidder_h)).status_code == 403
    assert (await demo_client.post("/api/demo/clock/advance", json={"seconds": -5},
                                   headers=staff_h)).status_code == 422
    assert (await demo_client.post("/api/demo/clock/advance", json={"seconds": "soon"},
                                   headers=staff_h)).status_code == 422
    assert clock.now() == start + timedelta(days=1)
    r = await demo_client.post("/api/demo/sweep", headers=staff_h)
    assert r.status_code == 200 and r.json()["handled"] >= 0
