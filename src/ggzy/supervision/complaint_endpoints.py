"""JSON API of complaints (投诉): the objector files, the line's supervisor accepts, refuses and decides (glue)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from ggzy.auth.deps import RequireUser
from ggzy.kit.web import DB, ClockDep
from ggzy.supervision import complaints as service
from ggzy.supervision.models import ComplaintStatus
from ggzy.supervision.schemas import AcceptIn, ComplaintIn, ComplaintOut, DecideIn, RefuseIn

router = APIRouter(prefix="/api", tags=["complaints"])


@router.post("/objections/{objection_id}/complaint", status_code=201, response_model=ComplaintOut)
async def file_complaint(objection_id: str, body: ComplaintIn, session: DB, actor: RequireUser,
                         clock: ClockDep) -> Any:
    """The objector complains once its objection is answered (or unanswered past its answer period): within 10
    days (Bidding Regs Art.60) / 15 working days (GP Law Art.55); later → 409 complaint.window_closed."""
    return await service.file_complaint(session, actor, objection_id, body=body.body, now=clock.now())


@router.get("/complaints", response_model=list[ComplaintOut])
async def list_complaints(session: DB, actor: RequireUser, status: Annotated[ComplaintStatus | None, Query()] = None,
                          tender_id: Annotated[str | None, Query(max_length=32)] = None) -> Any:
    """A supervisor: its lines' complaints; centre staff: all; a bidder: its own; a tenderer or agency: those about
    its tenders."""
    return await service.list_complaints(session, actor, status=status, tender_id=tender_id)


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
async def get_complaint(complaint_id: str, session: DB, actor: RequireUser) -> Any:
    return await service.get_complaint(session, actor, complaint_id)


@router.post("/complaints/{complaint_id}/accept", response_model=ComplaintOut)
async def accept(complaint_id: str, *, body: AcceptIn, request: Request, session: DB, actor: RequireUser,
                 clock: ClockDep) -> Any:
    """受理 (within 3 working days, Bidding Regs Art.61), optionally suspending the project (Art.62)."""
    return await service.accept_complaint(session, actor, complaint_id, suspend=body.suspend, note=body.note,
                                          now=clock.now(), broker=request.app.state.broker)


@router.post("/complaints/{complaint_id}/refuse", response_model=ComplaintOut)
async def refuse(complaint_id: str, body: RefuseIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    """不予受理, with the reason."""
    return await service.refuse_complaint(session, actor, complaint_id, reason=body.reason, now=clock.now())


@router.post("/complaints/{complaint_id}/decide", response_model=ComplaintOut)
async def decide(complaint_id: str, *, body: DecideIn, request: Request, session: DB, actor: RequireUser,
                 clock: ClockDep) -> Any:
    """The written decision (within 30 working days, Art.61), published as a notice; upheld applies its remedy."""
    return await service.decide_complaint(session, actor, complaint_id, upheld=body.upheld, text=body.decision,
                                          remedy=body.remedy, candidate_id=body.candidate_id, now=clock.now(),
                                          broker=request.app.state.broker)
