"""What a suspension (暂停交易) does to an evaluation in session: the chronograph leaves it alone while trading is
suspended, and on resumption its open clarification deadlines and its confirmation deadline move by the
suspension's length, like every other running deadline (supervision/deadlines.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.evaluation.models import ClarificationRequest, ClarificationStatus, Evaluation, EvaluationStatus
from ggzy.evaluation.review import next_check
from ggzy.supervision.deadlines import (
    Affected,
    SuspensionWindow,
    lock_for_update,
    register_deadline_shifter,
    register_pause_hook,
)
from ggzy.supervision.rules import shift_deadline
from ggzy.tender.models import Tender

IN_SESSION = (EvaluationStatus.convening, EvaluationStatus.reviewing, EvaluationStatus.scoring,
              EvaluationStatus.submitted)


async def _in_session(session: AsyncSession, project_id: str | None) -> list[tuple[Evaluation, str]]:
    stmt = (select(Evaluation, Tender.project_id).join(Tender, Tender.id == Evaluation.tender_id)
            .where(Evaluation.status.in_(IN_SESSION)).order_by(Evaluation.id))
    if project_id is not None:
        stmt = stmt.where(Tender.project_id == project_id)
    return [(ev, pid) for ev, pid in (await session.execute(lock_for_update(session, stmt, Evaluation))).all()]


@register_pause_hook
async def pause_evaluations(session: AsyncSession, project_id: str | None, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for ev, pid in await _in_session(session, project_id):
        if ev.next_check_at is not None:
            out.append(Affected("evaluation", ev.id, pid, {"next_check_at": ev.next_check_at},
                                {"next_check_at": None}))
            ev.next_check_at = None
    return out


@register_deadline_shifter
async def shift_evaluations(session: AsyncSession, window: SuspensionWindow, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for ev, pid in await _in_session(session, window.project_id):
        delay = window.delay_for(pid)
        open_requests = (await session.execute(select(ClarificationRequest).where(
            ClarificationRequest.evaluation_id == ev.id, ClarificationRequest.status == ClarificationStatus.open)
            .order_by(ClarificationRequest.id))).scalars().all()
        if not open_requests and ev.confirm_until is None:
            continue
        before = {"confirm_until": ev.confirm_until, "clarifications": {c.id: c.deadline for c in open_requests}}
        ev.confirm_until = shift_deadline(ev.confirm_until, window.started_at, delay)
        for c in open_requests:
            c.deadline = shift_deadline(c.deadline, window.started_at, delay) or c.deadline
        await session.flush()
        if window.still_suspended(pid):
            ev.next_check_at = None
        else:
            await next_check(session, ev)
        out.append(Affected("evaluation", ev.id, pid, before, {
            "confirm_until": ev.confirm_until, "clarifications": {c.id: c.deadline for c in open_requests},
            "next_check_at": ev.next_check_at, "delay_seconds": int(delay.total_seconds())}))
    return out
