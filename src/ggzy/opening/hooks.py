"""Tender hooks of the opening domain (see tender/hooks.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.opening import service
from ggzy.tender.hooks import on_bid_closed
from ggzy.tender.models import Tender
from ggzy.venue.duty import AlertKind, alert_on_duty


@on_bid_closed
async def open_or_fail(session: AsyncSession, tender: Tender, now: datetime) -> None:
    """At the deadline, in the closing transaction: the hall opens, or the tender fails (Bidding Regs Art.44).

    A tender or a lot that fails goes to whoever is on duty (venue.duty), in the same transaction.
    """
    opening = await service.start_opening(session, tender, now)
    if opening is None or opening.failed_lots:
        lots = "、".join(f"标段{f['number']}" for f in (opening.failed_lots if opening else []))
        what = f"{lots}投标人不足3家，流标" if lots else "投标人不足3家，不予开标，流标"
        await alert_on_duty(session, AlertKind.opening_failed, f"{tender.code} {tender.title}：{what}", now,
                            tender_id=tender.id, project_id=tender.project_id)
