"""Tender hooks of the opening domain (see tender/hooks.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.opening import service
from ggzy.tender.hooks import on_bid_closed
from ggzy.tender.models import Tender


@on_bid_closed
async def open_or_fail(session: AsyncSession, tender: Tender, now: datetime) -> None:
    """At the deadline, in the closing transaction: the hall opens, or the tender fails (Bidding Regs Art.44)."""
    await service.start_opening(session, tender, now)
