"""The audit chain (E-Bidding Measures Art.14/49): every change recorded, nothing alterable unnoticed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.audit.service import GENESIS, record, verify_chain
from ggzy.auth.actor import system_actor
from ggzy.kit.clock import FrozenClock


async def _append(db: AsyncSession, clock: FrozenClock, n: int) -> None:
    for i in range(n):
        await record(db, "test:event", system_actor("test"), subject_type="thing", subject_id=str(i),
                     now=clock.advance(timedelta(seconds=1)), after={"i": i})
    await db.commit()


async def test_chain_links_each_entry_to_the_previous_art49(db: AsyncSession, clock: FrozenClock) -> None:
    await _append(db, clock, 5)
    rows = (await db.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, 5))
    result = await verify_chain(db)
    assert result.ok and result.checked == 5 and result.head_hash == rows[-1].hash
