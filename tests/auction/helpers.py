"""Builders for auction tests: the cast, an admitted land (or property) project, a lot created and announced through
the API, bidders applied and approved with their deposits — everything through the real app."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionBid, AuctionBidder, AuctionLot
from ggzy.chronograph import runner
from ggzy.kit.clock import FrozenClock
from ggzy.party.models import Organisation, OrgKind, User
from ggzy.project.models import Project, ProjectStatus, TradingLine
from tests.factories import PASSWORD, create_party
from tests.tender.qa_helpers import quick_bearer

_seq = itertools.count(1)
OFFICER_PASSWORD = PASSWORD


@dataclass
class Who:
    org: Organisation
    user: User
    h: dict[str, str]


@dataclass
class Auction:
    lot_id: str
    project: Project
    centre: Who
    seller: Who
    supervisor: Who
    bidders: list[Who]
    numbers: dict[str, str] = field(default_factory=dict)
    """bidder org id → 竞买号."""
    applications: dict[str, str] = field(default_factory=dict)
    """bidder org id → application id."""

    @property
    def url(self) -> str:
        return f"/api/auctions/{self.lot_id}"


async def who(db: AsyncSession, kind: OrgKind, now: datetime, **kw: Any) -> Who:
    org, user, _ = await create_party(db, kind, now=now, **kw)
    return Who(org, user, await quick_bearer(db, user, now))


def lot_payload(project: Project, officer: User, start: datetime, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_id": project.id, "title": "城东地块国有建设用地使用权", "description": "宗地面积 12,000 平方米",
        "documents": [{"name": "挂牌出让文件.pdf", "url": "https://example.org/doc.pdf"}],
        "mode": "listing", "start_price": "1000000", "increment": "10000", "deposit": "200000",
        "listing_days": 10, "countdown_seconds": 240, "listing_start": start.isoformat(),
        "reserve_officer_id": officer.id,
    }
    body.update(over)
    return body


async def make_auction(db: AsyncSession, client: AsyncClient, clock: FrozenClock, *, bidders: int = 3,
                       approve: int | None = None, line: TradingLine = TradingLine.land, publish: bool = True,
                       **over: Any) -> Auction:
    now = clock.now()
    centre = await who(db, OrgKind.centre, now, name="市公共资源交易中心")
    seller_name = "市自然资源和规划局" if line == TradingLine.land else "市城投集团"
    seller = await who(db, OrgKind.tenderer, now, name=seller_name)
    supervisor = await who(db, OrgKind.supervisor, now, name="市自然资源局监督科", supervised_lines=[line.value])
    crowd = [await who(db, OrgKind.bidder, now, name=f"竞买公司{i}") for i in range(bidders)]
    n = next(_seq)
    project = Project(code=f"TD-2026-{n:05d}", name=f"城东地块{n}", line=line, region="市本级",
                      amount=Decimal("1000000.00"), tenderer_org_id=seller.org.id, agency_org_id=None,
                      applicant_user_id=seller.user.id, status=ProjectStatus.admitted, submitted_at=now,
                      created_at=now)
    db.add(project)
    await db.commit()
    start = over.pop("listing_start", now + timedelta(days=21))
    r = await client.post("/api/auctions", json=lot_payload(project, seller.user, start, **over), headers=centre.h)
    assert r.status_code == 201, r.text
    a = Auction(r.json()["id"], project, centre, seller, supervisor, crowd)
    if not publish:
        return a
    r = await client.post(f"{a.url}/publish", headers=centre.h)
    assert r.status_code == 200, r.text
    for b in crowd[: bidders if approve is None else approve]:
        await apply_and_approve(client, a, b)
    return a


async def apply_and_approve(client: AsyncClient, a: Auction, b: Who) -> str:
    r = await client.post(f"{a.url}/applications", headers=b.h)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    r = await client.post(f"{a.url}/applications/{app_id}/approve", json={"bank_reference": f"BK{app_id[:8]}"},
                          headers=a.centre.h)
    assert r.status_code == 200, r.text
    a.numbers[b.org.id], a.applications[b.org.id] = r.json()["number"], app_id
    return str(r.json()["number"])


async def bid(client: AsyncClient, a: Auction, b: Who, amount: Any) -> Response:
    return await client.post(f"{a.url}/bids", json={"amount": amount}, headers=b.h)


async def sweep(app: Any, clock: FrozenClock) -> int:
    return await runner.sweep_once(app.state.sessionmaker, clock)


async def lot_row(db: AsyncSession, lot_id: str) -> AuctionLot:
    lot = await db.get(AuctionLot, lot_id, populate_existing=True)
    await db.commit()
    assert lot is not None
    return lot


async def bid_rows(db: AsyncSession, lot_id: str) -> list[AuctionBid]:
    rows = list((await db.execute(select(AuctionBid).where(AuctionBid.lot_id == lot_id)
                                  .order_by(AuctionBid.seq).execution_options(populate_existing=True))).scalars())
    await db.commit()
    return rows


async def bidder_rows(db: AsyncSession, lot_id: str) -> list[AuctionBidder]:
    rows = list((await db.execute(select(AuctionBidder).where(AuctionBidder.lot_id == lot_id)
                                  .execution_options(populate_existing=True))).scalars())
    await db.commit()
    return rows


async def to_listing(app: Any, clock: FrozenClock, db: AsyncSession, a: Auction) -> AuctionLot:
    lot = await lot_row(db, a.lot_id)
    clock.set(lot.listing_start)
    await sweep(app, clock)
    return await lot_row(db, a.lot_id)


async def enter_reserve(client: AsyncClient, a: Auction, amount: Any, *, password: str = PASSWORD) -> Response:
    return await client.post(f"{a.url}/reserve", headers=a.seller.h, json={
        "amount": amount, "witness_username": a.supervisor.user.username, "witness_password": password})


async def to_timed(app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock, *,
                 reserve: str | None = None, continuing: int = 2) -> tuple[Auction, AuctionLot]:
    """A lot in timed bidding: one listing bid, `continuing` bidders asked to go on, the clock at listing end."""
    a = await make_auction(db, client, clock, bidders=3)
    lot = await to_listing(app, clock, db, a)
    if reserve is not None:
        assert (await enter_reserve(client, a, reserve)).status_code == 201
    assert (await bid(client, a, a.bidders[0], "1000000")).status_code == 201
    for b in a.bidders[:continuing]:
        assert (await client.post(f"{a.url}/continue", headers=b.h)).status_code == 200
    clock.set(lot.listing_end)
    await sweep(app, clock)
    return a, await lot_row(db, a.lot_id)
