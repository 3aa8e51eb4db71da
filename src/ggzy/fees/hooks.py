"""Fees plugged into the tender's own transaction (tender.hooks): document fees are charged when bidding closes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.fees import service
from ggzy.tender.hooks import on_bid_closed
from ggzy.tender.models import Tender


@on_bid_closed
async def charge_document_fees(session: AsyncSession, tender: Tender, now: datetime) -> None:
    """招标文件工本费 per downloading organisation, now that who downloaded may be known (E-Bidding Measures Art.21)."""
    await service.on_bid_closed(session, tender, now)
