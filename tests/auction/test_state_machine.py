"""Hypothesis state machine over random sequences of bids, clock moves, sweeps, reserve entries, wishes to continue
and reconnects of a live watcher (issue 5, "What it must show"). It drives the real services on a real database
(a fresh SQLite file per example: the rules under test are the same on both engines, and the engine-specific
locking is covered by test_concurrency on SQLite and PostgreSQL).

Invariants after every step (DOMAIN.md "The auction journey"; Land Order Art.20):
- bids are strictly increasing, the first ≥ the start price, every step ≥ the increment; none is ever lost;
- the lot's price and count are those of the last bid;
- in timed bidding the countdown ends exactly the countdown length after the last timed bid (or the start);
- no listing bid outside the listing period, no timed bid at or after the end it was placed under;
- once decided, the result never changes: sold iff the highest bid ≥ the reserve (or no reserve);
- a watcher reconnecting with any Last-Event-ID gets every later event, in order, none twice.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import ggzy.models  # noqa: F401
from ggzy.auction import bidding, rules, service
from ggzy.auction.events import channel
from ggzy.auction.models import AuctionBid, AuctionLot, AuctionStatus, BidPhase
from ggzy.auction.schemas import LotCreate
from ggzy.auth.actor import Actor
from ggzy.auth.service import actor_for
from ggzy.chronograph import runner
from ggzy.kit.clock import FrozenClock
from ggzy.kit.db import Base, make_engine, make_sessionmaker
from ggzy.kit.errors import DomainError
from ggzy.party.models import OrgKind
from ggzy.project.models import Project, ProjectStatus, TradingLine
from ggzy.realtime.broker import MemoryBroker, set_current_broker
from tests.conftest import START
from tests.factories import PASSWORD, create_party

S = AuctionStatus
FINISHED = (S.sold, S.unsold)


class AuctionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp(prefix="ggzy-hyp-"))
        self.engine = make_engine(f"sqlite+aiosqlite:///{self.dir / 'h.db'}")
        self.maker = make_sessionmaker(self.engine, audit_key="hypothesis")
        self.clock = FrozenClock(START)
        self.broker = MemoryBroker()
        set_current_broker(self.broker)
        self.result: tuple[Any, ...] | None = None
        self.reserve: Decimal | None = None
        self.seen_bids: list[tuple[int, Decimal]] = []

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def _session(self) -> AsyncSession:
        return self.maker()

    @initialize(mode=st.sampled_from(["listing", "live"]), approved=st.integers(1, 3))
    def setup(self, mode: str, approved: int) -> None:
        self.run(self._setup(mode, approved))

    async def _setup(self, mode: str, approved: int) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        now = self.clock.now()
        async with self.maker() as db:
            _, _, centre = await create_party(db, OrgKind.centre, now=now)
            seller_org, self.officer_user, self.officer = await create_party(db, OrgKind.tenderer, now=now)
            _, self.witness, _ = await create_party(db, OrgKind.supervisor, now=now, supervised_lines=["land"])
            self.bidders: list[Actor] = [
                (await create_party(db, OrgKind.bidder, now=now))[2] for _ in range(4)]
            project = Project(code="TD-H-1", name="地块", line=TradingLine.land, tenderer_org_id=seller_org.id,
                              applicant_user_id=self.officer_user.id, status=ProjectStatus.admitted,
                              submitted_at=now, created_at=now)
            db.add(project)
            await db.commit()
            data = LotCreate(project_id=project.id, title="地块", mode=mode, start_price="1000", increment="100",
                             deposit="100", listing_days=10, countdown_seconds=240,
                             listing_start=now + timedelta(days=21), reserve_officer_id=self.officer_user.id)
            lot = await service.create_lot(db, centre, data, now=now)
            self.lot_id = lot.id
            await service.publish_announcement(db, centre, lot.id, now=now)
            for b in self.bidders[:approved]:
                app = await service.apply(db, b, lot.id, now=now)
                await service.approve(db, centre, lot.id, app.id, "BANK-1", now=now)
            self.start, self.end = lot.listing_start, lot.listing_end
        self.actor_for = actor_for

    def teardown(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()
        set_current_broker(None)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ rules

    @rule(target_point=st.sampled_from(["start", "end", "none"]), seconds=st.integers(0, 300))
    def move_clock(self, target_point: str, seconds: int) -> None:
        if target_point == "start" and self.clock.now() < self.start:
            self.clock.set(self.start)
        elif target_point == "end" and self.clock.now() < self.end:
            self.clock.set(self.end)
        self.clock.advance(seconds=seconds)

    @rule()
    def sweep(self) -> None:
        self.run(runner.sweep_once(self.maker, self.clock))

    @rule(who=st.integers(0, 3), steps=st.integers(-1, 3), cents=st.sampled_from(["", ".5", ".001"]))
    def place_bid(self, who: int, steps: int, cents: str) -> None:
        self.run(self._bid(who, steps, cents))

    async def _bid(self, who: int, steps: int, cents: str) -> None:
        lot = await self._lot()
        minimum = rules.next_minimum(lot.current_price, lot.start_price, lot.increment)
        amount = f"{int(minimum + lot.increment * steps)}{cents}"  # whole yuan here: start 1000, step 100
        async with self.maker() as db:
            try:
                bid = await bidding.place_bid(db, self.bidders[who], self.lot_id, amount, clock=self.clock)
            except DomainError as err:
                assert err.status in (403, 409, 422), err
                if cents == ".001":
                    assert err.code == "auction.bad_amount"
                if err.code == "auction.outbid":
                    assert Decimal(amount) < minimum
                return
        assert cents != ".001" and bid.amount >= minimum

    @rule(amount=st.sampled_from(["900", "1000", "1500", "2500", "12.345"]))
    def enter_reserve(self, amount: str) -> None:
        self.run(self._reserve(amount))

    async def _reserve(self, amount: str) -> None:
        had = (await self._lot()).reserve_commitment
        async with self.maker() as db:
            try:
                await service.enter_reserve(db, self.officer, self.lot_id, amount,
                                            witness_username=self.witness.username, witness_password=PASSWORD,
                                            now=self.clock.now())
            except DomainError as err:
                await db.rollback()  # the refused write still holds SQLite's write lock until rolled back
                assert err.code in {"auction.reserve_entered", "auction.bad_amount", "auction.not_bidding"}
                assert had is None or err.code != "auction.bad_amount" or amount == "12.345"
                assert (await self._lot()).reserve_commitment == had
                return
        assert had is None
        self.reserve = Decimal(amount)

    @rule(who=st.integers(0, 3))
    def declare_continue(self, who: int) -> None:
        async def go() -> None:
            async with self.maker() as db:
                try:
                    await service.declare_continue(db, self.bidders[who], self.lot_id, now=self.clock.now())
                except DomainError as err:
                    assert err.code in {"auction.not_approved", "auction.not_bidding"}
        self.run(go())

    @rule(back=st.integers(0, 50))
    def reconnect(self, back: int) -> None:
        self.run(self._reconnect(back))

    async def _reconnect(self, back: int) -> None:
        ch = channel(self.lot_id)
        latest = self.broker._seq[ch]
        last = max(0, latest - back)
        got: list[Any] = []
        if latest > last:
            stream = self.broker.subscribe(ch, last)
            async for ev in stream:
                got.append(ev)
                if ev.seq == latest:
                    break
            await stream.aclose()  # type: ignore[attr-defined]
        assert [e.seq for e in got] == list(range(last + 1, latest + 1))
        prices = [Decimal(e.data["price"]) for e in got if e.data["price"] is not None]
        assert prices == sorted(prices)

    # ------------------------------------------------------------------ invariants

    async def _lot(self) -> AuctionLot:
        async with self.maker() as db:
            lot = await db.get(AuctionLot, self.lot_id)
            assert lot is not None
            return lot

    async def _bids(self) -> list[AuctionBid]:
        async with self.maker() as db:
            stmt = select(AuctionBid).where(AuctionBid.lot_id == self.lot_id).order_by(AuctionBid.seq)
            return list((await db.execute(stmt)).scalars())

    @invariant()
    def consistent(self) -> None:
        if not hasattr(self, "lot_id"):
            return
        lot, bids = self.run(self._lot()), self.run(self._bids())
        assert [(b.seq, b.amount) for b in bids][: len(self.seen_bids)] == self.seen_bids  # never lost or changed
        self.seen_bids = [(b.seq, b.amount) for b in bids]
        assert lot.bid_count == len(bids)
        if bids:
            assert bids[0].amount >= lot.start_price and lot.current_price == bids[-1].amount
        for prev, cur in itertools.pairwise(bids):
            assert cur.amount - prev.amount >= lot.increment and cur.at >= prev.at
        countdown = timedelta(seconds=lot.countdown_seconds)
        ends = lot.timed_started_at + countdown if lot.timed_started_at else None
        for b in bids:
            if b.phase == BidPhase.listing:
                assert self.start <= b.at < self.end
            else:
                assert ends is not None and b.at < ends and b.ends_at == b.at + countdown
                ends = b.ends_at
        if lot.status == S.timed:
            assert lot.ends_at == ends
        if lot.status in FINISHED:
            verdict = rules.outcome(lot.current_price, lot.reserve_revealed)
            assert (lot.status == S.sold) == (verdict == rules.Outcome.sold)
            assert lot.reserve_revealed == self.reserve
            assert lot.final_price == (lot.current_price if lot.status == S.sold else None)
            assert all(b.at <= lot.result_at for b in bids if lot.result_at)
            now = (lot.status, lot.final_price, lot.result_at, lot.bid_count)
            assert self.result in (None, now)
            self.result = now


TestAuctionMachine = AuctionMachine.TestCase
TestAuctionMachine.settings = settings(max_examples=30, stateful_step_count=30, deadline=None,
                                       suppress_health_check=[HealthCheck.too_slow])
