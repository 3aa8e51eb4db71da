"""What a suspension (暂停交易) does to a running auction: the chronograph does not start or end a listing, nor let a
countdown expire, while trading is suspended (bids are refused meanwhile by supervision.guard), and on resumption
the listing start, the listing end and the countdown's end move by the suspension's length, like every running
deadline (supervision/deadlines.py). A countdown therefore resumes with the time it had left. Watchers of the room
get the new countdown at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.events import publish
from ggzy.auction.models import AuctionLot, AuctionStatus
from ggzy.supervision.deadlines import (
    Affected,
    SuspensionWindow,
    lock_for_update,
    register_deadline_shifter,
    register_pause_hook,
)
from ggzy.supervision.rules import shift_deadline

S = AuctionStatus
RUNNING = (S.announced, S.listing, S.timed)
DEADLINES = ("listing_start", "listing_end", "ends_at")


async def _running(session: AsyncSession, project_id: str | None) -> list[AuctionLot]:
    stmt = select(AuctionLot).where(AuctionLot.status.in_(RUNNING)).order_by(AuctionLot.id)
    if project_id is not None:
        stmt = stmt.where(AuctionLot.project_id == project_id)
    return list((await session.execute(lock_for_update(session, stmt))).scalars())


def next_check(lot: AuctionLot) -> datetime | None:
    """The deadline the chronograph watches in the lot's current stage (as auction.bidding.advance applies them)."""
    return {S.announced: lot.listing_start, S.listing: lot.listing_end, S.timed: lot.ends_at}.get(lot.status)


def _deadlines(lot: AuctionLot) -> dict[str, datetime | None]:
    return {name: getattr(lot, name) for name in DEADLINES}


@register_pause_hook
async def pause_lots(session: AsyncSession, project_id: str | None, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for lot in await _running(session, project_id):
        if lot.next_check_at is not None:
            out.append(Affected("auction_lot", lot.id, lot.project_id, {"next_check_at": lot.next_check_at},
                                {"next_check_at": None}))
            lot.next_check_at = None
    return out


@register_deadline_shifter
async def shift_lots(session: AsyncSession, window: SuspensionWindow, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for lot in await _running(session, window.project_id):
        delay = window.delay_for(lot.project_id)
        before = _deadlines(lot)
        # A listing already running keeps its start: only deadlines still ahead of the suspension move.
        for name in DEADLINES:
            setattr(lot, name, shift_deadline(getattr(lot, name), window.started_at, delay))
        lot.next_check_at = None if window.still_suspended(lot.project_id) else next_check(lot)
        publish(session, lot, "auction:status", now)
        out.append(Affected("auction_lot", lot.id, lot.project_id, before, {
            **_deadlines(lot), "next_check_at": lot.next_check_at, "delay_seconds": int(delay.total_seconds())}))
    return out
