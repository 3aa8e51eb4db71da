"""Builders for fee tests: an auction lot sold through the real app (its service fee booked by rule), and
readers of the fee ledger."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionLot, AuctionStatus
from ggzy.fees.models import Charge
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import TradingLine
from tests.auction.helpers import Auction, bid, lot_row, make_auction, sweep, to_listing
from tests.supervision.builders import fetch


async def sold_lot(app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock, *,
                   line: TradingLine = TradingLine.land, price: str = "1000000") -> tuple[Auction, AuctionLot]:
    """One listing bid of `price` by bidders[0], who alone continues: sold to it at the end of the listing."""
    over: dict[str, Any] = {"listing_days": 20} if line == TradingLine.property else {}
    a = await make_auction(db, client, clock, bidders=3, line=line, **over)
    lot = await to_listing(app, clock, db, a)
    r = await bid(client, a, a.bidders[0], price)
    assert r.status_code == 201, r.text
    assert (await client.post(f"{a.url}/continue", headers=a.bidders[0].h)).status_code == 200
    clock.set(lot.listing_end)
    await sweep(app, clock)
    lot = await lot_row(db, a.lot_id)
    assert lot.status == AuctionStatus.sold, lot.status
    return a, lot


async def charges(db: AsyncSession, **where: Any) -> list[Charge]:
    stmt = select(Charge).order_by(Charge.booked_at, Charge.entry_key).execution_options(populate_existing=True)
    for k, v in where.items():
        stmt = stmt.where(getattr(Charge, k) == v)
    return await fetch(db, stmt)


def err(r: Response, status: int, code: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.json()["error"]["code"] == code, r.text
