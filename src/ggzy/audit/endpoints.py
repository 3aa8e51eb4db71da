"""JSON API of the audit domain: chain verification and the event listing (centre staff, supervisors)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ggzy.audit.queries import PAGE_SIZE, list_events
from ggzy.audit.schemas import EventOut, EventPage, VerifyOut
from ggzy.audit.service import verify_chain
from ggzy.auth.deps import CentreStaff, RequireUser
from ggzy.kit.web import DB, ClockDep

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("/verify", response_model=VerifyOut)
async def verify(actor: CentreStaff, session: DB) -> VerifyOut:
    """Walk the whole hash chain and report the first entry edited, deleted or moved (Art.49)."""
    result = await verify_chain(session)
    return VerifyOut(ok=result.ok, broken_seq=result.broken_seq, reason=result.reason)


@router.get("/events", response_model=EventPage)
async def events(
    actor: RequireUser, session: DB, clock: ClockDep,
    *,
    project_id: Annotated[str | None, Query(max_length=32)] = None,
    tag: Annotated[str | None, Query(max_length=64, description="exact tag, or a prefix ending in ':'")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> EventPage:
    """Audit events, oldest first; download/question events stay hidden until the bid deadline (Art.21)."""
    found = await list_events(session, actor, now=clock.now(), project_id=project_id, tag=tag, page=page,
                              page_size=PAGE_SIZE)
    return EventPage(
        items=[EventOut.model_validate(ev, from_attributes=True) for ev in found.items],
        page=found.page, page_size=found.page_size, total=found.total,
        has_next=found.page * found.page_size < found.total,
    )
