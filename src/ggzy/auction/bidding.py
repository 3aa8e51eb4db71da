"""Bids, the listing's end and the timed bidding's countdown (限时竞价), applied at the server clock.

`advance` applies every transition already due at `now` (listing starts, listing ends, countdown expires) inside
the caller's transaction; both a bid and the chronograph call it first, so a late sweeper never lets a bid through
after an end. A bid locks the lot row, so two bids on one lot are decided one after the other: the second of two
equal bids sees the first and is refused as outbid (409 auction.outbid).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction import result, rules, state
from ggzy.auction.errors import CountdownOver, NotApproved, NotBidding, NotContinuing, Outbid
from ggzy.auction.events import money_out, publish
from ggzy.auction.models import (
    ApplicationStatus,
    AuctionBid,
    AuctionBidder,
    AuctionLot,
    AuctionMode,
    AuctionStatus,
    BidPhase,
)
from ggzy.auction.service import load_lot, my_application
from ggzy.audit.service import record
from ggzy.auth.actor import Actor, system_actor
from ggzy.kit.clock import Clock
from ggzy.kit.db import commit
from ggzy.supervision.guard import ensure_trading_open

S = AuctionStatus
AUCTIONEER = system_actor("auction")
async def _approved_count(session: AsyncSession, lot_id: str, *, continuing: bool = False) -> int:
    stmt = select(func.count(AuctionBidder.id)).where(AuctionBidder.lot_id == lot_id,
                                                      AuctionBidder.status == ApplicationStatus.approved)
    if continuing:
        stmt = stmt.where(AuctionBidder.continues_at.is_not(None))
    return int((await session.execute(stmt)).scalar_one())


async def _start_timed(session: AsyncSession, lot: AuctionLot, at: datetime, now: datetime) -> None:
    state.transition_to(lot, S.timed)
    lot.timed_started_at = at
    lot.ends_at = rules.countdown_end(at, lot.countdown_seconds)
    lot.next_check_at = lot.ends_at
    await record(session, "auction:timed_started", AUCTIONEER, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, after={"started_at": at, "ends_at": lot.ends_at}, now=now)
    publish(session, lot, "auction:status", now)


async def advance(session: AsyncSession, lot: AuctionLot, now: datetime) -> None:
    """Apply every transition of the locked `lot` that is due at `now`, in order."""
    while True:
        if lot.status == S.announced and now >= lot.listing_start:
            if lot.mode == AuctionMode.live:
                if await _approved_count(session, lot.id) == 0:
                    await result.finish(session, lot, now)
                else:
                    await _start_timed(session, lot, lot.listing_start, now)
                continue
            state.transition_to(lot, S.listing)
            lot.next_check_at = lot.listing_end
            await record(session, "auction:listing_started", AUCTIONEER, subject_type="auction_lot",
                         subject_id=lot.id, project_id=lot.project_id, after={"listing_end": lot.listing_end}, now=now)
            publish(session, lot, "auction:status", now)
        elif lot.status == S.listing and now >= lot.listing_end:
            # Land Order Art.20: two or more bidders wanting to continue → timed bidding; otherwise the result.
            if rules.goes_to_timed(await _approved_count(session, lot.id, continuing=True)):
                await _start_timed(session, lot, lot.listing_end, now)
            else:
                await result.finish(session, lot, now)
        elif lot.status == S.timed and lot.ends_at is not None and now >= lot.ends_at:
            await result.finish(session, lot, now)
        else:
            return


async def sweep(session: AsyncSession, lot: AuctionLot, now: datetime) -> None:
    """Chronograph handler: re-read the row under lock and apply what is due (never early)."""
    locked = await load_lot(session, lot.id, lock=True)
    await advance(session, locked, now)
    if locked.status in (S.sold, S.unsold):
        locked.next_check_at = None
    elif locked.next_check_at is not None and locked.next_check_at <= now:
        locked.next_check_at = None  # nothing else is due (e.g. a draft): stop polling this row


async def _bidder(session: AsyncSession, actor: Actor, lot: AuctionLot) -> AuctionBidder:
    app = await my_application(session, actor, lot.id)
    if app is None or app.status != ApplicationStatus.approved or app.number is None:
        raise NotApproved()
    return app


async def place_bid(session: AsyncSession, actor: Actor, lot_id: str, amount_raw: object, *,
                    clock: Clock) -> AuctionBid:
    """One bid at the server clock: parsed, checked against status, approval, suspension, the countdown and the
    next minimum, stored for ever. In timed bidding the countdown ends `countdown_seconds` after this bid.

    The time is read after the lot's row is locked, so bids on one lot get increasing times in the order they
    are accepted, and the end a bid sets is never earlier than the one before it."""
    amount = rules.parse_amount(amount_raw)
    lot = await load_lot(session, lot_id, lock=True)
    now = clock.now()
    await ensure_trading_open(session, lot.project_id)
    bidder = await _bidder(session, actor, lot)
    await advance(session, lot, now)
    if lot.status == S.listing:
        if not lot.listing_start <= now < lot.listing_end:
            raise NotBidding()
        phase = BidPhase.listing
    elif lot.status == S.timed:
        if not rules.countdown_open(now, lot.ends_at):
            raise CountdownOver()
        if lot.mode == AuctionMode.listing and bidder.continues_at is None:
            raise NotContinuing()
        phase = BidPhase.timed
    else:
        # Refused: the transitions `advance` made roll back with the bid; the chronograph applies them itself.
        raise CountdownOver() if lot.timed_started_at is not None else NotBidding()
    minimum = rules.next_minimum(lot.current_price, lot.start_price, lot.increment)
    if amount < minimum:
        raise Outbid(detail={"minimum": money_out(minimum), "price": money_out(lot.current_price)})
    before = {"price": lot.current_price, "bid_count": lot.bid_count, "ends_at": lot.ends_at}
    lot.bid_count += 1
    lot.current_price, lot.leader_id = amount, bidder.id
    if phase == BidPhase.timed:
        lot.ends_at = rules.countdown_end(now, lot.countdown_seconds)
        lot.next_check_at = lot.ends_at
    bid = AuctionBid(lot_id=lot.id, bidder_id=bidder.id, seq=lot.bid_count, amount=amount, at=now, phase=phase,
                     ends_at=lot.ends_at if phase == BidPhase.timed else None, ip=actor.ip)
    session.add(bid)
    await session.flush()
    await record(session, "auction:bid", actor, subject_type="auction_lot", subject_id=lot.id,
                 project_id=lot.project_id, before=before,
                 after={"seq": bid.seq, "number": bidder.number, "amount": amount, "phase": str(phase),
                        "ends_at": lot.ends_at}, now=now)
    publish(session, lot, "auction:bid", now,
            bid={"seq": bid.seq, "number": bidder.number, "amount": money_out(amount), "at": now.isoformat(),
                 "phase": str(phase)})
    await commit(session)
    return bid


async def bids_of(session: AsyncSession, lot_id: str) -> list[tuple[AuctionBid, str]]:
    """Every bid ever placed, in order, with the bidder's number (public: numbers only)."""
    rows = (await session.execute(
        select(AuctionBid, AuctionBidder.number).join(AuctionBidder, AuctionBidder.id == AuctionBid.bidder_id)
        .where(AuctionBid.lot_id == lot_id).order_by(AuctionBid.seq))).all()
    return [(r[0], str(r[1])) for r in rows]
