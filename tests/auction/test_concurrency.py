"""Concurrent bids on one lot, through the real app on SQLite and PostgreSQL (issue 5, "What it must show").

The clock here moves by itself (a millisecond every time it is read), so bids racing each other get distinct
server times, like on a real server, and the test can check that the countdown always ends exactly the countdown
length after the last accepted bid.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionStatus
from ggzy.kit.clock import FrozenClock
from tests.auction.helpers import Auction, Who, bid, bid_rows, lot_row, make_auction, sweep
from tests.conftest import START


class TickingClock(FrozenClock):
    """A frozen clock that still moves forward by 1 ms on every read (the tests set or advance it as usual)."""

    def now(self) -> datetime:
        self.advance(timedelta(milliseconds=1))
        return super().now()


@pytest.fixture
def clock() -> FrozenClock:
    return TickingClock(START)


async def _timed_lot(app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock, n: int) -> Auction:
    """A live auction (timed bidding from the start) with `n` approved bidders, its countdown running."""
    a = await make_auction(db, client, clock, bidders=n, mode="live", listing_days=0)
    lot = await lot_row(db, a.lot_id)
    clock.set(lot.listing_start)
    await sweep(app, clock)
    assert (await lot_row(db, a.lot_id)).status == AuctionStatus.timed
    return a


async def test_two_equal_bids_at_the_same_moment_one_accepted_the_other_outbid(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await _timed_lot(app, db, client, clock, 2)
    first, second = await asyncio.gather(bid(client, a, a.bidders[0], "1000000"),
                                         bid(client, a, a.bidders[1], "1000000"))
    codes = sorted([first.status_code, second.status_code])
    assert codes == [201, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.json()["error"]["code"] == "auction.outbid"
    assert loser.json()["error"]["detail"]["minimum"] == "1010000.00"
    assert [b.amount for b in await bid_rows(db, a.lot_id)] == [Decimal("1000000.00")]


async def _hammer(client: AsyncClient, a: Auction, b: Who, rounds: int, rng: random.Random) -> list[int]:
    statuses = []
    for _ in range(rounds):
        state = (await client.get(a.url)).json()
        amount = Decimal(state["next_minimum"]) + Decimal(10000) * rng.choice([0, 0, 1, 2])
        r = await bid(client, a, b, str(amount))
        assert r.status_code in (201, 409), r.text
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "auction.outbid"
        statuses.append(r.status_code)
    return statuses


async def test_fifty_bidders_hammering_one_lot_give_strictly_increasing_bids_and_a_consistent_countdown(
        app: Any, db: AsyncSession, client: AsyncClient, clock: FrozenClock) -> None:
    a = await _timed_lot(app, db, client, clock, 50)
    rng = random.Random(5)
    results = await asyncio.gather(*[_hammer(client, a, b, 4, rng) for b in a.bidders])
    accepted = sum(s.count(201) for s in results)
    bids = await bid_rows(db, a.lot_id)
    lot = await lot_row(db, a.lot_id)
    assert len(bids) == accepted == lot.bid_count > 1
    assert [b.seq for b in bids] == list(range(1, len(bids) + 1))
    assert bids[0].amount >= lot.start_price
    for prev, cur in itertools.pairwise(bids):
        assert cur.amount - prev.amount >= lot.increment
        assert cur.at > prev.at  # server times follow the order of acceptance
    countdown = timedelta(seconds=lot.countdown_seconds)
    assert all(b.ends_at == b.at + countdown for b in bids)
    assert lot.ends_at == bids[-1].at + countdown and lot.current_price == bids[-1].amount
