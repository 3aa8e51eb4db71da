"""JSON API of the supervision domain: suspension of trading (暂停交易) and its resumption, and the board."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from ggzy.auth.deps import RequireUser
from ggzy.kit.web import DB, ClockDep
from ggzy.supervision import board as board_service
from ggzy.supervision import service
from ggzy.supervision.models import SuspensionStatus
from ggzy.supervision.schemas import DecisionIn, SuspensionIn, SuspensionOut

router = APIRouter(prefix="/api", tags=["supervision"])

OptionalDecision = Annotated[DecisionIn | None, Body()]


@router.post("/suspensions", status_code=201, response_model=SuspensionOut)
async def request_suspension(
    *, body: SuspensionIn, request: Request, actor: RequireUser, session: DB, clock: ClockDep
) -> SuspensionOut:
    """Centre staff: suspend the platform (at once) or ask to suspend a project (needs its line's supervisor)."""
    s = await service.request_suspension(
        session, actor, scope=body.scope, project_id=body.project_id, reason=body.reason, now=clock.now(),
        broker=request.app.state.broker,
    )
    return SuspensionOut.model_validate(s)


@router.get("/suspensions", response_model=list[SuspensionOut])
async def list_suspensions(
    actor: RequireUser, session: DB, status: Annotated[SuspensionStatus | None, Query()] = None
) -> list[SuspensionOut]:
    """Centre staff see every suspension; a supervisor sees platform-wide ones and those of its lines."""
    return [SuspensionOut.model_validate(s) for s in await service.list_suspensions(session, actor, status=status)]


@router.get("/suspensions/{suspension_id}", response_model=SuspensionOut)
async def get_suspension(suspension_id: str, actor: RequireUser, session: DB) -> SuspensionOut:
    return SuspensionOut.model_validate(await service.get_suspension(session, actor, suspension_id))


@router.post("/suspensions/{suspension_id}/approve", response_model=SuspensionOut)
async def approve_suspension(
    *, suspension_id: str, request: Request, actor: RequireUser, session: DB, clock: ClockDep,
    body: OptionalDecision = None,
) -> SuspensionOut:
    """A supervisor of the project's trading line approves: trading on the project stops now."""
    s = await service.approve_suspension(
        session, actor, suspension_id, note=body.note if body else "", now=clock.now(),
        broker=request.app.state.broker,
    )
    return SuspensionOut.model_validate(s)


@router.post("/suspensions/{suspension_id}/reject", response_model=SuspensionOut)
async def reject_suspension(
    *, suspension_id: str, request: Request, actor: RequireUser, session: DB, clock: ClockDep,
    body: OptionalDecision = None,
) -> SuspensionOut:
    """A supervisor of the project's trading line refuses the request."""
    s = await service.reject_suspension(
        session, actor, suspension_id, note=body.note if body else "", now=clock.now(),
        broker=request.app.state.broker,
    )
    return SuspensionOut.model_validate(s)


@router.post("/suspensions/{suspension_id}/resume", response_model=SuspensionOut)
async def resume_trading(
    *, suspension_id: str, request: Request, actor: RequireUser, session: DB, clock: ClockDep,
    body: OptionalDecision = None,
) -> SuspensionOut:
    """Centre staff resume trading: every running deadline moves by the suspension's length."""
    s = await service.resume_trading(
        session, actor, suspension_id, note=body.note if body else "", now=clock.now(),
        broker=request.app.state.broker,
    )
    return SuspensionOut.model_validate(s)


@router.get("/supervision/board")
async def board(session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """The regulators' board: the running tenders and lots of the actor's lines, by stage (never bid data)."""
    b = await board_service.board(session, actor, now=clock.now())
    return {
        "lines": b.lines,
        "tenders": [{"id": r.tender.id, "code": r.tender.code, "title": r.tender.title, "line": str(r.tender.line),
                     "project_id": r.project.id, "status": str(r.tender.status), "bid_deadline": r.tender.bid_deadline,
                     "opening_status": r.opening_status, "open_objections": r.open_objections,
                     "open_complaints": r.open_complaints, "suspended": r.suspended} for r in b.tenders],
        "lots": [{"id": r.lot.id, "code": r.lot.code, "title": r.lot.title, "line": r.lot.line,
                  "status": str(r.lot.status), "listing_end": r.lot.listing_end, "ends_at": r.lot.ends_at,
                  "suspended": r.suspended} for r in b.lots],
        "alerts": [{"id": n.id, "kind": n.kind, "title_zh": n.title_zh, "title_en": n.title_en, "link": n.link,
                    "created_at": n.created_at, "read": n.read_at is not None} for n in b.alerts],
    }
