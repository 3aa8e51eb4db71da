"""Loads the rows the statistics are computed from (public data only: counts after the opening, results)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auction.models import AuctionLot, AuctionStatus
from ggzy.award.models import Award, AwardStatus
from ggzy.kit.timefmt import SHANGHAI
from ggzy.opening.models import Opening, OpeningEntry
from ggzy.stats import rules
from ggzy.tender.models import Lot, Tender


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, next 1 January) of `year` in Beijing time, as aware datetimes."""
    return (datetime(year, 1, 1, tzinfo=SHANGHAI), datetime(year + 1, 1, 1, tzinfo=SHANGHAI))


async def figures(session: AsyncSession, year: int) -> rules.Figures:
    start, end = year_bounds(year)
    budgets = dict((await session.execute(
        select(Lot.tender_id, func.sum(Lot.budget)).join(Tender, Tender.id == Lot.tender_id)
        .where(Tender.published_at >= start, Tender.published_at < end).group_by(Lot.tender_id))).tuples().all())
    bidders = dict((await session.execute(
        select(Opening.tender_id, func.count(func.distinct(OpeningEntry.bidder_org_id)))
        .join(OpeningEntry, OpeningEntry.opening_id == Opening.id)
        .join(Tender, Tender.id == Opening.tender_id)
        .where(Tender.published_at >= start, Tender.published_at < end).group_by(Opening.tender_id))).tuples().all())
    tenders = [
        rules.TenderRow(t.id, str(t.line), str(t.status), t.published_at, budgets.get(t.id) or Decimal(0),
                        bidders.get(t.id))
        for t in (await session.execute(select(Tender).where(Tender.published_at >= start,
                                                             Tender.published_at < end))).scalars()
        if t.published_at is not None
    ]
    awards = [
        rules.AwardRow(a.tender_id, str(t.line), lot.budget, a.price, t.published_at, a.notified_at)
        for a, t, lot in (await session.execute(
            select(Award, Tender, Lot).join(Tender, Tender.id == Award.tender_id).join(Lot, Lot.id == Award.lot_id)
            .where(Award.status.in_((AwardStatus.notified, AwardStatus.contracted)),
                   Award.notified_at.is_not(None), Tender.published_at >= start, Tender.published_at < end))).all()
        if t.published_at is not None and a.notified_at is not None
    ]
    auctions = [
        rules.AuctionRow(lot.line, lot.status == AuctionStatus.sold, lot.start_price, lot.final_price, lot.result_at)
        for lot in (await session.execute(select(AuctionLot).where(
            AuctionLot.status.in_((AuctionStatus.sold, AuctionStatus.unsold)), AuctionLot.result_at >= start,
            AuctionLot.result_at < end))).scalars()
        if lot.result_at is not None
    ]
    return rules.compute(year, tenders, awards, auctions)
