"""Tender hooks of the bid domain (see tender/hooks.py): the rescue key is made when a tender is published."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.auth.actor import Actor
from ggzy.bid.rescue import create_rescue_key
from ggzy.tender.hooks import on_published
from ggzy.tender.models import Tender


@on_published
async def make_rescue_key(session: AsyncSession, actor: Actor, tender: Tender, now: datetime) -> None:
    """补救方案 (E-Bidding Measures Art.31): split the new rescue key among the custodians, or refuse to publish."""
    await create_rescue_key(session, actor, tender, now)
