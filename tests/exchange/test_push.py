"""Pushing the Art.41 data items to the public service platform as they are published (E-Bidding Measures
Art.41/45): queued with the notice in one transaction, sent signed, retried with backoff from the queue, and every
attempt kept in the delivery log."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.exchange import rules
from ggzy.exchange.models import DeliveryStatus, ExchangeAttempt, ExchangeDelivery
from ggzy.exchange.service import push_due
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import Notice, NoticeKind
from tests.exchange.conftest import SECRET, Receiver
from tests.supervision.builders import Cast, fetch, make_cast, make_project, make_tender
from tests.tender.qa_helpers import quick_bearer


async def _notice(db: AsyncSession, cast: Cast, kind: NoticeKind, at: Any, **data: Any) -> Notice:
    project = await make_project(db, cast, now=at)
    tender = await make_tender(db, project, cast, now=at, bid_deadline=at + timedelta(days=20))
    notice = Notice(project_id=project.id, tender_id=tender.id, kind=kind, line=project.line, region="市本级",
                    title=f"{tender.title}{kind}", body="公告正文", data=data, published_at=at,
                    published_by=cast.agency_user.id)
    db.add(notice)
    await db.commit()
    return notice


async def _push(app: Any, receiver: Receiver, now: Any) -> int:
    return await push_due(app.state.sessionmaker, url=receiver.url, secret=SECRET, base_url="https://ggzy.example",
                          now=now)


async def test_published_items_arrive_signed_with_the_art41_data_and_failures_are_retried_art45(
        app: Any, db: AsyncSession, clock: FrozenClock, receiver: Receiver) -> None:
    now = clock.now()
    cast = await make_cast(db, now)
    result = await _notice(db, cast, NoticeKind.result, now, winner="中标公司甲", amount="4800000.00")
    await _notice(db, cast, NoticeKind.draw_commitment, now)  # not an Art.41 item: never pushed
    later = await _notice(db, cast, NoticeKind.tender_announcement, now + timedelta(hours=2))
    queued = await fetch(db, select(ExchangeDelivery.item).order_by(ExchangeDelivery.due_at))
    assert queued == ["result", "tender_announcement"]

    receiver.fail_next = 1
    assert await _push(app, receiver, now) == 0  # the remote end is busy
    [first] = await fetch(db, select(ExchangeDelivery).where(ExchangeDelivery.notice_id == result.id)
                          .execution_options(populate_existing=True))
    assert first.status == DeliveryStatus.pending and first.attempts == 1 and "503" in first.last_error
    assert first.due_at == rules.next_attempt(now, 1) == now + timedelta(seconds=60)
    assert await _push(app, receiver, now + timedelta(seconds=30)) == 0 and len(receiver.received) == 1  # not yet
    assert await _push(app, receiver, now + timedelta(seconds=61)) == 1

    deliveries = [r for r in receiver.received if r["delivery"] == first.id]
    assert len(deliveries) == 2 and all(r["signed"] for r in deliveries)
    assert deliveries[0]["body"] == deliveries[1]["body"]  # a retry resends the same document
    body = deliveries[1]["body"]
    assert body["item"] == "result" and body["notice"]["url"] == f"https://ggzy.example/notices/{result.id}"
    assert body["project"]["tenderer"]["name"] == cast.tenderer.name
    assert body["project"]["agency"]["name"] == cast.agency.name
    assert body["data"] == {"winner": "中标公司甲", "amount": "4800000.00"}
    assert body["notice"]["published_at"].endswith("+08:00")
    # The announcement published for later goes out at its time, not before.
    assert not any(r["body"]["notice"]["id"] == later.id for r in receiver.received)
    assert await _push(app, receiver, now + timedelta(hours=2)) == 1
    assert receiver.received[-1]["body"]["item"] == "tender_announcement"
    attempts = await fetch(db, select(ExchangeAttempt.status_code).order_by(ExchangeAttempt.at))
    assert attempts == [503, 200, 200]


async def test_a_notice_that_rolls_back_is_never_pushed_and_an_unreachable_end_fails_after_max_attempts(
        app: Any, db: AsyncSession, clock: FrozenClock, receiver: Receiver) -> None:
    now = clock.now()
    cast = await make_cast(db, now)
    project = await make_project(db, cast, now=now)
    async with app.state.sessionmaker() as other:
        other.add(Notice(project_id=project.id, kind=NoticeKind.tender_announcement, line=project.line,
                         title="作废", published_at=now, published_by="x"))
        await other.flush()
        await other.rollback()
    assert await fetch(db, select(ExchangeDelivery)) == []

    notice = await _notice(db, cast, NoticeKind.contract, now)
    dead = Receiver(url="http://127.0.0.1:9/unreachable")
    at = now
    for _ in range(rules.MAX_ATTEMPTS):
        await _push(app, dead, at)
        at += timedelta(days=1)
    [d] = await fetch(db, select(ExchangeDelivery).where(ExchangeDelivery.notice_id == notice.id)
                      .execution_options(populate_existing=True))
    assert d.status == DeliveryStatus.failed and d.attempts == rules.MAX_ATTEMPTS and "ConnectError" in d.last_error


async def test_the_delivery_log_is_for_centre_staff_who_may_retry_a_failed_push(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock, receiver: Receiver) -> None:
    now = clock.now()
    cast = await make_cast(db, now)
    notice = await _notice(db, cast, NoticeKind.tender_failed, now)
    [d] = await fetch(db, select(ExchangeDelivery))
    centre = await quick_bearer(db, cast.centre_user, now)
    r = await client.post(f"/api/exchange/deliveries/{d.id}/retry", headers=centre)
    assert r.status_code == 409 and r.json()["error"]["code"] == "exchange.not_failed"
    d.status = DeliveryStatus.failed
    await db.commit()
    r = await client.post(f"/api/exchange/deliveries/{d.id}/retry", headers=centre)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert await _push(app, receiver, now) == 1
    r = await client.get("/api/exchange/deliveries", headers=centre)
    assert r.status_code == 200
    [row] = r.json()
    assert row["notice_id"] == notice.id and row["status"] == "sent" and row["log"][0]["status_code"] == 200
    for user in (cast.bidder_user, cast.construction_sup_user, cast.agency_user):
        r = await client.get("/api/exchange/deliveries", headers=await quick_bearer(db, user, now))
        assert r.status_code == 403 and r.json()["error"]["code"] == "exchange.centre_only"


async def test_an_announcement_published_through_the_platform_is_queued_in_its_transaction(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    from tests.auction.helpers import lot_row, make_auction

    a = await make_auction(db, client, clock, bidders=0)
    lot = await lot_row(db, a.lot_id)
    rows = (await db.execute(select(ExchangeDelivery.item, ExchangeDelivery.notice_id))).tuples().all()
    assert rows == [("auction_announcement", lot.announcement_id)]
