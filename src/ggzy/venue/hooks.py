"""Tender hooks of the venue (see tender/hooks.py): sessions follow the tender's timetable.

Published: the opening is booked at the bid deadline and the evaluation right after it. The timetable moved
(correction, clarification, suspension) or was called off (cancellation): the sessions move or are released.
Bidding closed and the tender failed (fewer than 3 bids): the evaluation room is released.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.tender.hooks import on_bid_closed, on_published, on_timetable_changed
from ggzy.tender.models import Tender, TenderStatus
from ggzy.venue import bookings
from ggzy.venue.models import BookingPurpose


@on_published
async def book_sessions(session: AsyncSession, actor: Actor, tender: Tender, now: datetime) -> None:
    await bookings.book_tender(session, tender, now=now)


@on_timetable_changed
async def follow_timetable(session: AsyncSession, tender: Tender, now: datetime) -> None:
    await bookings.follow_timetable(session, tender, now=now)


@on_bid_closed
async def release_failed(session: AsyncSession, tender: Tender, now: datetime) -> None:
    """Runs after the opening's hook (HOOK_MODULES order): a failed tender needs no evaluation room."""
    if tender.status == TenderStatus.failed:
        await bookings.release_tender(session, tender, now=now, reason="流标（投标人不足3家）",
                                      purposes=(BookingPurpose.evaluation,))
