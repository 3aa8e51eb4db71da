"""Refuse submissions while trading is suspended (platform-wide or for one project).

Call inside the writing transaction, AFTER locking the row being submitted to (the tender, the lot…),
like every deadline check. Why that order makes the check race-free: starting or ending a suspension
locks every tender of its scope (supervision.deadlines) before it commits, so on PostgreSQL a submission
either finishes before the suspension starts, or waits for the row and then reads the committed
suspension; on SQLite BEGIN IMMEDIATE serialises the two anyway. Only `active` suspensions block:
a request awaiting approval, a refused or an ended one does not.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.supervision.errors import TradingSuspended
from ggzy.supervision.models import Suspension, SuspensionScope, SuspensionStatus


async def active_suspension(session: AsyncSession, project_id: str | None) -> Suspension | None:
    """The suspension in force for `project_id` (a platform-wide one counts for every project), if any."""
    cond = Suspension.scope == SuspensionScope.platform
    if project_id is not None:
        cond = or_(cond, (Suspension.scope == SuspensionScope.project) & (Suspension.project_id == project_id))
    stmt = select(Suspension).where(Suspension.status == SuspensionStatus.active, cond).limit(1)
    return (await session.execute(stmt)).scalars().first()


async def ensure_trading_open(session: AsyncSession, project_id: str | None) -> None:
    """Raise TradingSuspended (409 supervision.suspended) while `project_id` or the platform is suspended."""
    found = await active_suspension(session, project_id)
    if found is not None:
        raise TradingSuspended(detail={"suspension_id": found.id, "scope": found.scope})
