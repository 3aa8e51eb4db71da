"""A suspension (暂停交易) while invited experts have not answered yet: silence during the suspension never becomes a
no-answer (Bidding Regs Art.46/48 replacements), and on resumption each answer deadline moves by the suspension's
length (DOMAIN.md, Emergency operation)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.audit.models import AuditEvent
from ggzy.chronograph import runner
from ggzy.expert import draw_service as service
from ggzy.expert.models import MemberStatus
from ggzy.kit.clock import FrozenClock
from ggzy.supervision import service as supervision
from ggzy.supervision.models import SuspensionScope
from tests.expert.draw_builders import add_pool, draw_world, request_body
from tests.expert.test_draw_service import draw_row, members
from tests.factories import query


async def test_suspension_keeps_answers_open_and_moves_their_deadline(app, db: AsyncSession,
                                                                       clock: FrozenClock) -> None:
    now = clock.now()
    w = await draw_world(db, now)
    await add_pool(db, w, now, 14, codes=("A0801",))
    draw = await service.request_draw(db, w.agency, w.tender_id, request_body(now, size=5), now=now)
    draw_id = draw.id
    clock.advance(minutes=10)
    await service.perform_draw(db, w.centre, draw_id, now=clock.now(), blobs=app.state.blobs)
    asked = [m for m in await members(db, draw_id) if m.status == MemberStatus.notified]
    due = asked[0].answer_due
    assert due is not None and all(m.answer_due == due for m in asked)

    clock.advance(minutes=5)
    s = await supervision.request_suspension(db, w.centre, scope=SuspensionScope.platform, project_id=None,
                                             reason="系统故障，暂停全部交易", now=clock.now())
    assert (await draw_row(db, draw_id)).next_check_at is None
    clock.advance(hours=3)  # far past the answer deadline
    await runner.sweep_once(app.state.sessionmaker, clock)
    assert all(m.status == MemberStatus.notified for m in await members(db, draw_id) if m.round == 1
               and m.id in {a.id for a in asked})

    await supervision.resume_trading(db, w.centre, s.id, now=clock.now())
    moved = [m for m in await members(db, draw_id) if m.id in {a.id for a in asked}]
    assert all(m.answer_due == due + timedelta(hours=3) for m in moved)
    assert (await draw_row(db, draw_id)).next_check_at == due + timedelta(hours=3)
    tags = [r[0] for r in await query(db, AuditEvent.__table__.select().with_only_columns(AuditEvent.tag)
                                      .where(AuditEvent.subject_id == draw_id))]
    assert "expert_draw:deadlines_shifted" in tags
    clock.set(due + timedelta(hours=3))
    assert await runner.sweep_once(app.state.sessionmaker, clock) >= 1
    assert all(m.status == MemberStatus.no_answer for m in await members(db, draw_id) if m.id in {a.id for a in asked})
