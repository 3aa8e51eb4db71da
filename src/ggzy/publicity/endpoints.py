"""JSON API of candidate publicity (中标候选人公示) and objections (异议 / 质疑): glue, one service call per write."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.kit.web import DB, ClockDep
from ggzy.publicity import service
from ggzy.publicity.schemas import AnswerIn, ObjectionIn, ObjectionOut, PublicityOut, PublishIn

router = APIRouter(prefix="/api", tags=["publicity"])


@router.get("/tenders/{tender_id}/publicity")
async def get_publicity(tender_id: str, session: DB, actor: CurrentActor, clock: ClockDep) -> dict[str, Any]:
    """The latest publicity (public) and the objections the caller may see (its own; all for the managers, the
    centre and the line's supervisor)."""
    v = await service.view(session, actor, tender_id, now=clock.now())
    return {
        "publicity": PublicityOut.model_validate(v.publicity).model_dump(mode="json") if v.publicity else None,
        "objections": [ObjectionOut.model_validate(o).model_dump(mode="json") for o in v.objections],
        "can_publish": v.can_publish, "can_object": v.can_object, "open_complaints": v.open_complaints,
    }


@router.post("/tenders/{tender_id}/publicity", status_code=201, response_model=PublicityOut)
async def publish(tender_id: str, body: PublishIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    """The agency or tenderer publishes the candidates: within 3 days of the report, open ≥ 3 days (Bidding Regs
    Art.54). Construction only (procurement publishes its result notice with the award)."""
    return await service.publish_candidates(session, actor, tender_id, window_days=body.window_days, now=clock.now())


@router.post("/tenders/{tender_id}/objections", status_code=201, response_model=ObjectionOut)
async def file_objection(tender_id: str, body: ObjectionIn, session: DB, actor: RequireUser,
                         clock: ClockDep) -> Any:
    """A bidder objects inside the window only (after it: 409 publicity.window_closed, nothing written); the
    process pauses until the answer."""
    return await service.file_objection(session, actor, tender_id, body=body.body, lot_id=body.lot_id,
                                        now=clock.now())


@router.get("/tenders/{tender_id}/objections", response_model=list[ObjectionOut])
async def list_objections(tender_id: str, session: DB, actor: RequireUser) -> Any:
    return await service.list_objections(session, actor, tender_id)


@router.post("/objections/{objection_id}/answer", response_model=ObjectionOut)
async def answer(objection_id: str, body: AnswerIn, session: DB, actor: RequireUser, clock: ClockDep) -> Any:
    """The tenderer or its agency answers in writing: dismissed, or upheld with its remedy."""
    return await service.answer_objection(session, actor, objection_id, answer=body.answer, upheld=body.upheld,
                                          remedy=body.remedy, candidate_id=body.candidate_id, now=clock.now())
