"""Refuse submissions while trading is suspended (platform-wide or for one project).

Call inside the writing transaction, after taking the row lock, like every deadline check.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.supervision.errors import TradingSuspended
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus


async def active_suspension(session: AsyncSession, project_id: str | None) -> Suspension | None:
    cond = Suspension.scope == SuspensionScope.platform
    if project_id is not None:
        cond = or_(cond, (Suspension.scope == SuspensionScope.project) & (Suspension.project_id == project_id))
    stmt = select(Suspension).where(Suspension.status == SuspensionStatus.active, cond).limit(1)
    return (await session.execute(stmt)).scalars().first()


async def ensure_trading_open(session: AsyncSession, project_id: str | None) -> None:
    found = await active_suspension(session, project_id)
    if found is not None:
        raise TradingSuspended(detail={"suspension_id": found.id, "scope": found.scope})
