"""What a suspension (暂停交易) does to a running opening: the chronograph does not close the decryption window,
end the rescue time or deem confirmations while trading is suspended (a bidder must never be 视为撤销 because the
platform stopped), and on resumption those deadlines move by the suspension's length, like every running deadline
(supervision/deadlines.py). Watchers of the hall get the new countdowns at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ggzy.opening.models import Opening, OpeningStatus
from ggzy.opening.service import _event
from ggzy.supervision.deadlines import (
    Affected,
    SuspensionWindow,
    lock_for_update,
    register_deadline_shifter,
    register_pause_hook,
)
from ggzy.supervision.rules import shift_deadline
from ggzy.tender.models import Tender

S = OpeningStatus
DEADLINES = ("decrypt_until", "rescue_until", "confirm_until")


async def _running(session: AsyncSession, project_id: str | None) -> list[tuple[Opening, Tender]]:
    stmt = (select(Opening, Tender).join(Tender, Tender.id == Opening.tender_id)
                 .where(Opening.status != S.closed).order_by(Opening.id))
    if project_id is not None:
        stmt = stmt.where(Tender.project_id == project_id)
    return [(o, t) for o, t in (await session.execute(lock_for_update(session, stmt, Opening))).all()]


def next_check(opening: Opening, now: datetime) -> datetime | None:
    """The deadline the chronograph watches in the opening's current stage (as opening.service.sweep does)."""
    if opening.status == S.decrypting:
        return opening.decrypt_until
    if opening.status == S.announcing:
        return opening.rescue_until if opening.rescue_until and opening.rescue_until > now else None
    if opening.status == S.confirming:
        return opening.confirm_until
    return None


@register_pause_hook
async def pause_openings(session: AsyncSession, project_id: str | None, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for opening, tender in await _running(session, project_id):
        if opening.next_check_at is not None:
            out.append(Affected("opening", opening.id, tender.project_id, {"next_check_at": opening.next_check_at},
                                {"next_check_at": None}))
            opening.next_check_at = None
    return out


@register_deadline_shifter
async def shift_openings(session: AsyncSession, window: SuspensionWindow, now: datetime) -> list[Affected]:
    out: list[Affected] = []
    for opening, tender in await _running(session, window.project_id):
        delay = window.delay_for(tender.project_id)
        before = {name: getattr(opening, name) for name in DEADLINES}
        for name in DEADLINES:
            setattr(opening, name, shift_deadline(getattr(opening, name), window.started_at, delay))
        opening.next_check_at = None if window.still_suspended(tender.project_id) else next_check(opening, now)
        _event(session, opening, tender, "deadlines_shifted")
        out.append(Affected("opening", opening.id, tender.project_id, before, {
            **{name: getattr(opening, name) for name in DEADLINES}, "next_check_at": opening.next_check_at,
            "delay_seconds": int(delay.total_seconds())}))
    return out
