"""What a suspension (暂停交易) does to a draw waiting for answers: the chronograph does not turn silence into
no-answers while trading is suspended, and on resumption each invited expert's answer deadline moves by the
suspension's length, like every other running deadline (supervision/deadlines.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.expert.models import CommitteeMember, DrawStatus, ExpertDraw, MemberStatus
from ggzy.supervision.deadlines import (
    Affected,
    SuspensionWindow,
    lock_for_update,
    register_deadline_shifter,
    register_pause_hook,
)
from ggzy.supervision.rules import shift_deadline
from ggzy.tender.models import Tender


async def _waiting(session: AsyncSession, project_id: str | None) -> list[tuple[ExpertDraw, str]]:
    stmt = (select(ExpertDraw, Tender.project_id).join(Tender, Tender.id == ExpertDraw.tender_id)
            .where(ExpertDraw.status == DrawStatus.drawn).order_by(ExpertDraw.id))
    if project_id is not None:
        stmt = stmt.where(Tender.project_id == project_id)
    return [(d, pid) for d, pid in (await session.execute(lock_for_update(session, stmt, ExpertDraw))).all()]


@register_pause_hook
async def pause_draws(session: AsyncSession, project_id: str | None, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for draw, pid in await _waiting(session, project_id):
        if draw.next_check_at is not None:
            out.append(Affected("expert_draw", draw.id, pid, {"next_check_at": draw.next_check_at},
                                {"next_check_at": None}))
            draw.next_check_at = None
    return out


@register_deadline_shifter
async def shift_draws(session: AsyncSession, window: SuspensionWindow, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for draw, pid in await _waiting(session, window.project_id):
        delay = window.delay_for(pid)
        asked = (await session.execute(select(CommitteeMember).where(
            CommitteeMember.draw_id == draw.id, CommitteeMember.status == MemberStatus.notified)
            .order_by(CommitteeMember.id))).scalars().all()
        before = {m.id: m.answer_due for m in asked}
        for m in asked:
            m.answer_due = shift_deadline(m.answer_due, window.started_at, delay)
        dues = [m.answer_due for m in asked if m.answer_due is not None]
        draw.next_check_at = None if window.still_suspended(pid) or not dues else min(dues)
        out.append(Affected("expert_draw", draw.id, pid, {"answer_due": before},
                            {"answer_due": {m.id: m.answer_due for m in asked}, "next_check_at": draw.next_check_at,
                             "delay_seconds": int(delay.total_seconds())}))
    return out
