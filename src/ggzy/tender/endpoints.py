"""JSON API of tenders: drafts, announcement, corrections, cancellation."""

from __future__ import annotations

from fastapi import APIRouter

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.kit.web import DB, ClockDep
from ggzy.tender import service
from ggzy.tender.models import TenderStatus
from ggzy.tender.schemas import (
    CancelIn,
    CoefficientRange,
    CorrectionIn,
    Custodian,
    LotOut,
    Message,
    TenderCreate,
    TenderOut,
    TenderUpdate,
)
from ggzy.tender.service import TenderView

router = APIRouter(prefix="/api", tags=["tender"])


def tender_out(v: TenderView) -> TenderOut:
    """The API view of a tender; `warnings` tells staff when a date is provisional."""
    t = v.tender
    return TenderOut(
        id=t.id, code=t.code, project_id=t.project_id, title=t.title, line=t.line, status=t.status,
        ruleset_version=t.ruleset_version, agency_org_id=t.agency_org_id, tenderer_org_id=t.tenderer_org_id,
        evaluation_method=t.evaluation_method, has_rescue_plan=t.has_rescue_plan, description=t.description,
        qualification=t.qualification, doc_start=t.doc_start, doc_end=t.doc_end,
        question_deadline=t.question_deadline, bid_deadline=t.bid_deadline,
        deadline_provisional=t.deadline_provisional, decryption_window_minutes=t.decryption_window_minutes,
        max_bid_bytes=t.max_bid_bytes, rescue_threshold=t.rescue_threshold,
        rescue_custodians=[Custodian.model_validate(c) for c in t.rescue_custodians or []],
        coefficient_range=CoefficientRange.model_validate(t.coefficient_range) if t.coefficient_range else None,
        evaluation_plan=t.evaluation_plan, published_at=t.published_at,
        lots=[LotOut.model_validate(lot) for lot in v.lots],
        warnings=[Message(code=c, zh=zh, en=en) for c, zh, en in v.warnings],
        notice_id=v.notice.id if v.notice else None, deadline_moved=v.deadline_moved,
    )


@router.post("/tenders", status_code=201, response_model=TenderOut)
async def create(body: TenderCreate, session: DB, actor: RequireUser, clock: ClockDep) -> TenderOut:
    """Create a draft tender on an admitted construction or procurement project."""
    return tender_out(await service.create_tender(session, actor, body, now=clock.now()))


@router.get("/tenders", response_model=list[TenderOut])
async def list_tenders(session: DB, actor: CurrentActor, status: TenderStatus | None = None,
                       mine: bool = False) -> list[TenderOut]:
    """Tenders the caller may see (published ones are public); `mine=true` for the caller's own."""
    found = await service.list_tenders(session, actor, status=status, mine=mine)
    lots = await service.lots_of(session, found)
    return [tender_out(service.view(t, lots[t.id])) for t in found]


@router.get("/tenders/{tender_id}", response_model=TenderOut)
async def get(tender_id: str, session: DB, actor: CurrentActor) -> TenderOut:
    return tender_out(await service.get_tender(session, actor, tender_id))


@router.patch("/tenders/{tender_id}", response_model=TenderOut)
async def update(tender_id: str, body: TenderUpdate, session: DB, actor: RequireUser, clock: ClockDep) -> TenderOut:
    """Change a draft."""
    return tender_out(await service.update_tender(session, actor, tender_id, body, now=clock.now()))


@router.post("/tenders/{tender_id}/publish", response_model=TenderOut)
async def publish(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> TenderOut:
    """Publish the announcement (招标公告), checked against the tender's ruleset at the server's time."""
    return tender_out(await service.publish_announcement(session, actor, tender_id, now=clock.now()))


@router.post("/tenders/{tender_id}/corrections", status_code=201, response_model=TenderOut)
async def correct(tender_id: str, body: CorrectionIn, session: DB, actor: RequireUser, clock: ClockDep) -> TenderOut:
    """Publish a correction (更正公告); `deadline_moved` says whether the 15-day rule moved the deadline."""
    return tender_out(await service.publish_correction(session, actor, tender_id, body, now=clock.now()))


@router.post("/tenders/{tender_id}/cancel", response_model=TenderOut)
async def cancel(tender_id: str, body: CancelIn, session: DB, actor: RequireUser, clock: ClockDep) -> TenderOut:
    """Terminate a tender with a reason."""
    return tender_out(await service.cancel_tender(session, actor, tender_id, body.reason, now=clock.now()))
