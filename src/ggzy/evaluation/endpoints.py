"""JSON API of the evaluation room (glue: every write is one service call)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from ggzy.auth.deps import CurrentActor, RequireUser
from ggzy.evaluation import report, review, scoring, service
from ggzy.evaluation.models import ClarificationRequest
from ggzy.evaluation.schemas import (
    AnswerIn,
    ChairVoteIn,
    ClarificationIn,
    ConfirmIn,
    DissentIn,
    OpinionIn,
    ReasonIn,
    ScoresIn,
)
from ggzy.kit.web import DB, ClockDep
from ggzy.storage.blobstore import BlobsDep

router = APIRouter(prefix="/api", tags=["evaluation"])
BASE = "/tenders/{tender_id}/evaluation"


def _status(ev: Any) -> dict[str, Any]:
    return {"evaluation_id": ev.id, "status": str(ev.status), "chair_member_id": ev.chair_member_id,
            "submitted_at": ev.submitted_at, "reported_at": ev.reported_at, "confirm_until": ev.confirm_until,
            "report_pdf_sha256": ev.report_pdf_sha256, "rejected_lots": ev.rejected_lots}


def _clarification(c: ClarificationRequest) -> dict[str, Any]:
    return {"id": c.id, "entry_id": c.entry_id, "question": c.question, "asked_at": c.asked_at,
            "deadline": c.deadline, "status": str(c.status), "answer": c.answer, "answered_at": c.answered_at}


@router.post(BASE, status_code=201)
async def start(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """Centre staff open the session (tender `opened`, committee draw decided, every seat accepted)."""
    return _status(await service.start_evaluation(session, actor, tender_id, now=clock.now()))


@router.get(BASE)
async def get_room(tender_id: str, session: DB, actor: CurrentActor, clock: ClockDep) -> dict[str, Any]:
    """The room as the caller may see it: members and watchers (centre staff, the line's supervisor); 404 for
    anyone else, the public included."""
    return service.view_json(await service.room_view(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/chair-votes", status_code=201)
async def vote(tender_id: str, body: ChairVoteIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """One vote per member; a majority of the committee elects the chair (Evaluation Rules Art.9)."""
    return _status(await service.vote_chair(session, actor, tender_id, body.member_id, now=clock.now()))


@router.put(f"{BASE}/entries/{{entry_id}}/opinion")
async def opinion(tender_id: str, entry_id: str, *, body: OpinionIn, session: DB, actor: RequireUser,
                  clock: ClockDep) -> dict[str, Any]:
    """A member's pass / fail on one bid (reason required on fail)."""
    row = await review.give_opinion(session, actor, tender_id, entry_id, passed=body.passed, reason=body.reason,
                                    now=clock.now())
    return {"entry_id": row.entry_id, "passed": row.passed, "reason": row.reason, "at": row.at}


@router.post(f"{BASE}/close-review")
async def close_review(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """The chair fixes every bid's conclusion (majority; automatic reasons bind); scoring starts."""
    return _status(await review.close_review(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/lots/{{lot_id}}/reject-all")
async def reject_all(tender_id: str, lot_id: str, *, body: ReasonIn, session: DB, actor: RequireUser,
                     clock: ClockDep) -> dict[str, Any]:
    """Fewer than 3 valid bids in the lot: the committee rejects them all (Evaluation Rules Art.27)."""
    return _status(await review.reject_lot(session, actor, tender_id, lot_id, body.reason, now=clock.now()))


@router.post(f"{BASE}/clarifications", status_code=201)
async def ask(tender_id: str, body: ClarificationIn, session: DB, actor: RequireUser,
              clock: ClockDep) -> dict[str, Any]:
    """A member asks one bidder in writing with a deadline (Bidding Regs Art.52; MOF 87 Art.51)."""
    row = await review.ask_clarification(session, actor, tender_id, body.entry_id, question=body.question,
                                         deadline=body.deadline, now=clock.now())
    return _clarification(row)


@router.get(f"{BASE}/clarifications/mine")
async def mine(tender_id: str, session: DB, actor: RequireUser) -> list[dict[str, Any]]:
    """A bidder's own clarification requests on this tender (never anyone else's)."""
    return [_clarification(c) for c in await review.bidder_clarifications(session, actor, tender_id)]


@router.post(f"{BASE}/clarifications/{{clarification_id}}/answer")
async def answer(tender_id: str, clarification_id: str, *, body: AnswerIn, session: DB, actor: RequireUser,
                 clock: ClockDep) -> dict[str, Any]:
    """The bidder answers before the deadline; after it: 409 evaluation.clarification_closed."""
    row = await review.answer_clarification(session, actor, tender_id, clarification_id, body.answer, now=clock.now())
    return _clarification(row)


@router.put(f"{BASE}/scores")
async def scores(tender_id: str, body: ScoresIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """Fill cells of one's own sheet; any cell out of [0, max] refuses all (422 evaluation.score_out_of_bounds)."""
    cells = [scoring.Cell(c.entry_id, c.criterion_id, c.score) for c in body.scores]
    rows = await scoring.save_scores(session, actor, tender_id, cells, now=clock.now())
    return {"saved": len(rows)}


@router.post(f"{BASE}/sheet/submit")
async def submit_sheet(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """Hand in one's complete sheet; it cannot change afterwards."""
    row = await scoring.submit_sheet(session, actor, tender_id, now=clock.now())
    return {"member_id": row.member_id, "at": row.at}


@router.put(f"{BASE}/dissent")
async def dissent(tender_id: str, body: DissentIn, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """异议意见 (Evaluation Rules Art.43)."""
    row = await scoring.write_dissent(session, actor, tender_id, body.body, now=clock.now())
    return {"member_id": row.member_id, "body": row.body, "at": row.at}


@router.post(f"{BASE}/submit")
async def submit(tender_id: str, session: DB, actor: RequireUser, clock: ClockDep) -> dict[str, Any]:
    """The chair submits (every sheet in): ranking and 1-3 candidates per lot. Twice: 409
    evaluation.already_submitted."""
    return _status(await scoring.submit_evaluation(session, actor, tender_id, now=clock.now()))


@router.post(f"{BASE}/report/confirm")
async def confirm(tender_id: str, *, body: ConfirmIn, session: DB, actor: RequireUser, clock: ClockDep,
                  blobs: BlobsDep) -> dict[str, Any]:
    """A member signs the report (optionally with a dissent); the last signature makes it final."""
    ev = await report.confirm_report(session, actor, tender_id, dissent=body.dissent, now=clock.now(), blobs=blobs)
    return _status(ev)


@router.get(f"{BASE}/entries/{{entry_id}}/envelope")
async def envelope(tender_id: str, entry_id: str, *, session: DB, actor: RequireUser, clock: ClockDep,
                   blobs: BlobsDep) -> StreamingResponse:
    """The bid's sealed envelope for a member (the documents inside are decrypted client-side)."""
    bid, entry = await service.envelope(session, actor, tender_id, entry_id, now=clock.now(), blobs=blobs)

    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in blobs.open(bid.sha256):
            yield chunk

    return StreamingResponse(chunks(), media_type="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="bid-{entry.id}.ggzyenv"', "X-Content-SHA256": bid.sha256,
        "Cache-Control": "no-store"})
