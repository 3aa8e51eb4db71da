"""OCDS releases of auction lots (国有土地 / 国有产权), valid against the schema: the announcement as the tender, the
result as the award with every bid, 流拍 as an unsuccessful tender; bidders stay anonymous numbers (竞买号) except
the winner the result notice names, and no bid is published before the result."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionStatus
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import TradingLine
from tests.auction.helpers import bid, bid_rows, lot_row, make_auction, sweep, to_timed
from tests.ocds.helpers import packages, roles, tags


async def test_a_sold_lot_publishes_the_award_and_every_bid_only_with_its_result(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md, the auction journey: the last bid standing wins; the releases show the bids only with the result,
    the winner by name (as the result notice does) and the other bidders by number only."""
    a, lot = await to_timed(app, db, client, clock, reserve="1010000")
    b0, b1, b2 = a.bidders
    clock.advance(timedelta(seconds=10))
    assert (await bid(client, a, b1, "1010000")).status_code == 201
    package, _ = await packages(client, lot.code)
    assert tags(package) == ["tender"]
    assert "bids" not in str(package) and b1.org.name not in str(package) and "1010000" not in str(package)
    (tender,) = package["releases"]
    assert tender["tender"]["minValue"] == {"amount": 1000000, "currency": "CNY"}
    assert tender["tender"]["submissionMethod"] == ["electronicAuction"]
    assert roles(tender) == {a.seller.org.name: ["procuringEntity"]}
    assert [d.get("documentType") for d in tender["tender"]["documents"]] == ["tenderNotice", "biddingDocuments"]

    lot = await lot_row(db, a.lot_id)
    assert lot.ends_at is not None
    clock.set(lot.ends_at)
    await sweep(app, clock)
    lot = await lot_row(db, a.lot_id)
    assert lot.status == AuctionStatus.sold
    package, record = await packages(client, lot.code)
    assert tags(package) == ["tender", "award"]
    award = package["releases"][1]
    bids = await bid_rows(db, a.lot_id)
    assert [(d["id"], d["value"]["amount"]) for d in award["bids"]["details"]] == [(b.id, int(b.amount)) for b in bids]
    assert {s["id"]: s["value"] for s in award["bids"]["statistics"]} == {
        "bids": 2, "bidders": 2, "highestValidBidValue": 1010000}
    (winner_award,) = award["awards"]
    assert winner_award["value"] == {"amount": 1010000, "currency": "CNY"}
    assert winner_award["suppliers"][0]["name"] == b1.org.name and winner_award["relatedBid"] == bids[-1].id
    names = {d["tenderers"][0]["name"] for d in award["bids"]["details"]}
    assert names == {b1.org.name, f"竞买号 {a.numbers[b0.org.id]}"}
    assert b0.org.name not in str(package) and b2.org.name not in str(package)
    assert roles(award)[b1.org.name] == ["tenderer", "supplier"]
    compiled = record["compiledRelease"]
    assert compiled["tender"]["status"] == "complete" and compiled["awards"][0]["status"] == "active"
    assert Decimal(str(compiled["awards"][0]["value"]["amount"])) == lot.final_price


async def test_a_lot_below_the_reserve_is_an_unsuccessful_tender_with_its_bids(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: below the reserve, no sale (流拍): the tender unsuccessful, no award, the bid by number only."""
    a, lot = await to_timed(app, db, client, clock, reserve="2000000")
    assert lot.ends_at is not None
    clock.set(lot.ends_at)
    await sweep(app, clock)
    assert (await lot_row(db, a.lot_id)).status == AuctionStatus.unsold
    package, record = await packages(client, lot.code)
    assert tags(package) == ["tender", "tenderUpdate"]
    failed = package["releases"][1]
    assert failed["tender"]["status"] == "unsuccessful"
    (detail,) = failed["bids"]["details"]
    assert detail["tenderers"][0]["name"] == f"竞买号 {a.numbers[a.bidders[0].org.id]}"
    assert a.bidders[0].org.name not in str(package)
    assert "awards" not in record["compiledRelease"]
    assert record["compiledRelease"]["tender"]["status"] == "unsuccessful"


async def test_a_property_lot_before_its_announcement_has_no_ocid(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """A draft lot is not public: its ocid is unknown until the announcement (出让 / 转让公告) is published."""
    a = await make_auction(db, client, clock, bidders=0, line=TradingLine.property, publish=False, listing_days=20)
    lot = await lot_row(db, a.lot_id)
    r = await client.get(f"/api/ocds/releases/ocds-ggzy01-{lot.code}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "ocds.not_found"
    assert (await client.post(f"{a.url}/publish", headers=a.centre.h)).status_code == 200
    package, _ = await packages(client, lot.code)
    assert tags(package) == ["tender"]
