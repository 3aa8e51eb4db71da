"""The in-platform inbox (站内信) and the outbox drained by adapters."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.notify.models import Notification, OutboxMessage, OutboxStatus
from ggzy.notify.outbox import MAX_ATTEMPTS, LogAdapter, drain_outbox, get_adapter, register_adapter
from ggzy.notify.service import notify_orgs
from ggzy.party.models import OrgKind
from tests.factories import create_party
from tests.tender.qa_helpers import quick_bearer


async def two_orgs(db: AsyncSession, now):  # type: ignore[no-untyped-def]
    a_org, a_user, _ = await create_party(db, OrgKind.bidder, now=now, contact_phone="13800000001")
    b_org, b_user, _ = await create_party(db, OrgKind.bidder, now=now)
    return (a_org, await quick_bearer(db, a_user, now)), (b_org, await quick_bearer(db, b_user, now))


async def test_inbox_shows_own_organisation_only_with_unread_count(client: AsyncClient, db: AsyncSession, clock):
    (a, ha), (b, hb) = await two_orgs(db, clock.now())
    for i in range(3):
        await notify_orgs(db, [a.id], kind="test", title_zh=f"消息{i}", title_en=f"Message {i}",
                          now=clock.now() + timedelta(minutes=i))
    await notify_orgs(db, [b.id], kind="test", title_zh="给乙", title_en="For B", now=clock.now())
    await db.commit()
    r = await client.get("/api/inbox?per_page=2", headers=ha)
    body = r.json()
    assert r.status_code == 200
    assert (body["total"], body["unread"], len(body["items"])) == (3, 3, 2)
    assert [n["title_zh"] for n in body["items"]] == ["消息2", "消息1"]  # newest first
    page2 = (await client.get("/api/inbox?per_page=2&page=2", headers=ha)).json()
    assert [n["title_zh"] for n in page2["items"]] == ["消息0"]
    first = body["items"][0]["id"]
    r = await client.post(f"/api/inbox/{first}/read", headers=ha)
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert (await client.post(f"/api/inbox/{first}/read", headers=ha)).status_code == 200  # idempotent
    assert (await client.get("/api/inbox", headers=ha)).json()["unread"] == 2
    unread = (await client.get("/api/inbox?unread_only=true", headers=ha)).json()
    assert first not in [n["id"] for n in unread["items"]] and unread["total"] == 2
    # Another organisation can neither see nor mark A's messages.
    b_inbox = (await client.get("/api/inbox", headers=hb)).json()
    assert [n["title_zh"] for n in b_inbox["items"]] == ["给乙"]
    r = await client.post(f"/api/inbox/{body['items'][1]['id']}/read", headers=hb)
    assert r.status_code == 404 and r.json()["error"]["code"] == "notify.not_found"
    assert (await client.get("/api/inbox")).status_code == 401
    assert (await client.get("/api/inbox?page=0", headers=ha)).status_code == 422


async def test_outbox_drained_by_log_adapter(db: AsyncSession, app, clock, caplog: pytest.LogCaptureFixture):
    (a, _), (b, _) = await two_orgs(db, clock.now())
    await notify_orgs(db, [a.id, b.id], kind="clarification", title_zh="澄清通知", title_en="Clarification",
                      body_zh="答复内容", now=clock.now())
    await db.commit()
    with caplog.at_level(logging.INFO, logger="ggzy.outbox"):
        sent = await drain_outbox(app.state.sessionmaker, get_adapter("log"), clock.now())
    assert sent == 2
    lines = [r.getMessage() for r in caplog.records if r.name == "ggzy.outbox"]
    assert len(lines) == 2 and all("澄清通知" in line for line in lines)
    assert any("13800000001" in line for line in lines)
    rows = (await db.execute(select(OutboxMessage))).scalars().all()
    assert {(m.status, m.attempts) for m in rows} == {(OutboxStatus.sent, 1)}
    assert all(m.sent_at == clock.now() for m in rows)
    await db.commit()
    assert await drain_outbox(app.state.sessionmaker, LogAdapter(), clock.now()) == 0  # nothing sent twice


class Broken:
    name = "broken"

    async def send(self, message: OutboxMessage) -> None:
        raise ConnectionError("gateway down")


async def test_failing_adapter_counts_attempts_then_marks_failed(db: AsyncSession, app, clock):
    (a, _), _ = await two_orgs(db, clock.now())
    await notify_orgs(db, [a.id], kind="test", title_zh="t", title_en="t", now=clock.now())
    await db.commit()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert await drain_outbox(app.state.sessionmaker, Broken(), clock.now()) == 0
        msg = (await db.execute(select(OutboxMessage).execution_options(populate_existing=True))).scalars().one()
        assert msg.attempts == attempt and "gateway down" in msg.last_error
        assert msg.status == (OutboxStatus.failed if attempt == MAX_ATTEMPTS else OutboxStatus.pending)
        await db.commit()
    assert await drain_outbox(app.state.sessionmaker, LogAdapter(), clock.now()) == 0  # failed stays failed


async def test_drain_respects_limit(db: AsyncSession, app, clock):
    (a, _), (b, _) = await two_orgs(db, clock.now())
    await notify_orgs(db, [a.id, b.id], kind="t", title_zh="t", title_en="t", now=clock.now())
    await db.commit()
    assert await drain_outbox(app.state.sessionmaker, LogAdapter(), clock.now(), limit=1) == 1
    assert await drain_outbox(app.state.sessionmaker, LogAdapter(), clock.now(), limit=1) == 1
    assert (await db.execute(select(Notification))).scalars().all()


def test_adapter_registry_by_name():
    assert isinstance(get_adapter("log"), LogAdapter)
    register_adapter("broken-test", Broken)
    assert get_adapter("broken-test").name == "broken"
    with pytest.raises(ValueError, match="unknown outbox adapter"):
        get_adapter("carrier-pigeon")
