"""Listing bids, the sealed reserve, timed bidding with the resetting countdown, and the result (DOMAIN.md "The
auction journey"; Land Order Art.20)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionStatus, DepositStatus
from ggzy.audit.models import AuditEvent
from ggzy.kit.clock import FrozenClock
from ggzy.project.models import Notice, NoticeKind
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus
from tests.auction.helpers import (
    bid,
    bid_rows,
    bidder_rows,
    enter_reserve,
    lot_row,
    make_auction,
    sweep,
    to_listing,
    to_timed,
)
from tests.supervision.builders import fetch


async def _snapshot(db: AsyncSession, lot_id: str) -> tuple[Any, ...]:
    lot = await lot_row(db, lot_id)
    bids = await bid_rows(db, lot_id)
    return lot.status, lot.current_price, lot.bid_count, lot.ends_at, lot.reserve_commitment, len(bids)


async def test_listing_bids_start_at_the_start_price_then_step_by_the_increment(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: the first bid at least the start price, each next at least current + increment; kept for ever."""
    a = await make_auction(db, client, clock, bidders=2)
    b0, b1 = a.bidders
    early = await bid(client, a, b0, "1000000")
    assert early.status_code == 409 and early.json()["error"]["code"] == "auction.not_bidding"
    await to_listing(app, clock, db, a)
    low = await bid(client, a, b0, "999999.99")
    assert low.status_code == 409 and low.json()["error"]["detail"]["minimum"] == "1000000.00"
    assert (await bid(client, a, b0, "1000000")).status_code == 201
    clock.advance(minutes=5)
    r = await bid(client, a, b1, "1009999.99")
    assert r.status_code == 409 and r.json()["error"]["code"] == "auction.outbid"
    assert (await bid(client, a, b1, "1010000.00")).status_code == 201
    state = (await client.get(a.url)).json()
    assert state["price"] == "1010000.00" and state["bid_count"] == 2 and state["next_minimum"] == "1020000.00"
    assert [(x["number"], x["amount"]) for x in state["bids"]] == [
        (a.numbers[b0.org.id], "1000000.00"), (a.numbers[b1.org.id], "1010000.00")]
    assert b0.org.name not in str(state)
    # A bid cannot be withdrawn: there is no route for it.
    bid_id = (await bid_rows(db, a.lot_id))[0].id
    assert (await client.delete(f"{a.url}/bids/{bid_id}", headers=b0.h)).status_code in (404, 405)


async def test_bad_bids_are_clear_4xx_and_change_nothing(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Issue 5: below the minimum, not approved, suspended, non-numeric or over-precise → 4xx, nothing changed."""
    a = await make_auction(db, client, clock, bidders=3, approve=2)
    b0, _b1, outsider = a.bidders
    await to_listing(app, clock, db, a)
    assert (await bid(client, a, b0, "1000000")).status_code == 201
    before = await _snapshot(db, a.lot_id)
    cases: list[tuple[Any, dict[str, str], int, str]] = [
        ("1005000", b0.h, 409, "auction.outbid"),
        ("abc", b0.h, 422, "auction.bad_amount"),
        ("1010000.001", b0.h, 422, "auction.bad_amount"),
        ("-1010000", b0.h, 422, "auction.bad_amount"),
        (1010000.5, b0.h, 422, "request.invalid"),
        ("1010000", outsider.h, 403, "auction.not_approved"),
        ("1010000", a.seller.h, 403, "auction.not_approved"),
        ("1010000", a.centre.h, 403, "auction.not_approved"),
    ]
    for amount, h, status, code in cases:
        r = await client.post(f"{a.url}/bids", json={"amount": amount}, headers=h)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), amount
    anon = await client.post(f"{a.url}/bids", json={"amount": "1010000"})
    assert anon.status_code == 401
    db.add(Suspension(scope=SuspensionScope.project, project_id=a.project.id, status=SuspensionStatus.active,
                      reason="核查", requested_by=a.supervisor.user.id, requested_at=clock.now(),
                      started_at=clock.now()))
    await db.commit()
    r = await bid(client, a, b0, "1010000")
    assert r.status_code == 409 and r.json()["error"]["code"] == "supervision.suspended"
    assert await _snapshot(db, a.lot_id) == before


async def test_reserve_is_entered_once_by_the_designated_person_with_a_supervisor_and_kept_sealed(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: the reserve is hidden; the audit chain keeps its hash commitment from entry; a second entry is
    refused with nothing changed."""
    a = await make_auction(db, client, clock, bidders=1)
    await to_listing(app, clock, db, a)
    r = await client.post(f"{a.url}/reserve", headers=a.centre.h, json={
        "amount": "1500000", "witness_username": a.supervisor.user.username, "witness_password": "Passw0rd!2026"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "auction.not_reserve_officer"
    bad = await enter_reserve(client, a, "1500000", password="wrong")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "auction.witness_required"
    assert (await enter_reserve(client, a, "1500000.001")).json()["error"]["code"] == "auction.bad_amount"
    ok = await enter_reserve(client, a, "1500000")
    assert ok.status_code == 201, ok.text
    commitment = ok.json()["commitment"]
    before = await _snapshot(db, a.lot_id)
    again = await enter_reserve(client, a, "900000")
    assert again.status_code == 409 and again.json()["error"]["code"] == "auction.reserve_entered"
    assert await _snapshot(db, a.lot_id) == before
    lot = await lot_row(db, a.lot_id)
    assert lot.reserve_revealed is None and "1500000" not in (lot.reserve_sealed or "")
    events = await fetch(db, select(AuditEvent).where(AuditEvent.tag == "auction:reserve_entered"))
    assert events[0].after["commitment"] == commitment and "1500000" not in str(events[0].after)
    # Nothing the platform shows reveals it before the result.
    for h in ({}, a.centre.h, a.seller.h, a.supervisor.h):
        assert "1500000" not in (await client.get(a.url, headers=h)).text
    audit = await client.get("/api/audit/events", headers=a.centre.h)
    assert "1500000" not in audit.text


async def test_two_continuing_bidders_start_timed_bidding_and_each_bid_restarts_the_countdown(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Land Order Art.20 / DOMAIN.md: ≥ 2 bidders at listing end → timed bidding; the countdown restarts on every
    valid bid, computed at the server clock; a bid at the end — to the microsecond — is refused."""
    a, lot = await to_timed(app, db, client, clock)
    assert lot.status == AuctionStatus.timed and lot.ends_at == lot.listing_end + timedelta(seconds=240)
    b0, b1, b2 = a.bidders
    r = await bid(client, a, b2, "1010000")  # approved but did not ask to continue
    assert r.status_code == 403 and r.json()["error"]["code"] == "auction.not_continuing"
    price = Decimal("1000000")
    for i in range(4):
        clock.advance(seconds=200)
        price += Decimal("10000")
        r = await bid(client, a, [b1, b0][i % 2], str(price))
        assert r.status_code == 201, r.text
        lot = await lot_row(db, a.lot_id)
        assert lot.ends_at == clock.now() + timedelta(seconds=240)
    assert lot.ends_at is not None
    clock.set(lot.ends_at)  # exactly at the end
    r = await bid(client, a, b0, str(price + 10000))
    assert r.status_code == 409 and r.json()["error"]["code"] == "auction.countdown_over"
    clock.set(lot.ends_at - timedelta(microseconds=1))  # just before it
    assert (await bid(client, a, b0, str(price + 10000))).status_code == 201


async def test_countdown_expiry_sells_to_the_highest_bid_at_or_above_the_reserve_with_confirmation(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: the last bid standing wins; the winner's deposit becomes part of the price, the others are
    released; the confirmation (成交确认书) is produced; every bid is kept and shown."""
    a, lot = await to_timed(app, db, client, clock, reserve="1010000")
    b0, b1, _ = a.bidders
    clock.advance(seconds=10)
    assert (await bid(client, a, b1, "1010000")).status_code == 201
    lot = await lot_row(db, a.lot_id)
    assert lot.ends_at is not None
    clock.set(lot.ends_at - timedelta(seconds=1))
    assert await sweep(app, clock) == 0  # never early
    clock.set(lot.ends_at)
    await sweep(app, clock)
    lot = await lot_row(db, a.lot_id)
    assert lot.status == AuctionStatus.sold and lot.final_price == Decimal("1010000.00")
    assert lot.reserve_revealed == Decimal("1010000.00") and lot.result_at == lot.ends_at
    deposits = {r.org_id: r.deposit_status for r in await bidder_rows(db, a.lot_id)}
    assert deposits[b1.org.id] == DepositStatus.to_price
    assert {deposits[b0.org.id], deposits[a.bidders[2].org.id]} == {DepositStatus.release}
    notice = (await fetch(db, select(Notice).where(Notice.id == lot.result_notice_id)))[0]
    assert notice.kind == NoticeKind.result and b1.org.name in notice.body
    pdf = await client.get(f"{a.url}/confirmation.pdf", headers=b1.h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (await client.get(f"{a.url}/confirmation.pdf", headers=a.centre.h)).status_code == 200
    assert (await client.get(f"{a.url}/confirmation.pdf", headers=b0.h)).status_code == 403
    state = (await client.get(a.url)).json()
    assert [x["amount"] for x in state["bids"]] == ["1000000.00", "1010000.00"] and state["status"] == "sold"


async def test_below_reserve_is_no_sale_announced_and_all_deposits_released(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """DOMAIN.md: below the reserve, no sale (流拍)."""
    a, lot = await to_timed(app, db, client, clock, reserve="2000000")
    assert lot.ends_at is not None
    clock.set(lot.ends_at)
    await sweep(app, clock)
    lot = await lot_row(db, a.lot_id)
    assert lot.status == AuctionStatus.unsold and lot.result_reason == "below_reserve" and lot.final_price is None
    assert {r.deposit_status for r in await bidder_rows(db, a.lot_id)} == {DepositStatus.release}
    notice = (await fetch(db, select(Notice).where(Notice.id == lot.result_notice_id)))[0]
    assert notice.kind == NoticeKind.auction_failed and "流拍" in notice.body
    assert len(await bid_rows(db, a.lot_id)) == 1  # kept
    r = await client.get(f"{a.url}/confirmation.pdf", headers=a.centre.h)
    assert r.status_code == 404


async def test_fewer_than_two_continuing_ends_the_listing_with_the_highest_listing_bid(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """Land Order Art.20: only one bidder wants to continue → the listing result stands (no timed bidding)."""
    _a, lot = await to_timed(app, db, client, clock, continuing=1)
    assert lot.status == AuctionStatus.sold and lot.final_price == Decimal("1000000.00")
    assert lot.result_at == lot.listing_end


async def test_a_late_sweeper_never_lets_a_bid_through_after_the_end(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    """The server clock decides inside the bid's transaction, not the sweeper."""
    a, lot = await to_timed(app, db, client, clock)
    assert lot.ends_at is not None
    clock.set(lot.ends_at + timedelta(milliseconds=1))
    r = await bid(client, a, a.bidders[1], "1010000")
    assert r.status_code == 409 and r.json()["error"]["code"] == "auction.countdown_over"
    assert (await lot_row(db, a.lot_id)).status == AuctionStatus.timed  # the refused bid changed nothing
    await sweep(app, clock)
    assert (await lot_row(db, a.lot_id)).status == AuctionStatus.sold


async def test_live_auction_is_timed_bidding_from_the_start_and_no_bid_is_no_sale(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await make_auction(db, client, clock, bidders=2, mode="live", listing_days=0)
    lot = await to_listing(app, clock, db, a)
    assert lot.status == AuctionStatus.timed and lot.ends_at == lot.listing_start + timedelta(seconds=240)
    assert lot.ends_at is not None
    clock.set(lot.ends_at)
    await sweep(app, clock)
    lot = await lot_row(db, a.lot_id)
    assert lot.status == AuctionStatus.unsold and lot.result_reason == "no_bid"
