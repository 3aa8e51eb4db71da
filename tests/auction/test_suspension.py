"""A suspension (暂停交易) during timed bidding: no bid is taken and the countdown does not expire while trading is
stopped; on resumption the countdown's end moves by the suspension's length, so bidding resumes with the time it
had left (DOMAIN.md, Emergency operation; supervision/deadlines.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionStatus
from ggzy.kit.clock import FrozenClock
from tests.auction.helpers import bid, bid_rows, lot_row, make_auction, sweep, to_listing, to_timed
from tests.supervision.builders import audit_tags


async def test_suspension_freezes_the_countdown_and_resumption_moves_its_end(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a, lot = await to_timed(app, db, client, clock)
    assert lot.status == AuctionStatus.timed and lot.ends_at is not None
    clock.set(lot.ends_at - timedelta(seconds=60))  # a minute left
    left = lot.ends_at - clock.now()
    r = await client.post("/api/suspensions", headers=a.centre.h, json={"scope": "platform", "reason": "机房断电"})
    assert r.status_code == 201, r.text
    suspension = r.json()["id"]

    r = await bid(client, a, a.bidders[1], "1010000")
    assert r.status_code == 409 and r.json()["error"]["code"] == "supervision.suspended"
    clock.advance(hours=1)  # far past the countdown's original end
    await sweep(app, clock)
    lot = await lot_row(db, a.lot_id)
    assert lot.status == AuctionStatus.timed and lot.next_check_at is None and len(await bid_rows(db, a.lot_id)) == 1

    r = await client.post(f"/api/suspensions/{suspension}/resume", headers=a.centre.h, json={"note": "已恢复"})
    assert r.status_code == 200, r.text
    lot = await lot_row(db, a.lot_id)
    assert lot.ends_at is not None and lot.ends_at - clock.now() == left
    assert lot.next_check_at == lot.ends_at
    assert "auction_lot:deadlines_shifted" in await audit_tags(db, lot.id)
    r = await bid(client, a, a.bidders[1], "1010000")
    assert r.status_code == 201, r.text
    assert (await lot_row(db, a.lot_id)).ends_at == clock.now() + timedelta(seconds=lot.countdown_seconds)


async def test_suspension_before_the_listing_ends_moves_the_listing_end(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await make_auction(db, client, clock, bidders=2)
    lot = await to_listing(app, clock, db, a)
    end = lot.listing_end
    r = await client.post("/api/suspensions", headers=a.centre.h, json={"scope": "platform", "reason": "系统升级"})
    assert r.status_code == 201, r.text
    clock.set(end + timedelta(hours=2))
    await sweep(app, clock)
    assert (await lot_row(db, a.lot_id)).status == AuctionStatus.listing
    r = await client.post(f"/api/suspensions/{r.json()['id']}/resume", headers=a.centre.h, json={"note": "完成"})
    assert r.status_code == 200, r.text
    lot = await lot_row(db, a.lot_id)
    assert lot.listing_end > clock.now() and lot.status == AuctionStatus.listing
    assert (await bid(client, a, a.bidders[0], "1000000")).status_code == 201
