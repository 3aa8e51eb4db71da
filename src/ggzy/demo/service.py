"""Demo-only use cases: moving the clock (audited like any other change) and running a sweep now."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ggzy.audit.service import record
from ggzy.auth.actor import Actor
from ggzy.demo.clock import OffsetClock
from ggzy.demo.errors import ClockBackwards, ClockNotMovable
from ggzy.kit.clock import Clock, FrozenClock
from ggzy.kit.db import commit


async def advance_clock(session: AsyncSession, actor: Actor, clock: Clock, *, seconds: float,
                        now: datetime) -> datetime:
    """Move the platform clock forward; the jump itself goes into the audit chain."""
    if seconds < 0:
        raise ClockBackwards()
    if not isinstance(clock, OffsetClock | FrozenClock):
        raise ClockNotMovable()
    delta = timedelta(seconds=seconds)
    await record(session, "demo:clock_advanced", actor, subject_type="clock", subject_id="platform",
                 before={"now": now}, after={"now": now + delta, "seconds": seconds}, now=now)
    await commit(session)
    return clock.advance(delta)


async def sweep_now(session: AsyncSession, maker: async_sessionmaker[AsyncSession], clock: Clock) -> int:
    """Run one chronograph sweep immediately instead of waiting for the background interval."""
    from ggzy.chronograph.runner import sweep_once

    # The request's session (used to resolve the caller) holds SQLite's write lock; the sweeper's own
    # sessions need it.
    await session.rollback()
    return await sweep_once(maker, clock)
